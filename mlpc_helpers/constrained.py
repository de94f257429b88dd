"""Constrained and physics-informed models: hard constraints by construction, penalties,
and hybrid (physical law + machine-learned residual) regressors.

Used by the week-12 notebook (``week12_constrained_ml``). What exists elsewhere is not
repeated here: non-negative least squares, RIR weight fractions and the zero-shift search
are in :mod:`mlpc_helpers.xrd`; the bounded (log-porosity) target, monotone constraints and
the gradient-boosting model of L-PBF density are in :mod:`mlpc_helpers.process_maps`.

- :func:`project_simplex` — Euclidean projection of vectors onto the probability simplex
  ``{x >= 0, sum x = total}`` (Duchi et al. 2008; Condat 2016): a post-hoc repair.
- :func:`internal_standard_nnls` — full-pattern summation with the sum-to-one constraint
  built into the fit: non-negative scale factors whose weight percents sum to 100 *and*
  give the internal standard its known wt% (an equality constraint eliminated by
  substitution, so the problem stays an NNLS); :func:`mlpc_helpers.xrd.rir_wt_pct` turns
  any scale factors into wt%.
- :class:`GroupwisePolynomial` — a physical law fitted per group (e.g. log porosity as a
  quadratic in log energy density, per alloy), held constant beyond each group's data.
- :class:`HybridRegressor` — physical model plus a machine-learned model of its residual,
  a scikit-learn regressor (works inside ``cross_val_predict`` and
  ``TransformedTargetRegressor``).
- :func:`input_slope` / :func:`monotone_penalty` — torch: the derivative of a network's
  output with respect to one input, and the squared-hinge penalty on slopes of the wrong
  sign (imports torch inside the functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .validation import (
    MLPCInputError,
    check_fractions,
    check_percent,
    check_table,
    check_target,
    check_vector,
)

__all__ = [
    "project_simplex",
    "internal_standard_nnls",
    "GroupwisePolynomial",
    "HybridRegressor",
    "input_slope",
    "monotone_penalty",
]


# --------------------------------------------------------------------- simplex / mixtures
def project_simplex(v: Any, total: float = 1.0) -> np.ndarray:
    """Euclidean projection of each row of ``v`` onto ``{x : x_i >= 0, sum_i x_i = total}``.

    The closest point (least squares) on the simplex: sort, find the threshold ``tau`` with
    ``x_i = max(v_i - tau, 0)`` summing to ``total`` (Duchi et al. 2008, ICML, Fig. 1;
    Condat 2016, Math. Program. 158, 575).

    Parameters
    ----------
    v : array_like, shape (n,) or (n_samples, n)
        Unconstrained values (e.g. fractions from an unconstrained fit).
    total : float
        The sum of every projected row (> 0): 1 for fractions, 100 for percent.

    Returns
    -------
    numpy.ndarray, same shape as ``v``
        Non-negative rows summing to ``total``.

    Raises
    ------
    MLPCInputError
        If ``v`` holds NaN/inf, is not 1-D/2-D, or ``total`` <= 0.

    Notes
    -----
    Rows on the other scale are detected (:func:`mlpc_helpers.validation.check_fractions`):
    with ``total=1``, rows that all sum to 50-150 are percentages (wt% from a Rietveld
    table); they are divided by 100 (a warning says so), so the proportions are kept instead
    of every row collapsing onto its largest entry. Pass ``total=100`` to work in percent.
    """
    try:
        x = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise MLPCInputError("v: expected numbers in an array (n,) or (n_samples, n); some "
                             "entries are not numbers or rows differ in length.") from None
    if x.ndim not in (1, 2) or x.size == 0:
        raise MLPCInputError(f"v must be a non-empty (n,) or (n_samples, n) array; got "
                             f"shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise MLPCInputError("v holds NaN or inf; fill or drop those values first.")
    if not total > 0:
        raise MLPCInputError(f"total must be > 0 (1 for fractions, 100 for %); got {total}.")
    # wt% rows (summing to ~100) with total=1 would all come back one-hot: read as
    # percentages and divided by 100, with a warning (and fractions with total=100 likewise)
    x = check_fractions(x, "v", total=total)
    rows = np.atleast_2d(x)
    u = -np.sort(-rows, axis=1)
    css = np.cumsum(u, axis=1) - total
    k = np.arange(1, rows.shape[1] + 1)
    rho = (u - css / k > 0).sum(axis=1)  # number of positive entries, >= 1
    tau = css[np.arange(len(rows)), rho - 1] / rho
    out = np.maximum(rows - tau[:, None], 0.0)
    return out[0] if x.ndim == 1 else out


def internal_standard_nnls(patterns: Any, library: Any, rir: Any, *, standard: int,
                           standard_wt_pct: float, mineral: Any | None = None) -> np.ndarray:
    """Full-pattern NNLS with the sum-to-one constraint and a known internal standard.

    Solves, for each pattern y, ``min ||A x - y||`` subject to ``x >= 0`` and the weight
    weight fractions of :func:`mlpc_helpers.xrd.rir_wt_pct` summing to 100 wt%. With masses
    ``m_i = x_i / RIR_i`` the two statements "the standard is ``w_s`` of the sample" and
    "the fractions sum to one" are one linear equality,
    ``m_s = w_s / (1 - w_s) * sum_{i != s} m_i``. Substituting it for ``x_s`` gives a plain
    NNLS in the other scale factors on the columns
    ``a_i + w_s/(1 - w_s) * RIR_s / RIR_i * a_s`` (``x_s`` is then non-negative by
    construction), solved with :func:`scipy.optimize.nnls` (Lawson & Hanson 1974).

    Parameters
    ----------
    patterns : array_like, shape (n_points,) or (n_points, n_samples)
        Measured counts on the library's 2θ grid.
    library : array_like, shape (n_points, n_phases)
        Reference patterns (counts).
    rir : array_like, shape (n_phases,)
        Reference intensity ratios (> 0). Ignored for columns with ``mineral`` False.
    standard : int
        Column of the internal standard (e.g. corundum).
    standard_wt_pct : float
        Its known weight percent, 0 < w_s < 100 (20 for 20 wt% corundum).
    mineral : array_like of bool, shape (n_phases,), optional
        False for background terms: they stay free non-negative columns without mass.

    Returns
    -------
    numpy.ndarray, shape (n_samples, n_phases)
        Scale factors ``x >= 0``; :func:`mlpc_helpers.xrd.rir_wt_pct` (with the same
        ``standard`` and ``standard_wt_pct``) turns them into weight percents that sum to
        exactly 100 with the standard at ``standard_wt_pct``.

    Raises
    ------
    MLPCInputError
        For mismatched shapes, a bad ``standard_wt_pct`` or a standard marked non-mineral.
    """
    from scipy.optimize import nnls

    try:
        A = np.asarray(library, dtype=float)
        rir = np.asarray(rir, dtype=float)
        y = np.asarray(patterns, dtype=float)
    except (TypeError, ValueError):
        raise MLPCInputError("library, patterns and rir must be numeric arrays; some entries "
                             "are not numbers or patterns differ in length (resample them "
                             "onto the library's 2θ grid first).") from None
    y = y[:, None] if y.ndim == 1 else y
    if A.ndim != 2 or y.ndim != 2 or y.shape[0] != A.shape[0] or rir.shape != (A.shape[1],):
        raise MLPCInputError(
            f"library must be (n_points, n_phases), patterns (n_points[, n_samples]) and rir "
            f"(n_phases,); got {A.shape}, {y.shape}, {rir.shape}.")
    if not np.all(np.isfinite(A)) or not np.all(np.isfinite(y)):
        raise MLPCInputError("library or patterns hold NaN or inf; fill or drop them first.")
    _standard_index(standard, A.shape[1])
    w = check_percent(standard_wt_pct, "standard_wt_pct",
                      typical="20 for 20 wt% corundum") / 100.0
    mineral = (np.ones(A.shape[1], bool) if mineral is None
               else np.asarray(mineral, dtype=bool))
    if mineral.shape != (A.shape[1],):
        raise MLPCInputError(f"mineral must hold one bool per library column ({A.shape[1]}); "
                             f"got shape {mineral.shape}.")
    if not mineral[standard]:
        raise MLPCInputError("the internal standard must be a mineral column (mineral True).")
    if np.any(rir[mineral] <= 0):
        raise MLPCInputError("rir: every mineral's reference intensity ratio must be > 0.")
    ratio = w / (1.0 - w)
    others = mineral.copy()
    others[standard] = False
    free = ~mineral
    B = np.column_stack([A[:, others] + ratio * rir[standard] / rir[others] * A[:, [standard]],
                         A[:, free]])
    coefs = np.zeros((y.shape[1], A.shape[1]))
    n_o = int(others.sum())
    for j in range(y.shape[1]):
        s, _ = nnls(B, y[:, j], maxiter=50 * B.shape[1])
        coefs[j, others] = s[:n_o]
        coefs[j, free] = s[n_o:]
        coefs[j, standard] = ratio * rir[standard] * np.sum(s[:n_o] / rir[others])
    return coefs


def _standard_index(standard: Any, n_phases: int) -> None:
    if isinstance(standard, bool) or not isinstance(standard, (int, np.integer)) or not (
            -n_phases <= standard < n_phases):
        raise MLPCInputError(f"standard must be the column index (0..{n_phases - 1}) of the "
                             f"internal standard; got {standard!r}.")


# ------------------------------------------------------------------------ hybrid models
class GroupwisePolynomial(RegressorMixin, BaseEstimator):
    """A physical law fitted per group: ``y = poly_g(x)`` for each group g (e.g. alloy).

    Least-squares polynomial in one input column, one per group; beyond a group's
    training range the input is clipped to that range (the law is held constant instead
    of extrapolating a parabola). A group unseen in ``fit`` gets the pooled polynomial.

    Parameters
    ----------
    x : str
        Input column of the DataFrame (e.g. ``"log10_Ev"``).
    group : str
        Group column (e.g. ``"material"``).
    degree : int
        Polynomial degree (>= 0); a group with fewer than ``degree + 2`` rows uses the
        pooled fit.
    clip : bool
        Clip the input to each group's training range at prediction time.

    Attributes
    ----------
    coef_ : dict
        Group -> polynomial coefficients (highest power first, :func:`numpy.polyval`).
    range_ : dict
        Group -> (min, max) of ``x`` in training.
    pooled_ : numpy.ndarray
        Coefficients fitted on all rows.
    """

    def __init__(self, x: str | int = "log10_Ev", group: str | int = "material",
                 degree: int = 2, clip: bool = True) -> None:
        self.x = x
        self.group = group
        self.degree = degree
        self.clip = clip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # one input column: a poor score on scikit-learn's many-feature test data is expected
        tags.regressor_tags.poor_score = True
        return tags

    def _columns(self, X: Any, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        """The input and the group column: by name from a DataFrame, by position (int
        ``x`` and ``group``) from an array."""
        if isinstance(X, pd.DataFrame):
            if self.x not in X or self.group not in X:
                raise MLPCInputError(f"X must be a DataFrame with the columns {self.x!r} and "
                                     f"{self.group!r}; got columns {list(X.columns)[:8]}. "
                                     "Pass x= and group= as column names of X.")
            try:
                x = X[self.x].to_numpy(dtype=float)
            except (TypeError, ValueError):
                from .validation import text_columns_message

                raise MLPCInputError(text_columns_message(X, [self.x], "X")) from None
            check_vector(x, f"X[{self.x!r}]")
            if reset:
                self.n_features_in_ = X.shape[1]
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            return x, X[self.group].to_numpy()
        if not (isinstance(self.x, (int, np.integer)) and isinstance(self.group,
                                                                     (int, np.integer))):
            raise MLPCInputError(
                f"X: GroupwisePolynomial(x={self.x!r}, group={self.group!r}) names columns, "
                f"so X must be a DataFrame that has them; got {type(X).__name__}. Pass a "
                "DataFrame, or give x and group as column positions (ints) for an array.")
        A = check_table(self, X, reset=reset, min_features=max(self.x, self.group) + 1)
        return A[:, self.x], A[:, self.group]

    def fit(self, X: pd.DataFrame, y: Any) -> GroupwisePolynomial:
        """Fit one polynomial per group (and the pooled one)."""
        if int(self.degree) != self.degree or self.degree < 0:
            raise MLPCInputError(f"degree must be a non-negative integer; got {self.degree}.")
        x, g = self._columns(X, reset=True)
        y = check_target(self, y, n=len(x))
        if len(x) < self.degree + 1:
            raise MLPCInputError(
                f"X: {len(x)} sample(s) while a minimum of {self.degree + 1} is required by "
                f"GroupwisePolynomial(degree={self.degree}) (n_samples={len(x)}); give more "
                "rows or lower the degree.")
        self.pooled_ = np.polyfit(x, y, self.degree)
        self.coef_, self.range_ = {}, {}
        for key in pd.unique(g):
            s = g == key
            self.range_[key] = (float(x[s].min()), float(x[s].max()))
            self.coef_[key] = (np.polyfit(x[s], y[s], self.degree)
                               if s.sum() >= self.degree + 2 else self.pooled_)
        self.range_all_ = (float(x.min()), float(x.max()))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The law of each row's group at its (clipped) input, shape (n,)."""
        check_is_fitted(self, "coef_")
        x, g = self._columns(X, reset=False)
        out = np.empty(len(x))
        for key in pd.unique(g):
            s = g == key
            lo, hi = self.range_.get(key, self.range_all_)
            xs = np.clip(x[s], lo, hi) if self.clip else x[s]
            out[s] = np.polyval(self.coef_.get(key, self.pooled_), xs)
        return out


