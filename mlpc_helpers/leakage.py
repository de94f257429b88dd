"""Broken against honest validation: splits, leaks, cleaning flags, label noise, metrics.

The week-3 notebook builds each pipeline twice — once with a leak, once without — and
measures the difference. The helpers here keep those cells short:

- :func:`compare_splits` — the same estimator under several cross-validation schemes
  (random K-fold against group K-fold, random rows against leave-one-run-out), out-of-fold
  predictions and one row of scores per scheme.
- :func:`selection_leak` — feature selection fitted on *all* rows before cross-validation
  (leaky) against the same selection inside a scikit-learn ``Pipeline`` (honest).
- :func:`file_blocks`, :func:`merge_groups`, :func:`groups_split` — group labels for runs
  of consecutive file numbers and duplicate pairs, and a count of the groups a split cuts.
- :func:`robust_z`, :func:`outlier_flags` — the modified z-score of Iglewicz & Hoaglin
  (1993) for flagging, not deleting, suspicious values.
- :func:`probabilistic_labels`, :func:`cross_entropy` — soft labels from a measurement's
  standard deviation and the cross-entropy that scores predictions against them.
- :func:`rare_class_subset` — a reproducible imbalanced subset (one class made rare).
- :func:`otsu_masks`, :func:`iou_dice` — a global-threshold segmentation and its scores.

Formulas and their sources are in each function's docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .runtime import check_random_state
from .validation import (
    MLPCInputError,
    check_labels,
    check_matrix,
    check_phase_map,
    check_stack,
    check_vector,
)

__all__ = [
    "REGRESSION_METRICS",
    "CLASSIFICATION_METRICS",
    "compare_splits",
    "cross_entropy",
    "file_blocks",
    "groups_split",
    "iou_dice",
    "merge_groups",
    "otsu_masks",
    "outlier_flags",
    "probabilistic_labels",
    "rare_class_subset",
    "robust_z",
    "selection_leak",
]


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, p))


def _mae(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(np.abs(y - p)))


def _rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - p) ** 2)))


def _accuracy(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(y == p))


def _macro_f1(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, p, average="macro"))


#: Scores of :func:`compare_splits` for regression: R² (–), MAE and RMSE (target units).
REGRESSION_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "r2": _r2, "mae": _mae, "rmse": _rmse,
}
#: Scores of :func:`compare_splits` for classification: accuracy and macro F1 (0–1).
CLASSIFICATION_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": _accuracy, "macro_f1": _macro_f1,
}


def _same_length(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise MLPCInputError(f"{name_a} and {name_b} must have one length; got {len(a)} and "
                             f"{len(b)}. Pass the rows and labels of the same table.")


def compare_splits(
    estimator: Any,
    X: Any,
    y: Any,
    schemes: Mapping[str, tuple[Any, Any]],
    *,
    metrics: Mapping[str, Callable[[np.ndarray, np.ndarray], float]] | None = None,
) -> tuple[Any, dict[str, np.ndarray]]:
    """Out-of-fold predictions and scores of one estimator under several CV schemes.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned for every fold (``sklearn.model_selection.cross_val_predict``).
    X : array_like or DataFrame, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    schemes : mapping name -> (cv, groups)
        A splitter whose test folds cover every row once (``KFold``, ``GroupKFold``,
        ``LeaveOneGroupOut``, ...) and the group label per row (``None`` for none).
    metrics : mapping name -> callable(y_true, y_pred) -> float, optional
        Default :data:`REGRESSION_METRICS` for a float target, else
        :data:`CLASSIFICATION_METRICS`.

    Returns
    -------
    table : pandas.DataFrame
        One row per scheme (index: its name), one column per metric.
    predictions : dict name -> numpy.ndarray, shape (n_samples,)
        The out-of-fold predictions of every scheme.

    Raises
    ------
    MLPCInputError
        If ``X`` and ``y`` (or a scheme's groups) differ in length.
    """
    import pandas as pd
    from sklearn.model_selection import cross_val_predict

    y = np.asarray(y)
    _same_length("X", X, "y", y)
    y = (check_vector(y, "y") if np.issubdtype(y.dtype, np.floating)  # a regression target
         else check_labels(y, "y"))
    if metrics is None:
        metrics = REGRESSION_METRICS if np.issubdtype(y.dtype, np.floating) else \
            CLASSIFICATION_METRICS
    rows, preds = {}, {}
    for name, (cv, groups) in schemes.items():
        if groups is not None:
            groups = check_labels(groups, f"groups of {name!r}", n=len(y), against="y")
        p = cross_val_predict(estimator, X, y, cv=cv, groups=groups)
        preds[name] = p
        rows[name] = {m: f(y, p) for m, f in metrics.items()}
    return pd.DataFrame.from_dict(rows, orient="index"), preds


def selection_leak(
    X: Any,
    y: Any,
    *,
    k: int,
    estimator: Any,
    cv: Any,
    groups: Any = None,
) -> Any:
    """Feature selection before CV (leaky) against inside a Pipeline (honest).

    The leaky pipeline ranks the features by their ANOVA F-score with ``y`` on *all* rows
    (``SelectKBest(f_classif, k)``), keeps the best ``k`` and then cross-validates
    ``estimator`` on them: the test rows have already voted for the features. The honest
    pipeline is ``make_pipeline(SelectKBest(f_classif, k), estimator)``, so every fold
    selects on its own training rows. With labels that carry no information (permuted),
    honest CV scores at chance and the leaky one above it (Ambroise & McLachlan 2002,
    doi:10.1073/pnas.102102699; Hastie et al., *Elements of Statistical Learning*, §7.10.2).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
        Class labels.
    k : int
        Number of features kept, 1 <= k <= n_features.
    estimator : scikit-learn classifier
    cv : splitter or int
        The same folds serve both pipelines.
    groups : array_like, shape (n_samples,), optional

    Returns
    -------
    pandas.DataFrame
        One row per fold, columns ``leaky`` and ``honest``: the fold's accuracy (0–1).

    Raises
    ------
    MLPCInputError
        If ``k`` is out of range or ``X`` and ``y`` differ in length.
    """
    import pandas as pd
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    X = check_matrix(X, "X")
    y = check_labels(y, "y", n=len(X), against="X")
    if groups is not None:
        groups = check_labels(groups, "groups", n=len(X), against="X")
    if X.ndim != 2 or not 1 <= k <= X.shape[1]:
        raise MLPCInputError(f"k must lie in 1..n_features = {X.shape[-1]}; got k={k}.")
    X_leaky = SelectKBest(f_classif, k=k).fit_transform(X, y)  # the leak: all rows
    leaky = cross_val_score(estimator, X_leaky, y, cv=cv, groups=groups)
    honest = cross_val_score(make_pipeline(SelectKBest(f_classif, k=k), estimator), X, y,
                             cv=cv, groups=groups)
    return pd.DataFrame({"leaky": leaky, "honest": honest})


def file_blocks(labels: Any, index: Any, block: int) -> np.ndarray:
    """Group label per file: runs of ``block`` consecutive file numbers within one class.

    Files numbered 1..``block`` of a class form group 0 of that class, the next ``block``
    numbers the next group, and so on. Consecutive numbers of an image set are often frames
    of one strip, specimen or session: a random split puts neighbours on both sides.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Class (or any stratum) of every file; numbering restarts in each.
    index : array_like of int, shape (n,)
        The file number (e.g. 17 for ``crazing_17.jpg``), >= 1.
    block : int
        Files per group, >= 1.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Group ids 0..n_groups-1.

    Raises
    ------
    MLPCInputError
        If the lengths differ, ``block`` < 1 or an index is < 1.
    """
    labels = check_labels(labels, "labels")
    index = check_vector(index, "index", n=len(labels), against="labels")
    if np.any(index != np.round(index)):
        raise MLPCInputError("index: file numbers must be whole numbers (e.g. 17 for "
                             "'crazing_17.jpg').")
    if block < 1:
        raise MLPCInputError(f"block must be >= 1 file; got {block}.")
    if len(index) and index.min() < 1:
        raise MLPCInputError(f"index holds file numbers >= 1; got {index.min()}.")
    keys = np.stack([np.unique(labels, return_inverse=True)[1].ravel(),
                     (index.astype(np.int64) - 1) // block], axis=1)
    return np.unique(keys, axis=0, return_inverse=True)[1].ravel()


def merge_groups(*labelings: Any) -> np.ndarray:
    """Join several group labelings: rows sharing a group in *any* of them share one.

    E.g. blocks of consecutive files (:func:`file_blocks`) and duplicate pairs
    (:func:`mlpc_helpers.imaging.duplicate_groups`): a duplicate pair that spans two blocks
    merges them. Connected components of the union graph.

    Parameters
    ----------
    *labelings : array_like of int, each shape (n,)

    Returns
    -------
    numpy.ndarray of int, shape (n,)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not labelings:
        raise MLPCInputError("merge_groups needs at least one labeling.")
    arrays = [np.unique(check_labels(g, f"labelings[{k}]"), return_inverse=True)[1].ravel()
              for k, g in enumerate(labelings)]
    n = len(arrays[0])
    for a in arrays[1:]:
        _same_length("the first labeling", arrays[0], "another labeling", a)
    rows, cols, offset = [], [], n
    for a in arrays:  # a bipartite graph: row i -- node (offset + group of i)
        rows.append(np.arange(n))
        cols.append(offset + a)
        offset += a.max() + 1 if n else 0
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(offset, offset))
    comp = connected_components(graph, directed=False)[1][:n]
    return np.unique(comp, return_inverse=True)[1].ravel()


