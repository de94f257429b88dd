"""K* over K-means restarts (mlpc_helpers.clustering): exact silhouettes and their summary."""

import numpy as np
import pandas as pd
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


def test_silhouette_restarts_and_kstar_distribution_find_three_blobs():
    X, _ = _blobs()
    table = clustering.silhouette_restarts(X, range(2, 6), [0, 1, 2], n_init=2)
    assert table.shape == (3, 4) and list(table.columns) == [2, 3, 4, 5]
    assert list(table.index) == [0, 1, 2]
    d = clustering.kstar_distribution(table)
    assert d["mode"] == 3 and d["mode_share"] == 1.0 and d["at_edge"] == 0.0
    assert list(d["counts"]) == [0, 3, 0, 0]


def test_kstar_distribution_tie_takes_the_smaller_k_and_edge_share():
    table = pd.DataFrame([[0.1, 0.3, 0.2], [0.1, 0.2, 0.3]], columns=[2, 3, 4])
    d = clustering.kstar_distribution(table)
    assert d["mode"] == 3 and d["mode_share"] == 0.5 and d["at_edge"] == 0.5
    assert d["kstar"].tolist() == [3, 4]


def test_mean_silhouettes_rejects_bad_labelings():
    X, y = _blobs()
    with pytest.raises(MLPCInputError, match="labelings\\[0\\]"):
        clustering.mean_silhouettes(X, [y[:10]])
    with pytest.raises(MLPCInputError, match=">= 2 clusters"):
        clustering.mean_silhouettes(X, [np.zeros(len(y), int)])
    with pytest.raises(MLPCInputError, match="integer labels"):
        clustering.mean_silhouettes(X, [y.astype(float)])
