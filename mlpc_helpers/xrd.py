"""Quantitative powder XRD: full-pattern summation (NNLS + RIR), zero-shift search, scores
and the CNN's input scaling. Simulated training mixtures with physical augmentation are in
:mod:`mlpc_helpers.synthetic.xrd_patterns`.

Conventions
-----------
- ``tth``: (n_points,) 2θ in degrees on an even grid (the RockJock grid: 5-65°, step 0.02°).
- ``library``: (n_points, n_phases) reference patterns in counts, one column per phase.
- ``rir``: (n_phases,) reference intensity ratios relative to corundum (= 1).
- Patterns of samples are (n_points,) or (n_points, n_samples) for the fitting functions and
  (n_samples, n_points) for the machine-learning side (one row per pattern).
- Weight fractions are in wt% (0-100) for the fitting side, in 0-1 for the generator.

Full-pattern summation (Butler & Hillier 2021, doi:10.1016/j.cageo.2020.104662, the powdR
package; Chipera & Bish 2002): a measured pattern is modelled as a non-negative sum of the
reference patterns, ``y ≈ library @ x`` with ``x ≥ 0``; the weight percent of phase i is
``100 · (x_i / RIR_i) / Σ_j (x_j / RIR_j)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .validation import MLPCInputError, check_axis, check_binary, check_matrix, check_vector

#: The 7 mixture groups of the RockJock mixtures and the library ``phase_name`` values that
#: belong to each. RockJock files anorthoclase under "Plagioclase"; muscovite, glauconite,
#: tri-octahedral smectites and the buddingtonite "Feldspar" are NOT in these groups.
GROUPS: dict[str, tuple[str, ...]] = {
    "Quartz": ("Quartz",),
    "K_feldspar": ("K-feldspar",),
    "Plagioclase": ("Plagioclase",),
    "Kaolinite": ("Kaolinite",),
    "Dioctahedral_smectite": ("Smectite (Di)",),
    "Illite": ("Illite",),
    "Corundum": ("Corundum",),
}
#: Name of the column that collects every phase outside :data:`GROUPS`.
OTHER = "other"
#: ``phase_name`` of the two background terms (``BACK_POS``/``BACK_NEG``) of RockJock.
BACKGROUND = "Background"


def _as_2d(patterns: np.ndarray, n_points: int, what: str = "patterns") -> np.ndarray:
    try:
        y = np.asarray(patterns, dtype=float)
    except (TypeError, ValueError):
        raise MLPCInputError(
            f"{what}: expected numbers in an array (n_points,) or (n_points, n_samples); got "
            "entries that are not numbers or patterns of different lengths. Resample every "
            "pattern onto the library's 2θ grid (np.interp) first."
        ) from None
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != n_points:
        raise MLPCInputError(
            f"{what} must be (n_points,) or (n_points, n_samples) with n_points = {n_points} "
            f"(the library's rows); got shape {y.shape}. Transpose row-per-sample arrays."
        )
    bad = ~np.isfinite(y)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        i = int(np.flatnonzero(bad[:, j])[0])
        raise MLPCInputError(
            f"{what}: pattern {j} (column {j}) holds NaN or inf (first at point {i}); "
            f"{int(bad.any(axis=0).sum())} pattern(s) affected. Fill or drop those points "
            "first (e.g. np.nan_to_num, or interpolate over the gap)."
        )
    return y


def _check_library(library: np.ndarray) -> np.ndarray:
    A = np.asarray(library, dtype=float)
    if A.ndim != 2:
        raise MLPCInputError(f"library must be (n_points, n_phases); got shape {A.shape}.")
    bad = ~np.isfinite(A)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        raise MLPCInputError(f"library: phase column {j} holds NaN or inf; fill or drop it.")
    return A


def group_of(phase_names: Sequence[str], groups: dict[str, Sequence[str]] | None = None) -> list[str]:
    """The group of each library ``phase_name`` (``"other"`` when it belongs to none)."""
    groups = GROUPS if groups is None else groups
    lookup = {name: g for g, names in groups.items() for name in names}
    return [lookup.get(str(n), OTHER) for n in phase_names]


def to_groups(
    values: np.ndarray,
    phase_names: Sequence[str],
    groups: dict[str, Sequence[str]] | None = None,
    index: Sequence[str] | None = None,
    reduce: str = "sum",
) -> pd.DataFrame:
    """Sum (or max) per-phase values (n_samples, n_phases) within groups.

    Returns a DataFrame (n_samples, n_groups + 1): the groups of ``groups`` (default
    :data:`GROUPS`) and ``"other"`` for the remaining phases (background terms excluded).
    """
    v = np.asarray(values)
    v = check_matrix(v[None] if v.ndim == 1 else v, "values")
    if v.shape[1] != len(phase_names):
        raise MLPCInputError(
            f"values have {v.shape[1]} columns but {len(phase_names)} phase names were given; "
            "pass one name per column (values are (n_samples, n_phases))."
        )
    if reduce not in {"sum", "max"}:
        raise MLPCInputError(f"reduce must be 'sum' or 'max', got {reduce!r}.")
    groups = GROUPS if groups is None else groups
    labels = np.array(group_of(phase_names, groups))
    keep = np.array([str(n) != BACKGROUND for n in phase_names])
    out = {}
    for g in [*groups, OTHER]:
        sel = (labels == g) & keep
        if not sel.any():
            out[g] = np.zeros(len(v))
        elif reduce == "sum":
            out[g] = v[:, sel].sum(axis=1)
        else:
            out[g] = v[:, sel].max(axis=1)
    return pd.DataFrame(out, index=index)


def shift_pattern(pattern: np.ndarray, tth: np.ndarray, shift: float) -> np.ndarray:
    """Correct a pattern (n_points,) or (n_points, n) for a 2θ zero error of ``shift`` degrees.

    The returned pattern holds the counts measured at ``tth - shift``: a positive ``shift``
    moves every peak to higher 2θ. A shift by whole grid steps only re-indexes (no
    interpolation); edge values are repeated. ``tth`` may decrease (a scan exported from high
    to low angle): the result is then in the same (descending) order as the input.
    """
    y = np.asarray(pattern, dtype=float)
    if y.ndim not in (1, 2):
        raise MLPCInputError(f"pattern must be (n_points,) or (n_points, n); got shape {y.shape}.")
    y2 = _as_2d(y, y.shape[0], "pattern")
    tth, flipped = check_axis(tth, "tth", n=y.shape[0])
    if flipped:
        y2 = y2[::-1]
    out = np.column_stack([np.interp(tth - shift, tth, y2[:, j]) for j in range(y2.shape[1])])
    if flipped:
        out = out[::-1]
    return out[:, 0].copy() if y.ndim == 1 else out


def nnls_fit(patterns: np.ndarray, library: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative least squares (scipy.optimize.nnls) of each pattern on the library.

    ``patterns`` (n_points,) or (n_points, n_samples); ``library`` (n_points, n_phases).
    Returns the scale factors (n_samples, n_phases) and the residual sum of squares
    (n_samples,) in counts².
    """
    from scipy.optimize import nnls

    A = _check_library(library)
    y = _as_2d(patterns, A.shape[0])
    coefs = np.zeros((y.shape[1], A.shape[1]))
    rss = np.zeros(y.shape[1])
    for j in range(y.shape[1]):
        coefs[j], rnorm = nnls(A, y[:, j], maxiter=50 * A.shape[1])
        rss[j] = rnorm**2
    return coefs, rss