def groups_split(groups: Any, splits: Sequence[tuple[Any, Any]]) -> int:
    """How many groups with two or more members a set of CV splits cuts apart.

    Parameters
    ----------
    groups : array_like, shape (n,)
        Group label per row (e.g. a duplicate pair shares one).
    splits : sequence of (train_idx, test_idx)
        The folds (``list(cv.split(X, y, groups))``); the test folds must cover each row once.

    Returns
    -------
    int
        The number of multi-member groups whose members land in more than one test fold, i.e.
        with members on both sides of at least one split.
    """
    groups = check_labels(groups, "groups")
    fold = np.full(len(groups), -1)
    for k, (_, test) in enumerate(splits):
        test = np.asarray(test)
        if test.size and (not np.issubdtype(test.dtype, np.integer) or test.min() < -len(fold)
                          or test.max() >= len(fold)):
            raise MLPCInputError(f"splits: fold {k} holds test indices outside 0.."
                                 f"{len(fold) - 1} (the rows of groups); pass the splits of "
                                 "the same rows, list(cv.split(X, y, groups)).")
        fold[test] = k
    if (fold < 0).any():
        raise MLPCInputError(f"The test folds leave {(fold < 0).sum()} rows out: pass the "
                             "splits of a K-fold-like splitter that covers every row once.")
    cut = 0
    for g in np.unique(groups):
        f = fold[groups == g]
        cut += int(len(f) > 1 and np.unique(f).size > 1)
    return cut


