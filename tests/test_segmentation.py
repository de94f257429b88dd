"""Unit tests of mlpc_helpers.segmentation (baselines, crops, derived physics)."""

import numpy as np
import pytest

from mlpc_helpers import imaging, metrics, segmentation


def _disks(shape=(64, 64), centers=((16, 16), (40, 44)), radius=6, cls=1):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    m = np.zeros(shape, dtype=np.uint8)
    for r, c in centers:
        m[(yy - r) ** 2 + (xx - c) ** 2 <= radius**2] = cls
    return m


def test_random_crops_shapes_alignment_and_seed():
    img = np.arange(2 * 32 * 32, dtype=float).reshape(2, 32, 32)
    x, y = segmentation.random_crops(img, img.astype(np.int64), 8, 5, random_state=1)
    assert x.shape == (5, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (5, 8, 8) and y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0], y)  # the same window of image and mask
    x2, _ = segmentation.random_crops(img, img.astype(np.int64), 8, 5, random_state=1)
    np.testing.assert_array_equal(x, x2)
    with pytest.raises(ValueError, match="crop size"):
        segmentation.random_crops(img, img, 64, 1)


def test_otsu_segment_finds_dark_disks_and_small_ones_as_fine():
    m = _disks(centers=((16, 16), (44, 44)), radius=8)
    m[5:7, 50:52] = 2  # a small dark particle of 4 px
    img = np.where(m > 0, 0.0, 1.0) + 0.05 * np.random.default_rng(0).normal(size=m.shape)
    pred = segmentation.otsu_segment(img, sigma=0.5, fine_max_area=10)
    assert pred.shape == m.shape
    assert metrics.iou(m, pred, 3)[1] > 0.9
    assert pred[5:7, 50:52].tolist() == [[2, 2], [2, 2]]


def test_filter_bank_forest_learns_and_refuses_before_fit():
    from sklearn.exceptions import NotFittedError

    m = np.stack([_disks(), _disks(centers=((20, 40),))])
    rng = np.random.default_rng(1)
    img = np.where(m > 0, 0.0, 1.0) + 0.3 * rng.normal(size=m.shape)
    f = segmentation.FilterBankForest(sigma_max=4, n_pixels=400, n_estimators=10,
                                      random_state=0)
    with pytest.raises(NotFittedError):
        f.predict(img)
    f.fit(img, m)
    assert len(f.feature_names_) == 12 and f.features(img[0]).shape == (1, 64, 64, 12)
    assert metrics.iou(m, f.predict(img), 2)[1] > 0.8
    assert f.predict(img[0]).shape == (64, 64)


def test_area_fraction_and_particle_sizes():
    m = _disks(radius=6)
    np.testing.assert_allclose(segmentation.area_fraction(m, 1), [(m == 1).mean()])
    d = segmentation.particle_sizes(m, 1)
    assert len(d) == 2
    np.testing.assert_allclose(d, np.sqrt(4 * (m == 1).sum() / 2 / np.pi))
    assert abs(d[0] - 12) < 1  # a disk of radius 6 px: diameter ~12 px
    edge = _disks(centers=((0, 30),))
    assert len(segmentation.particle_sizes(edge, 1)) == 0  # cut by the border
    assert len(segmentation.particle_sizes(edge, 1, exclude_border=False)) == 1
    assert np.isnan(segmentation.mean_particle_size(edge, 1)[0])


def test_boundary_band_and_error_rates():
    m = np.zeros((10, 10), int)
    m[:, 5:] = 1
    band = segmentation.boundary_band(m, width=1)
    assert band[:, 3:7].all() and not band[:, :3].any() and not band[:, 7:].any()
    p = m.copy()
    p[:, 5] = 0  # one wrong column at the interface
    r = segmentation.error_rate_by_region(m, p, width=1)
    assert r["share of errors near boundaries"] == 1.0
    assert r["error rate elsewhere"] == 0.0


def test_parameter_counts():
    assert segmentation.mlp_parameters([4, 3, 2]) == 4 * 3 + 3 + 3 * 2 + 2
    assert segmentation.conv_parameters([1, 8]) == 8 * 9 + 8
    assert segmentation.conv_parameters([1, 8, 8], bias=False) == 72 + 576
    with pytest.raises(ValueError):
        segmentation.mlp_parameters([5])


def test_add_ramp_is_zero_mean_and_not_removed_by_standardize():
    img = np.ones((1, 8, 8))
    img[0, ::2] = 3.0
    r = segmentation.add_ramp(img, 1.0)
    np.testing.assert_allclose(r.mean(), img.mean(), atol=1e-6)
    assert not np.allclose(imaging.standardise(r), imaging.standardise(img))


def test_segmentation_module_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, mlpc_helpers.segmentation; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"
