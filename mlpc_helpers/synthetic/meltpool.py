"""Synthetic co-axial melt-pool camera frames for L-PBF monitoring (no real frames can be had here).

Physics, in brief: a co-axial camera looks down the laser path and records the thermal emission
of the melt pool. The pool is a teardrop (Rosenthal-like) — short and steep ahead of the laser,
a longer cooling tail behind it — with a hot core under the beam that saturates the sensor, and
a faint, wide vapour plume trailing the pool. The laser scans back and forth (0° or 180°
hatches). Frame to frame the pool size, the brightness (emissivity/powder state) and the
position jitter. The sensor adds photon (Poisson) noise, read noise and 8-bit quantisation.

Anomaly types: five process anomalies of L-PBF melt-pool monitoring (the deck's case is
Fathizadan et al. 2021, doi:10.1016/j.addma.2021.101961; the physics after the monitoring
reviews, e.g. Everton et al. 2016 and Grasso & Colosimo 2017). Two change the pool's
*outline* at the camera's 0.3 isotherm, which a geometric descriptor (area, eccentricity)
sees; three leave the outline normal and change only where the light is (:data:`GEOMETRIC`):

- ``keyhole`` (geometric): too high energy density; the vapour depression deepens, the pool
  lengthens behind the beam and narrows, and the hot core grows;
- ``lack_of_fusion`` (geometric): too low energy density (power drop, defocus, thick
  powder layer); a smaller, cooler pool;
- ``spatter`` (not geometric): incandescent droplets ejected by the vapour recoil, seen as
  small spots or short streaks (motion during the exposure) *outside* the pool;
- ``hotspot`` (not geometric): an abnormal temperature field inside a normal-shaped pool; the
  hottest region sits off the beam axis, towards the tail (unstable melt flow, local
  overheating), so the pool's outline, area and mean brightness stay normal;
- ``plume`` (not geometric): a bright vapour plume; metal vapour (and condensate) above the
  pool emits and scatters light, a wide diffuse glow drifting with the shielding-gas flow,
  fainter than the pool edge.

The mix and the difficulty below were set from these physical pictures and checked only
against the pool features, never against the autoencoder's results: the plume's glow was
moved once to 18–30 px from the beam, because closer it enlarged the pool outline. (The
previous version had spatter, keyhole and sensor glitches; its keyhole pools were so
eccentric that geometric features caught them all.)
Pixel size: we assume 8 µm per pixel, so a 128-pixel frame spans about 1 mm.
"""

from __future__ import annotations

import numpy as np

from ..runtime import check_random_state
from ..validation import MLPCInputError

#: Frame edge in pixels and the assumed pixel size in µm.
FRAME_SIZE = 128
PIXEL_SIZE_UM = 8.0
#: Nominal pool half-length ahead of / behind the beam and half-width, in pixels (×8 µm).
POOL_FRONT_PX, POOL_TAIL_PX, POOL_HALF_WIDTH_PX = 7.0, 22.0, 8.0
#: Frame-to-frame variation of nominal frames: relative size s.d., brightness gain range,
#: position jitter s.d. (px) and direction jitter s.d. (degrees).
SIZE_SD, GAIN_RANGE, POSITION_SD_PX, ANGLE_SD_DEG = 0.08, (0.8, 1.2), 3.0, 4.0
#: Brightness between build sessions (protective-window soiling, exposure setting): a gain
#: range wider than the in-session one. Added for the narrow-training failure mode (§6).
SESSION_GAIN_RANGE = (0.6, 1.6)
#: Sensor: photons at full scale (shot noise), read-noise s.d. (full scale = 1), 8-bit output.
PHOTONS_FULL_SCALE, READ_NOISE = 400.0, 0.01

ANOMALY_TYPES = ("keyhole", "lack_of_fusion", "spatter", "hotspot", "plume")
#: Which anomaly types change the pool outline (True: a geometric descriptor can see them).
GEOMETRIC = {"keyhole": True, "lack_of_fusion": True, "spatter": False, "hotspot": False,
             "plume": False}
