"""Synthetic spectrum images (EELS, EDS) with known ground truth, and the tools of week 5 §C.

No measured EELS or EDS datacube with a ground-truth phase map is public, so two generators
build them from physics:

- :func:`make_eels_cube`: low-loss EELS of an aged duplex stainless steel (after Castro Riglos
  et al. 2024, doi:10.1016/j.matchar.2024.113924): α ferrite matrix, γ austenite islands and
  σ precipitates on the α/γ interfaces. Each pure-phase spectrum is a power-law zero-loss tail
  plus a Drude plasmon (energy loss function of a free-electron gas) with a phase-specific
  plasmon energy and width. Returns an ``exspy.signals.EELSSpectrum`` (energy axis in eV).
- :func:`make_eds_cube`: STEM-EDS of a three-phase lower-mantle assemblage (after Chen et al.
  2024, doi:10.1016/j.ultramic.2024.113981): bridgmanite, ferropericlase and Ca-perovskite,
  with trace Sm in ferropericlase. Line energies and relative weights come from exspy's element
  database; widths follow the detector-resolution law of Fiori & Newbury (as in exspy); the
  continuum is Kramers' bremsstrahlung. Returns an ``exspy.signals.EDSTEMSpectrum`` (keV).

Both map the phases on a 4x finer grid and average down, so boundary pixels mix phases linearly
(the truth ``abundances``), and draw Poisson counting noise. Every random draw comes from the
``random_state`` argument.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

SUPERSAMPLE = 4

# Illustrative plasmon energies and widths (eV) in the 20-25 eV range of Fe-Cr-Ni alloys; chosen
# so the three phases differ by about 1 eV in plasmon energy. Not fitted to the paper's data.
EELS_PHASES: dict[str, dict[str, float]] = {
    "alpha ferrite": {"Ep": 22.4, "gamma": 6.5},
    "gamma austenite": {"Ep": 23.4, "gamma": 8.0},
    "sigma phase": {"Ep": 24.4, "gamma": 5.5},
}

# Mass fractions of the three phases of Chen et al.'s assemblage (ideal stoichiometry with a
# little Fe/Al in bridgmanite and (Mg0.8Fe0.2)O ferropericlase).
EDS_PHASES: dict[str, dict[str, float]] = {
    "bridgmanite": {"O": 0.476, "Mg": 0.220, "Si": 0.270, "Fe": 0.024, "Al": 0.010},
    "ferropericlase": {"O": 0.343, "Mg": 0.417, "Fe": 0.240},
    "Ca-perovskite": {"O": 0.413, "Si": 0.242, "Ca": 0.345},
}
# X-ray family used per element at 200 kV (K for the light elements, L for Sm).
EDS_FAMILY = {"O": "K", "Mg": "K", "Al": "K", "Si": "K", "Ca": "K", "Fe": "K", "Sm": "L"}


@dataclass
class SpectrumImage:
    """A synthetic spectrum image and its ground truth.

    ``signal``: HyperSpy/exspy signal, navigation (rows, cols), signal axis ``energy``.
    ``labels``: (rows, cols) int, the phase with the largest area fraction in each pixel.
    ``abundances``: (rows, cols, n_phases) area fractions, summing to 1 per pixel.
    ``endmembers``: (n_phases, channels) expected counts of a pure pixel at unit dose.
    """

    signal: object
    labels: np.ndarray
    abundances: np.ndarray
    endmembers: np.ndarray
    phase_names: list[str]
    energy: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def data2d(self) -> np.ndarray:
        """The cube flattened to (n_pixels, channels), float64."""
        d = np.asarray(self.signal.data, dtype=float)
        return d.reshape(-1, d.shape[-1])


def _quiet_hyperspy() -> None:
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


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _check_shape(shape) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 4:
        raise ValueError(f"shape must be (rows, cols) with both >= 4; got {shape}.")
    return int(shape[0]), int(shape[1])


def _downsample_onehot(phase_hr: np.ndarray, n_phases: int, factor: int) -> np.ndarray:
    """(H*f, W*f) integer map -> (H, W, n_phases) area fractions by block averaging."""
    hh, ww = phase_hr.shape
    onehot = np.eye(n_phases)[phase_hr]
    return onehot.reshape(hh // factor, factor, ww // factor, factor, n_phases).mean(axis=(1, 3))


def drude_loss(energy: np.ndarray, ep: float, gamma: float) -> np.ndarray:
    """Drude energy-loss function Im(-1/eps) = E G Ep^2 / ((E^2 - Ep^2)^2 + (E G)^2).

    ``energy``, ``ep`` (plasmon energy) and ``gamma`` (damping width) in eV; dimensionless.
    """
    e = np.asarray(energy, float)
    return e * gamma * ep**2 / ((e**2 - ep**2) ** 2 + (e * gamma) ** 2)


def duplex_microstructure(
    shape: tuple[int, int] = (100, 100),
    gamma_fraction: float = 0.38,
    n_sigma: int | None = None,
    sigma_radius: tuple[float, float] = (1.5, 3.0),
    random_state=None,
) -> np.ndarray:
    """Phase map on a 4x finer grid: 0 = α matrix, 1 = γ islands, 2 = σ on α/γ interfaces.

    γ islands are a thresholded, anisotropic Gaussian random field (elongated like a rolled
    duplex steel); ``n_sigma`` σ discs (default 50 per 100 x 100 pixels) with radii drawn from
    ``sigma_radius`` (in map pixels) sit on random α/γ interface points. Returns an int array (rows*4, cols*4).
    """
    from scipy import ndimage

    from .microstructure import gaussian_random_field

    rows, cols = _check_shape(shape)
    rng = _rng(random_state)
    n_sigma = round(50 * rows * cols / 1e4) if n_sigma is None else n_sigma
    f = SUPERSAMPLE
    hr = (rows * f, cols * f)
    grf = gaussian_random_field(hr, (3.0 * f, 8.0 * f), rng)
    gamma = grf > np.quantile(grf, 1 - gamma_fraction)
    phase = gamma.astype(np.int64)
    interface = ndimage.binary_dilation(gamma) & ~gamma
    pts = np.argwhere(interface)
    if len(pts) and n_sigma > 0:
        centres = pts[rng.choice(len(pts), size=min(n_sigma, len(pts)), replace=False)]
        radii = rng.uniform(*sigma_radius, size=len(centres)) * f
        yy, xx = np.mgrid[: hr[0], : hr[1]]
        for (cy, cx), r in zip(centres, radii, strict=True):
            y0, y1 = max(0, int(cy - r - 1)), min(hr[0], int(cy + r + 2))
            x0, x1 = max(0, int(cx - r - 1)), min(hr[1], int(cx + r + 2))
            disc = (yy[y0:y1, x0:x1] - cy) ** 2 + (xx[y0:y1, x0:x1] - cx) ** 2 <= r**2
            phase[y0:y1, x0:x1][disc] = 2
    return phase


def eels_endmembers(energy: np.ndarray, phases: dict[str, dict[str, float]] | None = None,
                    zlp_fraction: float = 0.25, zlp_exponent: float = 3.0) -> np.ndarray:
    """Pure-phase low-loss spectra (n_phases, channels), each normalised to unit sum.

    Each is a power-law zero-loss tail ``(E/E0)^-r`` carrying ``zlp_fraction`` of the counts in
    the window plus a Drude plasmon (:func:`drude_loss`) carrying the rest.
    """
    phases = phases or EELS_PHASES
    e = np.asarray(energy, float)
    tail = (e / e[0]) ** (-zlp_exponent)
    tail /= tail.sum()
    out = []
    for p in phases.values():
        pl = drude_loss(e, p["Ep"], p["gamma"])
        out.append(zlp_fraction * tail + (1 - zlp_fraction) * pl / pl.sum())
    return np.array(out)


def make_eels_cube(
    shape: tuple[int, int] = (100, 100),
    energy_range: tuple[float, float] = (10.0, 35.0),
    n_channels: int = 250,
    counts: float = 2.0e5,
    thickness_variation: float = 0.15,
    random_state=None,
    dtype=np.float32,
) -> SpectrumImage:
    """Low-loss EELS spectrum image of aged duplex steel (α, γ, σ) with Poisson noise.

    ``shape``: map size (rows, cols); pixel size 0.18 µm (18 µm field at 100 px).
    ``energy_range`` (eV) and ``n_channels`` set the energy axis (default 0.1 eV/channel).
    ``counts``: mean counts per spectrum in the window; a smooth thickness/beam-current field
    scales it by ±``thickness_variation``. Returns a :class:`SpectrumImage` whose ``signal`` is
    an ``exspy.signals.EELSSpectrum``.
    """
    rows, cols = _check_shape(shape)
    if n_channels < 10 or energy_range[1] <= energy_range[0] or energy_range[0] <= 0:
        raise ValueError("need n_channels >= 10 and 0 < energy_range[0] < energy_range[1] (eV).")
    from .microstructure import gaussian_random_field

    rng = _rng(random_state)
    scale = (energy_range[1] - energy_range[0]) / n_channels
    energy = energy_range[0] + scale * np.arange(n_channels)
    phase_hr = duplex_microstructure((rows, cols), random_state=rng)
    abund = _downsample_onehot(phase_hr, 3, SUPERSAMPLE)
    ends = eels_endmembers(energy)
    dose = counts * (1 + thickness_variation * np.tanh(
        gaussian_random_field((rows, cols), max(rows, cols) / 4, rng)))
    data = _poisson_mix(abund.reshape(-1, 3), ends, dose.ravel(), rng, dtype)
    signal = _signal("eels", data.reshape(rows, cols, n_channels), energy_range[0], scale,
                     pixel_um=0.18, title="synthetic low-loss EELS, aged duplex steel")
    return SpectrumImage(signal, abund.argmax(-1), abund, ends * counts, list(EELS_PHASES),
                         energy, {"dose": dose, "phase_hr": phase_hr, "phases": EELS_PHASES})


def _poisson_mix(abund: np.ndarray, ends: np.ndarray, dose: np.ndarray,
                 rng: np.random.Generator, dtype, chunk: int = 16384) -> np.ndarray:
    """Linear mixing and Poisson noise, in chunks of pixels to bound memory."""
    n, c = abund.shape[0], ends.shape[1]
    out = np.empty((n, c), dtype=dtype)
    for i in range(0, n, chunk):
        lam = (abund[i:i + chunk] @ ends) * dose[i:i + chunk, None]
        out[i:i + chunk] = rng.poisson(lam)
    return out


def _signal(kind: str, data: np.ndarray, offset: float, scale: float, pixel_um: float,
            title: str):
    _quiet_hyperspy()
    import exspy

    if kind == "eels":
        s = exspy.signals.EELSSpectrum(data)
        units = "eV"
        s.set_microscope_parameters(beam_energy=200, convergence_angle=10, collection_angle=20)
    else:
        s = exspy.signals.EDSTEMSpectrum(data)
        units = "keV"
        s.set_microscope_parameters(beam_energy=200, energy_resolution_MnKa=130)
    ax = s.axes_manager.signal_axes[0]
    ax.name, ax.units, ax.offset, ax.scale = "Energy", units, offset, scale
    for a, name in zip(s.axes_manager.navigation_axes, ("x", "y"), strict=True):
        a.name, a.units, a.scale = name, "µm", pixel_um
    s.metadata.General.title = title
    return s


# ----------------------------------------------------------------------------------------- EDS
def fwhm_at_energy(energy_kev, fwhm_mnka_ev: float = 130.0) -> np.ndarray:
    """Detector peak FWHM (keV) at ``energy_kev`` from the Mn Kα FWHM (eV), Fiori & Newbury."""
    e = np.asarray(energy_kev, float)
    return np.sqrt(2.5 * (e - 5.8987) * 1e3 + fwhm_mnka_ev**2) / 1e3


def xray_lines(element: str, family: str | None = None) -> list[tuple[str, float, float]]:
    """(line, energy keV, weight) of one element's family from exspy's element database."""
    _quiet_hyperspy()
    from exspy.material import elements

    if element not in elements:
        raise ValueError(f"Unknown element {element!r}: use a chemical symbol such as 'Fe'.")
    family = family or EDS_FAMILY.get(element, "K")
    lines = elements[element].Atomic_properties.Xray_lines.as_dictionary()
    out = [(k, float(v["energy (keV)"]), float(v["weight"])) for k, v in lines.items()
           if k.startswith(family)]
    if not out:
        raise ValueError(f"{element} has no {family} lines in exspy's database.")
    return out


def line_energy(line: str) -> float:
    """Energy (keV) of an X-ray line named like exspy does, e.g. ``"Fe_Ka"``."""
    _quiet_hyperspy()
    from exspy.material import elements

    el, _, name = line.partition("_")
    try:
        return float(elements[el].Atomic_properties.Xray_lines[name]["energy (keV)"])
    except (KeyError, AttributeError):
        raise ValueError(f"Unknown X-ray line {line!r}: use 'Element_Line', e.g. 'Fe_Ka'.") \
            from None


def eds_detector_efficiency(energy_kev) -> np.ndarray:
    """A smooth low-energy cut-off (0..1) standing in for the detector window's absorption."""
    e = np.asarray(energy_kev, float)
    return 1 - np.exp(-((e / 0.55) ** 3))


