"""Synthetic spectrum images (EELS, EDS) with known ground truth.

No measured EELS or EDS datacube with a ground-truth phase map is public, so two generators
build them from physics:

- :func:`make_eels_cube`: low-loss EELS of an aged duplex stainless steel (after Castro Riglos
  et al. 2024, doi:10.1016/j.matchar.2024.113924): α ferrite matrix, γ austenite islands and
  σ precipitates on the α/γ interfaces. Each pure-phase spectrum is a power-law zero-loss tail
  plus a Drude plasmon (energy loss function of a free-electron gas,
  :func:`drude_loss`) with a phase-specific plasmon energy and
  width. Returns an ``exspy.signals.EELSSpectrum`` (energy axis in eV).
- :func:`make_eds_cube`: STEM-EDS of a three-phase lower-mantle assemblage (after Chen et al.
  2024, doi:10.1016/j.ultramic.2024.113981): bridgmanite, ferropericlase and Ca-perovskite,
  with trace Sm in ferropericlase. Line energies and relative weights come from exspy's element
  database; widths follow the detector-resolution law of Fiori & Newbury (as in exspy); the
  continuum is Kramers' bremsstrahlung. Returns an ``exspy.signals.EDSTEMSpectrum`` (keV).

Both map the phases on a 4x finer grid and average down, so boundary pixels mix phases linearly
(the truth ``abundances``), and draw Poisson counting noise. Every random draw comes from the
``random_state`` argument (``None``: the course seed, see :func:`mlpc_helpers.runtime.check_random_state`).
The analysis of these cubes is written in ``notebooks/week05_hyperspectral.ipynb``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..runtime import check_random_state
from ..validation import MLPCInputError
from ..xray import EDS_FAMILY, fwhm_at_energy, quiet_hyperspy, xray_lines
from .microstructure import gaussian_random_field

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


def drude_loss(energy: np.ndarray, ep: float, gamma: float) -> np.ndarray:
    """Drude energy-loss function Im(-1/eps) = E G Ep^2 / ((E^2 - Ep^2)^2 + (E G)^2).

    ``energy``, ``ep`` (plasmon energy) and ``gamma`` (damping width) in eV; dimensionless.
    """
    e = np.asarray(energy, float)
    return e * gamma * ep**2 / ((e**2 - ep**2) ** 2 + (e * gamma) ** 2)


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


def _check_shape(shape) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 4:
        raise MLPCInputError(f"shape must be (rows, cols) with both >= 4; got {shape}. "
                             "Use e.g. shape=(64, 64).")
    return int(shape[0]), int(shape[1])


def _downsample_onehot(phase_hr: np.ndarray, n_phases: int, factor: int) -> np.ndarray:
    """(H*f, W*f) integer map -> (H, W, n_phases) area fractions by block averaging."""
    hh, ww = phase_hr.shape
    onehot = np.eye(n_phases)[phase_hr]
    return onehot.reshape(hh // factor, factor, ww // factor, factor, n_phases).mean(axis=(1, 3))


def duplex_microstructure(
    shape: tuple[int, int] = (100, 100),
    gamma_fraction: float = 0.38,
    n_sigma: int | None = None,
    sigma_radius: tuple[float, float] = (1.5, 3.0),
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Phase map on a 4x finer grid: 0 = α matrix, 1 = γ islands, 2 = σ on α/γ interfaces.

    γ islands are a thresholded, anisotropic Gaussian random field (elongated like a rolled
    duplex steel); ``n_sigma`` σ discs (default 50 per 100 x 100 pixels) with radii drawn from
    ``sigma_radius`` (in map pixels) sit on random α/γ interface points. Returns an int array (rows*4, cols*4).

    Examples
    --------
    >>> phases = duplex_microstructure((16, 16), random_state=0)
    >>> phases.shape, sorted(set(phases.ravel().tolist()))  # 4x finer grid; alpha, gamma, sigma
    ((64, 64), [0, 1, 2])
    """
    from scipy import ndimage

    rows, cols = _check_shape(shape)
    rng = check_random_state(random_state)
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
    random_state: int | np.random.Generator | None = None,
    dtype=np.float32,
) -> SpectrumImage:
    """Low-loss EELS spectrum image of aged duplex steel (α, γ, σ) with Poisson noise.

    ``shape``: map size (rows, cols); pixel size 0.18 µm (18 µm field at 100 px).
    ``energy_range`` (eV) and ``n_channels`` set the energy axis (default 0.1 eV/channel).
    ``counts``: mean counts per spectrum in the window; a smooth thickness/beam-current field
    scales it by ±``thickness_variation``. ``random_state``: int, Generator or None (the
    course seed), see :func:`mlpc_helpers.runtime.check_random_state`; ``dtype`` of the counts.

    Returns a :class:`SpectrumImage` whose ``signal`` is an ``exspy.signals.EELSSpectrum``
    (rows, cols | n_channels), with ``labels`` (rows, cols), ``abundances`` (rows, cols, 3) and
    ``endmembers`` (3, n_channels). Raises ``ValueError`` for a map smaller than 4 x 4, fewer
    than 10 channels or an energy range not in (0, ∞).
    """
    rows, cols = _check_shape(shape)
    if n_channels < 10 or energy_range[1] <= energy_range[0] or energy_range[0] <= 0:
        raise MLPCInputError(f"n_channels={n_channels}, energy_range={energy_range}: need "
                             "n_channels >= 10 and 0 < energy_range[0] < energy_range[1] "
                             "(eV); e.g. n_channels=512, energy_range=(5.0, 40.0).")
    rng = check_random_state(random_state)
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
    quiet_hyperspy()
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


