"""Image-set hygiene and acquisition effects for grayscale image stacks (n, H, W).

- Duplicates: :func:`find_duplicates` finds exact duplicates (same pixels, by SHA-256) and near
  duplicates (small distance between standardised thumbnails); :func:`duplicate_groups` turns
  the pairs into group labels for a group-aware splitter such as ``StratifiedGroupKFold``.
- A simulated second microscope: :class:`Microscope` applies a gain, an offset, a radial
  vignetting and Gaussian read noise (seeded); :func:`random_microscopes` draws a different one
  for each image (domain randomisation); :func:`harmonise` undoes gain, offset and vignetting
  with a flat field estimated from the stack and the reference's grey-level statistics.
- Augmentation for :func:`mlpc_helpers.models.fit`: :func:`augment_batch` (numpy, flips, small
  shifts, brightness) and :func:`fit_augmenter`, which wraps it for ``fit(augment=...)``.

Nothing here imports torch at module level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def check_stack(images: np.ndarray, name: str = "images") -> np.ndarray:
    """``images`` as an array of shape (n, H, W); one clear ValueError otherwise."""
    x = np.asarray(images)
    if x.ndim == 2:
        raise ValueError(
            f"{name}: expected a stack of images (n, H, W); got one image of shape {x.shape}. "
            "Pass image[None] for a single image."
        )
    if x.ndim != 3:
        raise ValueError(
            f"{name}: expected grayscale images as an array (n, H, W); got shape {x.shape}. "
            "Convert RGB to grayscale first (e.g. skimage.color.rgb2gray)."
        )
    return x


def _to_unit(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64) / 255.0 if np.issubdtype(x.dtype, np.integer) else x.astype(
        np.float64)


def _like_input(y: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] back to the dtype of ``like`` (uint8 0-255 or float 0-1)."""
    y = np.clip(y, 0.0, 1.0)
    if np.issubdtype(like.dtype, np.integer):
        return np.round(y * 255).astype(np.uint8)
    return y.astype(like.dtype)


# ----------------------------------------------------------------------------- duplicates
def pixel_hashes(images: np.ndarray) -> list[str]:
    """SHA-256 of each image's pixels (shape and dtype included): equal hash = exact copy."""
    x = check_stack(images)
    out = []
    for img in x:
        h = hashlib.sha256(f"{img.shape}|{img.dtype}".encode())
        h.update(np.ascontiguousarray(img).tobytes())
        out.append(h.hexdigest())
    return out


def thumbnails(images: np.ndarray, size: int = 48) -> np.ndarray:
    """Antialiased ``size`` x ``size`` thumbnails with the slow illumination removed (minus a
    Gaussian blur of ``size / 16`` pixels) and each standardised to zero mean and unit std, so
    a copy with another gain, offset or shading gives nearly the same thumbnail, while two
    images that only share a smooth brightness gradient do not: float (n, size*size)."""
    from scipy.ndimage import gaussian_filter
    from skimage.transform import resize

    x = check_stack(images)
    if size < 8:
        raise ValueError(f"size must be at least 8 pixels; got {size}.")
    t = np.stack([resize(_to_unit(img), (size, size), anti_aliasing=True) for img in x])
    t = t - gaussian_filter(t, (0, size / 16, size / 16), mode="reflect")
    t = t.reshape(len(x), -1)
    t -= t.mean(axis=1, keepdims=True)
    std = t.std(axis=1, keepdims=True)
    return t / np.where(std > 0, std, 1.0)


