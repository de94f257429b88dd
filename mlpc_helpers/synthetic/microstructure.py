"""Synthetic microstructures with known ground truth (no public image set has it).

Two-phase fields are thresholded Gaussian random fields: white noise smoothed by an anisotropic
Gaussian kernel (correlation lengths in pixels along x and y), periodic, and cut at the quantile
that gives the requested volume fraction exactly. Polycrystals are periodic Voronoi
tessellations. :func:`specimen_batch` adds a property that depends on the arrangement, not only
on the volume fraction: the effective conductivity from a finite-volume (resistor-network) solve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..runtime import check_random_state
from ..validation import MLPCInputError


def gaussian_random_field(
    shape: tuple[int, int],
    correlation_length: float | tuple[float, float],
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """A periodic, zero-mean, unit-variance Gaussian random field of ``shape`` (rows, cols).

    ``correlation_length`` is the Gaussian kernel's standard deviation in pixels, one value
    or (along y, along x) for an anisotropic field (white noise filtered in Fourier space).
    ``random_state``: int, numpy Generator (used as is, shared stream) or None (the course
    seed ``MLPC_SEED``), resolved by :func:`mlpc_helpers.runtime.check_random_state`.
    """
    ly, lx = (correlation_length, correlation_length) if np.isscalar(correlation_length) \
        else correlation_length
    if min(ly, lx) <= 0:
        raise MLPCInputError(f"correlation_length must be positive (px); got "
                             f"{correlation_length}. Use e.g. correlation_length=4.")
    noise = check_random_state(random_state).standard_normal(shape)
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
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """A binary two-phase microstructure: a thresholded Gaussian random field.

    Parameters
    ----------
    shape : (int, int)
        Image size (rows, cols) in pixels; the field is periodic.
    volume_fraction : float
        Fraction of pixels in phase 1, in (0, 1); met exactly (to within one pixel) by
        cutting the field at its ``1 - volume_fraction`` quantile.
    correlation_length : float or (float, float)
        Gaussian kernel standard deviation in pixels; (along y, along x) for anisotropy.
    random_state : int, numpy.random.Generator or None
        See :func:`mlpc_helpers.runtime.check_random_state` (None: the course seed).

    Returns
    -------
    ndarray of bool, shape ``shape``
        True = phase 1 (the minority phase when ``volume_fraction`` < 0.5).

    Raises
    ------
    ValueError
        When ``volume_fraction`` is outside (0, 1) or a correlation length is not positive.

    Notes
    -----
    Level-cut Gaussian random fields as models of two-phase media: Torquato, *Random
    Heterogeneous Materials* (2002), ch. 12 (doi:10.1007/978-1-4757-6355-3).

    Examples
    --------
    >>> phase = two_phase((64, 64), volume_fraction=0.3, correlation_length=3.0, random_state=0)
    >>> phase.shape, phase.dtype
    ((64, 64), dtype('bool'))
    >>> round(float(phase.mean()), 2)  # V_V is met to within one pixel
    0.3
    """
    if not 0 < volume_fraction < 1:
        raise MLPCInputError(f"volume_fraction must be in (0, 1); got {volume_fraction}. It is "
                             "a fraction: 35 % is 0.35.")
    rng = check_random_state(random_state)
    field = gaussian_random_field(shape, correlation_length, rng)
    cut = np.quantile(field, 1 - volume_fraction)
    return field > cut


# --- truth of the two-phase generator ------------------------------------------------------

def _lengths(correlation_length: float | tuple[float, float]) -> tuple[float, float]:
    if np.isscalar(correlation_length):
        return float(correlation_length), float(correlation_length)
    ly, lx = correlation_length
    return float(ly), float(lx)


def two_phase_truth(
    volume_fraction: float, correlation_length: float | tuple[float, float]
) -> dict[str, float]:
    """Expected stereology of :func:`two_phase` (Rice's level-crossing formula).

    The smoothed field has correlation ``exp(-r^2 / (4 l^2))`` along each axis, so a straight
    test line along x crosses the phase boundary ``P_L = exp(-u^2/2) / (pi * sqrt(2) * l_x)``
    times per pixel, with ``u`` the threshold (the standard-normal quantile of 1 - V_V).
    Returns ``V_V``, ``P_L_x``, ``P_L_y`` (crossings per pixel) and ``S_V = 2 * mean(P_L)``
    (interface area per volume in 1/pixel; exact for an isotropic field).

    Examples
    --------
    >>> truth = two_phase_truth(0.5, 4.0)
    >>> round(truth["P_L_x"], 4)  # exp(0) / (pi * sqrt(2) * 4) crossings per pixel
    0.0563
    >>> round(truth["S_V"], 4)  # 2 P_L, 1/px
    0.1125
    """
    from scipy.stats import norm

    if not 0 < volume_fraction < 1:
        raise MLPCInputError(f"volume_fraction must be in (0, 1); got {volume_fraction}. It is "
                             "a fraction: 35 % is 0.35.")
    ly, lx = _lengths(correlation_length)
    u = norm.ppf(1 - volume_fraction)
    pl = lambda length: np.exp(-u**2 / 2) / (np.pi * np.sqrt(2) * length)  # noqa: E731
    plx, ply = pl(lx), pl(ly)
    return {"V_V": float(volume_fraction), "P_L_x": float(plx), "P_L_y": float(ply),
            "S_V": float(plx + ply)}


# --- polycrystals ---------------------------------------------------------------------------

def voronoi_polycrystal(
    shape: tuple[int, int] = (256, 256),
    mean_grain_area: float = 400.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """A periodic Voronoi polycrystal.

    ``n = round(H*W / mean_grain_area)`` seeds are placed uniformly at random (a Poisson-Voronoi
    tessellation conditioned on n; Okabe et al., *Spatial Tessellations*, 2000), so the true
    number of grains per pixel area is n/(H*W).

    Parameters
    ----------
    shape : (int, int)
        Image size (rows, cols) in pixels, both >= 2.
    mean_grain_area : float
        Mean grain area in pixels².
    random_state : int, numpy.random.Generator or None
        See :func:`mlpc_helpers.runtime.check_random_state` (None: the course seed).

    Returns
    -------
    ndarray of int32, shape ``shape``
        Grain labels 0..n-1.

    Raises
    ------
    ValueError
        When ``shape`` is not 2-D or one grain would be larger than the image.

    Examples
    --------
    >>> grains = voronoi_polycrystal((64, 64), mean_grain_area=256.0, random_state=0)
    >>> grains.shape, int(grains.max()) + 1  # 64 * 64 / 256 = 16 grains
    ((64, 64), 16)
    """
    from scipy.spatial import cKDTree

    if len(shape) != 2 or min(shape) < 2:
        raise MLPCInputError(f"shape must be (rows, cols) with both >= 2; got {shape}. "
                             "Use e.g. shape=(128, 128).")
    n = int(round(shape[0] * shape[1] / mean_grain_area))
    if n < 1:
        raise MLPCInputError(f"mean_grain_area {mean_grain_area} px^2 is larger than the image "
                             f"{shape}: make it smaller or the image larger.")
    rng = check_random_state(random_state)
    seeds = rng.uniform(0, 1, size=(n, 2)) * np.array(shape, float)
    tree = cKDTree(seeds, boxsize=np.array(shape, float))
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    pts = np.column_stack([yy.ravel() + 0.5, xx.ravel() + 0.5]) % np.array(shape, float)
    _, labels = tree.query(pts)
    return labels.reshape(shape).astype(np.int32)


def polycrystal_truth(mean_grain_area: float, shape: tuple[int, int] = (256, 256),
                      pixel_size_um: float = 1.0) -> dict[str, float]:
    """True grain statistics of :func:`voronoi_polycrystal` in physical units.

    ``N_A`` (grains per mm^2) from the seed count; the mean lineal intercept of a 2-D
    Poisson-Voronoi tessellation, ``pi / (4 sqrt(N_A))`` (mean chord = pi * area / perimeter,
    with mean perimeter 4 / sqrt(N_A)), in um; and the ASTM E112 grain-size number ``G`` from
    that intercept.
    """
    n = int(round(shape[0] * shape[1] / mean_grain_area))
    area_mm2 = shape[0] * shape[1] * (pixel_size_um * 1e-3) ** 2
    na = n / area_mm2
    intercept_mm = np.pi / (4 * np.sqrt(na))
    g = -6.643856 * np.log10(intercept_mm) - 3.288
    return {"N_A_per_mm2": float(na), "mean_intercept_um": float(intercept_mm * 1e3),
            "G": float(g)}


# --- a property that depends on the arrangement ----------------------------------------------

def effective_conductivity(
    phase: np.ndarray, sigma_phase: float = 1.0, sigma_matrix: float = 0.01
) -> float:
    """Effective conductivity along x of a two-phase image (same units as the sigmas).

    Finite-volume (resistor-network) solve of div(sigma grad phi) = 0 on the pixel grid:
    harmonic-mean conductances between neighbouring pixels, phi = 1 on the left face and 0 on
    the right face (half-pixel links), periodic along y. ``phase``: 2-D bool, True = the phase
    with ``sigma_phase``. sigma_eff = total current * width / (height * potential drop).
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    from ..validation import check_image, check_phase_map

    # one 2-D two-phase map (bool or 0/1); a grey image raises MLPCInputError: segment first
    phase = check_phase_map(check_image(phase, "phase"), "phase")
    if sigma_phase <= 0 or sigma_matrix <= 0:
        raise MLPCInputError(f"sigma_phase and sigma_matrix must both be positive; got "
                             f"{sigma_phase} and {sigma_matrix}. Give the two "
                             "conductivities (any one unit), e.g. 10.0 and 1.0.")
    h, w = phase.shape
    s = np.where(phase.astype(bool), sigma_phase, sigma_matrix).astype(float)
    idx = np.arange(h * w).reshape(h, w)
    gx = 2 * s[:, :-1] * s[:, 1:] / (s[:, :-1] + s[:, 1:])            # (h, w-1)
    s_dn = np.roll(s, -1, axis=0)
    gy = 2 * s * s_dn / (s + s_dn)                                     # (h, w), periodic
    g_left, g_right = 2 * s[:, 0], 2 * s[:, -1]
    rows = np.concatenate([idx[:, :-1].ravel(), idx.ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), np.roll(idx, -1, axis=0).ravel()])
    vals = np.concatenate([gx.ravel(), gy.ravel()])
    off = sp.coo_matrix((vals, (rows, cols)), shape=(h * w, h * w))
    off = off + off.T
    diag = np.asarray(off.sum(axis=1)).ravel()
    diag[idx[:, 0]] += g_left
    diag[idx[:, -1]] += g_right
    a = (sp.diags(diag) - off).tocsc()
    b = np.zeros(h * w)
    b[idx[:, 0]] = g_left
    phi = spsolve(a, b).reshape(h, w)
    current = float(np.sum(g_left * (1.0 - phi[:, 0])))
    return current * w / h


