"""Generators of microstructures with known truth, and the conductivity model."""

import numpy as np
import pytest

from mlpc_helpers.synthetic import microstructure as ms


def test_conductivity_limits_uniform_parallel_series():
    assert ms.effective_conductivity(np.ones((8, 8), bool), 1.0, 0.01) == pytest.approx(1.0)
    assert ms.effective_conductivity(np.zeros((8, 8), bool), 1.0, 0.01) == pytest.approx(0.01)
    layers = np.zeros((8, 8), bool)
    layers[::2] = True  # layers along x: parallel (Wiener upper bound)
    b = ms.conductivity_bounds(0.5, 1.0, 0.01)
    assert ms.effective_conductivity(layers) == pytest.approx(b["wiener_upper"])
    assert ms.effective_conductivity(layers.T) == pytest.approx(b["wiener_lower"])
    with pytest.raises(ValueError, match="2-D"):
        ms.effective_conductivity(np.zeros((2, 4, 4), bool))


def test_random_field_conductivity_lies_within_hashin_shtrikman():
    img = ms.two_phase((48, 48), 0.4, 2.5, random_state=3)
    s = ms.effective_conductivity(img, 1.0, 0.1)
    b = ms.conductivity_bounds(img.mean(), 1.0, 0.1)
    assert b["wiener_lower"] <= b["hs_lower"] < s < b["hs_upper"] <= b["wiener_upper"]


def test_arrangement_matters_rotation_changes_conductivity():
    img = ms.two_phase((64, 64), 0.5, (1.5, 6.0), random_state=0)  # elongated along x
    assert ms.effective_conductivity(img) > 2 * ms.effective_conductivity(img.T)


def test_specimen_batch_is_seeded_and_shaped():
    a = ms.specimen_batch(4, (32, 32), random_state=1, progress=False)
    b = ms.specimen_batch(4, (32, 32), random_state=1, progress=False)
    assert a.images.shape == (4, 32, 32) and a.sigma_eff.shape == (4,)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_allclose(a.sigma_eff, b.sigma_eff)
    assert set(a.params.columns) == {"volume_fraction", "correlation_length", "anisotropy"}
    np.testing.assert_allclose(a.images.mean(axis=(1, 2)), a.params.volume_fraction, atol=1e-3)


def test_voronoi_polycrystal_grain_count_and_seed():
    lab = ms.voronoi_polycrystal((128, 128), 256.0, random_state=0)
    assert lab.shape == (128, 128) and lab.dtype == np.int32
    assert lab.max() + 1 == 64
    np.testing.assert_array_equal(lab, ms.voronoi_polycrystal((128, 128), 256.0, random_state=0))
    assert not np.array_equal(lab, ms.voronoi_polycrystal((128, 128), 256.0, random_state=1))
    with pytest.raises(ValueError, match="larger than the image"):
        ms.voronoi_polycrystal((8, 8), 1000.0)


def test_truths():
    t = ms.two_phase_truth(0.5, (2.0, 4.0))
    assert t["P_L_y"] == pytest.approx(2 * t["P_L_x"])  # shorter length along y
    p = ms.polycrystal_truth(400.0, (256, 256), 1.0)
    assert p["N_A_per_mm2"] == pytest.approx(round(256**2 / 400) / 0.256**2)


def test_patches_and_render():
    imgs = np.arange(2 * 8 * 8).reshape(2, 8, 8)
    tiles, groups = ms.patches(imgs, 4)
    assert tiles.shape == (32, 2, 2) and list(groups[:16]) == [0] * 16
    np.testing.assert_array_equal(tiles[1], imgs[0, 0:2, 2:4])
    with pytest.raises(ValueError, match="divisible"):
        ms.patches(np.zeros((1, 10, 10)), 4)
    grey, session = ms.render_micrograph(np.ones((16, 16), bool), random_state=0, noise=0.0)
    assert np.allclose(grey, session["brightness"] + session["contrast"])
