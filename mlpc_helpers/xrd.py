"""Quantitative powder XRD: full-pattern summation (NNLS + RIR), zero-shift search and the
CNN's input scaling. Simulated training mixtures with physical augmentation are in
:mod:`mlpc_helpers.synthetic.xrd_patterns`; the identification scores in
:func:`mlpc_helpers.metrics.identification_scores`.

Conventions
-----------
- ``tth``: (n_points,) 2θ in degrees on an even grid (the RockJock grid: 5-65°, step 0.02°).
- ``library``: (n_points, n_phases) reference patterns in counts, one column per phase.
- ``rir``: (n_phases,) reference intensity ratios relative to corundum (= 1).
- Patterns of samples are (n_points,) or (n_points, n_samples) for the fitting functions and
  (n_samples, n_points) for the machine-learning side (one row per pattern).
- Weight fractions are in wt% (0-100) (:func:`rir_wt_pct`); the simulated mixtures label
  their training targets as ``fractions`` (0-1, what the network's softmax outputs).

Full-pattern summation (Butler & Hillier 2021, doi:10.1016/j.cageo.2020.104662, the powdR
package; Chipera & Bish 2002): a measured pattern is modelled as a non-negative sum of the
reference patterns, ``y ≈ library @ x`` with ``x ≥ 0``; the weight percent of phase i is
``100 · (x_i / RIR_i) / Σ_j (x_j / RIR_j)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .validation import (
    MLPCInputError,
    check_axis,
    check_matrix,
    check_percent,
    check_vector,
    resample_to_grid,
)

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
        fix = (" Row-per-sample arrays (n_samples, n_points): transpose them (.T)."
               if y.ndim == 2 and y.shape[1] == n_points else
               " Another 2θ grid (another step, a variable-step scan, another range)? Resample "
               "onto the library's grid: np.interp(library_tth, tth, y) for each pattern, or "
               "pass tth= (the pattern's 2θ) and library_tth= (the library's) and it is done "
               "for you.")
        raise MLPCInputError(
            f"{what} must be (n_points,) or (n_points, n_samples) with n_points = {n_points} "
            f"(the library's rows); got shape {y.shape}.{fix}"
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


def shift_pattern(pattern: np.ndarray, tth: np.ndarray, shift: float | np.ndarray) -> np.ndarray:
    """Move a pattern (n_points,) or (n_points, n) along 2θ by ``shift`` degrees: the one 2θ
    shift of the package (zero-error correction, simulated zero errors and displacements,
    augmentation).

    The returned pattern holds the counts measured at ``tth - shift``: a positive ``shift``
    moves every peak to higher 2θ (to correct a zero error z, shift by -z). ``shift`` is one
    angle or one per point, shape (n_points,) (a sample displacement moves low-angle peaks
    most; see :func:`mlpc_helpers.synthetic.xrd_patterns.peak_shift`). Linear interpolation;
    a shift by whole grid steps only re-indexes; edge values are repeated. ``tth`` may
    decrease (a scan exported from high to low angle): the result is then in the same
    (descending) order as the input.

    Raises
    ------
    MLPCInputError
        For patterns that are not 1-D/2-D, NaN/inf, a ``tth`` of another length or not
        monotonic, or a per-point ``shift`` of another length.
    """
    y = np.asarray(pattern, dtype=float)
    if y.ndim not in (1, 2):
        raise MLPCInputError(f"pattern must be (n_points,) or (n_points, n); got shape {y.shape}.")
    y2 = _as_2d(y, y.shape[0], "pattern")
    tth, flipped = check_axis(tth, "tth", n=y.shape[0], plausible=True)
    s = np.asarray(shift, dtype=float)
    if s.ndim and s.shape != (y.shape[0],):
        raise MLPCInputError(f"shift: one angle (degrees) or one per point ({y.shape[0]},); got "
                             f"shape {s.shape}.")
    if not np.isfinite(s).all():
        raise MLPCInputError("shift: NaN or infinite angle; pass finite degrees.")
    if flipped:
        y2 = y2[::-1]
        s = s[::-1] if s.ndim else s
    out = np.column_stack([np.interp(tth - s, tth, y2[:, j]) for j in range(y2.shape[1])])
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


def rir_wt_pct(coefs: np.ndarray, rir: np.ndarray, *, mineral: Sequence[bool] | None = None,
               standard: int | None = None,
               standard_wt_pct: float | None = None) -> np.ndarray:
    """Scale factors (n_samples, n_phases) to weight percent (wt%, 0-100) with the reference
    intensity ratios: the one RIR conversion of the package.

    The mass of phase i is proportional to ``m_i = x_i / RIR_i`` (the RIR method; Chung 1974,
    doi:10.1107/S0021889874010375; Hillier 2000, doi:10.1180/000985500546666).

    - Without an internal standard: ``wt_i = 100 · m_i / Σ_j m_j``; rows sum to 100 (0 when
      empty). The scale factors must be non-negative (fit with :func:`nnls_fit`).
    - With an internal standard of known ``standard_wt_pct`` in column ``standard``:
      ``wt_i = standard_wt_pct · m_i / m_standard``, not normalised: a sum far from 100 (or a
      negative wt%, from an unconstrained fit) flags a non-physical answer.

    Parameters
    ----------
    coefs : array_like, shape (n_samples, n_phases) or (n_phases,)
        Scale factors of the reference patterns.
    rir : array_like, shape (n_phases,)
        Reference intensity ratios (> 0 for every mineral; corundum = 1).
    mineral : array_like of bool, shape (n_phases,), optional
        False for columns that carry no mass (the background terms, ``phase_name ==``
        :data:`BACKGROUND`): they get 0 wt%. Default: every column is a mineral.
    standard, standard_wt_pct : int and float, optional
        Column of the internal standard and its known weight percent (0 < w < 100; 20 for
        20 wt% corundum). Give both or neither.

    Returns
    -------
    numpy.ndarray, shape (n_samples, n_phases)
        Weight percent.

    Raises
    ------
    MLPCInputError
        For mismatched shapes, RIR <= 0, negative scale factors without a standard, a bad
        standard or a standard whose scale factor is not positive.
    """
    x = np.asarray(coefs)
    x = check_matrix(x[None] if x.ndim == 1 else x, "coefs")
    rir = check_vector(rir, "rir")
    if x.shape[1] != rir.shape[0]:
        raise MLPCInputError(f"coefs have {x.shape[1]} phases but rir has {rir.shape[0]} values.")
    m = np.ones(x.shape[1], bool) if mineral is None else np.asarray(mineral, dtype=bool)
    if m.shape != (x.shape[1],):
        raise MLPCInputError(f"mineral must hold one bool per phase ({x.shape[1]}); got shape "
                             f"{m.shape}.")
    if np.any(rir[m] <= 0):
        raise MLPCInputError("rir: every mineral's RIR must be positive (relative to corundum "
                             "= 1).")
    if (standard is None) != (standard_wt_pct is None):
        raise MLPCInputError("give both standard (its column) and standard_wt_pct (its known "
                             "wt%), or neither.")
    mass = np.where(m, x / np.where(m, rir, 1.0), 0.0)
    if standard is None:
        if np.any(x[:, m] < 0):
            r = int(np.flatnonzero((x[:, m] < 0).any(axis=1))[0])
            raise MLPCInputError(f"coefs: row {r} holds negative scale factors; normalised "
                                 "weight percents need non-negative scales (fit with "
                                 "nnls_fit), or give an internal standard.")
        total = mass.sum(axis=1, keepdims=True)
        return 100 * np.divide(mass, total, out=np.zeros_like(mass), where=total > 0)
    if isinstance(standard, bool) or not isinstance(standard, (int, np.integer)) or not (
            -x.shape[1] <= standard < x.shape[1]):
        raise MLPCInputError(f"standard must be the column index (0..{x.shape[1] - 1}) of the "
                             f"internal standard; got {standard!r}.")
    if not m[standard]:
        raise MLPCInputError("the internal standard must be a mineral column (mineral True).")
    standard_wt_pct = check_percent(standard_wt_pct, "standard_wt_pct",  # 0.2 -> "pass 20"
                                    typical="20 for 20 wt% corundum")
    if np.any(x[:, standard] <= 0):
        raise MLPCInputError("the internal standard's scale factor is not positive in some "
                             "sample: the standard was not found; check the library column.")
    return standard_wt_pct * mass / mass[:, [standard]]


def _library_grid(library: object, library_tth: np.ndarray | None) -> np.ndarray | None:
    """The library's 2θ grid: ``library_tth``, else a float index of a library DataFrame."""
    if library_tth is not None:
        return np.asarray(library_tth, dtype=float)
    idx = getattr(library, "index", None)
    if idx is not None and not isinstance(idx, pd.RangeIndex) and pd.api.types.is_float_dtype(idx):
        return idx.to_numpy(dtype=float)
    return None


