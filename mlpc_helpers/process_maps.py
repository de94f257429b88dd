"""Process maps for laser powder-bed fusion (L-PBF): bounded and monotone density models,
ensembles, process windows and the inverse problem.

Used by the week-8 notebook (``week08_process_maps``) and meant for reuse by later weeks
(bounded / monotone models in week 12). The process physics (energy densities, the alloy
table, dimensionless numbers, the model input tables :func:`mlpc_helpers.lpbf.features`)
and the P–v grid are in :mod:`mlpc_helpers.lpbf`; this module adds the models of a process
map on top of them.

- :func:`to_log_porosity` / :func:`from_log_porosity` / :func:`bounded` — a target transform
  that keeps every prediction below 100 % density.
- :func:`monotone_constraints` — the ``monotonic_cst`` vector of
  :class:`~sklearn.ensemble.HistGradientBoostingRegressor` from a ``{column: ±1}`` dict.
- :func:`make_hgb` — the gradient-boosting regressor of the notebook.
- :func:`paper_bootstrap` / :func:`ensemble_predict` — an ensemble from resampled papers.
- :func:`trend_violations` — how often a model's prediction moves the non-physical way.
- :func:`data_support` — which grid points have measured rows nearby (trees do not know
  when they extrapolate, so their ensemble spread does not grow there).
- :func:`window_area_fraction`, :func:`inverse_candidates` — process window and inverse set.

Example
-------
>>> from mlpc_helpers import data, lpbf, process_maps as pm  # doctest: +SKIP
>>> df = data.load_lpbf_relative_density().frame              # doctest: +SKIP
>>> X = lpbf.features(df, "dimensionless")                    # doctest: +SKIP
>>> model = pm.bounded(pm.make_hgb())                         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .lpbf import (  # noqa: F401  moved to lpbf (one home); module being dissolved
    from_log_porosity,
    make_hgb,
    monotone_constraints,
    to_log_porosity,
    trend_violations,
)
from .runtime import check_random_state
from .validation import MLPCInputError, check_labels, check_matrix, check_vector


def bounded(estimator: Any, floor_pct: float = 0.05) -> Any:
    """Wrap a regressor so that it learns :func:`to_log_porosity` and predicts RD < 100 %.

    Parameters
    ----------
    estimator : scikit-learn regressor
        Any regressor (e.g. :func:`make_hgb`).
    floor_pct : float
        See :func:`to_log_porosity`.

    Returns
    -------
    sklearn.compose.TransformedTargetRegressor
        ``fit(X, rd)`` and ``predict(X)`` work in % relative density.

    Notes
    -----
    Monotone constraints given to ``estimator`` act on the log porosity: +1 there means
    "density does not increase" (:func:`monotone_constraints` with ``target="log_porosity"``
    flips the signs for you).
    """
    from functools import partial

    from sklearn.compose import TransformedTargetRegressor

    return TransformedTargetRegressor(
        regressor=estimator, func=partial(to_log_porosity, floor_pct=floor_pct),
        inverse_func=from_log_porosity, check_inverse=False)


def paper_bootstrap(make_model: Callable[[], Any], X: pd.DataFrame | np.ndarray, y: Any,
                    groups: Any, n_members: int = 20, *, random_state: Any = None) -> list:
    """An ensemble of models, each fitted on papers drawn with replacement (a bootstrap by
    group), so that its spread reflects how much the fit depends on *which labs* reported.

    Parameters
    ----------
    make_model : callable
        Returns a fresh unfitted regressor.
    X : DataFrame or array, shape (n, d)
    y : array_like, shape (n,)
    groups : array_like, shape (n,)
        Paper (DOI) of each row.
    n_members : int
        Ensemble size (>= 2).
    random_state : int, Generator or None
        Resolved by :func:`mlpc_helpers.runtime.check_random_state`.

    Returns
    -------
    list of fitted regressors, length ``n_members``.
    """
    if n_members < 2:
        raise MLPCInputError(f"n_members must be >= 2 for a spread; got {n_members}.")
    rng = check_random_state(random_state)
    y = check_vector(y, "y", n=len(X), against="X")
    groups = check_labels(groups, "groups", n=len(X), against="X")
    uniq = np.unique(groups)
    rows_of = {g: np.flatnonzero(groups == g) for g in uniq}
    members = []
    for _ in range(n_members):
        drawn = rng.choice(uniq, size=len(uniq), replace=True)
        idx = np.concatenate([rows_of[g] for g in drawn])
        Xi = X.iloc[idx] if isinstance(X, pd.DataFrame) else np.asarray(X)[idx]
        members.append(make_model().fit(Xi, y[idx]))
    return members


def ensemble_predict(members: Sequence[Any], X: Any) -> np.ndarray:
    """Predictions of every member, shape (n_members, n_rows)."""
    return np.stack([m.predict(X) for m in members])


def data_support(query_xy: Any, data_xy: Any, *, radius: float = 0.1,
                 min_count: int = 3) -> np.ndarray:
    """Which query points have at least ``min_count`` measured points within ``radius``.

    Tree ensembles predict a constant beyond the last split, so the spread of a bootstrap
    ensemble does not grow far from the data; this mask supplies what the spread misses.

    Parameters
    ----------
    query_xy : array_like, shape (m, d)
        Query points, e.g. log10 power and log10 speed of a grid.
    data_xy : array_like, shape (n, d)
        Measured points in the same coordinates.
    radius : float
        Euclidean radius in those coordinates (0.1 in log10 units is ±26 %).
    min_count : int
        Measured points needed within ``radius`` (>= 1).

    Returns
    -------
    numpy.ndarray of bool, shape (m,)

    Raises
    ------
    MLPCInputError
        For mismatched dimensions, radius <= 0 or min_count < 1.
    """
    q, d = np.asarray(query_xy), np.asarray(data_xy)
    q = check_matrix(q[None] if q.ndim == 1 else q, "query_xy")
    d = check_matrix(d[None] if d.ndim == 1 else d, "data_xy")
    if q.shape[1] != d.shape[1]:
        raise MLPCInputError(f"query_xy has {q.shape[1]} columns but data_xy has "
                             f"{d.shape[1]}; use the same coordinates for both.")
    if radius <= 0 or min_count < 1:
        raise MLPCInputError(f"radius must be > 0 and min_count >= 1; got {radius}, "
                             f"{min_count}.")
    dist2 = ((q[:, None, :] - d[None, :, :]) ** 2).sum(axis=2)
    return (dist2 <= radius**2).sum(axis=1) >= min_count


def window_area_fraction(values: Any, threshold: float) -> float:
    """Share (0–1) of grid cells whose value reaches ``threshold`` (on a log-spaced P–v grid
    this is the share of the map's area in log P × log v)."""
    arr = check_vector(np.ravel(values), "values", finite=False)
    if np.isnan(arr).all():
        raise MLPCInputError("values: every cell is NaN; nothing to measure.")
    if np.isnan(arr).any():
        raise MLPCInputError(f"values: {int(np.isnan(arr).sum())} of {arr.size} cells are "
                             "NaN; they would count as outside the window. Predict every cell "
                             "(or crop the grid) first.")
    return float(np.mean(arr >= threshold))


def inverse_candidates(grid: pd.DataFrame, lower: Any, target: float) -> pd.DataFrame:
    """All grid points whose (conservative) predicted density reaches a target, fastest first.

    Parameters
    ----------
    grid : pandas.DataFrame, shape (n, ...)
        A :func:`mlpc_helpers.lpbf.pv_grid` grid (needs ``build_rate_mm3_per_s``).
    lower : array_like, shape (n,)
        The predicted density to compare (e.g. an ensemble's lower quantile), in %.
    target : float
        Required relative density in %.

    Returns
    -------
    pandas.DataFrame
        The rows of ``grid`` with ``lower >= target`` plus a column ``rd_lower_pct``, sorted
        by build rate (largest first). Empty if the target cannot be reached.
    """
    if not isinstance(grid, pd.DataFrame) or "build_rate_mm3_per_s" not in grid:
        raise MLPCInputError("inverse_candidates: grid must be a DataFrame with a "
                             "build_rate_mm3_per_s column (lpbf.pv_grid makes one).")
    lower = np.asarray(lower)
    if lower.shape == (len(grid),):
        lower = check_vector(lower, "lower")
    if lower.shape != (len(grid),):
        raise MLPCInputError(f"lower must have one value per grid row ({len(grid)}); got "
                             f"shape {lower.shape}.")
    out = grid.assign(rd_lower_pct=lower)[lower >= target]
    return out.sort_values("build_rate_mm3_per_s", ascending=False)
