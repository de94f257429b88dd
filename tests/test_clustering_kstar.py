"""Exact silhouettes of many labelings at once (mlpc_helpers.clustering.mean_silhouettes)."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score

from mlpc_helpers import clustering
from mlpc_helpers.validation import MLPCInputError


def _blobs():
    return make_blobs(n_samples=150, centers=[[0, 0], [8, 0], [0, 8]], cluster_std=1.0,
                      random_state=0)


def test_mean_silhouettes_match_sklearn_including_a_singleton():
    X, y = _blobs()
    rng = np.random.default_rng(0)
    singleton = y.copy()
    singleton[0] = 3  # a cluster of one point counts 0, as in scikit-learn
    labelings = [y, rng.integers(0, 4, len(y)), singleton]
    got = clustering.mean_silhouettes(X, labelings, chunk_size=40)
    want = [silhouette_score(X, lab) for lab in labelings]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_mean_silhouettes_of_a_k_scan_peak_at_three_blobs():
    """The K scan the week-5 notebooks write: K-means per K, all silhouettes in one call."""
    from sklearn.cluster import KMeans

    X, _ = _blobs()
    ks = range(2, 6)
    sil = clustering.mean_silhouettes(
        X, [KMeans(k, n_init=2, random_state=0).fit(X).labels_ for k in ks])
    assert list(ks)[int(np.argmax(sil))] == 3


def test_mean_silhouettes_rejects_bad_labelings():
    X, y = _blobs()
    with pytest.raises(MLPCInputError, match="labelings\\[0\\]"):
        clustering.mean_silhouettes(X, [y[:10]])
    with pytest.raises(MLPCInputError, match=">= 2 clusters"):
        clustering.mean_silhouettes(X, [np.zeros(len(y), int)])
    with pytest.raises(MLPCInputError, match="integer labels"):
        clustering.mean_silhouettes(X, [y.astype(float)])
