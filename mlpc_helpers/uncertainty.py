"""Uncertainty-aware regression: scoring predictive distributions, recalibrating them, and
simulating a closed-loop (Bayesian-optimisation) campaign on a fixed pool of experiments.

Scores of a Gaussian predictive distribution :math:`\\mathcal N(\\mu_i, \\sigma_i^2)`:

- :func:`gaussian_nll` — mean negative log-likelihood (nats per point; lower is better);
- :func:`central_interval`, :func:`interval_coverage`, :func:`gaussian_coverage` — the
  fraction of observations inside nominal p-intervals (calibrated: observed = nominal);
- :func:`calibration_curve` — observed against nominal coverage for many levels
  (Kuleshov, Fenner & Ermon 2018, ICML);
- :func:`sharpness` — the mean width of the intervals (narrower is better *if* calibrated;
  Gneiting, Balabdaoui & Raftery 2007);
- :func:`recalibration_scale` — one factor s for all SDs, fitted on held-out data.

Gaussian processes (scikit-learn): :func:`make_gp`, :func:`gp_uncertainty`,
:func:`gp_noise_sd`, :func:`ard_length_scales` (cross-validation by group:
:func:`mlpc_helpers.splits.grouped_cv`). Acquisition: :func:`upper_confidence_bound`,
:func:`constrained_expected_improvement`; a campaign on a pool of measured rows:
:func:`simulate_campaign`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from . import runtime
from .validation import MLPCInputError, check_binary, check_matrix, check_vector

_LOG_2PI = float(np.log(2 * np.pi))


# ----------------------------------------------------------------------------- checks
def _arrays(y: Any, mu: Any, sd: Any | None = None) -> tuple[np.ndarray, ...]:
    y = check_vector(y, "y")
    mu = check_vector(mu, "mu", n=len(y), against="y")
    if sd is None:
        return y, mu
    sd = _sd(sd, len(y))
    return y, mu, sd


def _sd(sd: Any, n: int | None = None, against: str = "y") -> np.ndarray:
    """Predicted SDs: a scalar or one per row, finite and > 0."""
    if np.ndim(sd) == 0:
        sd = check_vector([sd], "sd")
        sd = sd if n is None else np.full(n, sd[0])
    else:
        sd = check_vector(sd, "sd", n=n, against=against)
    if np.any(sd <= 0):
        raise MLPCInputError("sd must be finite and > 0; clip tiny predicted SDs (e.g. "
                         "np.maximum(sd, 1e-6)) before scoring.")
    return sd


def _level(level: float) -> float:
    from .validation import check_fraction

    return check_fraction(level, "level")  # 90 -> "a percentage: pass 0.9"


# ----------------------------------------------------------------------------- scores
def gaussian_nll(y: Any, mu: Any, sd: Any) -> float:
    """Mean Gaussian negative log-likelihood :math:`\\frac1n\\sum_i [\\tfrac12\\log(2\\pi
    \\sigma_i^2) + (y_i-\\mu_i)^2/(2\\sigma_i^2)]`.

    Parameters
    ----------
    y, mu, sd : array_like, shape (n,)
        Observations, predicted means and predicted SDs (same units; ``sd`` > 0).

    Returns
    -------
    float
        NLL in nats per observation. Depends on the units of y (a change of units by a
        factor c shifts it by log c), so compare models on the same target only.

    Raises
    ------
    ValueError
        For different lengths or non-positive SDs.
    """
    y, mu, sd = _arrays(y, mu, sd)
    return float(np.mean(0.5 * _LOG_2PI + np.log(sd) + 0.5 * ((y - mu) / sd) ** 2))


def central_interval(mu: Any, sd: Any, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval :math:`\\mu \\pm z_{(1+p)/2}\\,\\sigma` of a Gaussian.

    Returns
    -------
    lower, upper : numpy.ndarray, shape of ``mu``
    """
    z = stats.norm.ppf(0.5 + _level(level) / 2)
    mu0 = np.asarray(mu, float)
    check_vector(np.ravel(mu), "mu")
    check_vector(np.ravel(sd), "sd", n=1 if np.ndim(sd) == 0 else mu0.size, against="mu")
    mu, sd = mu0, np.asarray(sd, float)
    return mu - z * sd, mu + z * sd