def rir_weight_percent(coefs: np.ndarray, rir: np.ndarray,
                       phase_names: Sequence[str] | None = None) -> np.ndarray:
    """Scale factors (n_samples, n_phases) to wt% with the reference intensity ratios.

    ``wt_i = 100 · (x_i / RIR_i) / Σ_j (x_j / RIR_j)``; background terms (``phase_name`` ==
    "Background", when ``phase_names`` is given) get 0 wt%. Rows sum to 100 (or 0 when empty).
    """
    x = np.asarray(coefs)
    x = check_matrix(x[None] if x.ndim == 1 else x, "coefs")
    rir = check_vector(rir, "rir")
    if x.shape[1] != rir.shape[0]:
        raise MLPCInputError(f"coefs have {x.shape[1]} phases but rir has {rir.shape[0]} values.")
    if np.any(rir <= 0):
        raise MLPCInputError("RIR values must be positive (relative to corundum = 1).")
    if np.any(x < 0):
        r = int(np.flatnonzero((x < 0).any(axis=1))[0])
        raise MLPCInputError(f"coefs: row {r} holds negative scale factors; weight percents "
                             "need non-negative scales (fit with nnls_fit).")
    if phase_names is not None and len(phase_names) != x.shape[1]:
        raise MLPCInputError(f"phase_names has {len(phase_names)} names but coefs have "
                             f"{x.shape[1]} phases; pass one name per column.")
    mass = x / rir
    if phase_names is not None:
        mass[:, [str(n) == BACKGROUND for n in phase_names]] = 0.0
    total = mass.sum(axis=1, keepdims=True)
    return 100 * np.divide(mass, total, out=np.zeros_like(mass), where=total > 0)


