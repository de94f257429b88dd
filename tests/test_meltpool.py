"""The synthetic melt-pool frame generator."""

import numpy as np
import pytest

from mlpc_helpers import control_charts
from mlpc_helpers.synthetic import meltpool


def test_nominal_frames_shape_range_and_seed():
    a = meltpool.nominal(5, 0)
    b = meltpool.nominal(5, 0)
    assert a.shape == (5, meltpool.FRAME_SIZE, meltpool.FRAME_SIZE) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    assert np.array_equal(a, b)
    assert not np.array_equal(a, meltpool.nominal(5, 1))


def test_nominal_pool_is_bright_blob_with_saturated_core_and_dark_background():
    f = meltpool.nominal(20, 0)
    assert (f.max(axis=(1, 2)) == 1.0).all()  # hot core saturates the camera
    assert np.median(f) < 0.1  # most of the frame is dark background
    feats = control_charts.melt_pool_features(f)
    assert feats.area_px.between(100, 2000).all()


def test_anomaly_types_change_the_features_physically():
    rng = np.random.default_rng(0)
    feats = {k: control_charts.melt_pool_features(meltpool.frames([k] * 40, rng))
             for k in ("nominal", *meltpool.ANOMALY_TYPES)}
    nom = feats["nominal"]
    assert feats["keyhole"].eccentricity.median() > nom.eccentricity.median() + 0.05
    assert feats["lack_of_fusion"].area_px.median() < 0.7 * nom.area_px.median()
    for k in ("spatter", "hotspot", "plume"):  # outline at the 0.3 isotherm stays normal
        assert abs(feats[k].area_px.median() / nom.area_px.median() - 1) < 0.1, k
        assert abs(feats[k].eccentricity.median() - nom.eccentricity.median()) < 0.03, k
    assert set(meltpool.GEOMETRIC) == set(meltpool.ANOMALY_TYPES)
    assert [k for k, g in meltpool.GEOMETRIC.items() if g] == ["keyhole", "lack_of_fusion"]


def test_non_geometric_anomalies_change_the_light_not_the_outline():
    rng = np.random.default_rng(1)
    nom = meltpool.nominal(30, rng, gain=1.0)
    spat = meltpool.frames(["spatter"] * 30, rng, gain=1.0)
    plume = meltpool.frames(["plume"] * 30, rng, gain=1.0)
    hot = meltpool.frames(["hotspot"] * 30, rng, gain=1.0)
    # spatter: extra bright regions apart from the pool
    from skimage.measure import label

    def n_regions(frames):
        return np.mean([label(f > 0.3).max() for f in frames])

    assert n_regions(spat) > n_regions(nom) + 1
    # plume: more faint light (0.05-0.3) around the pool
    faint = [((f > 0.05) & (f < 0.3)).sum() for f in (nom, plume)]
    assert faint[1] > 1.3 * faint[0]
    # hot spot: the saturated core lies farther from the pool's front than in nominal frames
    def core_to_centroid(f):
        sat = np.argwhere(f >= 1.0).mean(0)
        pool = np.argwhere(f > 0.3).mean(0)
        return np.linalg.norm(sat - pool)

    assert (np.median([core_to_centroid(f) for f in hot])
            < np.median([core_to_centroid(f) for f in nom]))


def test_gain_controls_brightness():
    dark = meltpool.nominal(20, 0, gain=0.6)
    bright = meltpool.nominal(20, 0, gain=1.4)
    assert bright.mean() > dark.mean()
    x = meltpool.rescale_brightness(np.full((3, 4, 4), 0.5), (2.0, 2.0), 0)
    assert np.allclose(x, 1.0)


def test_stream_mix_is_fixed_and_reproducible():
    frames, kinds = meltpool.stream(200, 3)
    assert frames.shape[0] == 200 and len(kinds) == 200
    n_anom = (kinds != "nominal").sum()
    assert n_anom == round(200 * meltpool.ANOMALY_FRACTION)
    for k, share in meltpool.ANOMALY_MIX.items():
        assert abs((kinds == k).sum() - share * n_anom) <= 1
    _, kinds2 = meltpool.stream(200, 3)
    assert np.array_equal(kinds, kinds2)


def test_bad_kind_raises():
    with pytest.raises(ValueError, match="Unknown frame kind"):
        meltpool.frames(["nominal", "porosity"], 0)
    with pytest.raises(ValueError, match="anomaly_fraction"):
        meltpool.stream(10, 0, anomaly_fraction=1.5)