def find_duplicates(
    images: np.ndarray, *, size: int = 48, threshold: float = 0.4
) -> Any:
    """Pairs of exact and near-duplicate images.

    Exact: identical pixels (:func:`pixel_hashes`). Near: root-mean-square difference of the
    standardised :func:`thumbnails` below ``threshold`` (in units of the thumbnail's standard
    deviation: 0 = same picture up to gain, offset and shading; ~1.4 = unrelated images; a
    copy through :class:`Microscope` with its default noise lies near 0.2).
    Returns a DataFrame with columns ``i``, ``j`` (i < j), ``kind`` (``exact``/``near``) and
    ``rms`` (the thumbnail distance), sorted by ``rms``.
    """
    import pandas as pd
    from sklearn.neighbors import NearestNeighbors

    x = check_stack(images)
    pairs: dict[tuple[int, int], tuple[str, float]] = {}
    first: dict[str, int] = {}
    members: dict[str, list[int]] = {}
    for k, h in enumerate(pixel_hashes(x)):
        first.setdefault(h, k)
        members.setdefault(h, []).append(k)
    for group in members.values():
        for a in range(len(group)):
            for b in range(a + 1, len(group)):
                pairs[(group[a], group[b])] = ("exact", 0.0)
    t = thumbnails(x, size)
    d = t.shape[1]
    nn = NearestNeighbors(radius=threshold * np.sqrt(d)).fit(t)
    dist, idx = nn.radius_neighbors(t)
    for i, (ds, js) in enumerate(zip(dist, idx, strict=True)):
        for dij, j in zip(ds, js, strict=True):
            if j > i and (i, j) not in pairs:
                pairs[(i, int(j))] = ("near", float(dij / np.sqrt(d)))
    rows = [{"i": i, "j": j, "kind": k, "rms": r} for (i, j), (k, r) in pairs.items()]
    df = pd.DataFrame(rows, columns=["i", "j", "kind", "rms"])
    return df.sort_values(["rms", "i", "j"]).reset_index(drop=True)


def nearest_neighbour_distance(images: np.ndarray, *, size: int = 48) -> np.ndarray:
    """For each image, the RMS thumbnail distance to its nearest other image (same units as
    ``find_duplicates``' threshold): float (n,). Useful to choose the threshold from a plot."""
    from sklearn.neighbors import NearestNeighbors

    t = thumbnails(images, size)
    dist, _ = NearestNeighbors(n_neighbors=2).fit(t).kneighbors(t)
    return dist[:, 1] / np.sqrt(t.shape[1])