#: Share of anomalous frames in a monitoring stream, and the mix of the anomaly types.
ANOMALY_FRACTION = 0.15
ANOMALY_MIX = {k: 0.2 for k in ANOMALY_TYPES}
#: Difficulty. Keyhole: tail length ×1.3–1.7, width ×0.8–0.95, core ×1.3.
KEYHOLE_LENGTH, KEYHOLE_WIDTH, KEYHOLE_CORE = (1.3, 1.7), (0.8, 0.95), 1.3
#: Lack of fusion: pool size ×0.6–0.75 in both directions, core brightness ×0.6–0.8.
LOF_SIZE, LOF_CORE = (0.6, 0.75), (0.6, 0.8)
#: Spatter: 2–6 droplets of radius 0.8–1.6 px, peak 0.4–1.0 (camera units at gain 1),
#: 12–45 px from the beam and outside the pool, streak length 0–6 px.
SPATTER_N, SPATTER_RADIUS_PX, SPATTER_PEAK = (2, 6), (0.8, 1.6), (0.4, 1.0)
SPATTER_DIST_PX, SPATTER_STREAK_PX = (12, 45), (0.0, 6.0)
#: Hot spot: the hot core moves 6–12 px behind the beam (into the tail).
HOTSPOT_SHIFT_PX = (6.0, 12.0)
#: Plume: a diffuse glow of peak 0.12–0.22, s.d. 8–14 px, centred 18–30 px from the beam.
PLUME_PEAK, PLUME_SD_PX, PLUME_DIST_PX = (0.12, 0.22), (8.0, 14.0), (18.0, 30.0)


