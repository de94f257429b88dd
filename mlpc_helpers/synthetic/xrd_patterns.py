"""Powder-XRD mixtures simulated from measured reference patterns, with physical augmentation.

Training data for a phase-identification / quantification network (Lee et al. 2020,
doi:10.1038/s41467-019-13749-3, trained on simulated patterns only). Each function models one
thing a real measurement does to a pattern; :func:`simulate_mixtures` combines them and can
switch each one off (for ablations).

Conventions: ``tth`` (n_points,) ascending 2θ in degrees on an even grid; ``library``
(n_points, n_phases) reference patterns in counts; ``rir`` (n_phases,) reference intensity
ratios (corundum = 1). Wavelength default: Cu Kα1, 1.5405929 Å (Hölzer et al. 1997,
doi:10.1103/PhysRevA.56.4554).

Formula sources
---------------
- Mixture intensities from weight fractions: ``I_i ∝ w_i · RIR_i`` (the RIR method; Chung
  1974, doi:10.1107/S0021889874010375; Hillier 2000, doi:10.1180/000985500546666).
- Zero shift and sample displacement: ``Δ2θ = z − 2 s cos θ / R`` (radians; s the height
  displacement, R the goniometer radius; Klug & Alexander 1974, *X-ray diffraction
  procedures*, ch. 5; Pecharsky & Zavalij 2009, *Fundamentals of powder diffraction*, §8.3).
- Size broadening (Scherrer 1918): ``β = K λ / (L cos θ)`` (FWHM in radians 2θ, crystallite
  size L, K ≈ 0.9; Langford & Wilson 1978, doi:10.1107/S0021889878012844).
- Preferred orientation (March 1932; Dollase 1986, doi:10.1107/S0021889886089458):
  ``P(α) = (r² cos²α + sin²α / r)^(-3/2)``, α the angle between the scattering vector and
  the preferred-orientation axis, r = 1 random, r < 1 plates lying flat.
- Kα2: ``2θ₂ = 2 arcsin((λ₂/λ₁) sin θ₁)``, intensity ratio ≈ 0.5 (Hölzer et al. 1997).
- Counting statistics: Poisson, variance = counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..runtime import check_random_state
from ..validation import MLPCInputError, check_quantity
from ..xrd import shift_pattern

#: Cu Kα1 and Kα2 wavelengths in Å (Hölzer et al. 1997).
CU_KA1, CU_KA2 = 1.5405929, 1.5444274
#: All augmentations of :func:`simulate_mixtures` (names accepted by ``disable``).
AUGMENTATIONS = ("shift", "broadening", "orientation", "background", "noise")


def _grid(tth: np.ndarray) -> tuple[np.ndarray, float]:
    t = np.asarray(tth, dtype=float)
    if t.ndim != 1 or t.size < 3 or not np.all(np.diff(t) > 0):
        raise MLPCInputError("tth must be a 1-D ascending 2θ grid (degrees) of ≥ 3 points.")
    t = check_quantity(t, "tth", "tth_deg")  # radians or channel numbers: refused
    return t, float(np.median(np.diff(t)))


def peak_shift(tth: np.ndarray, zero: float = 0.0, displacement_mm: float = 0.0,
               radius_mm: float = 240.0) -> np.ndarray:
    """Peak shift Δ2θ (degrees) at each 2θ from a zero error and a sample displacement.

    ``Δ2θ = zero − (180/π) · 2 s cos θ / R`` (Klug & Alexander 1974; Pecharsky & Zavalij
    2009): a sample surface ``s`` mm below the focusing circle (s > 0) moves low-angle peaks
    most and to lower 2θ. ``radius_mm``: goniometer radius (240 mm is common).

    Examples
    --------
    >>> import numpy as np
    >>> peak_shift(np.array([20.0, 60.0]), zero=0.05)  # a zero error moves every peak alike
    array([0.05, 0.05])
    """
    t = np.asarray(tth, dtype=float)
    if radius_mm <= 0:
        raise MLPCInputError(f"radius_mm must be positive; got {radius_mm}.")
    theta = np.deg2rad(t / 2)
    return zero - np.rad2deg(2 * displacement_mm * np.cos(theta) / radius_mm)


def scherrer_fwhm(tth: np.ndarray, size_nm: float, wavelength: float = CU_KA1,
                  k: float = 0.9) -> np.ndarray:
    """Scherrer size broadening, FWHM in degrees 2θ: ``β = K λ / (L cos θ)``.

    ``size_nm`` crystallite size L (nm), ``wavelength`` in Å, ``k`` the shape factor
    (Scherrer 1918; Langford & Wilson 1978).

    Examples
    --------
    >>> import numpy as np
    >>> scherrer_fwhm(np.array([40.0]), size_nm=20.0).round(3)  # degrees 2-theta, Cu K-alpha1
    array([0.423])
    """
    if not size_nm > 0:
        raise MLPCInputError(f"size_nm must be a positive crystallite size; got {size_nm}.")
    theta = np.deg2rad(np.asarray(tth, dtype=float) / 2)
    wavelength = check_quantity(wavelength, "wavelength", "wavelength_A")  # nm: converted
    return np.rad2deg(k * (wavelength / 10) / (size_nm * np.cos(theta)))


def broaden(pattern: np.ndarray, tth: np.ndarray, size_nm: float,
            wavelength: float = CU_KA1, nodes: int = 3) -> np.ndarray:
    """Convolve a pattern with a Gaussian of the Scherrer FWHM for crystallite size ``size_nm``.

    The width grows with 1/cos θ; it is applied exactly at ``nodes`` angles and linearly
    interpolated between the blurred patterns (the width changes by < 20 % over 5–65°).
    The measured reference already holds the instrument profile; this adds sample broadening
    (Gaussian widths add in quadrature).
    """
    from scipy.ndimage import gaussian_filter1d

    t, step = _grid(tth)
    y = np.asarray(pattern, dtype=float)
    at = np.linspace(t[0], t[-1], max(nodes, 2))
    sig = scherrer_fwhm(at, size_nm, wavelength) / (2 * np.sqrt(2 * np.log(2))) / step
    blurred = [gaussian_filter1d(y, s, mode="nearest") if s > 0.05 else y for s in sig]
    idx = np.interp(t, at, np.arange(at.size))
    lo = np.minimum(np.floor(idx).astype(int), at.size - 2)
    frac = idx - lo
    b = np.stack(blurred)
    cols = np.arange(t.size)
    return (1 - frac) * b[lo, cols] + frac * b[lo + 1, cols]


def march_dollase(cos_alpha: np.ndarray, r: float) -> np.ndarray:
    """March–Dollase factor ``P = (r² cos²α + sin²α / r)^(-3/2)`` (Dollase 1986).

    ``r`` = 1: random powder (P = 1); r < 1: plates lying flat (basal reflections, α ≈ 0,
    enhanced). Averaged over random orientations (cos α uniform in 0..1) P is 1.
    """
    if not r > 0:
        raise MLPCInputError(f"the March–Dollase r must be positive; got {r}.")
    c2 = np.clip(np.asarray(cos_alpha, dtype=float), -1, 1) ** 2
    return (r**2 * c2 + (1 - c2) / r) ** -1.5


def orientation_factor(tth: np.ndarray, r: float, random_state=None,
                       correlation_deg: float = 0.4) -> np.ndarray:
    """A March–Dollase factor along 2θ for a reference pattern whose peaks are not indexed.

    Without Miller indices the angle α of each reflection to the preferred axis is unknown:
    cos α is drawn at random, uniform in 0..1 (a random orientation on the sphere), smoothly
    along 2θ (correlation ``correlation_deg`` ≈ one peak width) so that a peak is scaled as a
    whole. Returns ``P(α(2θ))`` of :func:`march_dollase`.
    """
    from scipy.ndimage import gaussian_filter1d
    from scipy.special import ndtr

    t, step = _grid(tth)
    rng = check_random_state(random_state)
    s = correlation_deg / step
    z = gaussian_filter1d(rng.standard_normal(t.size), s, mode="wrap")
    z /= z.std() + 1e-12
    return march_dollase(ndtr(z), r)  # ndtr: normal -> uniform cos α


def add_kalpha2(pattern: np.ndarray, tth: np.ndarray, ratio: float = 0.5,
                l1: float = CU_KA1, l2: float = CU_KA2) -> np.ndarray:
    """Add the Kα2 replica to a Kα1-only pattern: ``y + ratio · y(2θ₁(2θ))``.

    A reflection at 2θ₁ for λ₁ appears for λ₂ at ``2θ₂ = 2 arcsin((λ₂/λ₁) sin θ₁)``. Use only
    for patterns computed or measured with Kα1 alone: a pattern measured with an unfiltered
    Cu Kα tube (as the RockJock library and mixtures) already holds the doublet.
    """
    t, _ = _grid(tth)
    y = np.asarray(pattern, dtype=float)
    s = np.clip((l1 / l2) * np.sin(np.deg2rad(t / 2)), -1, 1)
    src = 2 * np.rad2deg(np.arcsin(s))
    return y + ratio * np.interp(src, t, y, left=y[0], right=y[-1])


def background(tth: np.ndarray, random_state=None, hump_centre: tuple[float, float] = (18, 28),
               ) -> np.ndarray:
    """A random smooth background with maximum 1: low-angle decay (air scatter, the beam
    spill-over), an amorphous hump (glass, organic matter, sample holder) and a cubic
    Chebyshev baseline."""
    t, _ = _grid(tth)
    rng = check_random_state(random_state)
    u = 2 * (t - t[0]) / (t[-1] - t[0]) - 1
    decay = np.exp(-(t - t[0]) / rng.uniform(2, 10))
    c = rng.uniform(*hump_centre)
    hump = np.exp(-0.5 * ((t - c) / rng.uniform(3, 7)) ** 2)
    cheb = np.polynomial.chebyshev.chebval(u, rng.uniform(-0.3, 0.3, 4) + [1, 0, 0, 0])
    b = rng.uniform(0, 1, 3) @ np.stack([decay, hump, np.clip(cheb, 0, None)])
    return b / (b.max() + 1e-12)


def simulate_mixtures(
    library: np.ndarray,
    rir: np.ndarray,
    tth: np.ndarray,
    n: int,
    *,
    random_state: int | np.random.Generator | None = None,
    max_phases: int = 6,
    always: Sequence[int] = (),
    always_fraction: tuple[float, float] = (0.1, 0.3),
    zero_shift: float = 0.3,
    displacement_mm: float = 0.3,
    size_nm: tuple[float, float] = (40.0, 2000.0),
    po_r: tuple[float, float] = (0.6, 1.0),
    background_max: float = 0.5,
    max_counts: tuple[float, float] = (500.0, 10_000.0),
    kalpha2: bool = False,
    disable: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random mixtures of reference patterns with physical augmentation; seeded.

    Each pattern: 1..``max_phases`` phases from the library columns (plus the columns in
    ``always``, e.g. an internal standard, at a weight fraction uniform in
    ``always_fraction``), weight fractions from a flat Dirichlet, intensities
    ``w_i · RIR_i · pattern_i``. Per phase: crystallite size log-uniform in ``size_nm``
    (:func:`broaden`), March–Dollase ``r`` uniform in ``po_r``
    (:func:`orientation_factor`). Per pattern: zero error uniform in ±``zero_shift`` degrees
    and sample displacement uniform in ±``displacement_mm`` (:func:`peak_shift`, applied
    with :func:`mlpc_helpers.xrd.shift_pattern`), the Kα2
    replica if ``kalpha2`` (only for Kα1-only references), a :func:`background` of up to
    ``background_max`` of the peak maximum, scaling to a maximum uniform in ``max_counts``
    and Poisson counting noise.

    ``disable``: names from :data:`AUGMENTATIONS` to switch off (ablation).
    Returns ``X`` (n, n_points) float32 counts, ``presence`` (n, n_phases) 0/1 float32 and
    ``fractions`` (n, n_phases) float32 weight fractions summing to 1.
    """
    L = np.asarray(library, dtype=float)
    rir = np.asarray(rir, dtype=float)
    t, _ = _grid(tth)
    if L.ndim != 2 or L.shape[0] != t.size or L.shape[1] != rir.shape[0]:
        raise MLPCInputError(
            f"library must be (n_points, n_phases) = ({t.size}, {rir.shape[0]}) to match "
            f"tth and rir; got {L.shape}."
        )
    unknown = set(disable) - set(AUGMENTATIONS)
    if unknown:
        raise MLPCInputError(f"disable: unknown augmentation(s) {sorted(unknown)}; "
                             f"choose from {AUGMENTATIONS}.")
    if n < 1 or max_phases < 1:
        raise MLPCInputError("n and max_phases must be at least 1.")
    always = [int(i) for i in always]
    pool = np.array([i for i in range(L.shape[1]) if i not in always])
    if max_phases > len(pool):
        raise MLPCInputError(f"max_phases={max_phases} exceeds the {len(pool)} optional phases.")
    rng = check_random_state(random_state)
    off = set(disable)
    X = np.zeros((n, t.size), dtype=np.float32)
    W = np.zeros((n, L.shape[1]))
    lo_size, hi_size = np.log(size_nm[0]), np.log(size_nm[1])
    for k in range(n):
        chosen = rng.choice(pool, size=rng.integers(1, max_phases + 1), replace=False)
        rest = 1.0
        if always:
            fa = rng.uniform(*always_fraction, size=len(always))
            fa = fa / max(1.0, fa.sum())
            W[k, always] = fa
            rest = 1.0 - fa.sum()
        W[k, chosen] = rest * rng.dirichlet(np.ones(len(chosen)))
        y = np.zeros(t.size)
        for i in np.flatnonzero(W[k]):
            p = L[:, i]
            if "broadening" not in off:
                p = broaden(p, t, float(np.exp(rng.uniform(lo_size, hi_size))))
            if "orientation" not in off:
                p = p * orientation_factor(t, rng.uniform(*po_r), rng)
            y += W[k, i] * rir[i] * p
        if "shift" not in off:
            d = peak_shift(t, rng.uniform(-zero_shift, zero_shift),
                           rng.uniform(-displacement_mm, displacement_mm))
            y = shift_pattern(y, t, d)
        if kalpha2:
            y = add_kalpha2(y, t)
        y = np.clip(y, 0, None)
        top = y.max() if y.max() > 0 else 1.0
        if "background" not in off:
            y = y + rng.uniform(0, background_max) * top * background(t, rng)
        y = y * rng.uniform(*max_counts) / y.max()
        X[k] = rng.poisson(y) if "noise" not in off else y
    return X, (W > 0).astype(np.float32), W.astype(np.float32)