def conductivity_bounds(
    volume_fraction: float | np.ndarray, sigma_phase: float = 1.0, sigma_matrix: float = 0.01
) -> dict[str, np.ndarray]:
    """Wiener (series/parallel) and 2-D Hashin-Shtrikman bounds on the effective conductivity
    of an isotropic two-phase material with ``volume_fraction`` of the ``sigma_phase`` phase.
    """
    f1 = np.asarray(volume_fraction, float)
    f0 = 1 - f1
    s1, s0 = float(sigma_phase), float(sigma_matrix)
    lo_s, hi_s = min(s0, s1), max(s0, s1)
    f_lo, f_hi = (f0, f1) if s0 <= s1 else (f1, f0)   # fractions of the poor / good conductor
    d = 2  # dimension
    hs_lower = lo_s + f_hi / (1 / (hi_s - lo_s) + f_lo / (d * lo_s))
    hs_upper = hi_s + f_lo / (1 / (lo_s - hi_s) + f_hi / (d * hi_s))
    return {
        "wiener_lower": 1 / (f1 / s1 + f0 / s0),
        "wiener_upper": f1 * s1 + f0 * s0,
        "hs_lower": hs_lower,
        "hs_upper": hs_upper,
    }


# --- batches of specimens with a property -------------------------------------------------------

