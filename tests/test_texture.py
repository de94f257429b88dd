"""Hand-crafted texture features (LBP, GLCM, intensity statistics) as a transformer."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlpc_helpers.features import texture


def _stack(n=4, size=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(40, 200, size=(n, size, size)).astype(np.uint8)


def test_shapes_names_and_families():
    x = _stack()
    tf = texture.TextureFeatures(lbp=((8, 1), (16, 2)), glcm_distances=(1, 3), progress=False)
    f = tf.fit_transform(x)
    n_expected = (8 + 2) + (16 + 2) + len(texture.GLCM_PROPS) * 2 + len(texture.INTENSITY_NAMES)
    assert f.shape == (4, n_expected)
    assert len(tf.get_feature_names_out()) == n_expected
    fam = tf.families()
    assert set(fam) == {"lbp", "glcm", "intensity"}
    # each LBP histogram sums to one
    assert np.allclose(f[:, :10].sum(axis=1), 1.0)
    assert np.allclose(f[:, 10:28].sum(axis=1), 1.0)
    assert np.all(np.isfinite(f))


def test_lbp_is_invariant_to_gain_and_offset_but_intensity_is_not():
    img = _stack(1, 64)[0]
    brighter = np.clip(img.astype(int) * 1 + 30, 0, 255).astype(np.uint8)  # offset only, no clip
    assert np.allclose(texture.lbp_histogram(img), texture.lbp_histogram(brighter))
    assert not np.allclose(texture.intensity_stats(img), texture.intensity_stats(brighter))


def test_intensity_stats_of_known_image():
    img = np.zeros((10, 10), np.uint8)
    img[:, 5:] = 255
    mean, std, skew, kurt, p05, p50, p95 = texture.intensity_stats(img)
    assert mean == pytest.approx(0.5) and std == pytest.approx(0.5)
    assert skew == pytest.approx(0.0) and kurt == pytest.approx(-2.0)
    assert p05 == 0.0 and p95 == 1.0


def test_glcm_distinguishes_stripes_from_flat_noise():
    stripes = np.tile(np.array([0, 255] * 16, np.uint8), (32, 1))
    rng = np.random.default_rng(1)
    smooth = (rng.integers(120, 136, size=(32, 32))).astype(np.uint8)
    c_stripes = texture.glcm_features(stripes, distances=(1,), props=("contrast",))[0]
    c_smooth = texture.glcm_features(smooth, distances=(1,), props=("contrast",))[0]
    assert c_stripes > 10 * c_smooth


def test_float_and_uint8_inputs_agree():
    x = _stack(2)
    tf = texture.TextureFeatures(progress=False)
    assert np.allclose(tf.fit_transform(x), tf.fit_transform(x / 255.0), atol=1e-6)


def test_works_inside_a_pipeline():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 255, size=(10, 32, 32)).astype(np.uint8)
    flat = np.full((10, 32, 32), 128, np.uint8) + rng.integers(0, 3, size=(10, 32, 32)).astype(
        np.uint8)
    x = np.concatenate([noisy, flat])
    y = np.r_[np.zeros(10), np.ones(10)]
    pipe = make_pipeline(texture.TextureFeatures(progress=False), StandardScaler(),
                         LogisticRegression())
    assert pipe.fit(x, y).score(x, y) == 1.0


@pytest.mark.parametrize("bad", [np.zeros((8, 8)), np.zeros((2, 8, 8, 3))])
def test_bad_shapes_raise_clear_errors(bad):
    with pytest.raises(ValueError, match=r"\(n, H, W\)"):
        texture.TextureFeatures(progress=False).fit_transform(bad)


def test_empty_configuration_raises():
    with pytest.raises(ValueError, match="nothing to compute"):
        texture.TextureFeatures(lbp=(), glcm_distances=(), intensity=False).fit(_stack())
