"""Physics of data formation: Fourier inspection, sampling and aliasing, shot noise and its
variance-stabilising transform. Stereology on class maps (P_L, chord length, spacing) is in
:mod:`mlpc_helpers.features.stereology`.

Used by the week-2 notebook ``week02_data_formation``. Everything works on NumPy arrays;
FFTs are :mod:`numpy.fft`, windows and resampling come from scikit-image.

Units: frequencies in cycles per pixel (0 … 0.5, Nyquist = 0.5), lengths in pixels unless
a ``pixel_size`` is given (then in its unit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .features.stereology import intercept_counts
from .runtime import check_random_state
from .validation import (
    MLPCInputError,
    as_float_image,
    check_image,
    check_phase_map,
)

__all__ = [
    "power_spectrum",
    "radial_power_spectrum",
    "characteristic_spacing",
    "resample_classes",
    "aliasing_experiment",
    "anscombe",
    "anscombe_inverse",
    "binomial_thin",
    "poisson_split",
    "gaussian_psf",
    "pca_patch_denoise",
]


# ----------------------------------------------------------------------------- Fourier view
def _grey(image, name: str = "image") -> np.ndarray:
    x = check_image(image, name)  # one grey image; colour and stacks get the fix
    if x.dtype == np.bool_ or np.issubdtype(x.dtype, np.integer):
        return as_float_image(x, name)
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise MLPCInputError(f"{name}: NaN or infinite pixels; fill or crop them first.")
    return x


def power_spectrum(image, *, window: str | None = "hann") -> np.ndarray:
    """Centred 2-D power spectrum |F(u, v)|² of one image (mean removed).

    Parameters
    ----------
    image : array (H, W)
        Grey levels (any dtype; integers through :func:`validation.as_float_image`).
    window : str or None
        A :func:`skimage.filters.window` name applied before the FFT to suppress the
        cross-shaped leakage from the image borders (Harris 1978); None for none.

    Returns
    -------
    array (H, W)
        Power, zero frequency at the centre (``numpy.fft.fftshift``), normalised by the
        number of pixels.
    """
    from skimage.filters import window as _window

    x = _grey(image)
    x = x - x.mean()
    if window is not None:
        x = x * _window(window, x.shape)
    f = np.fft.fftshift(np.fft.fft2(x))
    return np.abs(f) ** 2 / x.size


def radial_power_spectrum(
    image, *, window: str | None = "hann"
) -> tuple[np.ndarray, np.ndarray]:
    """Radially (azimuthally) averaged power spectrum of one image.

    The 2-D power spectrum (:func:`power_spectrum`) is averaged over rings of width one
    frequency step, 1/min(H, W) cycles/px, up to the Nyquist frequency 0.5 cycles/px.

    Returns
    -------
    freq : array (m,)
        Ring centre frequencies, cycles per pixel (the zero ring is dropped).
    power : array (m,)
        Mean power in each ring.
    """
    p = power_spectrum(image, window=window)
    h, w = p.shape
    fy = np.fft.fftshift(np.fft.fftfreq(h))
    fx = np.fft.fftshift(np.fft.fftfreq(w))
    r = np.hypot(fy[:, None], fx[None, :])
    df = 1.0 / min(h, w)
    ring = np.rint(r / df).astype(int)
    n_ring = int(0.5 / df)
    keep = ring <= n_ring
    sums = np.bincount(ring[keep], weights=p[keep], minlength=n_ring + 1)
    counts = np.bincount(ring[keep], minlength=n_ring + 1)
    freq = np.arange(n_ring + 1) * df
    return freq[1:], sums[1:] / np.maximum(counts[1:], 1)


def characteristic_spacing(
    freq: np.ndarray, power: np.ndarray, *, f_min: float = 0.0, f_max: float = 0.5
) -> float:
    """Dominant length scale (px) = 1 / f*, with f* the peak of f · P(f).

    In 2-D the variance in a ring of radius f is 2π f P(f) df, so the peak of f · P(f)
    is the spatial frequency that carries most of the image's contrast variance (the
    same weighting as the "interference peak" of small-angle scattering of a two-phase
    structure; Debye & Bueche 1949). For a periodic array it is the period; for a
    random two-phase structure it is comparable to the mean repeat distance
    :func:`mlpc_helpers.features.stereology.mean_spacing`.

    Parameters
    ----------
    freq, power : arrays (m,)
        From :func:`radial_power_spectrum`.
    f_min, f_max : float
        Search the peak only in f_min <= f <= f_max (cycles/px), e.g. to skip the
        lowest rings dominated by shading.

    Returns
    -------
    float
        1 / f* in pixels.
    """
    freq = np.asarray(freq, float)
    power = np.asarray(power, float)
    if freq.shape != power.shape or freq.ndim != 1:
        raise MLPCInputError(
            f"freq and power must be 1-D of one length; got {freq.shape} and {power.shape}."
        )
    sel = (freq >= f_min) & (freq <= f_max) & (freq > 0)
    if not sel.any():
        raise MLPCInputError(f"no frequency in [{f_min}, {f_max}] cycles/px.")
    k = np.argmax(freq[sel] * power[sel])
    return float(1.0 / freq[sel][k])


# ------------------------------------------------------------------ sampling and aliasing
def resample_classes(mask, factor: int, *, anti_aliasing: bool, n_classes: int | None = None
                     ) -> np.ndarray:
    """A class map as a detector with ``factor`` times larger pixels would record it.

    - ``anti_aliasing=False``: point sampling, the class at one point per new pixel
      (``skimage.transform.rescale(order=0, anti_aliasing=False)``);
    - ``anti_aliasing=True``: each class indicator is low-pass filtered (Gaussian, σ =
      (factor − 1) / 2, scikit-image's default) and sampled with linear interpolation, as a
      detector that integrates signal over its pixel; the pixel takes the class with the
      largest share.

    Returns
    -------
    int array (ceil(H / factor), ceil(W / factor))
    """
    from skimage.transform import rescale

    m = np.asarray(mask)
    if m.ndim != 2 or not (np.issubdtype(m.dtype, np.integer) or m.dtype == np.bool_):
        raise MLPCInputError(f"mask must be a 2-D integer class map; got {m.dtype} {m.shape}.")
    m = check_phase_map(m, "mask", labels=True)
    if m.min() < 0:
        raise MLPCInputError(f"mask: class labels must be >= 0; got {m.min()}.")
    if int(factor) != factor or factor < 1:
        raise MLPCInputError(f"factor must be a positive integer; got {factor!r}.")
    m = m.astype(np.int64)
    k = int(n_classes) if n_classes is not None else int(m.max()) + 1
    scale = 1.0 / factor
    if not anti_aliasing:
        return rescale(m, scale, order=0, anti_aliasing=False, preserve_range=True).astype(
            np.int64)
    shares = np.stack([
        rescale((m == c).astype(float), scale, order=1, anti_aliasing=True) for c in range(k)
    ])
    return shares.argmax(axis=0)


def aliasing_experiment(
    masks, factors: Sequence[int], phases: dict[str, int | Sequence[int]]
) -> pd.DataFrame:
    """Area fraction and interface density of each phase after resampling by each factor.

    For every mask, factor and both samplings (:func:`resample_classes`), the area fraction
    A_A and interface density P_L (per *original* pixel) of each named phase are measured and
    compared with the full-resolution mask.

    Parameters
    ----------
    masks : int array (n, H, W) or (H, W)
    factors : sequence of int
        Downsampling factors (new pixel = factor original pixels).
    phases : dict name -> class or classes

    Returns
    -------
    DataFrame
        One row per (image, factor, anti_aliasing, phase) with columns ``image``,
        ``factor``, ``anti_aliasing``, ``phase``, ``area_fraction``,
        ``area_fraction_true``, ``interface_density_per_px``, ``interface_density_true``,
        ``vf_rel_error`` and ``pl_rel_error`` (signed, (measured − true) / true).
    """
    m = np.asarray(masks)
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise MLPCInputError(f"masks must be (n, H, W) or (H, W); got shape {m.shape}.")
    m = check_phase_map(m, "masks", labels=True)
    n_classes = int(m.max()) + 1
    rows = []
    for i, mask in enumerate(m):
        truth = {name: (np.isin(mask, np.atleast_1d(c)).mean(), intercept_counts(mask, phase=c))
                 for name, c in phases.items()}
        for f in factors:
            for aa in (False, True):
                r = resample_classes(mask, f, anti_aliasing=aa, n_classes=n_classes)
                for name, c in phases.items():
                    a_true, pl_true = truth[name]
                    a = float(np.isin(r, np.atleast_1d(c)).mean())
                    pl = intercept_counts(r, phase=c, pixel_size=float(f))
                    rows.append(dict(
                        image=i, factor=int(f), anti_aliasing=aa, phase=name,
                        area_fraction=a, area_fraction_true=a_true,
                        interface_density_per_px=pl, interface_density_true=pl_true,
                        vf_rel_error=(a - a_true) / a_true if a_true > 0 else np.nan,
                        pl_rel_error=(pl - pl_true) / pl_true if pl_true > 0 else np.nan,
                    ))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ shot noise
def _counts(counts, name: str = "counts") -> np.ndarray:
    c = np.asarray(counts)
    if not (np.issubdtype(c.dtype, np.integer) or np.issubdtype(c.dtype, np.floating)):
        raise MLPCInputError(f"{name} must be numeric counts; got dtype {c.dtype}.")
    if not np.isfinite(c).all() or (c < 0).any():
        raise MLPCInputError(f"{name} must be finite and >= 0 (photon/electron counts).")
    if np.issubdtype(c.dtype, np.floating) and not np.all(c == np.round(c)):
        raise MLPCInputError(
            f"{name} must be whole numbers of counts; round or rescale to counts first.")
    return c.astype(np.int64)


def binomial_thin(counts, fraction: float, random_state=None) -> np.ndarray:
    """Counts recorded at ``fraction`` of the dose: each count is kept with probability p.

    If N ~ Poisson(λ), then Binomial(N, p) ~ Poisson(p λ) exactly: thinning turns a
    measured count image into a valid image of the same scene at p times the dose (or
    exposure time), with no assumption on λ (the thinning property of the Poisson process;
    e.g. Kingman 1993).

    Parameters
    ----------
    counts : int array (any shape), >= 0
    fraction : float in (0, 1]
    random_state : int, numpy Generator or None (course seed)

    Returns
    -------
    int64 array of the shape of ``counts``
    """
    c = _counts(counts)
    if not 0 < fraction <= 1:
        raise MLPCInputError(f"fraction must lie in (0, 1]; got {fraction!r}.")
    return check_random_state(random_state).binomial(c, fraction)


def poisson_split(counts, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Split counts into two halves, N1 ~ Binomial(N, 1/2) and N2 = N − N1.

    For Poisson N the halves are independent Poisson(λ/2) variables, so
    Var(N1 − N2) = λ: one measurement gives its own noise variance channel by channel.
    """
    c = _counts(counts)
    n1 = check_random_state(random_state).binomial(c, 0.5)
    return n1, c - n1


def anscombe(counts, *, read_noise_sd: float = 0.0) -> np.ndarray:
    """Anscombe transform A(x) = 2 √(x + 3/8) (Anscombe 1948).

    For x ~ Poisson(λ) the variance of A(x) is close to 1 for λ ≳ 4, whatever λ: the
    noise becomes additive and homoscedastic, so methods built for Gaussian noise of one
    known σ (PCA thresholds, Wiener, BM3D) apply.

    With ``read_noise_sd`` = σ_r > 0 (Poisson counts plus zero-mean Gaussian read noise, in
    counts, gain 1) it is the generalised Anscombe transform 2 √(x + 3/8 + σ_r²)
    (Murtagh, Starck & Bijaoui 1995), the square root clipped at 0 (x may be negative).
    Use :func:`anscombe_inverse` only for σ_r = 0.
    """
    x = np.asarray(counts, dtype=np.float64)
    if not np.isfinite(x).all():
        raise MLPCInputError("counts must be finite for the Anscombe transform.")
    if not read_noise_sd >= 0:
        raise MLPCInputError(f"read_noise_sd must be >= 0; got {read_noise_sd!r}.")
    if read_noise_sd == 0 and (x < -3 / 8).any():
        raise MLPCInputError("counts must be >= -3/8 for the Anscombe transform.")
    return 2.0 * np.sqrt(np.maximum(x + 0.375 + read_noise_sd**2, 0.0))


_EXACT_CACHE: dict[str, np.ndarray] = {}


def _exact_table() -> tuple[np.ndarray, np.ndarray]:
    """E[A(x) | λ] on a grid of λ (Poisson sums to 1e-12 tail)."""
    if "lam" not in _EXACT_CACHE:
        from scipy.stats import poisson

        lam = np.concatenate([np.linspace(0, 2, 201)[:-1], np.geomspace(2, 200, 600)])
        x = np.arange(0, 400)
        pmf = poisson.pmf(x[None, :], lam[:, None])
        ea = pmf @ (2.0 * np.sqrt(x + 0.375))
        _EXACT_CACHE["lam"], _EXACT_CACHE["ea"] = lam, ea
    return _EXACT_CACHE["lam"], _EXACT_CACHE["ea"]


def anscombe_inverse(d, method: str = "exact") -> np.ndarray:
    """Back from the Anscombe domain to counts.

    Parameters
    ----------
    d : array
        Values in the Anscombe domain (typically a denoised A(x)).
    method : {"exact", "closed_form", "algebraic", "asymptotic"}
        - ``"exact"``: the exact unbiased inverse of Mäkitalo & Foi (2011): the λ with
          E[A(x) | λ] = d, computed from Poisson sums on a grid of λ (0 … 200) and
          interpolated; above the grid the closed form is used (they agree to < 1e-6 there).
          Below E[A | λ = 0] = 2√(3/8) the result is 0.
        - ``"closed_form"``: their closed-form approximation
          ¼d² + ¼√(3/2) d⁻¹ − 11/8 d⁻² + 5/8 √(3/2) d⁻³ − 1/8.
        - ``"algebraic"``: (d/2)² − 3/8 (biased at low counts).
        - ``"asymptotic"``: (d/2)² − 1/8 (unbiased for large λ only).

    Returns
    -------
    float array, >= 0

    References
    ----------
    M. Mäkitalo, A. Foi, "Optimal inversion of the Anscombe transformation in low-count
    Poisson image denoising", IEEE Trans. Image Process. 20, 99–109 (2011); closed form:
    "A closed-form approximation of the exact unbiased inverse of the Anscombe
    variance-stabilizing transformation", IEEE Trans. Image Process. 20, 2697–2698 (2011).
    """
    d = np.asarray(d, dtype=np.float64)
    if not np.isfinite(d).all():
        raise MLPCInputError("d: NaN or infinite values.")
    if method == "algebraic":
        return np.maximum((d / 2) ** 2 - 0.375, 0.0)
    if method == "asymptotic":
        return np.maximum((d / 2) ** 2 - 0.125, 0.0)
    if method not in ("exact", "closed_form"):
        raise MLPCInputError(
            f"method must be 'exact', 'closed_form', 'algebraic' or 'asymptotic'; "
            f"got {method!r}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(1.5)
        cf = 0.25 * d**2 + 0.25 * s / d - 11 / 8 / d**2 + 5 / 8 * s / d**3 - 0.125
    cf = np.where(d > 0, cf, 0.0)
    if method == "closed_form":
        return np.maximum(cf, 0.0)
    lam, ea = _exact_table()
    out = np.interp(d, ea, lam, left=0.0)
    return np.where(d > ea[-1], np.maximum(cf, 0.0), out)


# ------------------------------------------------------------------ PSF and patch denoising
def gaussian_psf(sigma_px: float, radius: int | None = None) -> np.ndarray:
    """Normalised 2-D Gaussian point-spread function (sum 1), (2r + 1, 2r + 1).

    A Gaussian is the usual model of a focused SEM probe or of a defocused optical spot;
    its modulation transfer function is exp(−2π² σ² f²) (f in cycles/px). ``radius``
    defaults to ceil(4 σ).
    """
    if not sigma_px > 0:
        raise MLPCInputError(f"sigma_px must be > 0; got {sigma_px!r}.")
    r = int(np.ceil(4 * sigma_px)) if radius is None else int(radius)
    x = np.arange(-r, r + 1)
    g = np.exp(-(x**2) / (2.0 * sigma_px**2))
    psf = np.outer(g, g)
    return psf / psf.sum()


def pca_patch_denoise(image, noise_var: float, *, patch_size: int = 8) -> np.ndarray:
    """Denoise one image by linear shrinkage in the PCA basis of its own patches.

    All overlapping ``patch_size`` × ``patch_size`` patches are projected on their principal
    components; a component of variance v is multiplied by max(v − σ², 0) / v (the linear
    minimum-mean-square-error, Wiener-like, gain for additive white noise of variance σ² =
    ``noise_var``; Zhang et al. 2010, LPG-PCA, without the local grouping); the patches are
    put back and overlapping pixels averaged
    (``sklearn.feature_extraction.image.reconstruct_from_patches_2d``).

    The noise must be additive with one variance everywhere: for Poisson counts apply
    :func:`anscombe` first (σ² = 1) and :func:`anscombe_inverse` after.

    Returns
    -------
    float array of the shape of ``image``
    """
    from sklearn.decomposition import PCA
    from sklearn.feature_extraction.image import (
        extract_patches_2d,
        reconstruct_from_patches_2d,
    )

    z = check_image(image, "image").astype(np.float64)  # values as given (any unit)
    if not np.isfinite(z).all():
        raise MLPCInputError(f"image: {int((~np.isfinite(z)).sum())} pixel(s) are NaN or "
                             "infinite; fill or crop them first.")
    if z.ndim != 2 or min(z.shape) < patch_size:
        raise MLPCInputError(f"image must be 2-D and at least {patch_size} px on each side; "
                             f"got shape {z.shape}.")
    if not noise_var >= 0:
        raise MLPCInputError(f"noise_var must be >= 0; got {noise_var!r}.")
    p = extract_patches_2d(z, (patch_size, patch_size)).reshape(-1, patch_size**2)
    pca = PCA(svd_solver="full").fit(p)
    var = np.maximum(pca.explained_variance_, 1e-300)
    gain = np.maximum(var - noise_var, 0.0) / var
    rec = pca.inverse_transform(pca.transform(p) * gain)
    return reconstruct_from_patches_2d(rec.reshape(-1, patch_size, patch_size), z.shape)