@dataclass
class SpecimenBatch:
    """Specimens with their generation parameters and property.

    ``images``: (n, H, W) bool; ``params``: DataFrame with ``volume_fraction``,
    ``correlation_length`` (geometric mean of the two, px) and ``anisotropy`` (l_x / l_y);
    ``sigma_eff``: (n,) effective conductivity along x (units of ``sigma_phase``).
    """

    images: np.ndarray
    params: Any
    sigma_eff: np.ndarray
    sigma_phase: float
    sigma_matrix: float


def specimen_batch(
    n: int,
    shape: tuple[int, int] = (64, 64),
    random_state: int | np.random.Generator | None = None,
    *,
    volume_fraction: tuple[float, float] = (0.3, 0.6),
    correlation_length: tuple[float, float] = (1.5, 3.5),
    anisotropy: tuple[float, float] = (1 / 3, 3.0),
    sigma_phase: float = 1.0,
    sigma_matrix: float = 0.01,
    progress: bool = True,
) -> SpecimenBatch:
    """``n`` two-phase specimens with random V_V, correlation length and anisotropy (uniform,
    uniform, log-uniform over the given ranges) and their effective conductivity along x from
    :func:`effective_conductivity`. The conducting phase is the True phase.

    ``shape`` in pixels; ``sigma_phase``/``sigma_matrix`` in any one conductivity unit (the
    result ``sigma_eff`` is in the same unit). ``random_state``: int, Generator or None (the
    course seed), see :func:`mlpc_helpers.runtime.check_random_state`; one Generator drives
    the parameters and every image. Returns a :class:`SpecimenBatch` (images (n, *shape) bool,
    params DataFrame, sigma_eff (n,)). Raises ``ValueError`` when ``n < 1``.
    """
    import pandas as pd

    from mlpc_helpers.runtime import progress_bar as tqdm

    if n < 1:
        raise MLPCInputError(f"n must be at least 1; got {n}: ask for at least one "
                             "specimen.")
    rng = check_random_state(random_state)
    vf = rng.uniform(*volume_fraction, size=n)
    length = rng.uniform(*correlation_length, size=n)
    aniso = np.exp(rng.uniform(np.log(anisotropy[0]), np.log(anisotropy[1]), size=n))
    images = np.empty((n, *shape), bool)
    sigma = np.empty(n)
    for i in tqdm(range(n), desc="specimens + conductivity solve", disable=not progress):
        lx, ly = length[i] * np.sqrt(aniso[i]), length[i] / np.sqrt(aniso[i])
        images[i] = two_phase(shape, vf[i], (ly, lx), rng)
        sigma[i] = effective_conductivity(images[i], sigma_phase, sigma_matrix)
    params = pd.DataFrame({"volume_fraction": vf, "correlation_length": length,
                           "anisotropy": aniso})
    return SpecimenBatch(images, params, sigma, sigma_phase, sigma_matrix)