def quantify(patterns: np.ndarray, library: pd.DataFrame, phases: pd.DataFrame,
             shift: float = 0.0, tth: np.ndarray | None = None) -> pd.DataFrame:
    """Full-pattern summation: wt% of every library phase in each pattern.

    ``library`` (n_points x n_phases DataFrame, columns = ``phases.phase_id``), ``phases`` with
    ``phase_id, phase_name, rir``. With ``shift`` (degrees) the patterns are first corrected
    with :func:`shift_pattern` (needs ``tth``). Returns a DataFrame (n_samples, n_phases).
    """
    ph = phases.set_index("phase_id").loc[list(library.columns)]
    y = _as_2d(patterns, len(library))
    if shift:
        if tth is None:
            raise MLPCInputError("quantify(shift=...) needs the 2θ grid: pass tth=.")
        y = shift_pattern(y, tth, shift)
    coefs, _ = nnls_fit(y, library.to_numpy())
    wt = rir_weight_percent(coefs, ph["rir"].to_numpy(), ph["phase_name"].tolist())
    idx = patterns.columns if isinstance(patterns, pd.DataFrame) else None
    return pd.DataFrame(wt, columns=library.columns, index=idx)


def shift_grid(tth: np.ndarray, max_shift: float = 0.5) -> np.ndarray:
    """Zero shifts (degrees) in whole grid steps from ``-max_shift`` to ``+max_shift``
    (``tth`` ascending or descending)."""
    if not max_shift >= 0:
        raise MLPCInputError(f"max_shift must be a non-negative angle in degrees; got {max_shift}.")
    step = float(np.median(np.diff(check_axis(tth, "tth")[0])))
    n = int(np.floor(max_shift / step + 1e-9))
    return np.round(np.arange(-n, n + 1) * step, 6)


def global_shift_search(
    patterns: np.ndarray,
    library: np.ndarray,
    tth: np.ndarray,
    shifts: Sequence[float] | None = None,
    progress: bool = True,
) -> tuple[float, pd.Series]:
    """Grid search of ONE 2θ zero shift for all patterns, by the total NNLS residual.

    No weight fractions are used: the criterion is the fit residual only. ``shifts`` default:
    :func:`shift_grid` (whole steps within ±0.5°). Returns the best shift (degrees) and the
    residual sum of squares (counts²) per shift.
    """
    from mlpc_helpers.runtime import progress_bar as tqdm

    A = _check_library(library)
    y = _as_2d(patterns, A.shape[0])
    tth, flipped = check_axis(tth, "tth", n=A.shape[0])
    if flipped:  # a scan exported from high to low angle: patterns and library follow tth
        y, A = y[::-1], A[::-1]
    shifts = shift_grid(tth) if shifts is None else np.atleast_1d(np.asarray(shifts, float))
    if shifts.size == 0 or not np.isfinite(shifts).all():
        raise MLPCInputError(
            f"shifts: need at least one finite shift to try (degrees); got {shifts.tolist()}. "
            "Leave shifts=None for whole grid steps within ±0.5°."
        )
    rss = []
    for s in tqdm(shifts, desc="zero-shift grid", disable=not progress):
        rss.append(nnls_fit(shift_pattern(y, tth, s), A)[1].sum())
    table = pd.Series(rss, index=pd.Index(shifts, name="shift_deg"), name="rss")
    return float(table.idxmin()), table


# ----------------------------------------------------------------------------------------------
# Network input (the training mixtures: mlpc_helpers.synthetic.xrd_patterns)
# ----------------------------------------------------------------------------------------------


def normalise_patterns(patterns: np.ndarray, sqrt: bool = False) -> np.ndarray:
    """Patterns (n_samples, n_points) in counts to network input (float32, maximum 1 per row).

    ``sqrt=True`` takes the square root of the counts first: it makes Poisson noise equal at
    every intensity (variance-stabilising) and lifts the weak peaks of minor phases.
    """
    from .validation import check_spectra

    x = check_spectra(np.atleast_2d(np.asarray(patterns)), "patterns", what="pattern")
    if np.any(x < 0):
        rows = np.flatnonzero((x < 0).any(axis=1))
        raise MLPCInputError(
            f"patterns: counts must be non-negative; pattern {rows[0]} (and {len(rows) - 1} "
            f"more) has negative values (min {x.min():.4g}). Subtract no background before "
            "this, or clip at 0 (np.clip(x, 0, None)) if the negatives are noise."
        )
    if sqrt:
        x = np.sqrt(x)
    peak = x.max(axis=1, keepdims=True)
    if np.any(peak <= 0):
        rows = np.flatnonzero(peak[:, 0] <= 0)
        raise MLPCInputError(f"patterns: every pattern needs a positive maximum to be "
                             f"normalised; pattern(s) {rows[:5].tolist()} are all zero.")
    return (x / peak).astype(np.float32)


