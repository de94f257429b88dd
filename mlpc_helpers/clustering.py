"""Choosing K without labels and scoring clusters against labels, shared by the week-5 notebooks."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .runtime import check_random_int


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


def label_mapping(labels_pred: np.ndarray, labels_true: np.ndarray) -> np.ndarray:
    """``mapping[c]`` = the true class that cluster ``c`` overlaps most, one-to-one (Hungarian
    on the contingency table). Use ``mapping[labels_pred]`` for aligned labels."""
    from scipy.optimize import linear_sum_assignment

    from .validation import MLPCInputError, check_labels

    pred = check_labels(np.ravel(labels_pred), "labels_pred")
    true = check_labels(np.ravel(labels_true), "labels_true", n=len(pred),
                        against="labels_pred")
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


def align_labels(labels_pred: np.ndarray, labels_true: np.ndarray) -> np.ndarray:
    """Relabel clusters to the true class they overlap most (see :func:`label_mapping`), so
    maps and legends use one colour per phase. Scores are unaffected."""
    return label_mapping(labels_pred, labels_true)[np.asarray(labels_pred)]