def robust_z(x: Any) -> np.ndarray:
    """Modified z-score :math:`M_i = 0.6745\\,(x_i - \\tilde x)/\\mathrm{MAD}`.

    :math:`\\tilde x` is the median and MAD the median absolute deviation; 0.6745 makes
    MAD a consistent estimate of the SD for normal data. :math:`|M_i| > 3.5` is the usual
    flag (Iglewicz & Hoaglin, *How to Detect and Handle Outliers*, ASQC 1993). Unlike the
    ordinary z-score, the outliers do not inflate the scale that judges them.

    Parameters
    ----------
    x : array_like, shape (n,)
        Finite values (NaN are returned as NaN).

    Returns
    -------
    numpy.ndarray, shape (n,)
        0 everywhere when MAD is 0 (more than half the values equal).
    """
    x = check_vector(x, "x", finite=False)
    if np.isinf(x).any():
        raise MLPCInputError(f"x: {int(np.isinf(x).sum())} value(s) are infinite; drop them "
                             "or set them to NaN first.")
    med = np.nanmedian(x)
    mad = np.nanmedian(np.abs(x - med))
    if not np.isfinite(mad) or mad == 0:
        return np.where(np.isnan(x), np.nan, 0.0)
    return 0.6745 * (x - med) / mad


def outlier_flags(frame: Any, columns: Sequence[str], *, threshold: float = 3.5,
                  log: bool = False) -> Any:
    """Flag values with a large modified z-score (:func:`robust_z`) column by column.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : sequence of str
        Numeric columns to screen.
    threshold : float
        Flag where ``|M| > threshold`` (default 3.5).
    log : bool
        Screen ``log10`` of the values (for positive quantities spread over decades, such
        as scan speed); non-positive values are then flagged as well.

    Returns
    -------
    pandas.DataFrame of bool, shape (n_rows, len(columns))
        True where a value is flagged. Flag, look, and decide; do not delete blindly.
    """
    import pandas as pd

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MLPCInputError(f"outlier_flags: the frame lacks the columns {missing}.")
    out = {}
    for c in columns:
        try:
            x = frame[c].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise MLPCInputError(f"outlier_flags: column {c!r} is not numeric; convert it "
                                 "with pd.to_numeric(errors='coerce') first.") from None
        if log:
            bad = ~(x > 0)
            z = robust_z(np.log10(np.where(bad, np.nan, x)))
            out[c] = bad | (np.abs(np.nan_to_num(z)) > threshold)
        else:
            out[c] = np.abs(np.nan_to_num(robust_z(x))) > threshold
    return pd.DataFrame(out, index=frame.index)


