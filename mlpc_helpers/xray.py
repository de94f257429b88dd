"""X-ray line physics shared by the EDS generators and the analysis of spectra.

Line energies and weights come from exspy's element database (HyperSpy's EDS package); the
detector resolution follows the Fiori & Newbury law. :func:`quiet_hyperspy` imports
HyperSpy/exspy once without their optional-dependency warnings; every function here that
reads the database calls it.

- :func:`xray_lines`, :func:`line_energy` — the lines of one element's family, the energy
  of one named line (``"Fe_Ka"``);
- :func:`line_table` — every line a beam of a given energy can excite;
- :func:`fwhm_at_energy` — detector peak FWHM at any energy from the Mn Kα FWHM.

Energies in keV, detector resolutions at Mn Kα in eV (as the instruments quote them).
Used by :mod:`mlpc_helpers.synthetic.spectrum_images` (EDS cubes),
the week-5 hyperspectral notebook (trace detection) and the week-9 notebook (peak
finding and identification).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .validation import MLPCInputError, check_quantity

#: X-ray family used per element at 200 kV (K for the light elements, L for Sm).
EDS_FAMILY = {"O": "K", "Mg": "K", "Al": "K", "Si": "K", "Ca": "K", "Fe": "K", "Sm": "L"}


def quiet_hyperspy() -> None:
    """Import HyperSpy/exspy once without their optional-dependency warnings (numba,
    numexpr, deprecations), then keep HyperSpy's log at ERROR level."""
    if "exspy" not in sys.modules:
        logging.disable(logging.WARNING)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import exspy  # noqa: F401
                import hyperspy.api  # noqa: F401
        finally:
            logging.disable(logging.NOTSET)
    logging.getLogger("hyperspy").setLevel(logging.ERROR)
    logging.getLogger("exspy").setLevel(logging.ERROR)


def fwhm_at_energy(energy_kev, fwhm_mnka_ev: float = 130.0) -> np.ndarray:
    """Detector peak FWHM (keV) at ``energy_kev`` (keV) from the FWHM at Mn Kα (eV).

    ``FWHM(E) = sqrt(2.5 (E - 5.8987 keV) · 1000 + FWHM(Mn Kα)²)`` in eV (Fiori & Newbury
    1978, the law the EDS vendors quote resolutions with; 5.8987 keV is Mn Kα).
    """
    e = check_quantity(np.asarray(energy_kev, float), "energy_kev", "energy_keV")
    fwhm_mnka_ev = check_quantity(fwhm_mnka_ev, "fwhm_mnka_ev", "fwhm_eV")
    return np.sqrt(2.5 * (e - 5.8987) * 1e3 + fwhm_mnka_ev**2) / 1e3


def xray_lines(element: str, family: str | None = None) -> list[tuple[str, float, float]]:
    """(line, energy keV, weight) of one element's family from exspy's element database."""
    quiet_hyperspy()
    from exspy.material import elements

    if element not in elements:
        raise MLPCInputError(f"Unknown element {element!r}: use a chemical symbol such as 'Fe'.")
    family = family or EDS_FAMILY.get(element, "K")
    lines = elements[element].Atomic_properties.Xray_lines.as_dictionary()
    out = [(k, float(v["energy (keV)"]), float(v["weight"])) for k, v in lines.items()
           if k.startswith(family)]
    if not out:
        raise MLPCInputError(f"{element} has no {family} lines in exspy's database.")
    return out


def line_energy(line: str) -> float:
    """Energy (keV) of an X-ray line named like exspy does, e.g. ``"Fe_Ka"``."""
    quiet_hyperspy()
    from exspy.material import elements

    el, _, name = line.partition("_")
    try:
        return float(elements[el].Atomic_properties.Xray_lines[name]["energy (keV)"])
    except (KeyError, AttributeError):
        raise MLPCInputError(f"Unknown X-ray line {line!r}: use 'Element_Line', e.g. 'Fe_Ka'.") \
            from None


#: Elements never expected in a solid specimen (noble gases, H and He have no usable lines).
NOT_IN_SOLIDS = ("H", "He", "Ne", "Ar", "Kr", "Xe", "Rn")


def line_table(
    beam_energy_kev: float,
    *,
    elements: Sequence[str] | None = None,
    min_energy_kev: float = 0.15,
    max_energy_kev: float | None = None,
    min_weight: float = 0.05,
    overvoltage: float = 1.05,
) -> pd.DataFrame:
    """X-ray lines of exspy's element database that the beam can excite.

    A line family (K, L or M) is excited only when ``beam_energy_kev`` ≥ ``overvoltage`` ×
    its ionisation edge; the edge lies above every emission line of the family, so the
    family's highest line energy (exspy) is used as a lower bound of the edge. A line is
    kept when its family is excited, its energy lies in [``min_energy_kev``,
    ``max_energy_kev``] and its weight (intensity relative to the family's α line, exspy) is
    at least ``min_weight``. ``elements`` default: every element of the database except
    :data:`NOT_IN_SOLIDS`.

    Returns a DataFrame (element, line, energy_keV, weight, principal) where ``principal``
    marks the α line of a family (Ka, La, Ma: weight 1).
    """
    quiet_hyperspy()
    from exspy.material import elements as db

    if not beam_energy_kev > 0:
        raise MLPCInputError(f"beam_energy_kev must be > 0 keV; got {beam_energy_kev!r}.")
    beam_energy_kev = check_quantity(beam_energy_kev, "beam_energy_kev", "beam_energy_keV")
    names = list(elements) if elements is not None else [
        str(k) for k in db.keys() if str(k) not in NOT_IN_SOLIDS]
    top = np.inf if max_energy_kev is None else float(max_energy_kev)
    rows = []
    for el in names:
        if el not in db:
            raise MLPCInputError(f"Unknown element {el!r}: use a chemical symbol like 'Fe'.")
        try:
            lines = db[el].Atomic_properties.Xray_lines.as_dictionary()
        except AttributeError:
            continue
        edge: dict[str, float] = {}
        for name, v in lines.items():
            edge[name[0]] = max(edge.get(name[0], 0.0), float(v["energy (keV)"]))
        for name, v in lines.items():
            en, w = float(v["energy (keV)"]), float(v["weight"])
            if (beam_energy_kev >= overvoltage * edge[name[0]]
                    and min_energy_kev <= en <= top and w >= min_weight):
                rows.append((el, name, en, w, name in ("Ka", "La", "Ma")))
    return pd.DataFrame(rows, columns=["element", "line", "energy_keV", "weight", "principal"])