def interval_coverage(y: Any, lower: Any, upper: Any) -> float:
    """Fraction of ``y`` inside ``[lower, upper]`` (0–1).

    Raises
    ------
    ValueError
        For different lengths or ``lower > upper`` anywhere.
    """
    y = check_vector(y, "y")
    lower, upper = (check_vector(np.ravel(b), name, n=1 if np.ndim(b) == 0 else len(y),
                                 against="y") for name, b in (("lower", lower), ("upper", upper)))
    lower, upper = np.broadcast_to(lower, y.shape), np.broadcast_to(upper, y.shape)
    if np.any(lower > upper):
        raise MLPCInputError("lower > upper for some rows: pass (lower, upper) in that order "
                         "(quantile models may cross; sort the two first).")
    return float(np.mean((y >= lower) & (y <= upper)))


def gaussian_coverage(y: Any, mu: Any, sd: Any, level: float = 0.9) -> float:
    """Observed coverage (0–1) of the nominal ``level`` central Gaussian intervals."""
    y, mu, sd = _arrays(y, mu, sd)
    return interval_coverage(y, *central_interval(mu, sd, level))


def calibration_curve(y: Any, mu: Any, sd: Any,
                      levels: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Observed against nominal coverage of central Gaussian intervals.

    Parameters
    ----------
    y, mu, sd : array_like, shape (n,)
    levels : sequence of float, optional
        Nominal levels in (0, 1); default 0.05, 0.10, ..., 0.95 and 0.99.

    Returns
    -------
    nominal, observed : numpy.ndarray, shape (n_levels,)
        Perfect calibration lies on the diagonal; below it the model is overconfident
        (intervals too narrow), above it underconfident.
    """
    y, mu, sd = _arrays(y, mu, sd)
    nominal = np.asarray(levels if levels is not None else
                         [*np.round(np.arange(0.05, 0.951, 0.05), 2), 0.99], float)
    for p in np.ravel(nominal):
        _level(p)
    observed = np.array([gaussian_coverage(y, mu, sd, p) for p in nominal])
    return nominal, observed


def sharpness(sd: Any = None, level: float = 0.9, *, lower: Any = None,
              upper: Any = None) -> float:
    """Mean width of the ``level`` intervals, in the units of y.

    Give either ``sd`` (Gaussian: width :math:`2 z_{(1+p)/2}\\,\\sigma`) or ``lower`` and
    ``upper`` (any interval, e.g. from quantile regression).
    """
    if sd is not None:
        sd = check_vector(np.ravel(sd), "sd")
        if np.any(sd < 0):
            raise MLPCInputError("sd: predicted SDs must be >= 0; got negative values.")
        return float(2 * stats.norm.ppf(0.5 + _level(level) / 2) * sd.mean())
    if lower is None or upper is None:
        raise MLPCInputError("sharpness needs sd, or both lower and upper.")
    lower = check_vector(np.ravel(lower), "lower")
    upper = check_vector(np.ravel(upper), "upper", n=len(lower), against="lower")
    return float(np.mean(upper - lower))


def recalibration_scale(y: Any, mu: Any, sd: Any, level: float = 0.9) -> float:
    """One factor s such that :math:`\\mu \\pm z\\,s\\,\\sigma` covers ``level`` of held-out y.

    :math:`s = q_{p}(|y-\\mu|/\\sigma) / z_{(1+p)/2}`, the p-quantile of the absolute
    standardised residuals over the Gaussian one. Fit it on data the model was not trained on
    (a held-out group) and never on the test rows; s > 1 widens overconfident intervals,
    s < 1 narrows underconfident ones. The simplest member of the recalibration family of
    Kuleshov et al. (2018) (they fit an isotonic map of all levels).

    Returns
    -------
    float
        The factor s (> 0).
    """
    y, mu, sd = _arrays(y, mu, sd)
    z = np.abs(y - mu) / sd
    return float(np.quantile(z, _level(level)) / stats.norm.ppf(0.5 + level / 2))


# ----------------------------------------------------------------------------- GPs
def make_gp(n_features: int, *, kernel: str = "matern", nu: float = 2.5,
            n_restarts: int = 2, random_state: int | np.random.Generator | None = None) -> Any:
    """A scikit-learn GP with an ARD kernel and a learnt white-noise term.

    :math:`k(x, x') = c\\,k_{\\text{RBF or Matérn}}(x, x'; \\ell_1..\\ell_d) +
    \\sigma_n^2\\,\\delta_{xx'}`, ``normalize_y=True``; hyperparameters maximise the log
    marginal likelihood (Rasmussen & Williams 2006, ch. 5). Scale the inputs first (e.g.
    ``StandardScaler``): the length-scale bounds assume unit-variance inputs.

    Parameters
    ----------
    n_features : int
        d, one length scale per input (automatic relevance determination, ARD).
    kernel : {"matern", "rbf"}
    nu : float
        Matérn smoothness (1.5 or 2.5 usual).
    n_restarts : int
        Extra optimiser starts (drawn from the bounds).
    random_state : int, Generator or None

    Returns
    -------
    sklearn.gaussian_process.GaussianProcessRegressor
    """
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

    ls = np.ones(int(n_features))
    bounds = (1e-2, 1e3)
    if kernel == "matern":
        base = Matern(length_scale=ls, length_scale_bounds=bounds, nu=nu)
    elif kernel == "rbf":
        base = RBF(length_scale=ls, length_scale_bounds=bounds)
    else:
        raise MLPCInputError(f"kernel must be 'matern' or 'rbf'; got {kernel!r}.")
    k = ConstantKernel(1.0, (1e-2, 1e2)) * base + WhiteKernel(0.1, (1e-4, 1.0))
    return GaussianProcessRegressor(k, normalize_y=True, n_restarts_optimizer=n_restarts,
                                    random_state=runtime.check_random_int(random_state))


def _white(gp: Any) -> Any:
    from sklearn.gaussian_process.kernels import WhiteKernel

    for name, value in gp.kernel_.get_params().items():
        if isinstance(value, WhiteKernel) and "__" not in name:
            return value
    raise MLPCInputError("the GP's kernel has no WhiteKernel term (build it with make_gp).")


def gp_noise_sd(gp: Any) -> float:
    """The learnt white-noise SD :math:`\\sigma_n` of a fitted GP, in the units of y."""
    scale = float(np.ravel(getattr(gp, "_y_train_std", 1.0))[0])
    return float(np.sqrt(_white(gp).noise_level) * scale)


def gp_uncertainty(gp: Any, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, epistemic SD and aleatoric SD of a fitted GP (from :func:`make_gp`) at X.

    The predictive variance of y is the latent variance (shrinks near data: epistemic) plus
    the white-noise variance (constant: aleatoric). Returns three arrays of shape (n,); the
    total predictive SD is ``np.hypot(epistemic, aleatoric)``.
    """
    X = check_matrix(X, "X")
    n_in = getattr(gp, "n_features_in_", X.shape[1])
    if X.shape[1] != n_in:
        raise MLPCInputError(f"X has {X.shape[1]} columns but the GP was fitted on {n_in}; "
                             "pass the same (scaled) features.")
    mu, sd = gp.predict(X, return_std=True)
    noise = gp_noise_sd(gp)
    epistemic = np.sqrt(np.clip(sd**2 - noise**2, 0, None))
    return mu, epistemic, np.full_like(mu, noise)


def ard_length_scales(gp: Any) -> np.ndarray:
    """The fitted ARD length scales (in the units of the scaled inputs), shape (d,)."""
    for name, value in gp.kernel_.get_params().items():
        if name.endswith("length_scale") and "bounds" not in name:
            return np.atleast_1d(np.asarray(value, float))
    raise MLPCInputError("no length_scale in the GP's kernel.")


# ----------------------------------------------------------------------------- CV


def fit_predict_recalibrated(fit: Callable[[np.ndarray, np.ndarray], Callable],
                             X_train: Any, y_train: Any, X_test: Any, groups_train: Any,
                             *, level: float = 0.9, n_calib_splits: int = 4) -> dict:
    """Fit on all training rows, and fit a recalibration factor on a held-out group.

    The training rows are split by group (``GroupKFold(n_calib_splits)``, first split): a
    second model is fitted on the larger part and :func:`recalibration_scale` is measured on
    the held-out groups. The test rows are never used.

    Parameters
    ----------
    fit : callable
        ``fit(X, y) -> predict`` where ``predict(X) -> (mu, sd)`` (a fresh model each call).
    X_train, y_train, X_test, groups_train : array_like
        Shapes (n, d), (n,), (m, d), (n,).
    level : float
        The nominal level the factor is fitted for.
    n_calib_splits : int
        1 / (fraction of training groups held out for calibration).

    Returns
    -------
    dict
        ``mu``, ``sd`` (uncalibrated, shape (m,)), ``sd_recal`` (= scale × sd) and ``scale``
        (shape (m,), the same factor repeated, so :func:`grouped_cv` can collect it).
    """
    from sklearn.model_selection import GroupKFold

    X_train, y_train = np.asarray(X_train, float), np.asarray(y_train, float)
    fit_idx, cal_idx = next(GroupKFold(n_splits=n_calib_splits).split(
        X_train, groups=np.asarray(groups_train)))
    mu_cal, sd_cal = fit(X_train[fit_idx], y_train[fit_idx])(X_train[cal_idx])
    scale = recalibration_scale(y_train[cal_idx], mu_cal, sd_cal, level)
    mu, sd = fit(X_train, y_train)(X_test)
    return {"mu": mu, "sd": sd, "sd_recal": scale * np.asarray(sd),
            "scale": np.full(len(mu), scale)}


# ----------------------------------------------------------------------------- acquisition


def upper_confidence_bound(mu: Any, sd: Any, kappa: float = 2.0) -> np.ndarray:
    """:math:`\\mu + \\kappa\\sigma` (GP-UCB, Srinivas et al. 2010); larger κ explores more."""
    mu, sd = _mu_sd(mu, sd, allow_zero=True)
    return mu + kappa * sd


def constrained_expected_improvement(value: Any, best: float, mu: Any, sd: Any,
                                     threshold: float) -> np.ndarray:
    """Expected improvement of a *known* objective under an uncertain constraint y ≥ t.

    For a candidate with known value v (e.g. build rate) and a Gaussian prediction of y:
    :math:`\\mathrm{EI}_c = P(y \\ge t)\\,\\max(v - v^*, 0)`, the expected gain over the
    best feasible value found so far (Gardner et al. 2014 with a deterministic objective).
    Before anything feasible is found pass ``best = 0`` (for a positive value such as a
    build rate: any feasible row is an improvement over nothing), giving :math:`P(y \\ge
    t)\\,v`.
    """
    mu, sd = _mu_sd(mu, sd, allow_zero=True)
    value = check_vector(np.ravel(value), "value", n=1 if np.ndim(value) == 0 else mu.size,
                         against="mu").reshape(np.shape(value))
    p_ok = stats.norm.sf((threshold - mu) / np.maximum(sd, 1e-12))
    return p_ok * np.maximum(value - best, 0.0)


def _mu_sd(mu: Any, sd: Any, *, allow_zero: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Predicted means and SDs (same shape, or a scalar SD), finite; SDs >= 0 (> 0)."""
    m = check_vector(np.ravel(mu), "mu").reshape(np.shape(mu))
    s = check_vector(np.ravel(sd), "sd", n=1 if np.ndim(sd) == 0 else m.size,
                     against="mu").reshape(np.shape(sd))
    if np.any(s < 0) or (not allow_zero and np.any(s == 0)):
        raise MLPCInputError("sd: predicted SDs must be >= 0; got negative values (pass the "
                             "standard deviation, not a log-variance).")
    return m, s


# ----------------------------------------------------------------------------- campaign
def simulate_campaign(X: Any, y: Any, value: Any, *, threshold: float, success: Any,
                      strategy: str = "ei", n_init: int = 5, max_experiments: int | None = None,
                      kappa: float = 2.0, refit_every: int = 5, kernel: str = "matern",
                      random_state: int | np.random.Generator | None = None) -> dict:
    """One simulated closed-loop campaign on a fixed pool of measured experiments.

    The pool (rows of X with their measured y) is the only set of experiments that can be
    "run": running row i reveals y[i]. The goal is a feasible row (y ≥ ``threshold``) with
    a large known ``value`` (e.g. build rate); the campaign stops at the first row with
    ``success[i]`` True.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs of the pool, already scaled (e.g. standardised logs of the parameters).
    y : array_like, shape (n,)
        Measured outcome of each row (e.g. relative density in %).
    value : array_like, shape (n,)
        Known objective of each row before running it (e.g. build rate in mm³/s).
    threshold : float
        Feasibility: y ≥ threshold.
    success : array_like of bool, shape (n,)
        The target rows; at least one must be True.
    strategy : {"ei", "ucb", "random"}
        "ei": :func:`constrained_expected_improvement` from a GP on y. "ucb": optimism —
        among rows whose upper bound μ + κσ ≥ threshold, the largest value above the best
        feasible one; if none, the largest upper bound. "random": uniform.
    n_init : int
        Random rows run first (the same for every strategy with the same random_state).
    max_experiments : int, optional
        Stop after this many (default: the whole pool).
    kappa : float
        UCB width.
    refit_every : int
        Refit the GP hyperparameters every this many experiments (warm-started); in between
        the GP is only conditioned on the new data (cheap).
    kernel : {"matern", "rbf"}
    random_state : int, Generator or None

    Returns
    -------
    dict
        ``n_experiments`` (experiments run including the first success; ``nan`` if none
        within ``max_experiments``), ``order`` (row indices in the order run).

    Raises
    ------
    ValueError
        For an unknown strategy, mismatched lengths or no True in ``success``.
    """
    X = check_matrix(X, "X")
    n = len(X)
    y = check_vector(y, "y", n=n, against="X")
    value = check_vector(value, "value", n=n, against="X")
    success = check_binary(success, "success", n=n, against="X").astype(bool)
    if success.ndim != 1:
        raise MLPCInputError(f"success must be 1-D (n,); got shape {success.shape}.")
    if not success.any():
        raise MLPCInputError("no row of the pool is a success: the campaign could never stop.")
    if strategy not in ("ei", "ucb", "random"):
        raise MLPCInputError(f"strategy must be 'ei', 'ucb' or 'random'; got {strategy!r}.")
    if not 1 <= n_init < n:
        raise MLPCInputError(f"n_init must be in [1, {n - 1}]; got {n_init}.")
    rng = runtime.check_random_state(random_state)
    budget = n if max_experiments is None else min(int(max_experiments), n)
    order = list(rng.choice(n, size=n_init, replace=False))
    perm = rng.permutation(n)  # the random strategy's order after the initial rows
    gp, kern = None, None
    while True:
        hits = np.flatnonzero(success[order])
        if len(hits):
            return {"n_experiments": int(hits[0] + 1), "order": np.array(order)}
        if len(order) >= budget:
            return {"n_experiments": float("nan"), "order": np.array(order)}
        done = np.zeros(n, bool)
        done[order] = True
        cand = np.flatnonzero(~done)
        if strategy == "random":
            nxt = next(i for i in perm if not done[i])
        else:
            refit = kern is None or (len(order) - n_init) % refit_every == 0
            gp = make_gp(X.shape[1], kernel=kernel, n_restarts=0, random_state=0)
            if kern is not None:
                gp.set_params(kernel=kern, optimizer="fmin_l_bfgs_b" if refit else None)
            gp.fit(X[order], y[order])
            kern = gp.kernel_
            mu, sd = gp.predict(X[cand], return_std=True)
            feas = y[order] >= threshold
            best = value[order][feas].max() if feas.any() else 0.0
            if strategy == "ei":
                acq = constrained_expected_improvement(value[cand], best, mu, sd, threshold)
            else:
                ucb = upper_confidence_bound(mu, sd, kappa)
                ok = (ucb >= threshold) & (value[cand] > best)
                acq = np.where(ok, value[cand], -np.inf) if ok.any() else ucb
            nxt = int(cand[np.argmax(acq)])
        order.append(int(nxt))