def duplicate_groups(n: int, pairs: Any) -> np.ndarray:
    """Group label (int, (n,)) per image: images joined by any duplicate pair share a label.

    ``pairs``: the DataFrame of :func:`find_duplicates` or an iterable of (i, j). Pass the
    labels as ``groups`` to ``StratifiedGroupKFold`` so duplicates land in one split.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if hasattr(pairs, "columns"):
        ij = pairs[["i", "j"]].to_numpy(dtype=np.int64)
    else:
        ij = np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)
    if len(ij) and (ij.min() < 0 or ij.max() >= n):
        raise ValueError(f"Pair indices must lie in 0..{n - 1}; got {ij.min()}..{ij.max()}.")
    graph = coo_matrix((np.ones(len(ij)), (ij[:, 0], ij[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


# ----------------------------------------------------------------------------- second microscope
def vignetting_field(shape: tuple[int, int], strength: float) -> np.ndarray:
    """Multiplicative radial fall-off ``1 - strength * (r / r_corner)^2``: 1 in the centre,
    ``1 - strength`` in the corners. float array ``shape``."""
    if not 0 <= strength < 1:
        raise ValueError(f"vignetting strength must be in [0, 1); got {strength}.")
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((yy - (h - 1) / 2) ** 2 + (xx - (w - 1) / 2) ** 2) / (((h - 1) / 2) ** 2 + (
        (w - 1) / 2) ** 2)
    return 1.0 - strength * r2


@dataclass(frozen=True)
class Microscope:
    """A second imaging set-up: ``out = clip(gain * vignetting * in + offset + noise)``.

    Grey levels on the [0, 1] scale: ``gain`` (detector gain, dimensionless), ``offset``
    (black level, in units of full scale), ``vignetting`` (relative fall-off in the corners),
    ``noise`` (standard deviation of Gaussian read noise, in units of full scale). ``seed``
    makes the noise repeatable. Input and output: uint8 (0-255) or float (0-1) stacks (n, H, W).
    """

    gain: float = 1.3
    offset: float = -0.12
    vignetting: float = 0.35
    noise: float = 0.03
    seed: int = 0

    def __call__(self, images: np.ndarray) -> np.ndarray:
        x = check_stack(images)
        rng = np.random.default_rng(self.seed)
        field = vignetting_field(x.shape[1:], self.vignetting)
        y = self.gain * field * _to_unit(x) + self.offset
        if self.noise > 0:
            y = y + rng.normal(0.0, self.noise, size=y.shape)
        return _like_input(y, x)


def random_microscopes(
    images: np.ndarray,
    rng: np.random.Generator,
    *,
    gain: tuple[float, float] = (0.7, 1.4),
    offset: tuple[float, float] = (-0.15, 0.15),
    vignetting: tuple[float, float] = (0.0, 0.45),
    noise: tuple[float, float] = (0.0, 0.05),
) -> np.ndarray:
    """Each image through its own :class:`Microscope`, parameters drawn uniformly from the
    ranges (domain randomisation for training). Same dtype and shape as ``images``."""
    x = check_stack(images)
    out = np.empty_like(x)
    for k in range(len(x)):
        m = Microscope(gain=rng.uniform(*gain), offset=rng.uniform(*offset),
                       vignetting=rng.uniform(*vignetting), noise=rng.uniform(*noise),
                       seed=int(rng.integers(2**31)))
        out[k] = m(x[k:k + 1])[0]
    return out


def harmonise(
    images: np.ndarray, reference: np.ndarray, *, flat_sigma: float | None = None
) -> np.ndarray:
    """Bring a stack from another microscope to the grey levels of ``reference`` images.

    1. Flat field: the mean of ``images`` over the stack, smoothed (Gaussian, ``flat_sigma``
       pixels; default a tenth of the image edge) and scaled to mean 1; every image is divided by it (removes vignetting).
    2. Linear calibration: a gain and an offset that give the stack the mean and standard
       deviation of the grey levels of ``reference`` (removes detector gain and black level).

    Needs a stack (many images of the new microscope, not one); the noise stays.
    """
    from scipy.ndimage import gaussian_filter

    x = check_stack(images)
    ref = _to_unit(check_stack(reference, "reference"))
    if len(x) < 10:
        raise ValueError(f"harmonise estimates a flat field from the stack: give at least 10 "
                         f"images, got {len(x)}.")
    y = _to_unit(x)
    sigma = 0.1 * min(x.shape[1:]) if flat_sigma is None else flat_sigma
    flat = gaussian_filter(y.mean(axis=0), sigma, mode="reflect")
    flat = flat / flat.mean()
    y = y / np.maximum(flat, 1e-3)
    y = (y - y.mean()) / max(y.std(), 1e-9) * ref.std() + ref.mean()
    return _like_input(y, x)


# ----------------------------------------------------------------------------- augmentation
def downsample(images: np.ndarray, size: int) -> np.ndarray:
    """Antialiased resize of a stack (n, H, W) to (n, size, size), float32 in [0, 1]."""
    from skimage.transform import resize

    x = check_stack(images)
    if size < 4:
        raise ValueError(f"size must be at least 4 pixels; got {size}.")
    return resize(_to_unit(x), (len(x), size, size), anti_aliasing=True).astype(np.float32)


def augment_batch(
    x: np.ndarray,
    rng: np.random.Generator,
    *,
    flips: bool = True,
    max_shift: int = 4,
    brightness: float = 0.1,
) -> np.ndarray:
    """Random flips (left-right and up-down), circular shifts of up to ``max_shift`` pixels and
    a brightness change (gain in 1 ± ``brightness``, offset ± ``brightness`` in units of the
    batch's standard deviation), drawn per image. ``x``: float (n, channels, H, W); returns a
    new array of the same shape. Labels do not change under these transforms."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"augment_batch needs (n, channels, H, W); got shape {x.shape}.")
    out = x.copy()
    n = len(out)
    scale = float(out.std()) or 1.0
    for k in range(n):
        img = out[k]
        if flips and rng.random() < 0.5:
            img = img[..., ::-1]
        if flips and rng.random() < 0.5:
            img = img[..., ::-1, :]
        if max_shift > 0:
            dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
            img = np.roll(img, (int(dy), int(dx)), axis=(-2, -1))
        if brightness > 0:
            g = rng.uniform(1 - brightness, 1 + brightness)
            b = rng.uniform(-brightness, brightness) * scale
            img = g * img + b
        out[k] = img
    return out


def fit_augmenter(rng: np.random.Generator, **kwargs: Any) -> Callable[[tuple], tuple]:
    """``augment=`` hook for :func:`mlpc_helpers.models.fit`: applies :func:`augment_batch`
    (keyword arguments passed on) to the images of each training batch, keeps the labels."""

    def hook(batch: tuple) -> tuple:
        import torch

        x = batch[0]
        xa = augment_batch(x.detach().cpu().numpy(), rng, **kwargs)
        return (torch.as_tensor(xa, dtype=x.dtype, device=x.device), *batch[1:])

    return hook
