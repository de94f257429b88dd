"""Choosing K without labels and scoring clusters against labels, shared by the week-5 notebooks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from .runtime import check_random_int

if TYPE_CHECKING:
    import pandas


def scan_k(
    X: np.ndarray,
    ks: Iterable[int] = range(2, 13),
    *,
    random_state: int | np.random.Generator | None = None,
    n_init: int = 10,
    gmm: bool = True,
    covariance_type: str = "full",
    silhouette_sample: int | None = 5000,
    progress: bool = True,
):
    """K-means (k-means++) and, optionally, a Gaussian mixture for every K in ``ks``.

    ``X``: (n_samples, n_features). Returns a DataFrame indexed by k with columns
    ``inertia`` (within-cluster sum of squares, in units of X squared), ``silhouette``
    (K-means labels, Euclidean; on a random subsample of ``silhouette_sample`` points when n is
    larger) and ``bic`` (GMM; lower is better) when ``gmm``. ``random_state``: one int seed
    for every fit, from :func:`mlpc_helpers.runtime.check_random_int` (None: the course seed).
    """
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    from mlpc_helpers.runtime import progress_bar as tqdm

    from .validation import check_matrix

    check_matrix(X, "X")  # layout, numbers, NaN/inf named by row and column
    X = np.asarray(X)
    random_state = check_random_int(random_state)
    rows = []
    ks = list(ks)
    for k in tqdm(ks, desc="scanning K", disable=not progress):
        km = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=random_state).fit(X)
        sample = silhouette_sample if silhouette_sample and len(X) > silhouette_sample else None
        row = {
            "k": k,
            "inertia": km.inertia_,
            "silhouette": silhouette_score(X, km.labels_, sample_size=sample,
                                           random_state=random_state),
        }
        if gmm:
            g = GaussianMixture(n_components=k, covariance_type=covariance_type,
                                random_state=random_state, n_init=1).fit(X)
            row["bic"] = g.bic(X)
        rows.append(row)
    return pd.DataFrame(rows).set_index("k")


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


def label_mapping(labels_true: np.ndarray, labels_pred: np.ndarray) -> np.ndarray:
    """``mapping[c]`` = the true class that cluster ``c`` overlaps most, one-to-one (Hungarian
    on the contingency table). Use ``mapping[labels_pred]`` for aligned labels.

    Truth first, as every score of the package (:mod:`mlpc_helpers.metrics`)."""
    from scipy.optimize import linear_sum_assignment

    from .validation import MLPCInputError, check_labels

    true = check_labels(np.ravel(labels_true), "labels_true")
    pred = check_labels(np.ravel(labels_pred), "labels_pred", n=len(true),
                        against="labels_true")
    for name, a in (("labels_pred", pred), ("labels_true", true)):
        integer = np.issubdtype(a.dtype, np.integer) or a.dtype == bool
        if not integer or (a.size and a.min() < 0):
            raise MLPCInputError(
                f"{name}: expected integer labels 0..k-1; got "
                + (f"dtype {a.dtype}" if not integer else f"negative labels ({a.min()})")
                + ". Encode them first, e.g. np.unique(labels, return_inverse=True)[1] "
                "(a noise label -1: drop those rows).")
    pred, true = pred.astype(np.int64), true.astype(np.int64)
    kp, kt = pred.max() + 1, true.max() + 1
    table = np.zeros((kp, max(kp, kt)), int)
    np.add.at(table, (pred, true), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.empty(kp, int)
    mapping[rows] = cols
    return mapping


def align_labels(labels_true: np.ndarray, labels_pred: np.ndarray) -> np.ndarray:
    """``labels_pred`` relabelled to the true class each cluster overlaps most (see
    :func:`label_mapping`), so maps and legends use one colour per phase. Scores are
    unaffected."""
    return label_mapping(labels_true, labels_pred)[np.asarray(labels_pred)]


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


def silhouette_restarts(
    X: np.ndarray,
    ks: Iterable[int],
    random_states: Iterable[int],
    *,
    n_init: int = 10,
) -> pandas.DataFrame:
    """Exact K-means silhouette for every K and every K-means random state.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        The points, e.g. PCA scores.
    ks : iterable of int
        Numbers of clusters to try (each >= 2).
    random_states : iterable of int
        One K-means run (k-means++ with ``n_init`` starts, the best kept) per value and K,
        e.g. ``[runtime.stream(100 + r) for r in range(10)]``.
    n_init : int
        K-means starts per run, as in :func:`scan_k`.

    Returns
    -------
    pandas.DataFrame
        Index ``random_state``, columns ``k``: the mean silhouette over all points
        (:func:`mean_silhouettes`, no subsample). ``table.idxmax(axis=1)`` gives K* per
        random state; :func:`kstar_distribution` summarises it.
    """
    import pandas as pd
    from sklearn.cluster import KMeans

    from .validation import check_matrix

    X = check_matrix(X, "X")
    ks, states = [int(k) for k in ks], [check_random_int(r) for r in random_states]
    labelings = [KMeans(n_clusters=k, init="k-means++", n_init=n_init,
                        random_state=r).fit(X).labels_
                 for r in states for k in ks]
    sil = mean_silhouettes(X, labelings).reshape(len(states), len(ks))
    return pd.DataFrame(sil, index=pd.Index(states, name="random_state"),
                        columns=pd.Index(ks, name="k"))


def kstar_distribution(table) -> dict:
    """K* (silhouette argmax) over the rows of :func:`silhouette_restarts`, summarised.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows: K-means random states; columns: K; values: mean silhouette.

    Returns
    -------
    dict
        ``kstar``: Series of K* per row; ``counts``: Series K -> number of rows with that K*
        (every column, zeros included); ``mode``: the most frequent K* (the smaller K on a
        tie); ``mode_share``: its fraction of rows; ``at_edge``: fraction of rows whose K*
        is the largest K scanned (then the true optimum may lie beyond the scan).
    """
    kstar = table.idxmax(axis=1).astype(int)
    counts = kstar.value_counts().reindex(table.columns, fill_value=0)
    mode = int(counts.idxmax())
    return {"kstar": kstar, "counts": counts, "mode": mode,
            "mode_share": float(counts[mode] / len(kstar)),
            "at_edge": float((kstar == max(table.columns)).mean())}