def eds_detector_efficiency(energy_kev) -> np.ndarray:
    """A smooth low-energy cut-off (0..1) standing in for the detector window's absorption.

    Examples
    --------
    >>> import numpy as np
    >>> eds_detector_efficiency(np.array([0.2, 1.0, 8.0])).round(3)  # keV in, 0..1 out
    array([0.047, 0.998, 1.   ])
    """
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
    quiet_hyperspy()
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
                         grain_size: float = 6.0,
                         random_state: int | np.random.Generator | None = None) -> np.ndarray:
    """Voronoi grains (mean diameter ``grain_size`` map pixels), each given a phase drawn with
    ``fractions``. Returns an int array on a 4x finer grid (rows*4, cols*4)."""
    from scipy.spatial import cKDTree

    rows, cols = _check_shape(shape)
    rng = check_random_state(random_state)
    p = np.asarray(fractions, float)
    if np.any(p < 0) or p.sum() <= 0:
        raise MLPCInputError(f"fractions must be non-negative with a positive sum; got "
                             f"{fractions}. Give one area fraction per phase.")
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
    random_state: int | np.random.Generator | None = None,
) -> SpectrumImage:
    """STEM-EDS spectrum image of bridgmanite / ferropericlase / Ca-perovskite grains.

    ``trace_ppm``: mass fraction (ppm) of ``trace_element`` in the ``host`` phase.
    ``counts``: mean X-ray counts per pixel spectrum (every phase emits the same total, a
    simplification that makes count fractions equal area fractions). Energy axis in keV.
    ``random_state``: int, Generator or None (the course seed), see
    :func:`mlpc_helpers.runtime.check_random_state`.

    Returns a :class:`SpectrumImage` whose ``signal`` is an ``exspy.signals.EDSTEMSpectrum``
    (rows, cols | n_channels) with its elements and X-ray lines set. Raises ``ValueError`` for
    an unknown ``host``, ``trace_ppm`` outside [0, 1e6) or ``fractions`` not one per phase.
    """
    rows, cols = _check_shape(shape)
    if host not in EDS_PHASES:
        raise MLPCInputError(f"Unknown host {host!r}; use one of {list(EDS_PHASES)}.")
    if not 0 <= trace_ppm < 1e6:
        raise MLPCInputError(f"trace_ppm must be in [0, 1e6); got {trace_ppm}. It is "
                             "in ppm: 0.1 wt% is 1000.")
    if len(fractions) != len(EDS_PHASES):
        raise MLPCInputError(f"fractions has {len(fractions)} values; give one per phase "
                             f"{list(EDS_PHASES)}, in that order.")
    rng = check_random_state(random_state)
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
