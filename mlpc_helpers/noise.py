"""Counting (shot) noise of detectors: lower dose by thinning, variance stabilisation.

One home for the statistics of counted signals (electrons, X-ray photons: Poisson counts),
used by the week-2 notebook (micrographs, EDS spectra), the week-9 notebook (EDS peak finding
at lower dose, and its wavelet denoiser).

- :func:`binomial_thin` — keep each count with probability p: exact Poisson counts at p times
  the dose (the thinning property of the Poisson process).
- :func:`anscombe` — the Anscombe variance-stabilising transform 2√(x + 3/8), generalised
  for Gaussian read noise.
- :func:`anscombe_inverse` — back to counts: exact unbiased, closed-form, algebraic or
  asymptotic inverse.

Example
-------
>>> import numpy as np
>>> from mlpc_helpers import noise
>>> counts = np.random.default_rng(0).poisson(20.0, size=100_000)
>>> round(float(noise.anscombe(counts).std()), 1)
1.0
>>> low = noise.binomial_thin(counts, 0.25, random_state=0)
>>> round(float(low.mean()), 0), round(float(low.var()), 0)
(5.0, 5.0)
"""

from __future__ import annotations

import numpy as np

from .runtime import check_random_state
from .validation import MLPCInputError

__all__ = ["anscombe", "anscombe_inverse", "binomial_thin"]


def _counts(counts, name: str = "counts") -> np.ndarray:
    c = np.asarray(counts)
    if not (np.issubdtype(c.dtype, np.integer) or np.issubdtype(c.dtype, np.floating)):
        raise MLPCInputError(f"{name} must be numeric counts; got dtype {c.dtype}. Pass the "
                             "counts as an integer array.")
    if not np.isfinite(c).all() or (c < 0).any():
        raise MLPCInputError(f"{name} must be finite and >= 0 (photon/electron counts); "
                             "fill or crop NaN pixels and remove a subtracted offset first.")
    if np.issubdtype(c.dtype, np.floating) and not np.all(c == np.round(c)):
        raise MLPCInputError(
            f"{name} must be whole numbers of counts; round or rescale to counts first.")
    return c.astype(np.int64)


def binomial_thin(counts, fraction: float, random_state=None) -> np.ndarray:
    """Counts recorded at ``fraction`` of the dose: each count is kept with probability p.

    If N ~ Poisson(λ), then Binomial(N, p) ~ Poisson(p λ) exactly: thinning turns a
    measured count image or spectrum into a valid one of the same specimen at p times the
    dose (or exposure time), with no assumption on λ (the thinning property of the Poisson
    process; Kingman 1993, *Poisson Processes*, §5.1).

    Parameters
    ----------
    counts : array_like of int, any shape
        Measured counts (>= 0, whole numbers; floats that are whole numbers are accepted).
    fraction : float
        The dose fraction p, 0 < p <= 1.
    random_state : int, numpy.random.Generator or None
        Seed or generator; None = the course seed (:mod:`mlpc_helpers.runtime`).

    Returns
    -------
    numpy.ndarray of int64, shape of ``counts``
        The thinned counts.

    Raises
    ------
    MLPCInputError
        Counts that are negative, not finite or not whole numbers; p outside (0, 1].
    """
    c = _counts(counts)
    if not 0 < fraction <= 1:
        raise MLPCInputError(f"fraction must lie in (0, 1]; got {fraction!r}.")
    return check_random_state(random_state).binomial(c, fraction)


def anscombe(counts, *, read_noise_sd: float = 0.0) -> np.ndarray:
    """Anscombe transform A(x) = 2 √(x + 3/8) (Anscombe 1948, Biometrika 35, 246).

    For x ~ Poisson(λ) the variance of A(x) is close to 1 for λ ≳ 4, whatever λ: the
    noise becomes additive and homoscedastic, so methods built for Gaussian noise of one
    known σ (PCA thresholds, Wiener, NL-means, wavelet shrinkage) apply.

    With ``read_noise_sd`` = σ_r > 0 (Poisson counts plus zero-mean Gaussian read noise, in
    counts, gain 1) it is the generalised Anscombe transform 2 √(x + 3/8 + σ_r²)
    (Murtagh, Starck & Bijaoui 1995), the square root clipped at 0 (x may be negative).
    Use :func:`anscombe_inverse` only for σ_r = 0.

    Parameters
    ----------
    counts : array_like, any shape
        Counts (>= -3/8 when ``read_noise_sd`` is 0).
    read_noise_sd : float
        SD of the Gaussian read noise σ_r in counts (>= 0).

    Returns
    -------
    numpy.ndarray of float64, shape of ``counts``
        A(x), noise SD ≈ 1.

    Raises
    ------
    MLPCInputError
        NaN or infinite counts, σ_r < 0, or counts below -3/8 without read noise.
    """
    x = np.asarray(counts, dtype=np.float64)
    if not np.isfinite(x).all():
        raise MLPCInputError("counts: NaN or infinite values; the Anscombe transform needs "
                             "finite counts (fill or crop those pixels first).")
    if not read_noise_sd >= 0:
        raise MLPCInputError(f"read_noise_sd must be >= 0 (an SD in counts); got "
                             f"{read_noise_sd!r}.")
    if read_noise_sd == 0 and (x < -3 / 8).any():
        raise MLPCInputError("counts must be >= -3/8 for the Anscombe transform; with read "
                             "noise pass read_noise_sd=σ_r (generalised transform).")
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
    d : array_like, any shape
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
    numpy.ndarray of float64, shape of ``d``
        Counts, >= 0.

    Raises
    ------
    MLPCInputError
        NaN or infinite ``d``, or an unknown ``method``.

    References
    ----------
    M. Mäkitalo, A. Foi, "Optimal inversion of the Anscombe transformation in low-count
    Poisson image denoising", IEEE Trans. Image Process. 20, 99–109 (2011); closed form:
    "A closed-form approximation of the exact unbiased inverse of the Anscombe
    variance-stabilizing transformation", IEEE Trans. Image Process. 20, 2697–2698 (2011).
    """
    d = np.asarray(d, dtype=np.float64)
    if not np.isfinite(d).all():
        raise MLPCInputError("d: NaN or infinite values; the inverse needs finite values "
                             "(check the denoiser's output).")
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