def eds_endmember(energy_kev: np.ndarray, composition: dict[str, float],
                  beam_energy: float = 200.0, continuum_fraction: float = 0.2,
                  fwhm_mnka_ev: float = 130.0) -> np.ndarray:
    """Expected spectrum of one pure phase (channels,), normalised to unit sum.

    ``composition``: element -> mass fraction. Each element's line family gets intensity
    proportional to its mass fraction (k-factors taken as 1, a stated simplification), split
    over the lines by exspy's weights, Gaussian with the detector FWHM. The continuum is
    Kramers' law, ``Zbar (E0 - E) / E``, scaled to ``continuum_fraction`` of the counts at the
    mean Z of the assemblage. Both pass :func:`eds_detector_efficiency`.
    """
    _quiet_hyperspy()
    from exspy.material import elements

    e = np.asarray(energy_kev, float)
    de = e[1] - e[0]
    lines = np.zeros_like(e)
    for el, w in composition.items():
        fam = xray_lines(el)
        total = sum(x[2] for x in fam)
        for _, centre, weight in fam:
            sig = fwhm_at_energy(centre, fwhm_mnka_ev) / 2.3548
            lines += w * weight / total * de * np.exp(-0.5 * ((e - centre) / sig) ** 2) / (
                sig * np.sqrt(2 * np.pi))
    eff = eds_detector_efficiency(e)
    lines *= eff
    zbar = sum(w * elements[el].General_properties.Z for el, w in composition.items())
    kramers = zbar * (beam_energy - e) / e * eff
    ref = 11.0 * (beam_energy - e) / e * eff  # continuum of a Zbar = 11 oxide
    k = continuum_fraction / (1 - continuum_fraction) * lines.sum() / ref.sum()
    spec = lines + k * kramers
    return spec / spec.sum()


