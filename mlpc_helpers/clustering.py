"""Scoring clusterings, shared by the week-5 notebooks and :mod:`mlpc_helpers.features.embeddings`.

- :func:`score` — adjusted Rand index and normalised mutual information against labels
  (truth first);
- :func:`contingency` — counts of true class against cluster;
- :func:`mean_silhouettes` — the exact mean silhouette of many labelings of the same points
  at once (a K scan, or K-means restarts), distances computed once.

The K scan itself (the loop over K with its scores) is written in the notebooks that teach
it (issue 35).
"""

from __future__ import annotations

import numpy as np


def score(labels_true: np.ndarray, labels_pred: np.ndarray) -> dict[str, float]:
    """Adjusted Rand index and normalised mutual information (both 1 = perfect, ~0 = chance)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from .validation import check_labels

    labels_true = check_labels(labels_true, "labels_true")
    labels_pred = check_labels(labels_pred, "labels_pred", n=len(labels_true),
                               against="labels_true")
    return {
        "ari": float(adjusted_rand_score(labels_true, labels_pred)),
        "nmi": float(normalized_mutual_info_score(labels_true, labels_pred)),
    }


def contingency(labels_true, labels_pred, true_names=None):
    """Counts of true class (rows) against cluster (columns) as a DataFrame."""
    import pandas as pd

    from .validation import MLPCInputError, check_labels

    labels_true = check_labels(labels_true, "labels_true")
    labels_pred = check_labels(labels_pred, "labels_pred", n=len(labels_true),
                               against="labels_true")
    if true_names is not None:
        missing = [c for c in np.unique(labels_true)
                   if not (isinstance(c, (int, np.integer)) and 0 <= c < len(true_names))]
        if missing:
            raise MLPCInputError(
                f"true_names: has {len(true_names)} names but labels_true holds class "
                f"{missing[0]!r}; true_names[i] must name class i (integer labels 0..k-1).")
    table = pd.crosstab(pd.Series(labels_true, name="true class"),
                        pd.Series(labels_pred, name="cluster"))
    if true_names is not None:
        table.index = [true_names[i] for i in table.index]
    return table


def mean_silhouettes(X: np.ndarray, labelings, *, chunk_size: int = 1024) -> np.ndarray:
    """Exact mean silhouette of many labelings of the same points, distances computed once.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        The points (Euclidean distances).
    labelings : sequence of arrays of shape (n_samples,)
        Integer cluster labels 0..k-1 (e.g. ``KMeans(...).labels_``), one array per labeling;
        each needs at least 2 clusters.
    chunk_size : int
        Rows of the distance matrix held in memory at once (``chunk_size`` × n_samples).

    Returns
    -------
    numpy.ndarray of shape (len(labelings),)
        The mean over all points of (b − a) / max(a, b), as
        ``sklearn.metrics.silhouette_score`` without ``sample_size`` (points in singleton
        clusters count 0). Unlike a subsampled silhouette it has no randomness of its own.

    Notes
    -----
    The per-cluster distance sums of every labeling come from one product of each block of
    the distance matrix with the stacked one-hot label matrices, so scoring 100 labelings
    costs little more than scoring one.
    """
    from scipy.spatial.distance import cdist

    from .validation import MLPCInputError, check_matrix

    X = check_matrix(X, "X")
    n = len(X)
    labs = [np.asarray(lab) for lab in labelings]
    blocks, offsets, start = [], [], 0
    for i, lab in enumerate(labs):
        if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer) or lab.min() < 0:
            raise MLPCInputError(
                f"labelings[{i}]: expected {n} integer labels 0..k-1 (one per row of X); "
                f"got shape {lab.shape}, dtype {lab.dtype}.")
        k = int(lab.max()) + 1
        if len(np.unique(lab)) < 2:
            raise MLPCInputError(f"labelings[{i}]: the silhouette needs >= 2 clusters.")
        onehot = np.zeros((n, k))
        onehot[np.arange(n), lab] = 1.0
        blocks.append(onehot)
        offsets.append((start, k))
        start += k
    onehots = np.hstack(blocks)
    sums = np.empty((n, start))  # sum of distances from each point to each cluster
    for lo in range(0, n, chunk_size):
        sums[lo:lo + chunk_size] = cdist(X[lo:lo + chunk_size], X) @ onehots
    out = np.empty(len(labs))
    rows = np.arange(n)
    for i, (lab, (s0, k)) in enumerate(zip(labs, offsets, strict=True)):
        size = np.bincount(lab, minlength=k).astype(float)
        d = sums[:, s0:s0 + k]
        own = size[lab]
        a = d[rows, lab] / np.maximum(own - 1, 1)
        mean_other = d / np.where(size > 0, size, np.nan)
        mean_other[rows, lab] = np.inf
        b = np.nanmin(mean_other, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        s[(own <= 1) | ~np.isfinite(s)] = 0.0
        out[i] = s.mean()
    return out