def probabilistic_labels(values: Any, threshold: float, sd: float) -> np.ndarray:
    """Probability that the true value exceeds ``threshold``, given a noisy measurement.

    With Gaussian measurement noise of standard deviation ``sd`` and a flat prior on the
    true value, the posterior of the true value is :math:`\\mathcal N(x, \\mathrm{sd}^2)`, so
    :math:`P(\\text{true} \\ge c \\mid x) = \\Phi((x - c)/\\mathrm{sd})` (Gelman et al.,
    *Bayesian Data Analysis*, 3rd ed., §2.5). A measured 99.1 % with sd 0.5 against c = 99 %
    is "dense" with probability 0.58, not 1.

    Parameters
    ----------
    values : array_like, shape (n,)
        Measured values (same unit as ``threshold`` and ``sd``).
    threshold : float
    sd : float
        Measurement standard deviation, > 0.

    Returns
    -------
    numpy.ndarray, shape (n,), in (0, 1)
    """
    from scipy.stats import norm

    if not np.isfinite(sd) or sd <= 0:
        raise MLPCInputError(f"sd must be a finite positive standard deviation; got {sd}.")
    v = np.asarray(values)
    check_vector(np.ravel(v), "values")  # numbers, no NaN/inf (named by position)
    return norm.cdf((v.astype(float) - threshold) / sd)


def cross_entropy(p_true: Any, p_pred: Any, *, eps: float = 1e-12) -> float:
    """Mean binary cross-entropy :math:`-[q\\log p + (1-q)\\log(1-p)]` in nats.

    ``p_true`` may be hard (0/1) or soft (probabilistic) labels q; ``p_pred`` are predicted
    probabilities p of class 1, clipped to ``[eps, 1 - eps]``. With hard labels this is
    scikit-learn's ``log_loss`` (Bishop, *Pattern Recognition and Machine Learning*, eq. 4.90).

    Parameters
    ----------
    p_true, p_pred : array_like, shape (n,), values in [0, 1]

    Returns
    -------
    float (nats; 0 for perfect, ln 2 ≈ 0.693 for p = 0.5 everywhere)
    """
    q = check_vector(p_true, "p_true")
    p = check_vector(p_pred, "p_pred", n=len(q), against="p_true")
    if (q < 0).any() or (q > 1).any():
        raise MLPCInputError("p_true must hold probabilities in [0, 1].")
    if (p < 0).any() or (p > 1).any():
        raise MLPCInputError(
            f"p_pred must hold probabilities in [0, 1]; got values in [{p.min():.4g}, "
            f"{p.max():.4g}]. For scores or logits take predict_proba(X)[:, 1] or "
            "scipy.special.expit(logits) first.")
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(q * np.log(p) + (1 - q) * np.log1p(-p)))


