"""Laser powder-bed fusion (L-PBF) process physics, one home: energy densities, the alloy
table, dimensionless numbers, replicates, P–v maps and the input tables of the models.

Shared by the week-1 (replicate scatter), week-8 (process map), week-11 (uncertainty),
week-12 (constrained models) and week-13 (explanations) notebooks. Every function takes the
``frame`` of :func:`mlpc_helpers.data.load_lpbf_relative_density` (columns ``material``,
``power_W``, ``speed_mm_per_s``, ``hatch_mm``, ``layer_mm``, ``spot_mm``, ``d50_um``,
``relative_density_pct``, ``doi``, ...) or plain arrays.

- :func:`volumetric_energy_density` — :math:`E_v = P / (v\\,h\\,t)` in J/mm³.
- :func:`build_rate` — :math:`v\\,h\\,t` in mm³/s, the volume melted per second.
- :data:`ALLOY_PROPERTIES`, :func:`alloy_property` — nominal room-temperature properties of
  the six alloys of the dataset, with the source of every value.
- :func:`melting_enthalpy` — :math:`h_s = \\rho c_p (T_l - T_0)`, J/mm³;
  :func:`thermal_diffusivity` — :math:`D = k/(\\rho c_p)`, mm²/s.
- :func:`normalised_energy_density` — :math:`E^*_0 = A E_v / (2 h_s)` (Thomas et al. 2016).
- :func:`normalised_enthalpy` — :math:`\\Delta H/h_s = A P / (h_s\\sqrt{\\pi D v a^3})`
  (Hann et al. 2011; King et al. 2014).
- :func:`features` — the input tables of the course models (``"raw"``, ``"energy"``,
  ``"dimensionless"``, ``"properties"``).
- :func:`replicate_groups` — rows that share material and every process parameter.
- :func:`pooled_replicate_sd` — the pooled within-group standard deviation of the density.
- :func:`typical_parameters` — the median hatch, layer, spot and D50 of one alloy.
- :func:`pv_grid` — a regular (log-spaced) power × speed grid for one alloy, ready for
  ``model.predict``.
- The density models of weeks 8, 12 and 13: :func:`to_log_porosity` /
  :func:`from_log_porosity` (a target that keeps every prediction below 100 %),
  :func:`monotone_constraints` (the booster's ``monotonic_cst`` from physical directions),
  :func:`make_hgb` (the gradient-boosting regressor) and :func:`trend_violations` (how often
  a model's density moves the non-physical way).

Example
-------
>>> from mlpc_helpers import data, lpbf
>>> df = data.load_lpbf_relative_density().frame              # doctest: +SKIP
>>> lpbf.pooled_replicate_sd(df[df.material == "316L"])       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .runtime import check_random_int
from .validation import (
    QUANTITIES,
    MLPCInputError,
    check_numeric_columns,
    check_quantity,
    text_columns_message,
)

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
    # numbers read as text (decimal commas, "n/a" markers, units in cells): named, with the fix
    check_numeric_columns(frame, [c for c in columns if c in (*PROCESS_COLUMNS, TARGET)],
                          f"{what}: frame")


def _positive(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise MLPCInputError(text_columns_message(
            value if isinstance(value, pd.Series) else pd.Series(np.ravel(value), name=name),
            name=name)) from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if np.any(bad):
        k = int(np.flatnonzero(bad.ravel())[0])
        raise MLPCInputError(f"{name} must be finite and > 0 everywhere; value {k} is "
                             f"{arr.ravel()[k]!r} ({int(bad.sum())} such value(s)). Remove "
                             "or fix those rows first.")
    if name in QUANTITIES:  # a length in µm where mm is meant (or m/s for mm/s): converted
        arr = np.asarray(check_quantity(arr, name, name))
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


#: Room temperature (K) used as the starting temperature :math:`T_0` (no plate preheating).
T0_K = 293.15



#: Nominal room-temperature properties of the six alloys of the L-PBF density dataset.
#: Columns: ``density_kg_per_m3``, ``cp_J_per_kgK`` (specific heat), ``k_W_per_mK``
#: (thermal conductivity), ``liquidus_K``. Rounded as in the source. Every value's source is
#: in :data:`PROPERTY_SOURCES` (and in the course's ``references.bib``):
#:
#: ========  ==========================================================================
#: alloy     source of ρ, c_p, k, T_l
#: ========  ==========================================================================
#: 316L      MakeItFrom.com, "Hot finished 316L stainless steel" (``makeitfrom316l``):
#:           ρ 7.9 g/cm³, c_p 470 J/(kg K), k 15 W/(m K), liquidus 1400 °C.
#: AlSi10Mg  EOS GmbH material data sheet "EOS Aluminium AlSi10Mg" (``eosalsi10mg``),
#:           as-built values: ρ 2.67 g/cm³, c_p 910 J/(kg K), k 110 W/(m K); liquidus
#:           600 °C: TRIMET, EN AB-43100 AlSi10Mg(Cu) sheet (solidification range
#:           600–530 °C) (``trimet43100``).
#: 18Ni300   Renishaw plc, "Maraging steel M300" material data sheet (``renishawm300``),
#:           as quoted in an open L-PBF simulation property compilation (not checked
#:           against the sheet itself): ρ 8.1 g/cm³, c_p 450 J/(kg K), k 14.1 W/(m K)
#:           at 20 °C, liquidus 1480 °C.
#: IN718     Special Metals Corporation, "INCONEL alloy 718", publication SMC-045 (2007)
#:           (``specialmetals718``): ρ 0.296 lb/in³ = 8.19 g/cm³, c_p 435 J/(kg K) at
#:           21 °C, k 77 Btu·in/(ft² h °F) at 70 °F = 11.1 W/(m K), melting range
#:           1260–1336 °C (liquidus 1336 °C); read from reproductions of the sheet.
#: Ti6Al4V   ASM Aerospace Specification Metals / MatWeb, "Titanium Ti-6Al-4V (Grade 5),
#:           Annealed" (``asmti64``): ρ 4.43 g/cm³, c_p 526.3 J/(kg K), k 6.7 W/(m K),
#:           liquidus 1660 °C (ρ and c_p agree with MatWeb values quoted elsewhere; k and
#:           the liquidus were not re-checked against a stored copy of the sheet).
#: CuCrZr    MakeItFrom.com, "UNS C18100 chromium-zirconium copper"
#:           (``makeitfromc18100``): ρ 8.9 g/cm³, c_p 390 J/(kg K), k 320 W/(m K),
#:           liquidus 1080 °C.
#: ========  ==========================================================================
#:
#: Absorptivity is *not* in the table: it depends on the melting regime (≈0.3 in
#: conduction mode to ≈0.7+ in a keyhole for steel powder, much lower for Cu and Al at
#: 1 µm wavelength), so every function takes it as an argument (default 1: the energy
#: *delivered*, not absorbed).
ALLOY_PROPERTIES: pd.DataFrame = pd.DataFrame(
    {
        "density_kg_per_m3": [7900.0, 2670.0, 8100.0, 8190.0, 4430.0, 8900.0],
        "cp_J_per_kgK": [470.0, 910.0, 450.0, 435.0, 526.3, 390.0],
        "k_W_per_mK": [15.0, 110.0, 14.1, 11.1, 6.7, 320.0],
        "liquidus_K": [1673.15, 873.15, 1753.15, 1609.15, 1933.15, 1353.15],
    },
    index=pd.Index(["316L", "AlSi10Mg", "18Ni300", "IN718", "Ti6Al4V", "CuCrZr"],
                   name="material"),
)



#: BibTeX key of the source of each alloy's row of :data:`ALLOY_PROPERTIES`.
PROPERTY_SOURCES: dict[str, str] = {
    "316L": "makeitfrom316l",
    "AlSi10Mg": "eosalsi10mg; liquidus: trimet43100",
    "18Ni300": "renishawm300",
    "IN718": "specialmetals718",
    "Ti6Al4V": "asmti64",
    "CuCrZr": "makeitfromc18100",
}



#: Feature sets of :func:`features` and their columns.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "raw": ("log10_power_W", "log10_speed_mm_per_s", "log10_hatch_mm", "log10_layer_mm",
            "spot_mm", "d50_um"),
    "energy": ("log10_Ev_J_per_mm3", "spot_mm", "d50_um"),
    "dimensionless": ("log10_E_star", "log10_dH_over_hs", "hatch_over_spot",
                      "layer_over_d50"),
    "properties": ("log10_power_W", "log10_speed_mm_per_s", "log10_hatch_mm",
                   "log10_layer_mm", "spot_mm", "d50_um", "log10_hs_J_per_mm3",
                   "log10_diffusivity_mm2_per_s"),
}



def _materials(material: Any, n: int | None = None) -> np.ndarray:
    mats = np.asarray(material, dtype=object)
    if mats.ndim == 0:
        mats = np.full(1 if n is None else n, mats.item(), dtype=object)
    if mats.ndim != 1 or (n is not None and len(mats) != n):
        raise MLPCInputError(f"material: give one alloy name, or one per row ({n}); got shape "
                             f"{mats.shape}.")
    unknown = sorted(set(mats.tolist()) - set(ALLOY_PROPERTIES.index))
    if unknown:
        raise MLPCInputError(
            f"material: no properties for {unknown}; known alloys are "
            f"{list(ALLOY_PROPERTIES.index)}. Add a row (with its source) to "
            "lpbf.ALLOY_PROPERTIES or drop those rows.")
    return mats



def alloy_property(material: Any, name: str) -> np.ndarray:
    """One column of :data:`ALLOY_PROPERTIES` looked up row by row.

    Parameters
    ----------
    material : str or array_like of str, shape (n,)
        Alloy names as in the loader (``"316L"``, ``"AlSi10Mg"``, ...).
    name : str
        A column of :data:`ALLOY_PROPERTIES`.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The property in the unit of its column name.

    Raises
    ------
    MLPCInputError
        For an unknown alloy or column.
    """
    if name not in ALLOY_PROPERTIES.columns:
        raise MLPCInputError(f"name: {name!r} is not a property; use one of "
                             f"{list(ALLOY_PROPERTIES.columns)}.")
    mats = _materials(material)
    return ALLOY_PROPERTIES[name].reindex(mats).to_numpy(dtype=float)



def melting_enthalpy(material: Any, T0_K: float = T0_K) -> np.ndarray:
    """Sensible heat per volume to bring the alloy to its liquidus,
    :math:`h_s = \\rho\\, c_p\\, (T_l - T_0)`.

    Parameters
    ----------
    material : str or array_like of str, shape (n,)
        Alloy names.
    T0_K : float
        Starting temperature in K (default 293.15 K, no preheating).

    Returns
    -------
    numpy.ndarray, shape (n,)
        :math:`h_s` in J/mm³ (room-temperature ρ and c_p, latent heat left out, as in
        Thomas et al. 2016).
    """
    rho = alloy_property(material, "density_kg_per_m3")
    cp = alloy_property(material, "cp_J_per_kgK")
    tl = alloy_property(material, "liquidus_K")
    return rho * cp * (tl - T0_K) * 1e-9  # J/m³ -> J/mm³



def normalised_energy_density(power_W: Any, speed_mm_per_s: Any, hatch_mm: Any,
                              layer_mm: Any, material: Any, *,
                              absorptivity: float = 1.0, T0_K: float = T0_K) -> np.ndarray:
    """Normalised volumetric energy density :math:`E^*_0 = A\\,E_v / (2\\,h_s)`.

    Thomas, Baxter & Todd (2016) write it as :math:`E^*_0 = q^*/(v^* l^* h^*)` with
    :math:`q^* = Aq/(r_B k (T_m - T_0))`, :math:`v^* = v r_B/D`, :math:`l^* = 2l/r_B`,
    :math:`h^* = h/r_B`; the beam radius and the conductivity cancel and
    :math:`E^*_0 = A\\,P/(2\\,v\\,t\\,h\\,\\rho c_p (T_m - T_0))`: the energy density in
    units of the heat needed to bring the same volume to melting.

    Parameters
    ----------
    power_W, speed_mm_per_s, hatch_mm, layer_mm : array_like, shape (n,)
        Laser power (W), scan speed (mm/s), hatch spacing (mm), layer thickness (mm).
    material : str or array_like of str, shape (n,)
        Alloy names (rows of :data:`ALLOY_PROPERTIES`).
    absorptivity : float
        Absorbed fraction A of the laser power, 0 < A <= 1 (default 1).
    T0_K : float
        Starting temperature (K).

    Returns
    -------
    numpy.ndarray, shape (n,)
        :math:`E^*_0` (dimensionless).

    Raises
    ------
    ValueError
        For non-positive process parameters, an unknown alloy or A outside (0, 1].
    """
    if not 0 < absorptivity <= 1:
        raise MLPCInputError(f"absorptivity must be in (0, 1]; got {absorptivity}.")
    ev = volumetric_energy_density(power_W, speed_mm_per_s, hatch_mm, layer_mm)
    mats = _materials(material, np.size(ev))
    return absorptivity * ev / (2.0 * melting_enthalpy(mats, T0_K))



def normalised_enthalpy(power_W: Any, speed_mm_per_s: Any, spot_mm: Any, material: Any, *,
                        absorptivity: float = 1.0, T0_K: float = T0_K) -> np.ndarray:
    """Normalised enthalpy :math:`\\Delta H/h_s = A P / (h_s \\sqrt{\\pi D v a^3})`.

    The ratio of the energy deposited per melt-pool volume to the enthalpy at melting
    (Hann, Iammi & Folkes 2011); King et al. (2014) showed that L-PBF melting switches from
    conduction to keyhole mode above a threshold of it. Here :math:`D = k/(\\rho c_p)` is the
    thermal diffusivity, :math:`a` the beam radius (half the spot size of the dataset), and
    :math:`h_s` is :func:`melting_enthalpy` (King et al. use :math:`\\rho c T_m`).

    Parameters
    ----------
    power_W, speed_mm_per_s, spot_mm : array_like, shape (n,)
        Laser power (W), scan speed (mm/s) and spot diameter (mm).
    material : str or array_like of str, shape (n,)
        Alloy names.
    absorptivity : float
        Absorbed fraction A (default 1).
    T0_K : float
        Starting temperature (K).

    Returns
    -------
    numpy.ndarray, shape (n,)
        :math:`\\Delta H / h_s` (dimensionless).

    Raises
    ------
    ValueError
        For non-positive inputs, an unknown alloy or A outside (0, 1].
    """
    if not 0 < absorptivity <= 1:
        raise MLPCInputError(f"absorptivity must be in (0, 1]; got {absorptivity}.")
    p = _positive("power_W", power_W)
    v = _positive("speed_mm_per_s", speed_mm_per_s)
    a = _positive("spot_mm", spot_mm) / 2.0
    _broadcast(power_W=p, speed_mm_per_s=v, spot_mm=a)
    p, v, a = np.broadcast_arrays(p, v, a)
    mats = _materials(material, p.size)
    diff = thermal_diffusivity(mats)  # mm²/s
    hs = melting_enthalpy(mats, T0_K)  # J/mm³
    return absorptivity * p / (hs * np.sqrt(np.pi * diff * v * a**3))



def thermal_diffusivity(material: Any) -> np.ndarray:
    """Thermal diffusivity :math:`D = k / (\\rho c_p)` in mm²/s from :data:`ALLOY_PROPERTIES`.

    Parameters
    ----------
    material : str or array_like of str, shape (n,)

    Returns
    -------
    numpy.ndarray, shape (n,)
        D in mm²/s.
    """
    k = alloy_property(material, "k_W_per_mK")
    rho = alloy_property(material, "density_kg_per_m3")
    cp = alloy_property(material, "cp_J_per_kgK")
    return k / (rho * cp) * 1e6



def features(frame: pd.DataFrame, kind: str = "raw", *,
             alloys: Sequence[str] | None = None, absorptivity: float = 1.0) -> pd.DataFrame:
    """The input table of one of the course's density models.

    Parameters
    ----------
    frame : pandas.DataFrame, shape (n, ...)
        Rows with the columns of :func:`mlpc_helpers.data.load_lpbf_relative_density`'s
        frame (``power_W``, ``speed_mm_per_s``, ``hatch_mm``, ``layer_mm``, ``spot_mm``,
        ``d50_um`` and, for every kind but ``"raw"`` without ``alloys``, ``material``), e.g.
        a :func:`pv_grid` grid with a ``material`` column added.
    kind : {"raw", "energy", "dimensionless", "properties"}
        ``"raw"``: log10 of P, v, h, t plus spot and D50 as they are. ``"energy"``: log10
        :math:`E_v` plus spot and D50. ``"dimensionless"``: log10 :math:`E^*_0`
        (:func:`normalised_energy_density`), log10 :math:`\\Delta H/h_s`
        (:func:`normalised_enthalpy`), hatch/spot and layer/D50 — no alloy identity; the
        alloy enters only through its properties. ``"properties"``: ``"raw"`` plus log10
        :math:`h_s` and log10 D of the alloy.
    alloys : sequence of str, optional
        Append one 0/1 column ``alloy=<name>`` per name (one-hot alloy identity). A row of
        an alloy not in the list gets zeros everywhere (what a model sees for a new alloy).
    absorptivity : float
        Passed to the normalised quantities.

    Returns
    -------
    pandas.DataFrame, shape (n, n_features)
        Columns :data:`FEATURE_SETS` ``[kind]`` (+ the one-hot columns), index of ``frame``.

    Raises
    ------
    MLPCInputError
        For an unknown ``kind`` or missing columns.
    """
    if kind not in FEATURE_SETS:
        raise MLPCInputError(f"kind: {kind!r} is unknown; use one of {list(FEATURE_SETS)}.")
    need = list(PROCESS_COLUMNS)
    if kind != "raw" or alloys is not None:
        need.append("material")
    _need(frame, need, "features")
    f = frame
    out = pd.DataFrame(index=frame.index)
    if kind in ("raw", "properties"):
        out["log10_power_W"] = np.log10(_positive("power_W", f.power_W))
        out["log10_speed_mm_per_s"] = np.log10(
            _positive("speed_mm_per_s", f.speed_mm_per_s))
        out["log10_hatch_mm"] = np.log10(_positive("hatch_mm", f.hatch_mm))
        out["log10_layer_mm"] = np.log10(_positive("layer_mm", f.layer_mm))
        out["spot_mm"] = f.spot_mm.to_numpy(dtype=float)
        out["d50_um"] = f.d50_um.to_numpy(dtype=float)
    if kind == "properties":
        mats = f.material.to_numpy()
        out["log10_hs_J_per_mm3"] = np.log10(melting_enthalpy(mats))
        out["log10_diffusivity_mm2_per_s"] = np.log10(thermal_diffusivity(mats))
    if kind == "energy":
        out["log10_Ev_J_per_mm3"] = np.log10(volumetric_energy_density(
            f.power_W, f.speed_mm_per_s, f.hatch_mm, f.layer_mm))
        out["spot_mm"] = f.spot_mm.to_numpy(dtype=float)
        out["d50_um"] = f.d50_um.to_numpy(dtype=float)
    if kind == "dimensionless":
        mats = f.material.to_numpy()
        out["log10_E_star"] = np.log10(normalised_energy_density(
            f.power_W, f.speed_mm_per_s, f.hatch_mm, f.layer_mm, mats,
            absorptivity=absorptivity))
        out["log10_dH_over_hs"] = np.log10(normalised_enthalpy(
            f.power_W, f.speed_mm_per_s, f.spot_mm, mats, absorptivity=absorptivity))
        out["hatch_over_spot"] = (f.hatch_mm / _positive("spot_mm", f.spot_mm))
        out["layer_over_d50"] = f.layer_mm * 1000.0 / _positive("d50_um", f.d50_um)
    if alloys is not None:
        for name in alloys:
            out[f"alloy={name}"] = (f.material.to_numpy() == name).astype(float)
    return out


# ------------------------------------------------------------------- density models
# The target transform, monotone constraints, booster and trend check shared by the week-8
# (process maps), week-12 (constrained models) and week-13 (explanations) notebooks.


def to_log_porosity(relative_density_pct: Any, floor_pct: float = 0.05) -> np.ndarray:
    """Bounded-output transform: :math:`z = \\ln(\\max(100 - RD, \\phi_0))`.

    Modelling the log of the porosity :math:`100 - RD` (in %) instead of RD makes every
    back-transformed prediction :math:`RD = 100 - e^{z}` (:func:`from_log_porosity`) lie
    strictly below 100 %.

    Parameters
    ----------
    relative_density_pct : array_like, shape (n,)
        Relative density in %, at most 100.
    floor_pct : float
        Smallest porosity (in %) kept apart: measured 100 % (a density method's resolution,
        not a pore-free part) becomes ``floor_pct``. Default 0.05 %.

    Returns
    -------
    numpy.ndarray, shape (n,)
        :math:`z` (natural log of porosity in %).

    Raises
    ------
    MLPCInputError
        If a value exceeds 100 % or is not finite, or ``floor_pct`` <= 0.
    """
    try:
        rd = np.asarray(relative_density_pct, dtype=float)
    except (TypeError, ValueError):
        raise MLPCInputError(text_columns_message(
            pd.Series(np.ravel(np.asarray(relative_density_pct, dtype=object)),
                      name="relative_density_pct"), name="relative_density_pct")) from None
    if floor_pct <= 0:
        raise MLPCInputError(f"floor_pct must be > 0; got {floor_pct}.")
    if not np.all(np.isfinite(rd)) or np.any(rd > 100):
        raise MLPCInputError("relative_density_pct must be finite and <= 100 %; got a "
                             f"maximum of {np.nanmax(rd)!r}. Clip or fix those rows first.")
    return np.log(np.maximum(100.0 - rd, floor_pct))


def from_log_porosity(z: Any) -> np.ndarray:
    """Inverse of :func:`to_log_porosity`: :math:`RD = 100 - e^{z}` (in %, always < 100).

    ``z``: array_like of log porosities (natural log of %); returns RD in %, same shape.
    """
    return 100.0 - np.exp(np.asarray(z, dtype=float))


def monotone_constraints(columns: Sequence[str], density_direction: Mapping[str, int], *,
                         target: str = "density") -> list[int]:
    """The ``monotonic_cst`` list of :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.

    Parameters
    ----------
    columns : sequence of str
        The model's input columns, in order.
    density_direction : mapping of str to {-1, 0, 1}
        For each constrained column: +1 if the *density* may only rise with it, -1 if it may
        only fall; other columns are unconstrained (0).
    target : {"density", "log_porosity"}
        What the booster learns; for the log porosity the signs flip (porosity falls where
        density rises).

    Returns
    -------
    list of int, len(columns)

    Raises
    ------
    MLPCInputError
        For a column not in ``columns``, a direction not in {-1, 0, 1} or an unknown target.
    """
    unknown = sorted(set(density_direction) - set(columns))
    if unknown:
        raise MLPCInputError(f"density_direction names columns {unknown} that are not among "
                             f"the model inputs {list(columns)}.")
    if target not in ("density", "log_porosity"):
        raise MLPCInputError(f"target must be 'density' or 'log_porosity'; got {target!r}.")
    sign = 1 if target == "density" else -1
    out = []
    for c in columns:
        d = int(density_direction.get(c, 0))
        if d not in (-1, 0, 1):
            raise MLPCInputError(f"direction of {c!r} must be -1, 0 or 1; got {d}.")
        out.append(sign * d)
    return out


def make_hgb(monotonic_cst: Sequence[int] | None = None, *, max_iter: int = 300,
             learning_rate: float = 0.05, max_leaf_nodes: int = 15,
             min_samples_leaf: int = 10, random_state: Any = None) -> Any:
    """The gradient-boosting density regressor of the L-PBF notebooks (no early stopping:
    no random validation split, so a fit is deterministic given the data).

    Parameters
    ----------
    monotonic_cst : sequence of int, optional
        Per-column monotone constraint (see :func:`monotone_constraints`).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingRegressor` (Friedman 2001).
    random_state : int, Generator or None
        Resolved by :func:`mlpc_helpers.runtime.check_random_int`.

    Returns
    -------
    sklearn.ensemble.HistGradientBoostingRegressor
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=max_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes,
        min_samples_leaf=min_samples_leaf, early_stopping=False,
        monotonic_cst=None if monotonic_cst is None else list(monotonic_cst),
        random_state=check_random_int(random_state))


def trend_violations(model: Any, X: pd.DataFrame, column: str, density_direction: int, *,
                     step: float = 0.1, tol: float = 0.05) -> float:
    """Share of rows where a small step in one input moves the predicted density the
    non-physical way.

    Parameters
    ----------
    model : fitted regressor predicting relative density (%)
    X : pandas.DataFrame, shape (n, d)
        Inputs (the model's columns).
    column : str
        The input to step (e.g. ``"log10_hatch_mm"``; a step of 0.1 in a log10 column is
        +26 %).
    density_direction : {-1, 1}
        The physical sign: -1 if density must not rise with ``column``.
    step : float
        Increase of ``column``.
    tol : float
        Changes smaller than this (percentage points) do not count.

    Returns
    -------
    float
        Fraction (0–1) of rows whose prediction moves against ``density_direction`` by more
        than ``tol``.

    Raises
    ------
    MLPCInputError
        For a column not in ``X`` or a direction other than -1 or 1.
    """
    if column not in X.columns:
        raise MLPCInputError(f"column {column!r} is not an input; got {list(X.columns)}.")
    if density_direction not in (-1, 1):
        raise MLPCInputError(f"density_direction must be -1 or 1; got {density_direction}.")
    moved = X.copy()
    moved[column] = moved[column] + step
    change = model.predict(moved) - model.predict(X)
    return float(np.mean(-density_direction * change > tol))
