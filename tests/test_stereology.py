"""Stereological estimators against the generators' truth."""

import numpy as np
import pytest

from mlpc_helpers.features import stereology as st
from mlpc_helpers.synthetic import microstructure as ms


@pytest.mark.parametrize("vf", [0.2, 0.5])
def test_point_count_vv(vf):
    img = ms.two_phase((256, 256), vf, 3.0, random_state=0)
    assert abs(st.point_count_vv(img, spacing=4) - vf) < 0.02
    assert st.point_count_vv(np.ones((8, 8), bool)) == 1.0


@pytest.mark.parametrize("length", [3.0, (2.0, 5.0)])
def test_intercepts_and_sv_match_rice_formula(length):
    truth = ms.two_phase_truth(0.4, length)
    est = [ms.two_phase((256, 256), 0.4, length, random_state=s) for s in range(4)]
    plx = np.mean([st.intercept_counts(e, 1, periodic=True) for e in est])
    ply = np.mean([st.intercept_counts(e, 0, periodic=True) for e in est])
    assert plx == pytest.approx(truth["P_L_x"], rel=0.04)
    assert ply == pytest.approx(truth["P_L_y"], rel=0.04)
    sv = np.mean([st.surface_density(e, periodic=True) for e in est])
    assert sv == pytest.approx(truth["S_V"], rel=0.04)


def test_intercepts_count_known_stripes():
    img = np.zeros((4, 10), bool)
    img[:, 5:] = True
    assert st.intercept_counts(img, 1) == pytest.approx(4 / 36)  # one crossing per row
    assert st.intercept_counts(img, 1, periodic=True) == pytest.approx(8 / 40)
    assert st.intercept_counts(img, 0) == 0
    with pytest.raises(ValueError, match="axis"):
        st.intercept_counts(img, 2)


def _stripes(period: int, n: int = 128) -> np.ndarray:
    """Vertical stripes, half-period wide: a periodic two-phase bool map."""
    x = np.arange(n)
    return np.tile((x % period) < period // 2, (n, 1))


def test_chord_and_spacing_of_stripes_all_lines_pooled():
    m = _stripes(16)
    # rows cross 15 interfaces per 128 px, columns none; P_L pools all rows and columns
    rows = 128 * 127
    crossings = 128 * (2 * 8 - 1)
    assert st.intercept_counts(m) == pytest.approx(crossings / (2 * rows))
    assert st.intercept_counts(m, pixel_size=2.0) == pytest.approx(crossings / (4 * rows))
    # along rows alone the chord is 8 px; the columns add line length without ends
    assert st.mean_chord_length(m) == pytest.approx(2 * 0.5 / st.intercept_counts(m))
    assert st.mean_spacing(m) == pytest.approx(2 * st.mean_chord_length(m))
    assert st.mean_chord_length(np.ones((8, 8), bool)) == np.inf
    assert st.surface_density(m) == pytest.approx(2 * st.intercept_counts(m))
    labels = m.astype(np.uint8) * 2  # a class map: the phase is class 2
    assert st.intercept_counts(labels, phase=2) == st.intercept_counts(m)
    assert st.mean_chord_length(labels, phase=2) == st.mean_chord_length(m)
    with pytest.raises(ValueError, match="floats"):
        st.intercept_counts(labels.astype(float), phase=2)


def test_astm_grain_size_matches_voronoi_truth():
    for area in (200.0, 600.0):
        truth = ms.polycrystal_truth(area, (256, 256), 0.5)
        lab = ms.voronoi_polycrystal((256, 256), area, random_state=0)
        intercept_um = st.mean_lineal_intercept(lab, 0.5, periodic=True)
        assert intercept_um == pytest.approx(truth["mean_intercept_um"], rel=0.06)
        g = st.astm_grain_size_from_intercept(intercept_um * 1e-3)
        assert abs(g - truth["G"]) < 0.2


def test_astm_reference_points():
    # ASTM E112: G = 0 at 1 grain per square inch at 100x = 15.5 grains/mm^2 at 1x
    assert st.astm_grain_size_from_intercept(0.032) == pytest.approx(6.64, abs=0.05)


def test_transformer_shapes_and_errors():
    imgs = np.stack([ms.two_phase((32, 32), 0.3, 2.0, random_state=s) for s in range(3)])
    X = st.StereologyFeatures().fit_transform(imgs)
    assert X.shape == (3, 3)
    with pytest.raises(ValueError, match="stack"):
        st.StereologyFeatures().fit(imgs).transform(imgs[0])
    with pytest.raises(ValueError, match="2-D image"):
        st.point_count_vv(imgs)
