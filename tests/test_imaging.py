"""Duplicate finding, the simulated second microscope, harmonisation and augmentation."""

import numpy as np
import pytest

from mlpc_helpers import imaging, metrics
from mlpc_helpers.validation import MLPCInputError


def _stack(n=12, size=40, seed=0):
    """Smooth random textures (distinct images)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    x = np.stack([gaussian_filter(rng.normal(size=(size, size)), 2) for _ in range(n)])
    x = (x - x.min()) / (x.max() - x.min())
    return np.round(40 + 170 * x).astype(np.uint8)


def test_finds_exact_and_near_duplicates_and_groups_them():
    x = _stack()
    x[5] = x[2]  # exact copy
    near = np.clip(x[7].astype(int) * 1.1 + 5, 0, 255).astype(np.uint8)  # brighter copy
    x = np.concatenate([x, near[None]])
    pairs = imaging.find_duplicates(x, threshold=0.15)
    got = {(r.i, r.j): r.kind for r in pairs.itertuples()}
    assert got[(2, 5)] == "exact"
    assert got[(7, 12)] == "near"
    assert len(got) == 2
    groups = imaging.duplicate_groups(len(x), pairs)
    assert groups[2] == groups[5] and groups[7] == groups[12]
    assert len(np.unique(groups)) == len(x) - 2


def test_groups_keep_duplicates_in_one_fold():
    from sklearn.model_selection import StratifiedGroupKFold

    x = _stack(20)
    x[10] = x[3]
    y = np.arange(20) % 2
    y[10] = y[3]
    groups = imaging.duplicate_groups(20, imaging.find_duplicates(x))
    for _train, test in StratifiedGroupKFold(4).split(x, y, groups):
        assert (3 in test) == (10 in test)


def test_nearest_neighbour_distance_is_zero_for_copies():
    x = _stack()
    x[1] = x[0]
    d = imaging.nearest_neighbour_distance(x)
    assert d[0] == pytest.approx(0, abs=1e-6) and d[1] == pytest.approx(0, abs=1e-6)
    assert d[2:].min() > 0.3


def test_duplicate_groups_validates_indices():
    with pytest.raises(ValueError, match="0..2"):
        imaging.duplicate_groups(3, [(0, 5)])


def test_microscope_is_seeded_and_changes_levels():
    x = _stack()
    m = imaging.Microscope(gain=1.3, offset=-0.1, vignetting=0.3, noise=0.02, random_state=3)
    a, b = m(x), m(x)
    assert a.dtype == np.uint8 and a.shape == x.shape
    assert np.array_equal(a, b)
    assert not np.array_equal(a, imaging.Microscope(random_state=4)(x))
    # corners darker than the centre relative to the input (vignetting)
    quiet = imaging.Microscope(gain=1.0, offset=0.0, vignetting=0.4, noise=0.0)
    flat = np.full((1, 41, 41), 200, np.uint8)
    y = quiet(flat)[0]
    assert y[20, 20] == 200 and y[0, 0] == pytest.approx(200 * 0.6, abs=1)


def test_microscope_float_input_stays_float():
    x = _stack() / 255.0
    y = imaging.Microscope(noise=0.0)(x)
    assert y.dtype == x.dtype and y.min() >= 0 and y.max() <= 1


def test_harmonise_undoes_gain_offset_and_vignetting():
    x = _stack(60, 64)
    shifted = imaging.Microscope(gain=1.3, offset=-0.12, vignetting=0.35, noise=0.0)(x)
    err_before = np.abs(shifted.astype(float) - x).mean()
    fixed = imaging.harmonise(shifted, x)
    err_after = np.abs(fixed.astype(float) - x).mean()
    assert err_after < 0.35 * err_before
    assert abs(fixed.mean() - x.mean()) < 2


def test_harmonise_needs_a_stack():
    x = _stack(3)
    with pytest.raises(ValueError, match="at least 10"):
        imaging.harmonise(x, x)


def test_random_microscopes_differ_per_image():
    x = np.repeat(_stack(1), 5, axis=0)
    y = imaging.random_microscopes(x, np.random.default_rng(0))
    assert y.shape == x.shape and y.dtype == np.uint8
    assert len({float(im.mean()) for im in y}) == 5


def test_augmenter_families_keep_labels_and_shapes():
    torch = pytest.importorskip("torch")
    x = torch.arange(2 * 16, dtype=torch.float32).reshape(2, 1, 4, 4)
    y = torch.tensor([0, 1])
    assert imaging.augmenter("none") is None
    for fam in ("flip", "rot90", "shift", "all"):
        xa, ya = imaging.augmenter(fam, random_state=0)((x, y))
        assert xa.shape == x.shape and torch.equal(ya, y)
        if fam != "all":  # geometric only: the same pixel values, permuted
            for a, b in zip(xa, x, strict=True):
                assert torch.equal(a.flatten().sort().values, b.flatten().sort().values)
    a = imaging.augmenter("flip", "shift", "gain", random_state=3)((x, y))[0]
    assert torch.equal(a, imaging.augmenter("flip", "shift", "gain", random_state=3)((x, y))[0])
    xg, _ = imaging.augmenter("gain", strength=0.3, random_state=0)((x, y))
    ratio = (xg[:, 0, 0, 1] - xg[:, 0, 0, 0]) / (x[:, 0, 0, 1] - x[:, 0, 0, 0])
    assert torch.all((ratio >= 0.7 - 1e-6) & (ratio <= 1.3 + 1e-6))  # gain in range
    with pytest.raises(MLPCInputError, match="unknown augmentation"):
        imaging.augmenter("shear")
    bad = x.clone()
    bad[1, 0, 2, 2] = float("nan")
    with pytest.raises(MLPCInputError, match="image 1"):
        imaging.augmenter("flip")((bad, y))


def test_augmenter_moves_image_and_mask_together():
    torch = pytest.importorskip("torch")
    x = torch.arange(2 * 8 * 8, dtype=torch.float32).reshape(2, 1, 8, 8)
    y = x[:, 0].long()
    aug = imaging.augmenter("flip", "rot90", "shift", masks=True, random_state=0)
    for _ in range(8):
        xa, ya = aug((x, y))
        assert torch.equal(xa[:, 0].long(), ya)
        assert sorted(xa.flatten().tolist()) == sorted(x.flatten().tolist())
    with pytest.raises(MLPCInputError, match="noise"):
        imaging.augmenter("noise", masks=True)


def test_augmenter_noise_pairs_and_brightness():
    torch = pytest.importorskip("torch")
    x = torch.full((4, 1, 16, 16), 0.5)
    noisy, clean = imaging.augmenter("noise", random_state=1)((x,))
    assert torch.equal(clean, x) and not torch.equal(noisy, x)
    (bright,) = imaging.augmenter("brightness", gain_range=(2.0, 2.0))((x,))
    assert torch.allclose(bright, torch.ones_like(x))


@pytest.mark.parametrize("fn", [imaging.pixel_hashes, imaging.thumbnails])
def test_single_image_raises(fn):
    with pytest.raises(ValueError, match=r"\(n, H, W\)"):
        fn(np.zeros((8, 8)))


def test_rare_class_report_of_a_known_case():
    """metrics.rare_class_report (used with the week-4 imbalance trap)."""
    from mlpc_helpers import metrics

    y = np.r_[np.zeros(98), np.ones(2)]
    always_common = metrics.rare_class_report(y, -np.ones(100))
    assert always_common["accuracy"] == pytest.approx(0.98)
    assert always_common["recall"] == 0 and always_common["f1"] == 0
    perfect = metrics.rare_class_report(y, 2 * y - 1)
    assert perfect["recall"] == 1 and perfect["pr_auc"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="1-D"):
        metrics.rare_class_report(y, np.ones(5))


def test_standardise_removes_gain_and_offset():
    rng = np.random.default_rng(0)
    img = rng.normal(size=(2, 16, 16))
    z = imaging.standardise(img)
    np.testing.assert_allclose(imaging.standardise(3 * img + 50), z, atol=1e-5)
    np.testing.assert_allclose(z.mean(axis=(1, 2)), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=(1, 2)), 1, atol=1e-5)
    assert z.dtype == np.float32 and imaging.standardise(img[0]).shape == (16, 16)
    with pytest.raises(MLPCInputError, match="image 1"):
        imaging.standardise(np.stack([img[0], np.ones((16, 16))]))  # a constant image


def test_resize_stack_scales_by_bit_depth():
    for dtype, top in ((np.uint8, 255), (np.uint16, 65535)):
        out = imaging.resize_stack(np.full((2, 20, 20), top, dtype), 8)
        assert out.shape == (2, 8, 8) and out.dtype == np.float32 and np.allclose(out, 1.0)
    with pytest.raises(MLPCInputError):
        imaging.resize_stack(np.zeros((20, 20), np.uint8), 8)  # one image, not a stack


def test_otsu_mask_rule_and_one_image():
    img = np.full((1, 20, 20), 200.0)
    img[0, 5:15, 5:15] = 50.0
    dark = imaging.otsu_mask(img, sigma=0, dark=True)
    truth = np.zeros((1, 20, 20), bool)
    truth[0, 5:15, 5:15] = True
    assert metrics.iou(truth, dark) == 1.0
    bright = imaging.otsu_mask(img, sigma=1.0, dark=False)
    assert metrics.iou(truth, bright) < 0.1
    np.testing.assert_array_equal(imaging.otsu_mask(img[0]), dark[0])  # one image
    with pytest.raises(MLPCInputError, match="sigma"):
        imaging.otsu_mask(img, sigma=-1)


def test_random_crops_shapes_alignment_and_seed():
    img = np.arange(2 * 32 * 32, dtype=float).reshape(2, 32, 32)
    x, y = imaging.random_crops(img, img.astype(np.int64), 8, 5, random_state=1)
    assert x.shape == (5, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (5, 8, 8) and y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0], y)  # the same window of image and mask
    x2, _ = imaging.random_crops(img, img.astype(np.int64), 8, 5, random_state=1)
    np.testing.assert_array_equal(x, x2)
    with pytest.raises(MLPCInputError, match="crop size"):
        imaging.random_crops(img, img, 64, 1)
