"""Broken against honest validation: splits, leaks, cleaning flags and label noise.

The week-3 notebook builds each pipeline twice — once with a leak, once without — and
measures the difference. The helpers here keep those cells short:

- :func:`compare_splits` — the same estimator under several cross-validation schemes
  (random K-fold against group K-fold, random rows against leave-one-run-out), out-of-fold
  predictions and one row of scores per scheme.
- :func:`selection_leak` — feature selection fitted on *all* rows before cross-validation
  (leaky) against the same selection inside a scikit-learn ``Pipeline`` (honest).
- :func:`robust_z`, :func:`outlier_flags` — the modified z-score of Iglewicz & Hoaglin
  (1993) for flagging, not deleting, suspicious values.
- :func:`probabilistic_labels`, :func:`cross_entropy` — soft labels from a measurement's
  standard deviation and the cross-entropy that scores predictions against them.

Group labels (runs of consecutive files, duplicate pairs), the count of groups a split cuts
and the imbalanced subset are in :mod:`mlpc_helpers.splits`. Formulas and their sources are
in each function's docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .validation import (
    MLPCInputError,
    check_labels,
    check_matrix,
    check_vector,
)

__all__ = [
    "REGRESSION_METRICS",
    "CLASSIFICATION_METRICS",
    "compare_splits",
    "cross_entropy",
    "outlier_flags",
    "probabilistic_labels",
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
            from .validation import text_columns_message

            raise MLPCInputError(text_columns_message(frame, [c], "outlier_flags: frame")
                                 ) from None
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
