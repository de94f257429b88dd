"""A measured tour of materials datasets: matched gaps, shortcuts, imbalance, PSPP, CRISP-DM.

Helpers of the week-1 notebook (``week01_materials_data``), usable on any table or image
stack:

- :func:`grey_level_stats` — each image's mean and standard deviation of grey level, the
  "brightness-only" features of a shortcut baseline.
- :func:`stratified_gap` — the difference of a measured value between two levels of a factor
  (e.g. two density-measurement methods), compared only inside strata (e.g. same alloy and
  energy-density bin), and its weighted mean.
- :func:`paired_gap` — the same difference where both levels were measured at one
  condition (a paired comparison, the cleanest "like with like").
- :func:`imbalance` — class counts summarised: largest/smallest share, ratio, effective
  number of classes.
- :func:`duplicate_rows` — exact duplicate rows of a table, with a group id.
- :func:`draw_pspp` — the processing → structure → property → performance chain drawn as a
  graph (matplotlib only), with datasets placed on its arrows.
- :data:`CRISP_DM_LAB` / :func:`crisp_dm_table` — the six CRISP-DM steps, what each means in
  a materials lab, and the course weeks that teach it.

Example
-------
>>> import numpy as np
>>> from mlpc_helpers import datatour
>>> datatour.grey_level_stats(np.zeros((3, 8, 8), np.uint8)).shape
(3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .validation import MLPCInputError

#: The four stages of the PSPP chain (Olson 1997), left to right.
PSPP_STAGES: tuple[str, ...] = ("processing", "structure", "property", "performance")

#: CRISP-DM (Chapman et al. 2000; Wirth & Hipp 2000) adapted to a materials lab:
#: (step, what it means in the lab, course weeks that teach it).
CRISP_DM_LAB: tuple[tuple[str, str, str], ...] = (
    ("1 Business understanding",
     "which decision the model serves (accept a part, choose P and v, name a phase); "
     "the unit you generalise to (new specimen, new lab, new run)", "1, 13"),
    ("2 Data understanding",
     "how each signal forms (optics, detector, sampling); replicates, units, scales, "
     "who measured what with which method", "1, 2"),
    ("3 Data preparation",
     "calibration, cropping info bars, duplicates, bad readings, grouping by specimen, "
     "features from physics", "2, 3, 4"),
    ("4 Modelling",
     "from linear baselines and shortcuts to CNNs, sequence models, GPs", "4-12"),
    ("5 Evaluation",
     "grouped splits, replicate scatter as the error floor, uncertainty, "
     "physical plausibility", "3, 11, 12"),
    ("6 Deployment",
     "monitoring a running process, drift, a new microscope or powder lot: back to step 2",
     "7, 13"),
)


def _frame(frame: Any, columns: Sequence[str], what: str,
           numeric: Sequence[str] = ()) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise MLPCInputError(f"{what}: expected a pandas DataFrame, got "
                             f"{type(frame).__name__}; pass a table with columns "
                             f"{list(columns)}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MLPCInputError(f"{what}: the frame lacks the columns {missing}; it has "
                             f"{list(frame.columns)[:12]}. Rename or add them.")
    for c in numeric:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            from .validation import text_columns_message

            raise MLPCInputError(text_columns_message(frame, [c], what) if frame[c].dtype
                                 == object else f"{what}: column {c!r} must be numeric; it is "
                                 f"{frame[c].dtype}. Convert it with pd.to_numeric(frame[{c!r}], "
                                 "errors='coerce') (text becomes NaN) first.")
        if np.isinf(frame[c].to_numpy(dtype=float)).any():
            raise MLPCInputError(f"{what}: column {c!r} holds inf; drop or fix those rows.")
    return frame


def grey_level_stats(images: Any) -> np.ndarray:
    """Mean and standard deviation of the grey levels of each image.

    Parameters
    ----------
    images : array_like, shape (n, height, width)
        A stack of grayscale images (any numeric dtype; values are used as they are).

    Returns
    -------
    numpy.ndarray, shape (n, 2)
        Column 0: mean grey level; column 1: its standard deviation (ddof=0), in the units of
        ``images`` (0–255 for uint8).

    Raises
    ------
    MLPCInputError
        If ``images`` is not a 3-D stack with at least one pixel per image.

    Notes
    -----
    Two numbers per image carry brightness and contrast only — nothing about the shape of a
    defect. A classifier that does well on them has found an acquisition shortcut
    (Geirhos et al. 2020), not the defects.
    """
    from .validation import check_stack

    if not isinstance(images, (list, tuple)) and np.ndim(images) == 2:
        raise MLPCInputError(f"grey_level_stats: images must have shape (n, height, width); "
                             f"got one image of shape {np.shape(images)}. Pass images[None].")
    x = check_stack(images, "images")  # a colour image or a ragged list: error with the fix
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        k = int(np.flatnonzero(~np.isfinite(x).reshape(len(x), -1).all(axis=1))[0])
        raise MLPCInputError(f"grey_level_stats: images[{k}] (image {k}) holds NaN or inf "
                             "pixels; fill them or crop them away first.")
    if x.ndim != 3 or x.shape[1] * x.shape[2] == 0 or x.shape[0] == 0:
        raise MLPCInputError(f"grey_level_stats: images must have shape (n, height, width) "
                             f"with n, height, width > 0; got {x.shape}. Stack grayscale "
                             "images along axis 0 (convert RGB with .mean(axis=-1)).")
    flat = x.reshape(len(x), -1).astype(np.float64)
    return np.column_stack([flat.mean(axis=1), flat.std(axis=1)])


def stratified_gap(frame: pd.DataFrame, value: str, factor: str, levels: tuple[str, str],
                   strata: Sequence[str], *, min_n: int = 3) -> tuple[float, pd.DataFrame]:
    """Difference of ``value`` between two levels of ``factor``, compared inside strata.

    In every stratum (a combination of the ``strata`` columns, e.g. alloy × energy-density
    bin) that holds at least ``min_n`` rows of *each* level, the gap is
    ``median(value | levels[1]) - median(value | levels[0])``. The overall gap is the mean
    of the stratum gaps weighted by :math:`w = (1/n_0 + 1/n_1)^{-1}` (the inverse of the
    variance factor of a difference of two means), so strata with few rows of either level
    count little — the usual weighting of a stratified (Mantel–Haenszel-type) comparison.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per measurement.
    value : str
        Numeric column to compare (e.g. ``relative_density_pct``).
    factor : str
        Column holding the levels (e.g. ``density_method``).
    levels : tuple of str
        ``(reference, other)``: the gap is other − reference.
    strata : sequence of str
        Columns defining "like with like" (categorical or already binned).
    min_n : int
        Rows of each level a stratum needs to be used (>= 1).

    Returns
    -------
    gap : float
        Weighted mean of the stratum gaps, in the units of ``value``; ``nan`` if no
        stratum qualifies.
    table : pandas.DataFrame
        One row per used stratum: the strata columns, ``n_<level>``, ``median_<level>``,
        ``gap`` and ``weight``.

    Raises
    ------
    MLPCInputError
        If a column is missing, a level does not occur or ``min_n`` < 1.
    """
    _frame(frame, [value, factor, *strata], "stratified_gap", numeric=[value])
    if min_n < 1:
        raise MLPCInputError(f"stratified_gap: min_n must be >= 1; got {min_n}.")
    ref, other = levels
    present = set(frame[factor].dropna().unique())
    for level in (ref, other):
        if level not in present:
            raise MLPCInputError(f"stratified_gap: level {level!r} does not occur in column "
                                 f"{factor!r}; it holds {sorted(map(str, present))}.")
    rows = frame[frame[factor].isin([ref, other])]
    agg = (rows.groupby([*strata, factor], observed=True)[value]
           .agg(["median", "size"]).unstack(factor))
    cols = [("size", ref), ("size", other), ("median", ref), ("median", other)]
    agg = agg.reindex(columns=pd.MultiIndex.from_tuples(cols))
    table = pd.DataFrame({
        f"n_{ref}": agg[("size", ref)], f"n_{other}": agg[("size", other)],
        f"median_{ref}": agg[("median", ref)], f"median_{other}": agg[("median", other)],
    })
    keep = (table[f"n_{ref}"] >= min_n) & (table[f"n_{other}"] >= min_n)
    table = table[keep.fillna(False)].copy()
    table[f"n_{ref}"] = table[f"n_{ref}"].astype(int)
    table[f"n_{other}"] = table[f"n_{other}"].astype(int)
    table["gap"] = table[f"median_{other}"] - table[f"median_{ref}"]
    table["weight"] = 1.0 / (1.0 / table[f"n_{ref}"] + 1.0 / table[f"n_{other}"])
    table = table.reset_index()
    if len(table) == 0:
        return float("nan"), table
    gap = float(np.average(table.gap, weights=table.weight))
    return gap, table


def paired_gap(frame: pd.DataFrame, value: str, factor: str, levels: tuple[str, str],
               keys: Sequence[str]) -> pd.DataFrame:
    """Conditions measured with both levels of ``factor``: the within-condition difference.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per measurement.
    value, factor : str
        The measured column and the column of the two levels.
    levels : tuple of str
        ``(reference, other)``; the difference is mean(other) − mean(reference).
    keys : sequence of str
        Columns that define one condition (e.g. paper, alloy and all process parameters).

    Returns
    -------
    pandas.DataFrame
        One row per condition that has both levels: the key columns,
        ``mean_<reference>``, ``mean_<other>`` and ``gap`` (units of ``value``).

    Raises
    ------
    MLPCInputError
        If a column is missing.
    """
    _frame(frame, [value, factor, *keys], "paired_gap", numeric=[value])
    ref, other = levels
    rows = frame[frame[factor].isin([ref, other])]
    means = rows.groupby([*keys, factor], dropna=False)[value].mean().unstack(factor)
    means = means.reindex(columns=[ref, other]).dropna()
    out = means.rename(columns={ref: f"mean_{ref}", other: f"mean_{other}"})
    out["gap"] = out[f"mean_{other}"] - out[f"mean_{ref}"]
    out.columns.name = None
    return out.reset_index()


def imbalance(labels: Any) -> pd.Series:
    """How unequal the classes (or groups) are.

    Parameters
    ----------
    labels : array_like, shape (n,)
        One label per sample (NaN/None count as their own class "missing").

    Returns
    -------
    pandas.Series
        ``n`` samples, ``n_classes``, ``largest_share`` and ``smallest_share`` (fractions
        0–1), ``ratio`` (largest / smallest count) and ``effective_classes``
        :math:`\\exp(H)` with :math:`H = -\\sum_k p_k \\ln p_k` (Hill number of order 1:
        equals ``n_classes`` when balanced, near 1 when one class dominates).

    Raises
    ------
    MLPCInputError
        If ``labels`` is empty.
    """
    s = pd.Series(np.asarray(labels, dtype=object)).fillna("missing")
    if len(s) == 0:
        raise MLPCInputError("imbalance: labels is empty; pass one label per sample.")
    counts = s.value_counts()
    p = counts.to_numpy(float) / counts.sum()
    return pd.Series({
        "n": int(counts.sum()), "n_classes": int(len(counts)),
        "largest_share": float(p.max()), "smallest_share": float(p.min()),
        "ratio": float(counts.max() / counts.min()),
        "effective_classes": float(np.exp(-(p * np.log(p)).sum())),
    })


def duplicate_rows(frame: pd.DataFrame, *, ignore: Sequence[str] = ()) -> pd.DataFrame:
    """Rows that are exact copies of another row (all columns but ``ignore`` equal).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table.
    ignore : sequence of str
        Columns left out of the comparison (a running number, an id).

    Returns
    -------
    pandas.DataFrame
        Every row that has at least one copy, with a column ``dup_group`` (an integer id
        per set of identical rows), sorted by it; the original index is kept. The number of
        redundant rows is ``len(result) - result.dup_group.nunique()``.

    Raises
    ------
    MLPCInputError
        If an ``ignore`` column is missing.
    """
    _frame(frame, list(ignore), "duplicate_rows")
    cols = [c for c in frame.columns if c not in set(ignore)]
    dup = frame.duplicated(cols, keep=False)
    out = frame[dup].copy()
    out["dup_group"] = out.groupby(cols, dropna=False, sort=True).ngroup()
    return out.sort_values(["dup_group"], kind="stable")


def crisp_dm_table() -> pd.DataFrame:
    """CRISP-DM's six steps for a materials lab, as a table (see :data:`CRISP_DM_LAB`).

    Returns
    -------
    pandas.DataFrame
        Columns ``step``, ``in the lab``, ``course weeks``; six rows.
    """
    return pd.DataFrame(list(CRISP_DM_LAB), columns=["step", "in the lab", "course weeks"])


def draw_pspp(edges: Sequence[tuple[str, str, str]], ax: Any = None, *,
              stages: Sequence[str] = PSPP_STAGES, fontsize: float = 8.0) -> Any:
    """Draw the PSPP chain as a graph and put datasets on its arrows.

    Parameters
    ----------
    edges : sequence of (source, target, label)
        ``source`` and ``target`` are names in ``stages``. Adjacent stages give a straight
        arrow with the label above it; stages further apart give a dashed arrow routed below the
        chain (an arrow that *skips* a stage, e.g. composition → property without
        structure); ``source == target`` puts the label in a box above the stage (a
        characterisation task: measuring the stage itself). Labels on one arrow are stacked.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (12 × 4.5 in) if None.
    stages : sequence of str
        Node names, drawn left to right.
    fontsize : float
        Font size of the dataset labels (points).

    Returns
    -------
    matplotlib.axes.Axes
        The axes (axis lines hidden).

    Raises
    ------
    MLPCInputError
        If an edge names an unknown stage.

    Notes
    -----
    PSPP after Olson (1997): processing determines structure, structure determines
    properties, properties determine performance. A dataset that links two stages can only
    teach that arrow.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    pos = {s: i for i, s in enumerate(stages)}
    for src, dst, label in edges:
        for s in (src, dst):
            if s not in pos:
                raise MLPCInputError(f"draw_pspp: edge {label!r} names stage {s!r}; known "
                                     f"stages are {list(stages)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4.5), constrained_layout=True)
    xs = {s: 3.0 * i for s, i in pos.items()}
    for s in stages:
        ax.text(xs[s], 0, s.upper(), ha="center", va="center", fontsize=fontsize + 3,
                weight="bold", bbox=dict(boxstyle="round,pad=0.6", fc="#dde8f5",
                                         ec="#2b5d8c"))
    for a, b in zip(stages[:-1], stages[1:], strict=False):
        ax.add_patch(FancyArrowPatch((xs[a] + 0.75, 0), (xs[b] - 0.75, 0),
                                     arrowstyle="-|>", mutation_scale=18, lw=1.6,
                                     color="#2b5d8c"))
    grouped: dict[tuple[str, str], list[str]] = {}
    for src, dst, label in edges:
        grouped.setdefault((src, dst), []).append(label)
    low, n_skips = -0.9, 0
    for (src, dst), labels in grouped.items():
        text = "\n".join(labels)
        if src == dst:
            ax.text(xs[src], 0.95, text, ha="center", va="bottom", fontsize=fontsize,
                    bbox=dict(boxstyle="round", fc="#fff4d6", ec="#b8860b"))
        elif abs(pos[dst] - pos[src]) == 1:
            ax.text((xs[src] + xs[dst]) / 2, 0.25, text, ha="center", va="bottom",
                    fontsize=fontsize, color="#14406b")
        else:
            level = -0.9 - 0.9 * n_skips
            shift = 0.3 * (n_skips % 3) - 0.3  # keep the vertical legs apart
            x0, x1 = xs[src] + shift, xs[dst] - shift
            n_skips += 1
            ax.plot([x0, x0, x1], [-0.4, level, level], ls="--", lw=1.2, color="#8c2b2b")
            ax.add_patch(FancyArrowPatch((x1, level), (x1, -0.4), arrowstyle="-|>",
                                         mutation_scale=16, lw=1.2, color="#8c2b2b",
                                         ls="--"))
            ax.text((x0 + x1) / 2, level - 0.08, text, ha="center", va="top",
                    fontsize=fontsize, color="#8c2b2b", zorder=3,
                    bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none"))
            low = min(low, level - 0.35 - 0.22 * len(labels))
    ax.set_xlim(-1.4, xs[stages[-1]] + 1.4)
    ax.set_ylim(low, 2.1)
    ax.set_axis_off()
    return ax
