"""Laser powder-bed fusion (L-PBF) process parameters: energy density, replicates, P–v maps.

Shared by the week-1 (replicate scatter), week-8 (process map) and week-11 (uncertainty)
notebooks. Every function takes the ``frame`` of
:func:`mlpc_helpers.data.load_lpbf_relative_density` (columns ``material``, ``power_W``,
``speed_mm_per_s``, ``hatch_mm``, ``layer_mm``, ``spot_mm``, ``d50_um``,
``relative_density_pct``, ``doi``, ...) or plain arrays.

- :func:`volumetric_energy_density` — :math:`E_v = P / (v\\,h\\,t)` in J/mm³.
- :func:`build_rate` — :math:`v\\,h\\,t` in mm³/s, the volume melted per second.
- :func:`replicate_groups` — rows that share material and every process parameter.
- :func:`pooled_replicate_sd` — the pooled within-group standard deviation of the density.
- :func:`typical_parameters` — the median hatch, layer, spot and D50 of one alloy.
- :func:`pv_grid` — a regular (log-spaced) power × speed grid for one alloy, ready for
  ``model.predict``.

Example
-------
>>> from mlpc_helpers import data, lpbf
>>> df = data.load_lpbf_relative_density().frame              # doctest: +SKIP
>>> lpbf.pooled_replicate_sd(df[df.material == "316L"])       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .validation import MLPCInputError

#: The process-parameter columns of the loader's frame, in its order (units in the names).
PROCESS_COLUMNS: tuple[str, ...] = (
    "power_W", "speed_mm_per_s", "hatch_mm", "layer_mm", "spot_mm", "d50_um",
)
#: What makes two rows "the same condition": material and every process parameter.
REPLICATE_KEYS: tuple[str, ...] = ("material", *PROCESS_COLUMNS)
TARGET = "relative_density_pct"


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise MLPCInputError(
            f"{what}: expected a pandas DataFrame (the .frame of "
            f"load_lpbf_relative_density()), got {type(frame).__name__}."
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MLPCInputError(
            f"{what}: the frame lacks the columns {missing}; pass the .frame of "
            "mlpc_helpers.data.load_lpbf_relative_density() or rename your columns."
        )


def _positive(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise MLPCInputError(f"{name}: expected numbers (a scalar or an array); some entries "
                             "are not numbers. Convert the column with pd.to_numeric "
                             "first.") from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if np.any(bad):
        k = int(np.flatnonzero(bad.ravel())[0])
        raise MLPCInputError(f"{name} must be finite and > 0 everywhere; value {k} is "
                             f"{arr.ravel()[k]!r} ({int(bad.sum())} such value(s)). Remove "
                             "or fix those rows first.")
    return arr


def _broadcast(**arrays: np.ndarray) -> None:
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        got = ", ".join(f"{k} {a.shape}" for k, a in arrays.items())
        raise MLPCInputError(f"the inputs must have one length (or be scalars); got {got}. "
                             "Pass the columns of one table.") from None


def volumetric_energy_density(power_W: Any, speed_mm_per_s: Any, hatch_mm: Any,
                              layer_mm: Any) -> np.ndarray:
    """Volumetric energy density :math:`E_v = P / (v\\,h\\,t)`.

    Parameters
    ----------
    power_W : array_like
        Laser power P in W.
    speed_mm_per_s : array_like
        Scan speed v in mm/s.
    hatch_mm : array_like
        Hatch spacing h in mm.
    layer_mm : array_like
        Layer thickness t in mm. All four broadcast against each other.

    Returns
    -------
    numpy.ndarray
        :math:`E_v` in J/mm³ (W·s/mm³), the broadcast shape of the inputs.

    Raises
    ------
    ValueError
        If any input is not finite or not positive.

    Notes
    -----
    The usual lumped parameter of L-PBF process windows (e.g. Gu et al. 2013; Thomas et al.
    2016 discuss its limits): it ignores spot size, absorptivity and conduction, so equal
    :math:`E_v` does not guarantee equal melt pools.
    """
    p = _positive("power_W", power_W)
    v = _positive("speed_mm_per_s", speed_mm_per_s)
    h = _positive("hatch_mm", hatch_mm)
    t = _positive("layer_mm", layer_mm)
    _broadcast(power_W=p, speed_mm_per_s=v, hatch_mm=h, layer_mm=t)
    return p / (v * h * t)


def build_rate(speed_mm_per_s: Any, hatch_mm: Any, layer_mm: Any) -> np.ndarray:
    """Nominal build rate :math:`\\dot V = v\\,h\\,t`, the volume melted per second of scanning.

    Parameters
    ----------
    speed_mm_per_s, hatch_mm, layer_mm : array_like
        Scan speed (mm/s), hatch spacing (mm) and layer thickness (mm); broadcast together.

    Returns
    -------
    numpy.ndarray
        Build rate in mm³/s (multiply by 3.6 for cm³/h).

    Raises
    ------
    ValueError
        If any input is not finite or not positive.
    """
    v = _positive("speed_mm_per_s", speed_mm_per_s)
    h = _positive("hatch_mm", hatch_mm)
    t = _positive("layer_mm", layer_mm)
    _broadcast(speed_mm_per_s=v, hatch_mm=h, layer_mm=t)
    return v * h * t


def replicate_groups(frame: pd.DataFrame, *, keys: Sequence[str] = REPLICATE_KEYS,
                     within_source: bool = True, min_size: int = 2) -> pd.DataFrame:
    """Groups of rows measured at identical conditions ("replicates"), one row per group.

    Parameters
    ----------
    frame : pandas.DataFrame, shape (n_rows, ...)
        The loader's frame (or a subset, e.g. one alloy).
    keys : sequence of str
        Columns that must agree for two rows to be replicates; default material plus the six
        process parameters :data:`PROCESS_COLUMNS`.
    within_source : bool
        If True (default) also require the same ``doi``: replicates of one lab, so the
        scatter is measurement plus build-to-build scatter. False also pools the same
        conditions reported by different papers (adds lab-to-lab differences).
    min_size : int
        Smallest group size kept (>= 2 for a standard deviation).

    Returns
    -------
    pandas.DataFrame
        One row per group: the key columns, ``n`` (rows in the group), ``mean_pct``,
        ``sd_pct`` (sample SD, ddof=1, in percentage points of relative density),
        ``range_pct`` and ``group`` (an integer id). Sorted by ``sd_pct``, largest first.

    Raises
    ------
    ValueError
        If a column is missing or ``min_size`` < 2.
    """
    if min_size < 2:
        raise MLPCInputError(f"min_size must be >= 2 to compute a scatter; got {min_size}.")
    cols = list(keys) + (["doi"] if within_source and "doi" not in keys else [])
    _need(frame, [*cols, TARGET], "replicate_groups")
    grouped = frame.groupby(cols, dropna=False, sort=False)[TARGET]
    out = grouped.agg(n="size", mean_pct="mean", sd_pct="std",
                      range_pct=lambda s: s.max() - s.min()).reset_index()
    out = out[out.n >= min_size].sort_values("sd_pct", ascending=False)
    out.insert(0, "group", np.arange(len(out)))
    return out.reset_index(drop=True)


def pooled_replicate_sd(frame: pd.DataFrame, **kwargs: Any) -> float:
    """Pooled within-group standard deviation of the relative density over all replicates.

    :math:`s_p = \\sqrt{\\sum_g (n_g - 1) s_g^2 / \\sum_g (n_g - 1)}`, the estimate of a
    common measurement (aleatoric) SD from groups of repeated conditions (the pooled
    variance of one-way ANOVA, e.g. Montgomery, *Design and Analysis of Experiments*).

    Parameters
    ----------
    frame : pandas.DataFrame
        The loader's frame or a subset of it.
    **kwargs
        Passed to :func:`replicate_groups` (``keys``, ``within_source``).

    Returns
    -------
    float
        :math:`s_p` in percentage points of relative density; ``nan`` if there are no
        replicate groups.
    """
    groups = replicate_groups(frame, **kwargs)
    dof = (groups.n - 1).sum()
    if dof == 0:
        return float("nan")
    return float(np.sqrt(((groups.n - 1) * groups.sd_pct**2).sum() / dof))


def typical_parameters(frame: pd.DataFrame, material: str | None = None) -> pd.Series:
    """Median hatch, layer thickness, spot size and D50 of one alloy (or of ``frame``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The loader's frame.
    material : str, optional
        e.g. ``"316L"``; None uses every row of ``frame``.

    Returns
    -------
    pandas.Series
        ``hatch_mm``, ``layer_mm``, ``spot_mm``, ``d50_um`` (medians, in the units of their
        names).

    Raises
    ------
    ValueError
        If a column is missing or ``material`` has no rows.
    """
    rows = _select(frame, material, "typical_parameters")
    return rows[["hatch_mm", "layer_mm", "spot_mm", "d50_um"]].median()


def _select(frame: pd.DataFrame, material: str | None, what: str) -> pd.DataFrame:
    _need(frame, list(PROCESS_COLUMNS) + (["material"] if material else []), what)
    rows = frame if material is None else frame[frame.material == material]
    if len(rows) == 0:
        known = sorted(frame.material.unique()) if "material" in frame else []
        raise MLPCInputError(f"{what}: no rows for material {material!r}; known: {known}.")
    return rows


def pv_grid(frame: pd.DataFrame, material: str | None = None, *, n_power: int = 60,
            n_speed: int = 60, log: bool = True, margin: float = 0.0,
            **fixed: float) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """A power × scan-speed grid for one alloy, the other parameters held at typical values.

    Parameters
    ----------
    frame : pandas.DataFrame
        The loader's frame; the grid spans the power and speed range of ``material``.
    material : str, optional
        e.g. ``"316L"``; None uses every row of ``frame``.
    n_power, n_speed : int
        Grid points along power and speed.
    log : bool
        Log-spaced axes (default; speeds span decades) or linear ones.
    margin : float
        Widen both ranges by this fraction of their (log) span on each side, to show how a
        model extrapolates.
    **fixed : float
        Values of ``hatch_mm``, ``layer_mm``, ``spot_mm``, ``d50_um`` to hold; the missing
        ones are the alloy's medians (:func:`typical_parameters`).

    Returns
    -------
    power : numpy.ndarray, shape (n_power,)
        Power axis in W.
    speed : numpy.ndarray, shape (n_speed,)
        Speed axis in mm/s.
    grid : pandas.DataFrame, shape (n_speed * n_power, 8)
        The :data:`PROCESS_COLUMNS` (in that order, ready for a model trained on them) plus
        ``energy_J_per_mm3`` and ``build_rate_mm3_per_s``; row ``i * n_power + j`` is
        ``speed[i]``, ``power[j]``, so ``values.reshape(n_speed, n_power)`` gives an image
        with speed along the rows.

    Raises
    ------
    ValueError
        For a missing column, an unknown material, unknown ``fixed`` names or grids with
        fewer than 2 points.
    """
    if n_power < 2 or n_speed < 2:
        raise MLPCInputError(f"n_power and n_speed must be >= 2; got {n_power}, {n_speed}.")
    unknown = set(fixed) - {"hatch_mm", "layer_mm", "spot_mm", "d50_um"}
    if unknown:
        raise MLPCInputError(f"pv_grid: unknown fixed parameters {sorted(unknown)}; allowed are "
                         "hatch_mm, layer_mm, spot_mm, d50_um.")
    rows = _select(frame, material, "pv_grid")
    typical = typical_parameters(rows).to_dict() | {k: float(v) for k, v in fixed.items()}

    def axis(values: pd.Series, n: int) -> np.ndarray:
        lo, hi = float(values.min()), float(values.max())
        if log:
            lo, hi = np.log10(lo), np.log10(hi)
        pad = margin * (hi - lo)
        ax = np.linspace(lo - pad, hi + pad, n)
        return 10**ax if log else ax

    if log:
        for col in ("power_W", "speed_mm_per_s"):
            if not rows[col].min() > 0:
                raise MLPCInputError(f"pv_grid: column {col} holds values <= 0 (or none "
                                     "finite); a log-spaced axis needs positive values. Drop "
                                     "those rows or pass log=False.")
    power = axis(rows.power_W, n_power)
    speed = axis(rows.speed_mm_per_s, n_speed)
    pp, vv = np.meshgrid(power, speed)
    grid = pd.DataFrame({"power_W": pp.ravel(), "speed_mm_per_s": vv.ravel()})
    for name in ("hatch_mm", "layer_mm", "spot_mm", "d50_um"):
        grid[name] = typical[name]
    grid["energy_J_per_mm3"] = volumetric_energy_density(
        grid.power_W, grid.speed_mm_per_s, grid.hatch_mm, grid.layer_mm)
    grid["build_rate_mm3_per_s"] = build_rate(grid.speed_mm_per_s, grid.hatch_mm,
                                              grid.layer_mm)
    return power, speed, grid