def grain_microstructure(shape: tuple[int, int], fractions: Sequence[float],
                         grain_size: float = 6.0, random_state=None) -> np.ndarray:
    """Voronoi grains (mean diameter ``grain_size`` map pixels), each given a phase drawn with
    ``fractions``. Returns an int array on a 4x finer grid (rows*4, cols*4)."""
    from scipy.spatial import cKDTree

    rows, cols = _check_shape(shape)
    rng = _rng(random_state)
    p = np.asarray(fractions, float)
    if np.any(p < 0) or p.sum() <= 0:
        raise ValueError(f"fractions must be non-negative with a positive sum; got {fractions}.")
    f = SUPERSAMPLE
    n = max(len(p), int(rows * cols / (np.pi / 4 * grain_size**2)))
    seeds = rng.uniform(0, 1, (n, 2)) * [rows * f, cols * f]
    phase_of = rng.choice(len(p), size=n, p=p / p.sum())
    yy, xx = np.mgrid[: rows * f, : cols * f]
    _, idx = cKDTree(seeds).query(np.c_[yy.ravel() + 0.5, xx.ravel() + 0.5])
    return phase_of[idx].reshape(rows * f, cols * f)


def make_eds_cube(
    shape: tuple[int, int] = (100, 100),
    trace_ppm: float = 500.0,
    trace_element: str = "Sm",
    host: str = "ferropericlase",
    counts: float = 500.0,
    energy_range: tuple[float, float] = (0.2, 10.2),
    n_channels: int = 500,
    fractions: Sequence[float] = (0.55, 0.30, 0.15),
    grain_size: float = 6.0,
    random_state=None,
) -> SpectrumImage:
    """STEM-EDS spectrum image of bridgmanite / ferropericlase / Ca-perovskite grains.

    ``trace_ppm``: mass fraction (ppm) of ``trace_element`` in the ``host`` phase.
    ``counts``: mean X-ray counts per pixel spectrum (every phase emits the same total, a
    simplification that makes count fractions equal area fractions). Energy axis in keV.
    Returns a :class:`SpectrumImage` whose ``signal`` is an ``exspy.signals.EDSTEMSpectrum``
    with its elements and X-ray lines set.
    """
    rows, cols = _check_shape(shape)
    if host not in EDS_PHASES:
        raise ValueError(f"Unknown host {host!r}; use one of {list(EDS_PHASES)}.")
    if not 0 <= trace_ppm < 1e6:
        raise ValueError(f"trace_ppm must be in [0, 1e6); got {trace_ppm}.")
    if len(fractions) != len(EDS_PHASES):
        raise ValueError(f"fractions needs one value per phase {list(EDS_PHASES)}.")
    rng = _rng(random_state)
    scale = (energy_range[1] - energy_range[0]) / n_channels
    energy = energy_range[0] + scale * np.arange(n_channels)
    comps = {}
    for name, comp in EDS_PHASES.items():
        comp = dict(comp)
        if name == host and trace_ppm > 0:
            comp = {k: v * (1 - trace_ppm * 1e-6) for k, v in comp.items()}
            comp[trace_element] = trace_ppm * 1e-6
        comps[name] = comp
    ends = np.array([eds_endmember(energy, c) for c in comps.values()])
    phase_hr = grain_microstructure((rows, cols), fractions, grain_size, rng)
    abund = _downsample_onehot(phase_hr, len(EDS_PHASES), SUPERSAMPLE)
    dose = np.full(rows * cols, float(counts))
    data = _poisson_mix(abund.reshape(-1, len(EDS_PHASES)), ends, dose, rng, np.float32)
    signal = _signal("eds", data.reshape(rows, cols, n_channels), energy_range[0], scale,
                     pixel_um=0.01, title="synthetic STEM-EDS, lower-mantle assemblage")
    elements = sorted({el for c in comps.values() for el in c} | {trace_element})
    signal.add_elements(elements)
    signal.add_lines([f"{el}_{EDS_FAMILY.get(el, 'K')}a" for el in elements])
    return SpectrumImage(signal, abund.argmax(-1), abund, ends * counts, list(EDS_PHASES),
                         energy, {"compositions": comps, "trace_ppm": trace_ppm,
                                  "trace_element": trace_element, "host": host,
                                  "phase_hr": phase_hr})