def _radiance(
    rng: np.random.Generator,
    size: int,
    *,
    length_factor: float = 1.0,
    width_factor: float = 1.0,
    size_factor: float = 1.0,
    core_factor: float = 1.0,
    core_shift: float = 0.0,
) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Noise-free radiance of one melt pool (arbitrary units, ~0.7 on the pool plateau).

    ``length_factor`` scales the tail, ``width_factor`` the half-width, ``size_factor`` the
    whole pool; ``core_factor`` the hot core's brightness and ``core_shift`` (px) moves the
    core behind the beam. Returns the radiance and (beam x, beam y, scan direction in rad).
    """
    c = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size].astype(float)
    scale = np.exp(rng.normal(0.0, SIZE_SD)) * size_factor
    direction = rng.choice([0.0, np.pi]) + np.deg2rad(rng.normal(0.0, ANGLE_SD_DEG))
    cx, cy = c + rng.normal(0, POSITION_SD_PX, 2)
    u, v = x - cx, y - cy
    xi = u * np.cos(direction) + v * np.sin(direction)  # along the scan, + ahead of the beam
    eta = -u * np.sin(direction) + v * np.cos(direction)
    a = np.where(xi > 0, POOL_FRONT_PX, POOL_TAIL_PX * length_factor) * scale
    b = POOL_HALF_WIDTH_PX * width_factor * scale
    pool = np.exp(-((xi / a) ** 2 + (eta / b) ** 2) ** 1.5)  # flat-topped teardrop
    core = 1.2 * core_factor * np.exp(-((xi - 1.5 + core_shift) ** 2 + eta**2)
                                      / (2 * (2.5 * scale) ** 2))
    plume = 0.08 * np.exp(-((xi + 2.2 * POOL_TAIL_PX * scale) ** 2 / (2 * 14.0**2)
                            + eta**2 / (2 * 12.0**2)))
    return 0.7 * pool + core + plume, (cx, cy, direction)


def _gauss_spot(size: int, px: float, py: float, sd: float) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size].astype(float)
    return np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sd**2))


def _spatter(radiance: np.ndarray, beam: tuple[float, float, float],
             rng: np.random.Generator) -> np.ndarray:
    """Add incandescent droplets (spots or short radial streaks) outside the pool."""
    size = radiance.shape[0]
    cx, cy, _ = beam
    out = radiance.copy()
    n, placed = rng.integers(SPATTER_N[0], SPATTER_N[1] + 1), 0
    for _ in range(50 * n):  # rejection: a droplet centre must lie outside the pool
        if placed == n:
            break
        ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(*SPATTER_DIST_PX)
        px, py = cx + dist * np.cos(ang), cy + dist * np.sin(ang)
        ix, iy = int(round(px)), int(round(py))
        if not (2 <= ix < size - 2 and 2 <= iy < size - 2) or radiance[iy, ix] > 0.05:
            continue
        r, peak = rng.uniform(*SPATTER_RADIUS_PX), rng.uniform(*SPATTER_PEAK)
        streak = rng.uniform(*SPATTER_STREAK_PX)  # flight during the exposure, radial
        steps = np.linspace(-0.5, 0.5, 7) * streak
        spot = np.mean([_gauss_spot(size, px + t * np.cos(ang), py + t * np.sin(ang), r)
                        for t in steps], axis=0)
        out += peak * spot / spot.max()
        placed += 1
    return out


def _plume(radiance: np.ndarray, beam: tuple[float, float, float],
           rng: np.random.Generator) -> np.ndarray:
    """Add a bright, wide vapour-plume glow drifting away from the beam."""
    cx, cy, _ = beam
    ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(*PLUME_DIST_PX)
    glow = _gauss_spot(radiance.shape[0], cx + dist * np.cos(ang),
                       cy + dist * np.sin(ang), rng.uniform(*PLUME_SD_PX))
    return radiance + rng.uniform(*PLUME_PEAK) * glow


def _sensor(radiance: np.ndarray, gain: float, rng: np.random.Generator) -> np.ndarray:
    """Camera: gain, shot noise, read noise, saturation at 1 and 8-bit quantisation."""
    signal = np.clip(radiance * gain, 0.0, 1.5)
    counts = rng.poisson(signal * PHOTONS_FULL_SCALE) / PHOTONS_FULL_SCALE
    img = counts + rng.normal(0.0, READ_NOISE, radiance.shape) + 0.02
    return np.round(np.clip(img, 0.0, 1.0) * 255) / 255


def _pool(kind: str, rng: np.random.Generator, size: int) -> np.ndarray:
    """Noise-free radiance of one frame of ``kind``."""
    if kind == "keyhole":
        rad, beam = _radiance(rng, size, length_factor=rng.uniform(*KEYHOLE_LENGTH),
                              width_factor=rng.uniform(*KEYHOLE_WIDTH),
                              core_factor=KEYHOLE_CORE)
    elif kind == "lack_of_fusion":
        rad, beam = _radiance(rng, size, size_factor=rng.uniform(*LOF_SIZE),
                              core_factor=rng.uniform(*LOF_CORE))
    elif kind == "hotspot":
        rad, beam = _radiance(rng, size, core_shift=rng.uniform(*HOTSPOT_SHIFT_PX))
    else:
        rad, beam = _radiance(rng, size)
    if kind == "spatter":
        rad = _spatter(rad, beam, rng)
    elif kind == "plume":
        rad = _plume(rad, beam, rng)
    return rad


def frames(
    kinds: list[str] | np.ndarray,
    random_state: int | np.random.Generator | None = None,
    *,
    gain: float | tuple[float, float] | None = None,
    size: int = FRAME_SIZE,
) -> np.ndarray:
    """One frame per entry of ``kinds`` ("nominal" or one of :data:`ANOMALY_TYPES`).

    Parameters
    ----------
    kinds : sequence of str, length n
        "nominal" or one of :data:`ANOMALY_TYPES` per frame.
    random_state : int, numpy.random.Generator or None
        See :func:`mlpc_helpers.runtime.check_random_state` (None: the course seed).
    gain : float or (float, float), optional
        Camera brightness gain: a fixed value (e.g. 1.0 for a "narrow" data set) or a range
        drawn uniformly per frame; default :data:`GAIN_RANGE`.
    size : int
        Frame side in pixels (:data:`PIXEL_SIZE_UM` µm each).

    Returns
    -------
    ndarray of float32, shape (n, size, size)
        Camera counts scaled to [0, 1] (8-bit quantised, Poisson shot and Gaussian read noise).

    Raises
    ------
    ValueError
        For an unknown kind.

    Examples
    --------
    >>> x = frames(["nominal", "keyhole"], random_state=0, size=64)
    >>> x.shape, x.dtype
    ((2, 64, 64), dtype('float32'))
    >>> bool(x.min() >= 0 and x.max() <= 1)  # camera units
    True
    """
    rng = check_random_state(random_state)
    kinds = list(kinds)
    bad = sorted(set(kinds) - {"nominal", *ANOMALY_TYPES})
    if bad:
        raise MLPCInputError(f"Unknown frame kind(s) {bad} in kinds; use 'nominal' or one of "
                             f"{ANOMALY_TYPES}.")
    lo, hi = (GAIN_RANGE if gain is None else (gain, gain) if np.isscalar(gain) else gain)
    out = np.empty((len(kinds), size, size), np.float32)
    for i, kind in enumerate(kinds):
        g = rng.uniform(lo, hi)
        out[i] = _sensor(_pool(kind, rng, size), g, rng)
    return out


def nominal(n: int, random_state: int | np.random.Generator | None = None,
            **kw) -> np.ndarray:
    """``n`` nominal frames (see :func:`frames` for ``gain`` and ``size``)."""
    return frames(["nominal"] * n, random_state, **kw)


def stream(
    n: int,
    random_state: int | np.random.Generator | None = None,
    *,
    anomaly_fraction: float = ANOMALY_FRACTION,
    mix: dict[str, float] | None = None,
    **kw,
) -> tuple[np.ndarray, np.ndarray]:
    """A monitoring stream of ``n`` frames in random order.

    Returns ``(frames, kinds)``: float32 (n, size, size) and a str array with "nominal" or the
    anomaly type of every frame. The number of anomalies is round(n · anomaly_fraction), split
    by ``mix`` (default :data:`ANOMALY_MIX`). ``random_state``: int, Generator or None (the
    course seed), see :func:`mlpc_helpers.runtime.check_random_state`; one Generator draws the
    order and every frame. Raises ``ValueError`` unless 0 <= ``anomaly_fraction`` < 1.
    """
    rng = check_random_state(random_state)
    mix = ANOMALY_MIX if mix is None else mix
    if not 0 <= anomaly_fraction < 1:
        raise MLPCInputError(f"anomaly_fraction must be in [0, 1); got {anomaly_fraction}. "
                             "It is a fraction: 5 % is 0.05.")
    n_anom = int(round(n * anomaly_fraction))
    names = list(mix)
    p = np.array([mix[k] for k in names], float)
    counts = np.floor(n_anom * p / p.sum()).astype(int)
    counts[: n_anom - counts.sum()] += 1
    anomalies = [k for k, c in zip(names, counts, strict=True) for _ in range(c)]
    kinds = np.array(["nominal"] * (n - n_anom) + anomalies)
    kinds = kinds[rng.permutation(n)]
    return frames(kinds, rng, **kw), kinds


def rescale_brightness(
    frames: np.ndarray, gain: tuple[float, float],
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Multiply every frame (n, ...) by its own gain drawn uniformly from ``gain``, clip to [0, 1]:
    the brightness augmentation applied to nominal frames (numpy twin of
    ``imaging.augmenter("brightness")``).
    ``random_state``: see :func:`mlpc_helpers.runtime.check_random_state`."""
    from ..validation import as_float_image

    rng = check_random_state(random_state)
    x = np.asarray(frames)
    # integer camera frames to 0-1 by their bit depth; float frames as given (0-1)
    x = (x if np.issubdtype(x.dtype, np.floating) else as_float_image(x, "frames"))
    x = x.astype(np.float32)
    g = rng.uniform(gain[0], gain[1], (len(x),) + (1,) * (x.ndim - 1)).astype(np.float32)
    return np.clip(x * g, 0.0, 1.0)
