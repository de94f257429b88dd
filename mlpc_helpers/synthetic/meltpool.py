"""Synthetic co-axial melt-pool camera frames for L-PBF monitoring (no real frames can be had here).

Physics, in brief: a co-axial camera looks down the laser path and records the thermal emission
of the melt pool. The pool is a teardrop (Rosenthal-like) — short and steep ahead of the laser,
a longer cooling tail behind it — with a hot core under the beam that saturates the sensor, and
a faint, wide vapour plume trailing the pool. The laser scans back and forth (0° or 180°
hatches). Frame to frame the pool size, the brightness (emissivity/powder state) and the
position jitter. The sensor adds photon (Poisson) noise, read noise and 8-bit quantisation.

Anomaly types (after Fathizadan et al. 2021, doi:10.1016/j.addma.2021.101961):

- ``spatter``: ejected droplets and extra bright lobes around the pool;
- ``keyhole``: an elongated, eccentric pool with an enlarged hot core (keyhole-mode melting);
- ``glitch``: sensor/acquisition glitches — stripes, saturation, row dropouts.

The mix and the difficulty below were fixed before any detector was run and are not tuned.
Pixel size: we assume 8 µm per pixel, so a 128-pixel frame spans about 1 mm.
"""

from __future__ import annotations

import numpy as np

from ..runtime import check_random_state

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

ANOMALY_TYPES = ("spatter", "keyhole", "glitch")
#: Share of anomalous frames in a monitoring stream, and the mix of the anomaly types.
ANOMALY_FRACTION = 0.15
ANOMALY_MIX = {"spatter": 0.4, "keyhole": 0.3, "glitch": 0.3}
#: Difficulty. Spatter: 1–4 droplets of radius 1.2–2.5 px and peak 0.35–0.9, 18–45 px from the
#: beam; keyhole: length ×1.5–2.0, width ×0.7–0.85, core ×1.4; glitch: stripe amplitude
#: 0.08–0.2, saturation gain ×2–3, 6–20 dropped rows.
SPATTER_N, SPATTER_RADIUS_PX, SPATTER_PEAK, SPATTER_DIST_PX = (1, 4), (1.2, 2.5), (0.35, 0.9), (18, 45)
KEYHOLE_LENGTH, KEYHOLE_WIDTH, KEYHOLE_CORE = (1.5, 2.0), (0.7, 0.85), 1.4
GLITCH_STRIPE, GLITCH_SATURATION_GAIN, GLITCH_DROPOUT_ROWS = (0.08, 0.2), (2.0, 3.0), (6, 20)


def _radiance(
    rng: np.random.Generator,
    size: int,
    *,
    length_factor: float = 1.0,
    width_factor: float = 1.0,
    core_factor: float = 1.0,
) -> np.ndarray:
    """Noise-free radiance of one melt pool (arbitrary units, ~1 at the pool edge plateau)."""
    c = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size].astype(float)
    scale = np.exp(rng.normal(0.0, SIZE_SD))
    direction = rng.choice([0.0, np.pi]) + np.deg2rad(rng.normal(0.0, ANGLE_SD_DEG))
    cx, cy = c + rng.normal(0, POSITION_SD_PX, 2)
    u, v = x - cx, y - cy
    xi = u * np.cos(direction) + v * np.sin(direction)  # along the scan, + ahead of the beam
    eta = -u * np.sin(direction) + v * np.cos(direction)
    a = np.where(xi > 0, POOL_FRONT_PX, POOL_TAIL_PX * length_factor) * scale
    b = POOL_HALF_WIDTH_PX * width_factor * scale
    pool = np.exp(-((xi / a) ** 2 + (eta / b) ** 2) ** 1.5)  # flat-topped teardrop
    core = 1.2 * core_factor * np.exp(-((xi - 1.5) ** 2 + eta**2) / (2 * (2.5 * scale) ** 2))
    plume = 0.08 * np.exp(-((xi + 2.2 * POOL_TAIL_PX * scale) ** 2 / (2 * 14.0**2)
                            + eta**2 / (2 * 12.0**2)))
    return 0.7 * pool + core + plume


