"""Process maps for laser powder-bed fusion (L-PBF): physics-informed features, bounded and
monotone density models, ensembles, process windows and the inverse problem.

Used by the week-8 notebook (``week08_process_maps``) and meant for reuse by later weeks
(bounded / monotone models in week 12). The energy density, build rate and P–v grid come
from :mod:`mlpc_helpers.lpbf`; this module adds what a process map needs on top of them.

- :data:`ALLOY_PROPERTIES` — nominal room-temperature properties of the six alloys of
  :func:`mlpc_helpers.data.load_lpbf_relative_density`, with the source of every value.
- :func:`melting_enthalpy` — :math:`h_s = \\rho c_p (T_l - T_0)`, J/mm³.
- :func:`normalised_energy_density` — :math:`E^*_0 = A E_v / (2 h_s)` (Thomas et al. 2016).
- :func:`normalised_enthalpy` — :math:`\\Delta H/h_s = A P / (h_s\\sqrt{\\pi D v a^3})`
  (Hann et al. 2011; King et al. 2014).
- :func:`features` — the input tables of the course models (``"raw"``, ``"energy"``,
  ``"dimensionless"``, ``"properties"``).
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
>>> from mlpc_helpers import data, process_maps as pm       # doctest: +SKIP
>>> df = data.load_lpbf_relative_density().frame              # doctest: +SKIP
>>> X = pm.features(df, "dimensionless")                      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import lpbf
from .runtime import check_random_int, check_random_state
from .validation import MLPCInputError, check_labels, check_matrix, check_vector

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
            "process_maps.ALLOY_PROPERTIES or drop those rows.")
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
    ev = lpbf.volumetric_energy_density(power_W, speed_mm_per_s, hatch_mm, layer_mm)
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
    p = lpbf._positive("power_W", power_W)
    v = lpbf._positive("speed_mm_per_s", speed_mm_per_s)
    a = lpbf._positive("spot_mm", spot_mm) / 2.0
    lpbf._broadcast(power_W=p, speed_mm_per_s=v, spot_mm=a)
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
        a :func:`mlpc_helpers.lpbf.pv_grid` grid with a ``material`` column added.
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
    need = list(lpbf.PROCESS_COLUMNS)
    if kind != "raw" or alloys is not None:
        need.append("material")
    lpbf._need(frame, need, "features")
    f = frame
    out = pd.DataFrame(index=frame.index)
    if kind in ("raw", "properties"):
        out["log10_power_W"] = np.log10(lpbf._positive("power_W", f.power_W))
        out["log10_speed_mm_per_s"] = np.log10(
            lpbf._positive("speed_mm_per_s", f.speed_mm_per_s))
        out["log10_hatch_mm"] = np.log10(lpbf._positive("hatch_mm", f.hatch_mm))
        out["log10_layer_mm"] = np.log10(lpbf._positive("layer_mm", f.layer_mm))
        out["spot_mm"] = f.spot_mm.to_numpy(dtype=float)
        out["d50_um"] = f.d50_um.to_numpy(dtype=float)
    if kind == "properties":
        mats = f.material.to_numpy()
        out["log10_hs_J_per_mm3"] = np.log10(melting_enthalpy(mats))
        out["log10_diffusivity_mm2_per_s"] = np.log10(thermal_diffusivity(mats))
    if kind == "energy":
        out["log10_Ev_J_per_mm3"] = np.log10(lpbf.volumetric_energy_density(
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
        out["hatch_over_spot"] = (f.hatch_mm / lpbf._positive("spot_mm", f.spot_mm))
        out["layer_over_d50"] = f.layer_mm * 1000.0 / lpbf._positive("d50_um", f.d50_um)
    if alloys is not None:
        for name in alloys:
            out[f"alloy={name}"] = (f.material.to_numpy() == name).astype(float)
    return out


def to_log_porosity(relative_density_pct: Any, floor_pct: float = 0.05) -> np.ndarray:
    """Bounded-output transform: :math:`z = \\ln(\\max(100 - RD, \\phi_0))`.

    Modelling the log of the porosity :math:`100 - RD` (in %) instead of RD makes every
    back-transformed prediction :math:`RD = 100 - e^{z}` lie strictly below 100 %.

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
        raise MLPCInputError("relative_density_pct: expected numbers (%); some entries are "
                             "not numbers. Convert with pd.to_numeric first.") from None
    if floor_pct <= 0:
        raise MLPCInputError(f"floor_pct must be > 0; got {floor_pct}.")
    if not np.all(np.isfinite(rd)) or np.any(rd > 100):
        raise MLPCInputError("relative_density_pct must be finite and <= 100 %; got a "
                             f"maximum of {np.nanmax(rd)!r}. Clip or fix those rows first.")
    return np.log(np.maximum(100.0 - rd, floor_pct))


def from_log_porosity(z: Any) -> np.ndarray:
    """Inverse of :func:`to_log_porosity`: :math:`RD = 100 - e^{z}` (in %, always < 100)."""
    return 100.0 - np.exp(np.asarray(z, dtype=float))


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
    """The gradient-boosting regressor of the week-8 models (no early stopping: no random
    validation split, so a fit is deterministic given the data).

    Parameters
    ----------
    monotonic_cst : sequence of int, optional
        Per-column monotone constraint (see :func:`monotone_constraints`).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.
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
    """
    if column not in X.columns:
        raise MLPCInputError(f"column {column!r} is not an input; got {list(X.columns)}.")
    if density_direction not in (-1, 1):
        raise MLPCInputError(f"density_direction must be -1 or 1; got {density_direction}.")
    moved = X.copy()
    moved[column] = moved[column] + step
    change = model.predict(moved) - model.predict(X)
    return float(np.mean(-density_direction * change > tol))


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
    lpbf._need(grid, ["build_rate_mm3_per_s"], "inverse_candidates")
    lower = np.asarray(lower)
    if lower.shape == (len(grid),):
        lower = check_vector(lower, "lower")
    if lower.shape != (len(grid),):
        raise MLPCInputError(f"lower must have one value per grid row ({len(grid)}); got "
                             f"shape {lower.shape}.")
    out = grid.assign(rd_lower_pct=lower)[lower >= target]
    return out.sort_values("build_rate_mm3_per_s", ascending=False)