def patches(images: np.ndarray, per_side: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Cut each image of ``images`` (n, H, W) into ``per_side**2`` non-overlapping square tiles.

    Returns ``(tiles, groups)``: tiles (n * per_side**2, H/per_side, W/per_side) and the
    specimen index of each tile (for GroupKFold).
    """
    from ..validation import check_stack

    images = check_stack(images, "images")  # (n, H, W); lists of one shape; no colour
    n, h, w = images.shape
    if h % per_side or w % per_side:
        raise MLPCInputError(f"images: H={h} and W={w} must be divisible by "
                             f"per_side={per_side}; crop the images or pick a per_side "
                             "that divides both.")
    ph, pw = h // per_side, w // per_side
    tiles = images.reshape(n, per_side, ph, per_side, pw).transpose(0, 1, 3, 2, 4)
    return tiles.reshape(n * per_side**2, ph, pw), np.repeat(np.arange(n), per_side**2)


def render_micrograph(
    phase: np.ndarray,
    random_state: int | np.random.Generator | None = None,
    *,
    brightness: tuple[float, float] = (0.15, 0.45),
    contrast: tuple[float, float] = (0.25, 0.55),
    noise: float = 0.05,
) -> tuple[np.ndarray, dict[str, float]]:
    """Image a phase map (or a stack (n, H, W) imaged in ONE session) as a grey micrograph.

    One imaging session: grey = brightness + contrast * phase + Gaussian noise (std ``noise``),
    with brightness and contrast drawn uniformly from the ranges (grey levels, 0-1 scale).
    Returns ``(grey, session)``; ``session`` holds the drawn ``brightness`` and ``contrast``.
    All tiles of one specimen share its session: the specimen's fingerprint.
    ``random_state``: int, Generator or None (the course seed), see
    :func:`mlpc_helpers.runtime.check_random_state`. Raises ``ValueError`` unless ``phase`` is
    (H, W) or (n, H, W).
    """
    rng = check_random_state(random_state)
    phase = np.asarray(phase)
    if phase.ndim not in (2, 3):
        raise MLPCInputError(f"phase must be (H, W) or (n, H, W); got shape "
                             f"{phase.shape}. Pass one phase map or a stack of them.")
    session = {"brightness": float(rng.uniform(*brightness)),
               "contrast": float(rng.uniform(*contrast))}
    grey = session["brightness"] + session["contrast"] * phase.astype(float)
    grey = grey + noise * rng.standard_normal(phase.shape)
    return grey, session