# ---------------------------------------------------------------------------- analysis helpers
def normalise_spectra(X: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (removes thickness / beam-current scaling)."""
    X = np.asarray(X, float)
    if X.ndim != 2:
        raise ValueError(f"X must be (n_pixels, channels); got shape {X.shape}.")
    s = X.sum(axis=1, keepdims=True)
    return X / np.where(s > 0, s, 1)


def responsibility_entropy(resp: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) of each row of responsibilities (n, k); 0 = certain, log k = max."""
    r = np.clip(np.asarray(resp, float), 1e-300, 1)
    return -(r * np.log(r)).sum(axis=1)


def match_components(estimated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Order of the estimated components that best matches the truth (Hungarian, correlation).

    ``estimated`` and ``truth``: (n_components, n_features). Returns ``perm`` such that
    ``estimated[perm[k]]`` goes with ``truth[k]``.
    """
    from scipy.optimize import linear_sum_assignment

    est, tru = np.asarray(estimated, float), np.asarray(truth, float)
    if est.ndim != 2 or tru.ndim != 2 or est.shape[1] != tru.shape[1]:
        raise ValueError(f"need two (k, n_features) arrays; got {est.shape} and {tru.shape}.")
    c = np.corrcoef(np.vstack([tru, est]))[: len(tru), len(tru):]
    rows, cols = linear_sum_assignment(-np.nan_to_num(c))
    return cols[np.argsort(rows)]


def nmf_abundances(loadings: np.ndarray, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NMF loadings (n_pixels, k) and factors (channels, k) -> simplex abundances and spectra.

    Factors are scaled to unit area (the scale moves into the loadings), then each pixel's
    loadings are divided by their sum: abundances (n_pixels, k) >= 0 summing to 1, spectra
    (k, channels) with unit area.
    """
    L, F = np.clip(np.asarray(loadings, float), 0, None), np.clip(np.asarray(factors, float), 0,
                                                                     None)
    area = F.sum(axis=0)
    area = np.where(area > 0, area, 1)
    L = L * area
    s = L.sum(axis=1, keepdims=True)
    return L / np.where(s > 0, s, 1), (F / area).T


def window_net_counts(data2d: np.ndarray, energy: np.ndarray, centre: float, half_width: float,
                      gap: float = 0.05, side: float = 0.15) -> np.ndarray:
    """Background-subtracted counts of a line window per pixel (n_pixels,).

    Window ``centre ± half_width`` (keV); background from two side windows of width ``side``
    starting ``gap`` outside it, interpolated linearly under the window.
    """
    e = np.asarray(energy, float)
    win = np.abs(e - centre) <= half_width
    left = (e >= centre - half_width - gap - side) & (e < centre - half_width - gap)
    right = (e > centre + half_width + gap) & (e <= centre + half_width + gap + side)
    if not (win.any() and left.any() and right.any()):
        raise ValueError("the line window or its side windows fall outside the energy axis.")
    X = np.asarray(data2d, float)
    bl, br = X[:, left].mean(1), X[:, right].mean(1)
    el, er = e[left].mean(), e[right].mean()
    bg = bl[:, None] + (br - bl)[:, None] * (e[win] - el) / (er - el)
    return (X[:, win] - bg).sum(axis=1)


def trace_detection_test(cube: SpectrumImage, alpha: float = 1e-3, purity: float = 0.9) -> dict:
    """Does the trace line's net window signal separate the host phase from the others?

    Statistic: net counts in the trace element's main line window (±1 FWHM,
    :func:`window_net_counts`) per pixel; pure host pixels (area fraction >= ``purity``) against
    pure pixels of the other phases, one-sided Welch t-test. Detected when p < ``alpha`` (the
    false-positive rate when there is no trace). The phase map is the truth: a best case.
    """
    from scipy import stats

    p = cube.params
    fam = EDS_FAMILY.get(p["trace_element"], "K")
    centre = dict((n, e) for n, e, _ in xray_lines(p["trace_element"]))[f"{fam}a"]
    net = window_net_counts(cube.data2d, cube.energy, centre, fwhm_at_energy(centre))
    a = cube.abundances.reshape(-1, cube.abundances.shape[-1])
    h = cube.phase_names.index(p["host"])
    host = net[a[:, h] >= purity]
    other = net[(a[:, h] == 0) & (a.max(1) >= purity)]
    t, pval = stats.ttest_ind(host, other, equal_var=False, alternative="greater")
    return {"trace_ppm": p["trace_ppm"], "net_host": float(host.mean()),
            "net_other": float(other.mean()), "t": float(t), "p": float(pval),
            "detected": bool(pval < alpha)}


def detection_sweep(concentrations_ppm: Sequence[float], random_state: int = 0,
                    alpha: float = 1e-3, progress: bool = True, **cube_kwargs):
    """:func:`trace_detection_test` on one freshly generated EDS cube per concentration.

    Returns a DataFrame (one row per concentration). Cubes use seeds ``random_state + i``.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    rows = []
    for i, c in enumerate(tqdm(list(concentrations_ppm), desc="trace sweep", disable=not progress)):
        cube = make_eds_cube(trace_ppm=float(c), random_state=random_state + i, **cube_kwargs)
        rows.append(trace_detection_test(cube, alpha=alpha))
    return pd.DataFrame(rows)


def detection_limit(sweep) -> float:
    """Lowest concentration from which every higher one in the sweep is detected (NaN if none)."""
    df = sweep.sort_values("trace_ppm")
    det = df["detected"].to_numpy()
    conc = df["trace_ppm"].to_numpy()
    ok = np.flatnonzero(~det)
    first = 0 if len(ok) == 0 else ok[-1] + 1
    return float(conc[first]) if first < len(conc) else float("nan")


# ------------------------------------------------------------------------- per-pixel Drude fit
def drude_fit(signal, pixels: np.ndarray | None = None, progress: bool = False) -> dict:
    """Fit a power-law zero-loss tail + Drude plasmon to each chosen pixel with HyperSpy.

    ``signal``: an EELS spectrum image (rows, cols | channels) in eV. ``pixels``: flat pixel
    indices to fit (default all). Uses ``hs.model.components1D.PowerLaw`` plus an
    ``Expression`` Drude component, ``multifit`` pixel by pixel. Returns ``Ep`` and ``gamma``
    (eV) per fitted pixel and the wall time in seconds (``seconds``, ``seconds_per_pixel``).
    """
    _quiet_hyperspy()
    import hyperspy.api as hs

    data = np.asarray(signal.data, float)
    flat = data.reshape(-1, data.shape[-1])
    idx = np.arange(len(flat)) if pixels is None else np.asarray(pixels)
    if idx.ndim != 1 or idx.size == 0 or idx.max() >= len(flat) or idx.min() < 0:
        raise ValueError(f"pixels must be flat indices in [0, {len(flat)}); got {idx!r}.")
    sub = hs.signals.Signal1D(flat[idx])
    ax_in, ax = signal.axes_manager.signal_axes[0], sub.axes_manager.signal_axes[0]
    ax.offset, ax.scale, ax.units = ax_in.offset, ax_in.scale, ax_in.units
    t0 = time.perf_counter()
    m = sub.create_model()
    tail = hs.model.components1D.PowerLaw()
    drude = hs.model.components1D.Expression(
        "A * x * G * Ep**2 / ((x**2 - Ep**2)**2 + (x * G)**2)", name="Drude",
        A=1.0, G=7.0, Ep=23.0)
    m.extend([tail, drude])
    e = ax.axis
    first = flat[idx[0]]
    tail.estimate_parameters(sub.inav[0], e[0], e[0] + 2.0, only_current=True)
    drude.Ep.value = float(e[np.argmax(first - tail.function(e))])
    drude.Ep.bmin, drude.Ep.bmax = e[0], e[-1]
    drude.G.bmin, drude.G.bmax = 0.5, 30.0
    drude.A.value = float(first.max() / drude_loss(drude.Ep.value, drude.Ep.value, 7.0))
    m.multifit(show_progressbar=progress)
    seconds = time.perf_counter() - t0
    return {"Ep": drude.Ep.map["values"].copy(), "gamma": drude.G.map["values"].copy(),
            "seconds": seconds, "seconds_per_pixel": seconds / len(idx), "pixels": idx}


# ----------------------------------------------------------------------------- exam-scale cube
def pca_minibatch_kmeans(X: np.ndarray, n_clusters: int = 3, n_components: int = 10,
                         fit_sample: int = 20000, batch_size: int = 4096,
                         random_state: int = 0, chunk: int = 65536) -> dict:
    """Normalise spectra, PCA fitted on a random subsample, then MiniBatchKMeans on the scores.

    ``X``: (n_pixels, channels) counts. Returns ``labels`` (n_pixels,), ``seconds`` (wall time
    of the whole pipeline) and ``spectra_per_second``. Works in chunks of ``chunk`` pixels, so
    a 512 x 512 x 1024 cube needs only a few GB.
    """
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import PCA

    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be (n_pixels, channels); got shape {X.shape}.")
    t0 = time.perf_counter()
    rng = np.random.default_rng(random_state)
    sub = rng.choice(len(X), size=min(fit_sample, len(X)), replace=False)
    pca = PCA(n_components=n_components, random_state=random_state).fit(
        normalise_spectra(X[sub]))
    scores = np.concatenate([pca.transform(normalise_spectra(X[i:i + chunk]))
                             for i in range(0, len(X), chunk)])
    km = MiniBatchKMeans(n_clusters=n_clusters, batch_size=batch_size, n_init=3,
                         random_state=random_state).fit(scores)
    seconds = time.perf_counter() - t0
    return {"labels": km.labels_, "seconds": seconds, "spectra_per_second": len(X) / seconds,
            "explained_variance": float(pca.explained_variance_ratio_.sum())}


def label_mapping(labels_pred: np.ndarray, labels_true: np.ndarray) -> np.ndarray:
    """``mapping[c]`` = the true class that cluster ``c`` overlaps most, one-to-one (Hungarian
    on the contingency table). Use ``mapping[labels_pred]`` for aligned labels."""
    from scipy.optimize import linear_sum_assignment

    pred, true = np.asarray(labels_pred).ravel(), np.asarray(labels_true).ravel()
    if pred.shape != true.shape:
        raise ValueError(f"labels differ in size: {pred.shape} vs {true.shape}.")
    kp, kt = pred.max() + 1, true.max() + 1
    table = np.zeros((kp, max(kp, kt)), int)
    np.add.at(table, (pred, true), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.empty(kp, int)
    mapping[rows] = cols
    return mapping


def align_labels(labels_pred: np.ndarray, labels_true: np.ndarray) -> np.ndarray:
    """Relabel clusters to the true class they overlap most (see :func:`label_mapping`), so
    maps and legends use one colour per phase. Scores are unaffected."""
    return label_mapping(labels_pred, labels_true)[np.asarray(labels_pred)]


def show_map(ax, image: np.ndarray, pixel_um: float, title: str, **imshow_kw):
    """Draw a (rows, cols) map on ``ax`` with axes in µm and a title; returns the image."""
    h, w = np.asarray(image).shape[:2]
    im = ax.imshow(image, extent=(0, w * pixel_um, h * pixel_um, 0), **imshow_kw)
    ax.set(xlabel="x (µm)", ylabel="y (µm)", title=title)
    return im


def phase_legend(ax, names: Sequence[str], colors: Sequence[str], **legend_kw):
    """Add a legend of coloured patches (one per phase) to a phase map on ``ax``."""
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=n) for n, c in zip(names, colors, strict=True)]
    legend_kw.setdefault("fontsize", 8)
    legend_kw.setdefault("loc", "lower right")
    return ax.legend(handles=handles, **legend_kw)