def identification_scores(true: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Micro-averaged precision, recall and F1 of 0/1 presence matrices (n_samples, n_labels)."""
    from sklearn.metrics import precision_recall_fscore_support

    if np.shape(true) != np.shape(pred):
        raise MLPCInputError(f"true and pred need one shape; got {np.shape(true)}, {np.shape(pred)}.")
    t = check_binary(true, "true").ravel()
    p = check_binary(pred, "pred").ravel()
    pr, rc, f1, _ = precision_recall_fscore_support(t, p, average="binary", zero_division=0)
    return {"precision": float(pr), "recall": float(rc), "f1": float(f1)}


def group_presence_probability(prob: np.ndarray, phase_names: Sequence[str],
                               groups: dict[str, Sequence[str]] | None = None,
                               index: Sequence[str] | None = None) -> pd.DataFrame:
    """P(at least one phase of the group is present) = 1 − Π(1 − p_i), per group.

    ``prob`` (n_samples, n_phases) presence probabilities (taken as independent). Returns
    a DataFrame (n_samples, n_groups + 1) like :func:`to_groups`.
    """
    p = np.asarray(prob)
    p = check_matrix(p[None] if p.ndim == 1 else p, "prob")
    if np.any(p < 0) or np.any(p > 1):
        raise MLPCInputError(f"prob must hold probabilities in 0..1; got values in "
                             f"[{p.min():.4g}, {p.max():.4g}]. Apply a sigmoid to logits "
                             "first.")
    p = np.clip(p, 0.0, 1.0 - 1e-9)
    return 1.0 - np.exp(to_groups(np.log1p(-p), phase_names, groups, index=index))


def lag_correlation(patterns: np.ndarray, max_lag: int = 50) -> np.ndarray:
    """Mean Pearson correlation between intensities ``lag`` bins apart, lag = 0..max_lag.

    ``patterns`` (n_samples, n_points). High values at small lags: neighbouring 2θ bins
    describe the same peak (the locality behind 1-D convolutions).
    """
    from .validation import check_spectra

    x = check_spectra(np.atleast_2d(np.asarray(patterns)), "patterns", what="pattern")
    if max_lag < 1 or max_lag >= x.shape[1]:
        raise MLPCInputError(f"max_lag must be in 1..{x.shape[1] - 1}; got {max_lag}.")
    out = np.ones(max_lag + 1)
    for d in range(1, max_lag + 1):
        a, b = x[:, :-d], x[:, d:]
        a = (a - a.mean(1, keepdims=True)) / (a.std(1, keepdims=True) + 1e-12)
        b = (b - b.mean(1, keepdims=True)) / (b.std(1, keepdims=True) + 1e-12)
        out[d] = float(np.mean((a * b).mean(1)))
    return out


def choose_threshold(true: np.ndarray, prob: np.ndarray,
                     grid: Sequence[float] | None = None) -> tuple[float, pd.Series]:
    """The presence threshold with the best micro-F1 of ``prob > threshold`` against ``true``.

    Meant for *simulated validation* data only (never the test patterns): ``true`` 0/1 and
    ``prob`` in 0..1, both (n_samples, n_labels). ``grid`` default 0.05, 0.10, ..., 0.95.
    Ties go to the threshold closest to 0.5. Returns the threshold and the F1 per threshold.
    """
    t = np.asarray(true)
    p = np.asarray(prob, dtype=float)
    if t.shape != p.shape:
        raise MLPCInputError(f"true and prob need one shape; got {t.shape}, {p.shape}.")
    g = np.round(np.arange(0.05, 0.951, 0.05), 2) if grid is None else np.asarray(grid, float)
    if g.size == 0 or np.any((g <= 0) | (g >= 1)):
        raise MLPCInputError("grid: thresholds must lie strictly between 0 and 1.")
    f1 = pd.Series([identification_scores(t, p > th)["f1"] for th in g],
                   index=pd.Index(g, name="threshold"), name="f1")
    best = f1[np.isclose(f1, f1.max())]
    return float(best.index[np.argmin(np.abs(best.index - 0.5))]), f1
