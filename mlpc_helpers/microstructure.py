"""Synthetic microstructures with known ground truth (no public image set has it).

Two-phase fields are thresholded Gaussian random fields: white noise smoothed by an anisotropic
Gaussian kernel (correlation lengths in pixels along x and y), periodic, and cut at the quantile
that gives the requested volume fraction exactly.
"""

from __future__ import annotations

import numpy as np


def gaussian_random_field(
    shape: tuple[int, int],
    correlation_length: float | tuple[float, float],
    rng: np.random.Generator,
) -> np.ndarray:
    """A periodic, zero-mean, unit-variance Gaussian random field of ``shape`` (rows, cols).

    ``correlation_length`` is the Gaussian kernel's standard deviation in pixels, one value
    or (along y, along x) for an anisotropic field.
    """
    ly, lx = (correlation_length, correlation_length) if np.isscalar(correlation_length) \
        else correlation_length
    if min(ly, lx) <= 0:
        raise ValueError(f"correlation_length must be positive; got {correlation_length}.")
    noise = rng.standard_normal(shape)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    kernel = np.exp(-2 * np.pi**2 * ((ky * ly) ** 2 + (kx * lx) ** 2))
    field = np.fft.irfft2(np.fft.rfft2(noise) * kernel, s=shape)
    field -= field.mean()
    std = field.std()
    return field / std if std > 0 else field


def two_phase(
    shape: tuple[int, int] = (128, 128),
    volume_fraction: float = 0.3,
    correlation_length: float | tuple[float, float] = 4.0,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """A binary two-phase microstructure: bool array ``shape``, True = phase 1 (the minority
    phase when ``volume_fraction`` < 0.5), with exactly ``volume_fraction`` of pixels True
    (to within one pixel). Anisotropy: give ``correlation_length`` as (along y, along x).
    """
    if not 0 < volume_fraction < 1:
        raise ValueError(f"volume_fraction must be in (0, 1); got {volume_fraction}.")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    field = gaussian_random_field(shape, correlation_length, rng)
    cut = np.quantile(field, 1 - volume_fraction)
    return field > cut