def _sensor(radiance: np.ndarray, gain: float, rng: np.random.Generator) -> np.ndarray:
    """Camera: gain, shot noise, read noise, saturation at 1 and 8-bit quantisation."""
    signal = np.clip(radiance * gain, 0.0, 1.5)
    counts = rng.poisson(signal * PHOTONS_FULL_SCALE) / PHOTONS_FULL_SCALE
    img = counts + rng.normal(0.0, READ_NOISE, radiance.shape) + 0.02
    return np.round(np.clip(img, 0.0, 1.0) * 255) / 255


def _spatter(radiance: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    size = radiance.shape[0]
    y, x = np.mgrid[0:size, 0:size].astype(float)
    cy, cx = np.unravel_index(np.argmax(radiance), radiance.shape)
    out = radiance.copy()
    for _ in range(rng.integers(SPATTER_N[0], SPATTER_N[1] + 1)):
        ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(*SPATTER_DIST_PX)
        px, py = cx + dist * np.cos(ang), cy + dist * np.sin(ang)
        r, peak = rng.uniform(*SPATTER_RADIUS_PX), rng.uniform(*SPATTER_PEAK)
        out += peak / 0.8 * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * r**2))
    return out


def _glitch(img: np.ndarray, rng: np.random.Generator, radiance: np.ndarray,
            gain: float) -> np.ndarray:
    kind = rng.integers(3)
    out = img.copy()
    if kind == 0:  # stripes: periodic bright rows (readout interference)
        period = rng.integers(4, 12)
        rows = (np.arange(img.shape[0]) % period) < period // 2
        out[rows] += rng.uniform(*GLITCH_STRIPE)
    elif kind == 1:  # saturation: exposure/gain jump clips a large region
        out = _sensor(radiance, gain * rng.uniform(*GLITCH_SATURATION_GAIN), rng)
    else:  # dropout: a band of rows lost in transfer
        n = rng.integers(GLITCH_DROPOUT_ROWS[0], GLITCH_DROPOUT_ROWS[1] + 1)
        start = rng.integers(img.shape[0] // 4, 3 * img.shape[0] // 4 - n // 2)
        out[start:start + n] = 0.0
    return np.round(np.clip(out, 0.0, 1.0) * 255) / 255


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
        "nominal", "spatter", "keyhole" or "glitch" per frame.
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
    """
    rng = check_random_state(random_state)
    kinds = list(kinds)
    bad = sorted(set(kinds) - {"nominal", *ANOMALY_TYPES})
    if bad:
        raise ValueError(f"Unknown frame kind(s) {bad}; use 'nominal' or one of {ANOMALY_TYPES}.")
    lo, hi = (GAIN_RANGE if gain is None else (gain, gain) if np.isscalar(gain) else gain)
    out = np.empty((len(kinds), size, size), np.float32)
    for i, kind in enumerate(kinds):
        g = rng.uniform(lo, hi)
        if kind == "keyhole":
            rad = _radiance(rng, size, length_factor=rng.uniform(*KEYHOLE_LENGTH),
                            width_factor=rng.uniform(*KEYHOLE_WIDTH), core_factor=KEYHOLE_CORE)
        else:
            rad = _radiance(rng, size)
        if kind == "spatter":
            rad = _spatter(rad, rng)
        img = _sensor(rad, g, rng)
        if kind == "glitch":
            img = _glitch(img, rng, rad, g)
        out[i] = img
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
        raise ValueError(f"anomaly_fraction must be in [0, 1); got {anomaly_fraction}.")
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
    the brightness augmentation applied to nominal frames (numpy twin of ``gain_augment``).
    ``random_state``: see :func:`mlpc_helpers.runtime.check_random_state`."""
    from ..validation import as_float_image

    rng = check_random_state(random_state)
    x = np.asarray(frames)
    # integer camera frames to 0-1 by their bit depth; float frames as given (0-1)
    x = (x if np.issubdtype(x.dtype, np.floating) else as_float_image(x, "frames"))
    x = x.astype(np.float32)
    g = rng.uniform(gain[0], gain[1], (len(x),) + (1,) * (x.ndim - 1)).astype(np.float32)
    return np.clip(x * g, 0.0, 1.0)
