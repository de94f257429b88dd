"""Tests of mlpc_helpers.features.embeddings (embedding post-processing for clustering)."""

import numpy as np
import pytest
from sklearn.base import clone

from mlpc_helpers.features import embeddings as emb


def _blobs(n_per=40, d=64, k=3, seed=0):
    """Non-negative 'embeddings' of k groups with different directions (like pooled ReLU)."""
    rng = np.random.default_rng(seed)
    centres = rng.exponential(1.0, size=(k, d))
    X = np.concatenate([c * rng.uniform(0.5, 2.0, (n_per, 1)) + 0.05 * rng.random((n_per, d))
                        for c in centres])
    y = np.repeat(np.arange(k), n_per)
    return X, y


def test_power_normalizer_signed_sqrt_and_identity():
    X = np.array([[4.0, -9.0, 0.0], [1.0, 0.25, -1.0]])
    out = emb.PowerNormalizer(0.5).fit_transform(X)
    np.testing.assert_allclose(out, [[2.0, -3.0, 0.0], [1.0, 0.5, -1.0]])
    np.testing.assert_allclose(emb.PowerNormalizer(1.0).fit_transform(X), X)


@pytest.mark.parametrize("alpha", [0, -0.5, 1.5])
def test_power_normalizer_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        emb.PowerNormalizer(alpha).fit(np.ones((3, 2)))


def test_power_normalizer_checks_feature_count():
    p = emb.PowerNormalizer().fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="same backbone"):
        p.transform(np.ones((3, 5)))


def test_pipeline_steps_and_output_shape():
    X, _ = _blobs()
    pipe = emb.embedding_pipeline(8, power=0.5, random_state=0)
    assert [name for name, _ in pipe.steps] == ["float64", "power", "l2", "pca"]
    Z = pipe.fit_transform(X.astype(np.float32))
    assert Z.shape == (len(X), 8) and Z.dtype == np.float64
    assert [n for n, _ in emb.embedding_pipeline(5).steps] == ["float64", "l2", "pca"]
    # clone works (scikit-learn conventions: parameters stored unchanged)
    clone(pipe).fit(X)


def test_l2_only_gives_unit_rows():
    X, _ = _blobs()
    Z = emb.embedding_pipeline(None).fit_transform(X)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-10)


def test_pipeline_is_reproducible_with_random_state():
    X, _ = _blobs(d=300, n_per=100)
    a = emb.embedding_pipeline(20, random_state=3).fit_transform(X)
    b = emb.embedding_pipeline(20, random_state=3).fit_transform(X)
    np.testing.assert_array_equal(a, b)


def test_pipeline_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_components"):
        emb.embedding_pipeline(0)
    with pytest.raises(ValueError, match="empty"):
        emb.embedding_pipeline(None, l2=False)


def test_l2_removes_brightness_like_scaling():
    """Two images whose embeddings differ only by a scale factor map to the same point."""
    X, _ = _blobs()
    X2 = np.vstack([X, 3.0 * X[:1]])
    Z = emb.embedding_pipeline(5, random_state=0).fit_transform(X2)
    np.testing.assert_allclose(Z[0], Z[-1], atol=1e-10)


def test_grid_label_free_by_default_and_recovers_groups():
    X, y = _blobs()
    df = emb.preprocessing_grid(X, n_components=(2, 5), powers=(None, 0.5), k=3, progress=False)
    assert len(df) == 4
    assert set(df.columns) == {"power", "n_components", "explained_variance", "silhouette"}
    assert list(df.power) == ["none", "none", 0.5, 0.5]
    assert df.explained_variance.between(0, 1).all()
    scored = emb.preprocessing_grid(X, n_components=(5,), powers=(None,), k=3,
                                    labels_true=y, progress=False)
    assert {"ari", "nmi"} <= set(scored.columns)
    assert scored.ari.iloc[0] > 0.95


def test_grid_rejects_bad_input():
    X, y = _blobs()
    with pytest.raises(ValueError, match="n_images, n_features"):
        emb.preprocessing_grid(X[0], progress=False)
    with pytest.raises(ValueError, match="one label per image"):
        emb.preprocessing_grid(X, labels_true=y[:-1], progress=False)