def _on_library_grid(patterns: np.ndarray, tth: np.ndarray | None,
                     grid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Patterns measured on ``tth`` resampled onto the library's ``grid`` (with a warning)
    when both are known and differ (:func:`validation.resample_to_grid`); the grid to use."""
    if tth is None or grid is None:
        return patterns, (grid if grid is not None else tth)
    y = np.asarray(patterns, dtype=float)
    return resample_to_grid(y, tth, grid, name="patterns", axis_name="tth",
                            grid_name="library_tth"), grid


def quantify(patterns: np.ndarray, library: pd.DataFrame, phases: pd.DataFrame,
             shift: float = 0.0, tth: np.ndarray | None = None,
             library_tth: np.ndarray | None = None) -> pd.DataFrame:
    """Full-pattern summation: wt% of every library phase in each pattern.

    ``library`` (n_points x n_phases DataFrame, columns = ``phases.phase_id``), ``phases`` with
    ``phase_id, phase_name, rir``. With ``shift`` (degrees) the patterns are first corrected
    with :func:`shift_pattern` (needs ``tth``). Returns a DataFrame (n_samples, n_phases).

    ``tth``: the patterns' 2θ (degrees). ``library_tth``: the library's 2θ grid (default: a
    float index of ``library``, else the same as ``tth``). Patterns measured on another grid
    (another step, a variable-step scan) are resampled onto the library's grid with
    ``np.interp`` and a :class:`~mlpc_helpers.validation.MLPCInputWarning`; without the two
    grids such patterns raise an error that says how.
    """
    ph = phases.set_index("phase_id").loc[list(library.columns)]
    patterns, tth = _on_library_grid(patterns, tth, _library_grid(library, library_tth))
    y = _as_2d(patterns, len(library))
    if shift:
        if tth is None:
            raise MLPCInputError("quantify(shift=...) needs the 2θ grid: pass tth=.")
        y = shift_pattern(y, tth, shift)
    coefs, _ = nnls_fit(y, library.to_numpy())
    wt = rir_wt_pct(coefs, ph["rir"].to_numpy(),
                    mineral=[str(n) != BACKGROUND for n in ph["phase_name"]])
    idx = patterns.columns if isinstance(patterns, pd.DataFrame) else None
    return pd.DataFrame(wt, columns=library.columns, index=idx)


def shift_grid(tth: np.ndarray, max_shift: float = 0.5) -> np.ndarray:
    """Zero shifts (degrees) in whole grid steps from ``-max_shift`` to ``+max_shift``
    (``tth`` ascending or descending)."""
    if not max_shift >= 0:
        raise MLPCInputError(f"max_shift must be a non-negative angle in degrees; got {max_shift}.")
    step = float(np.median(np.diff(check_axis(tth, "tth", plausible=True)[0])))
    n = int(np.floor(max_shift / step + 1e-9))
    return np.round(np.arange(-n, n + 1) * step, 6)


def global_shift_search(
    patterns: np.ndarray,
    library: np.ndarray,
    tth: np.ndarray,
    shifts: Sequence[float] | None = None,
    progress: bool = True,
    *,
    library_tth: np.ndarray | None = None,
) -> tuple[float, pd.Series]:
    """Grid search of ONE 2θ zero shift for all patterns, by the total NNLS residual.

    No weight fractions are used: the criterion is the fit residual only. ``shifts`` default:
    :func:`shift_grid` (whole steps within ±0.5°). Returns the best shift (degrees) and the
    residual sum of squares (counts²) per shift.

    ``tth``: the 2θ grid of the patterns (and of the library, unless ``library_tth`` is
    given). Patterns on another grid than the library's: pass ``library_tth``, and they are
    resampled onto it (``np.interp``, with a warning).
    """
    from mlpc_helpers.runtime import progress_bar as tqdm

    A = _check_library(library)
    patterns, tth = _on_library_grid(patterns, tth, _library_grid(library, library_tth))
    y = _as_2d(patterns, A.shape[0])
    tth, flipped = check_axis(tth, "tth", n=A.shape[0], plausible=True)
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
        pct = p.min() >= 0 and 1 < p.max() <= 100
        raise MLPCInputError(f"prob must hold probabilities in 0..1; got values in "
                             f"[{p.min():.4g}, {p.max():.4g}]. " + (
                                 "Percentages? Divide by 100." if pct else
                                 "Apply a sigmoid to logits first."))
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


def choose_threshold(y_true: np.ndarray, y_prob: np.ndarray,
                     grid: Sequence[float] | None = None) -> tuple[float, pd.Series]:
    """The presence threshold with the best micro-F1 of ``y_prob > threshold`` against
    ``y_true`` (:func:`mlpc_helpers.metrics.identification_scores`).

    Meant for *simulated validation* data only (never the test patterns): ``y_true`` 0/1 and
    ``y_prob`` in 0..1, both (n_samples, n_labels). ``grid`` default 0.05, 0.10, ..., 0.95.
    Ties go to the threshold closest to 0.5. Returns the threshold and the F1 per threshold.
    """
    from .metrics import identification_scores

    t = np.asarray(y_true)
    p = np.asarray(y_prob, dtype=float)
    if t.shape != p.shape:
        raise MLPCInputError(f"y_true and y_prob need one shape; got {t.shape}, {p.shape}.")
    g = np.round(np.arange(0.05, 0.951, 0.05), 2) if grid is None else np.asarray(grid, float)
    if g.size == 0 or np.any((g <= 0) | (g >= 1)):
        raise MLPCInputError("grid: thresholds must lie strictly between 0 and 1.")
    f1 = pd.Series([identification_scores(t, p > th)["f1"] for th in g],
                   index=pd.Index(g, name="threshold"), name="f1")
    best = f1[np.isclose(f1, f1.max())]
    return float(best.index[np.argmin(np.abs(best.index - 0.5))]), f1