def rare_class_subset(y: Any, rare: int, fraction: float,
                      random_state: int | np.random.Generator | None = None) -> np.ndarray:
    """Indices of an imbalanced subset: every row of the other classes and a random few of
    class ``rare``, so that it makes up ``fraction`` of the subset.

    Parameters
    ----------
    y : array_like, shape (n,)
    rare : int
        The class that becomes rare.
    fraction : float
        Wanted share of the rare class, 0 < fraction < 1; the count is rounded, at least 1.
    random_state : int, numpy.random.Generator or None
        Resolved with :func:`mlpc_helpers.runtime.check_random_state` (None: the course seed).

    Returns
    -------
    numpy.ndarray of int, sorted
    """
    y = check_labels(y, "y")
    if not 0 < fraction < 1:
        raise MLPCInputError(f"fraction must lie in (0, 1); got {fraction}.")
    pos, neg = np.flatnonzero(y == rare), np.flatnonzero(y != rare)
    if len(pos) == 0:
        raise MLPCInputError(f"class {rare!r} does not occur in y.")
    n_pos = max(1, int(round(fraction * len(neg) / (1 - fraction))))
    if n_pos > len(pos):
        raise MLPCInputError(f"fraction {fraction} needs {n_pos} rows of class {rare!r}; "
                             f"there are {len(pos)}.")
    rng = check_random_state(random_state, offset=31)
    return np.sort(np.r_[neg, rng.choice(pos, n_pos, replace=False)])


def otsu_masks(images: Any, *, sigma: float = 0.0, dark: bool = True) -> np.ndarray:
    """Global Otsu threshold per image, after an optional Gaussian smoothing.

    Otsu (1979, doi:10.1109/TSMC.1979.4310076) picks the grey level that maximises the
    between-class variance of the image's histogram. ``dark=True`` returns the pixels
    *below* it (the phase that images darker).

    Parameters
    ----------
    images : array_like, shape (n, H, W)
        Grey levels (any numeric dtype).
    sigma : float
        Standard deviation of the Gaussian smoothing in pixels (0: none).
    dark : bool

    Returns
    -------
    numpy.ndarray of bool, shape (n, H, W)
    """
    from scipy.ndimage import gaussian_filter
    from skimage.filters import threshold_otsu

    x = check_stack(images, "images").astype(float)
    if not np.isfinite(x).all():
        k = int(np.flatnonzero(~np.isfinite(x).reshape(len(x), -1).all(axis=1))[0])
        raise MLPCInputError(f"images[{k}] (image {k}) holds NaN or inf pixels; fill them "
                             "or crop them away first.")
    if sigma < 0:
        raise MLPCInputError(f"sigma must be >= 0 pixels; got {sigma}.")
    out = np.empty(x.shape, bool)
    for i, img in enumerate(x):
        s = gaussian_filter(img, sigma) if sigma > 0 else img
        t = threshold_otsu(s)
        out[i] = s <= t if dark else s > t
    return out


def iou_dice(true: Any, pred: Any) -> tuple[float, float]:
    """Intersection over union (Jaccard) and Dice (F1) of two binary masks.

    :math:`\\mathrm{IoU} = |A\\cap B|/|A\\cup B|`, :math:`\\mathrm{Dice} = 2|A\\cap B|/(|A|+|B|)
    = 2\\,\\mathrm{IoU}/(1+\\mathrm{IoU})`, pooled over all pixels of all images given.

    Parameters
    ----------
    true, pred : array_like of bool, one shape

    Returns
    -------
    (iou, dice) : floats in [0, 1]; (1, 1) when both masks are empty.
    """
    a, b = check_phase_map(true, "true"), check_phase_map(pred, "pred")
    if a.shape != b.shape:
        raise MLPCInputError(f"true and pred masks must have one shape; got {a.shape} and "
                             f"{b.shape}.")
    inter, union = np.logical_and(a, b).sum(), np.logical_or(a, b).sum()
    if union == 0:
        return 1.0, 1.0
    iou = inter / union
    return float(iou), float(2 * iou / (1 + iou))