class HybridRegressor(RegressorMixin, BaseEstimator):
    """Physical model plus a machine-learned model of its residual.

    ``predict(X) = physical.predict(X) + residual.predict(X[residual_columns])``; the
    residual model is fitted to ``y - physical.predict(X)`` on the training rows only
    (so cross-validation stays honest). Wrap it in
    :func:`mlpc_helpers.process_maps.bounded` to work on the log porosity.

    Parameters
    ----------
    physical : regressor
        E.g. :class:`GroupwisePolynomial`; cloned in ``fit``.
    residual : regressor
        E.g. :func:`mlpc_helpers.process_maps.make_hgb`; cloned in ``fit``.
    residual_columns : sequence of str, optional
        The columns the residual model sees (all columns when None).

    Attributes
    ----------
    physical_, residual_ : fitted regressors
    """

    def __init__(self, physical: Any, residual: Any,
                 residual_columns: Sequence[str] | None = None) -> None:
        self.physical = physical
        self.residual = residual
        self.residual_columns = residual_columns

    def _res_X(self, X: Any) -> Any:
        if self.residual_columns is None:
            return X
        missing = [c for c in self.residual_columns if c not in X]
        if missing:
            raise MLPCInputError(f"residual_columns {missing} are not in X; name columns "
                                 "of X (a DataFrame), or pass residual_columns=None (all).")
        return X[list(self.residual_columns)]

    def fit(self, X: Any, y: Any) -> HybridRegressor:
        """Fit the physical model, then the residual model on what it leaves.

        Raises
        ------
        MLPCInputError
            ``y`` not one finite number per row of ``X``; bad ``X`` as the two models
            report it; ``residual_columns`` missing from ``X``.
        """
        if isinstance(X, pd.DataFrame):  # named columns, text group columns allowed
            self.n_features_in_ = X.shape[1]
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        else:
            X = check_table(self, X, reset=True)
        y = check_target(self, y, n=len(X))
        self.physical_ = clone(self.physical).fit(X, y)
        self.residual_ = clone(self.residual).fit(self._res_X(X), y - self.physical_.predict(X))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Physical prediction plus predicted residual, shape (n,)."""
        check_is_fitted(self, "residual_")
        if not isinstance(X, pd.DataFrame):
            X = check_table(self, X, reset=False)
        return self.physical_.predict(X) + self.residual_.predict(self._res_X(X))


# ------------------------------------------------------------------------------ torch
def input_slope(model: Any, x: Any, column: int) -> Any:
    """d(model output)/d(input ``column``) at each row of ``x`` (torch, differentiable).

    Parameters
    ----------
    model : torch.nn.Module
        Maps (n, d) to (n, 1) or (n,).
    x : torch.Tensor, shape (n, d)
    column : int
        Input index.

    Returns
    -------
    torch.Tensor, shape (n,)
        Slopes, kept in the autograd graph (``create_graph=True``) so that a penalty on
        them can be trained.
    """
    import torch

    if not 0 <= column < x.shape[1]:
        raise MLPCInputError(f"column {column} is not an input index (0..{x.shape[1] - 1}).")
    xg = x.detach().clone().requires_grad_(True)
    out = model(xg).sum()
    (grad,) = torch.autograd.grad(out, xg, create_graph=True)
    return grad[:, column]


def monotone_penalty(model: Any, x: Any, column: int, direction: int = 1) -> Any:
    """Squared hinge on slopes of the wrong sign: ``mean(relu(-direction * slope)**2)``.

    Zero exactly when the output is non-decreasing (``direction=1``) or non-increasing
    (``-1``) in ``column`` at every row of ``x``; a soft constraint in the sense of a
    penalty method (Nocedal & Wright 2006, ch. 17), as used by physics-guided networks
    (Karpatne et al. 2017).

    Parameters
    ----------
    model : torch.nn.Module
    x : torch.Tensor, shape (n, d)
        Where the constraint is checked (training rows and/or sampled points).
    column : int
    direction : {1, -1}

    Returns
    -------
    torch.Tensor
        Scalar penalty.
    """
    import torch

    if direction not in (1, -1):
        raise MLPCInputError(f"direction must be 1 or -1; got {direction}.")
    return torch.relu(-direction * input_slope(model, x, column)).pow(2).mean()
