"""Image-set hygiene and acquisition effects for grayscale image stacks (n, H, W).

- Duplicates: :func:`find_duplicates` finds exact duplicates (same pixels, by SHA-256) and near
  duplicates (small distance between standardised thumbnails); :func:`duplicate_groups` turns
  the pairs into group labels for a group-aware splitter such as ``StratifiedGroupKFold``.
- A simulated second microscope: :class:`Microscope` applies a gain, an offset, a radial
  vignetting and Gaussian read noise (seeded); :func:`random_microscopes` draws a different one
  for each image (domain randomisation); :func:`harmonise` undoes gain, offset and vignetting
  with a flat field estimated from the stack and the reference's grey-level statistics.
- Grey levels: :func:`standardise` (per-image z-score), :func:`otsu_mask` (Otsu's global
  threshold), :func:`resize_stack` (antialiased resize to [0, 1]) — one of each in the
  package.
- Training crops of a segmentation network: :func:`random_crops` (image and mask windows).
- Augmentation for :func:`mlpc_helpers.models.fit`: :func:`augmenter`, the one family of
  label-preserving transforms (:data:`AUGMENTATIONS`: flips, the symmetries of the square,
  shifts, gain/offset, brightness, denoising pairs), drawn per image.

Nothing here imports torch at module level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .runtime import check_random_int, check_random_state
from .validation import MLPCInputError, as_float_image, check_stack, from_float_image, warn


def _to_unit(x: np.ndarray, name: str = "images") -> np.ndarray:
    """Grey levels in [0, 1] (:func:`mlpc_helpers.validation.as_float_image`)."""
    return as_float_image(x, name)


def _scale(x: np.ndarray, name: str = "images") -> float:
    """Full scale of a stack's grey levels (1, 255 or 65535), checked once for the stack
    (:func:`validation.as_float_image`'s rules) without a float copy of the whole stack."""
    if x.dtype == np.uint8:
        return 255.0
    if x.dtype == np.uint16:
        return 65535.0
    if x.dtype == np.bool_ or x.size == 0:
        return as_float_image(x, name, return_scale=True)[1]
    if np.issubdtype(x.dtype, np.integer):  # the rule needs the range only
        lo_hi = np.array([[x.min(), x.max()]], dtype=x.dtype)
        return as_float_image(lo_hi, name, return_scale=True)[1]
    if np.issubdtype(x.dtype, np.floating) and x.ndim == 3:  # image by image: names the bad one
        for k in range(len(x)):
            as_float_image(x[k], f"{name}[{k}] (image {k})")
        return 1.0
    return as_float_image(x, name, return_scale=True)[1]


def _unit_image(img: np.ndarray, scale: float) -> np.ndarray:
    """One image of an already checked stack to [0, 1] with the stack's scale."""
    return np.clip(img.astype(np.float64) / scale, 0.0, 1.0)


def _like_input(y: np.ndarray, like: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Float image in [0, 1] back to the dtype and full scale of ``like`` (uint8 0-255,
    uint16 0-65535, other integers with the scale :func:`as_float_image` read, float 0-1)."""
    return from_float_image(y, like.dtype, _scale(like) if scale is None else scale)


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
        raise MLPCInputError(f"size must be at least 8 pixels; got {size}.")
    from .runtime import progress_bar

    sc = _scale(x)
    t = np.empty((len(x), size, size))  # image by image: memory ~ the input, not 8x
    slow = x.nbytes > 256 * 2**20  # a progress bar for large stacks
    for k in progress_bar(range(len(x)), desc="thumbnails", disable=not slow):
        t[k] = resize(_unit_image(x[k], sc), (size, size), anti_aliasing=True)
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

    Only the pixels are compared: an SEM info bar (or a scale bar, a logo) that several images
    share makes unrelated images look alike. Crop it first with :func:`crop_info_bar`; a
    :class:`~mlpc_helpers.validation.MLPCInputWarning` says so when near-duplicate pairs share
    identical rows at the top or bottom edge.
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
    _warn_shared_band(x, [ij for ij, (k, _) in pairs.items() if k == "near"])
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
        raise MLPCInputError(f"Pair indices must lie in 0..{n - 1}; got {ij.min()}..{ij.max()}.")
    graph = coo_matrix((np.ones(len(ij)), (ij[:, 0], ij[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


# ----------------------------------------------------------------------------- info bars
def _edge_band(flags: np.ndarray, max_gap: int) -> int:
    """Rows from the edge (flags in edge order) covered by flagged rows, allowing gaps of at
    most ``max_gap`` unflagged rows (lines of text in a bar)."""
    last, gap = 0, 0
    for i, f in enumerate(flags):
        if f:
            last, gap = i + 1, 0
        else:
            gap += 1
            if gap > max_gap:
                break
    return last


def find_info_bar(
    image: np.ndarray, *, min_rows: int = 3, max_fraction: float = 0.4, uniform: float = 0.5
) -> tuple[int, int]:
    """Rows taken by a uniform info bar at the top and at the bottom of one image.

    An SEM/optical info bar (magnification, scale bar, detector, date) is a band of rows that
    are mostly one grey level (a row counts when at least ``uniform`` of its pixels share its
    most common value; up to 2 rows of larger text inside the band are allowed). Returns
    ``(top, bottom)`` in rows, 0 where no band of at least ``min_rows`` rows and at most
    ``max_fraction`` of the height is found, or where more than a tenth of the other rows are
    uniform too (a segmented map, a saturated image: nothing stands out as a bar).
    ``image``: (H, W) grey micrograph, any dtype.
    """
    from .validation import check_image

    x = check_image(image)
    h = x.shape[0]
    limit = int(max_fraction * h)

    def uniform_rows(rows: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows), bool)
        for k, r in enumerate(rows):
            _, counts = np.unique(x[r], return_counts=True)
            out[k] = counts.max() >= uniform * x.shape[1]
        return out

    res = []
    for rows in (np.arange(min(limit + 3, h)), np.arange(h - 1, max(h - limit - 4, -1), -1)):
        n = _edge_band(uniform_rows(rows), max_gap=2)
        res.append(n if min_rows <= n <= limit else 0)
    if res[0] or res[1]:  # a bar stands out: the picture itself has (almost) no uniform rows
        inner = np.arange(res[0], h - res[1])
        inner = inner[np.linspace(0, len(inner) - 1, min(len(inner), 64)).astype(int)]
        if uniform_rows(inner).mean() > 0.1:
            return 0, 0
    return res[0], res[1]


def crop_info_bar(
    images: np.ndarray,
    rows: int | tuple[int, int] | None = None,
    *,
    return_rows: bool = False,
    **find_kw: Any,
) -> Any:
    """Remove an info bar from one image (H, W) or from every image of a stack (n, H, W).

    ``rows``: ``(top, bottom)`` rows to remove, or an int for the bottom only; default: found
    by :func:`find_info_bar` on each image, and the largest band over the stack is removed from
    every image (so they keep one shape). ``return_rows=True`` also returns ``(top, bottom)``.
    Use it before comparing or measuring images (:func:`find_duplicates`, texture features):
    the bar is the same in every image and would dominate the comparison.
    """
    x = np.asarray(images) if not isinstance(images, (list, tuple)) else check_stack(images)
    single = x.ndim == 2
    stack = x[None] if single else check_stack(x)
    if rows is None:
        found = [find_info_bar(img, **find_kw) for img in stack]
        top, bottom = max(t for t, _ in found), max(b for _, b in found)
    else:
        top, bottom = (0, int(rows)) if np.isscalar(rows) else (int(rows[0]), int(rows[1]))
    h = stack.shape[1]
    if top < 0 or bottom < 0 or top + bottom >= h:
        from .validation import MLPCInputError

        raise MLPCInputError(f"rows: cannot remove {top} + {bottom} rows from images of "
                             f"height {h}.")
    out = stack[:, top:h - bottom]
    out = out[0] if single else out
    return (out, (top, bottom)) if return_rows else out


def _warn_shared_band(x: np.ndarray, near: list[tuple[int, int]], min_rows: int = 3) -> None:
    """Warn when near-duplicate pairs share identical rows at the top or bottom edge."""
    hits = []
    for i, j in near:
        same = np.all(x[i] == x[j], axis=1)
        if same.mean() > 0.9:
            continue
        top, bottom = _edge_band(same, 0), _edge_band(same[::-1], 0)
        if max(top, bottom) >= min_rows:
            hits.append((i, j, top, bottom))
    if hits:
        i, j, top, bottom = hits[0]
        where = f"{bottom} rows at the bottom" if bottom >= top else f"{top} rows at the top"
        warn(f"find_duplicates: {len(hits)} near-duplicate pair(s) share identical rows at the "
             f"image edge (e.g. images {i} and {j}: {where}), an info bar or scale bar that "
             "makes unrelated images look alike. Crop it first: "
             "imaging.crop_info_bar(images), then call find_duplicates again.")


# ----------------------------------------------------------------------------- second microscope
def vignetting_field(shape: tuple[int, int], strength: float) -> np.ndarray:
    """Multiplicative radial fall-off ``1 - strength * (r / r_corner)^2``: 1 in the centre,
    ``1 - strength`` in the corners. float array ``shape``."""
    if not 0 <= strength < 1:
        raise MLPCInputError(f"vignetting strength must be in [0, 1); got {strength}.")
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
    ``noise`` (standard deviation of Gaussian read noise, in units of full scale).
    ``random_state`` (int, Generator or None = the course seed; resolved by
    ``runtime.check_random_int`` at each call) makes the noise repeatable. Input and output: uint8 (0-255) or float (0-1) stacks (n, H, W).
    """

    gain: float = 1.3
    offset: float = -0.12
    vignetting: float = 0.35
    noise: float = 0.03
    random_state: int | np.random.Generator | None = None

    def __call__(self, images: np.ndarray) -> np.ndarray:
        x = check_stack(images)
        rng = np.random.default_rng(check_random_int(self.random_state))
        field = vignetting_field(x.shape[1:], self.vignetting)
        sc = _scale(x)
        y = self.gain * field * _unit_image(x, sc) + self.offset
        if self.noise > 0:
            y = y + rng.normal(0.0, self.noise, size=y.shape)
        return _like_input(y, x, sc)


def random_microscopes(
    images: np.ndarray,
    random_state: int | np.random.Generator | None = None,
    *,
    gain: tuple[float, float] = (0.7, 1.4),
    offset: tuple[float, float] = (-0.15, 0.15),
    vignetting: tuple[float, float] = (0.0, 0.45),
    noise: tuple[float, float] = (0.0, 0.05),
) -> np.ndarray:
    """Each image through its own :class:`Microscope`, parameters drawn uniformly from the
    ranges (domain randomisation for training). Same dtype and shape as ``images``.
    ``random_state``: see :func:`mlpc_helpers.runtime.check_random_state`."""
    rng = check_random_state(random_state)
    x = check_stack(images)
    sc = _scale(x)  # one bit depth for the whole stack
    xf = _unit_image(x, sc)
    out = np.empty(x.shape)
    for k in range(len(x)):
        m = Microscope(gain=rng.uniform(*gain), offset=rng.uniform(*offset),
                       vignetting=rng.uniform(*vignetting), noise=rng.uniform(*noise),
                       random_state=int(rng.integers(2**31)))
        out[k] = m(xf[k:k + 1])[0]
    return _like_input(out, x, sc)


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
    ref = _to_unit(check_stack(reference, "reference"), "reference")
    if len(x) < 10:
        raise MLPCInputError(f"harmonise estimates a flat field from the stack: give at least 10 "
                         f"images, got {len(x)}.")
    sc = _scale(x)
    y = _unit_image(x, sc)
    sigma = 0.1 * min(x.shape[1:]) if flat_sigma is None else flat_sigma
    flat = gaussian_filter(y.mean(axis=0), sigma, mode="reflect")
    flat = flat / flat.mean()
    y = y / np.maximum(flat, 1e-3)
    y = (y - y.mean()) / max(y.std(), 1e-9) * ref.std() + ref.mean()
    return _like_input(y, x, sc)


# ----------------------------------------------------------------------------- augmentation
#: Bytes of float64 working memory per block of images in the functions that go through a
#: stack image by image (downsample): the peak stays near the input plus the output.
BLOCK_BYTES = 64 * 2**20


# ----------------------------------------------------------------------------- grey levels
def standardise(images: np.ndarray) -> np.ndarray:
    """Each image to zero mean and unit standard deviation (a per-image z-score), float32.

    Removes a global brightness (offset) and contrast (gain) change per image (e.g. the 0 deg
    and 180 deg stage rotations of the superalloy set differ by ~50 grey levels, or the
    imaging session of each micrograph), not an uneven one. The one standardisation of the
    package.

    Parameters
    ----------
    images : array_like, shape (n, H, W), or (H, W) for one image

    Returns
    -------
    numpy.ndarray of float32, same shape

    Raises
    ------
    MLPCInputError
        For a colour image or a stack of other layout, NaN/inf pixels, and a constant image
        (standard deviation 0), named by its index: drop it first.
    """
    x = np.asarray(images)
    one = x.ndim == 2
    x = check_stack(x[None] if one else x).astype(np.float32)
    bad = ~np.isfinite(x).reshape(len(x), -1).all(axis=1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise MLPCInputError(f"images[{k}] (image {k}) holds NaN or inf pixels "
                             f"({int(bad.sum())} such images); fill or crop them first.")
    mean = x.mean(axis=(-2, -1), keepdims=True)
    std = x.std(axis=(-2, -1), keepdims=True)
    flat = np.flatnonzero(std.ravel() == 0)
    if flat.size:
        k = int(flat[0])
        raise MLPCInputError(f"images[{k}] (image {k}) is constant (standard deviation 0; "
                             f"{flat.size} such images): it cannot be standardised. Drop "
                             "constant images first.")
    out = (x - mean) / std
    return out[0] if one else out


def otsu_mask(images: np.ndarray, *, sigma: float = 0.0, dark: bool = True) -> np.ndarray:
    """Global Otsu threshold per image, after an optional Gaussian smoothing: the one Otsu
    rule of the package.

    Otsu (1979, doi:10.1109/TSMC.1979.4310076) picks the grey level t that maximises the
    between-class variance of the image's histogram (``skimage.filters.threshold_otsu``);
    as in scikit-image, pixels above t are the bright phase, so ``dark=True`` returns the
    pixels at or below it (``<= t``) and ``dark=False`` those above it (``> t``). The
    smoothing is ``skimage.filters.gaussian`` (``preserve_range=True``).

    Parameters
    ----------
    images : array_like, shape (n, H, W), or (H, W) for one image
        Grey levels (any numeric dtype; integers are read as float64).
    sigma : float
        Standard deviation of the Gaussian smoothing in pixels (0: none).
    dark : bool
        Return the dark phase (default) or the bright one.

    Returns
    -------
    numpy.ndarray of bool, the shape of ``images``

    Raises
    ------
    MLPCInputError
        For colour images, NaN/inf pixels or a negative ``sigma``.
    """
    from skimage.filters import gaussian, threshold_otsu

    x = np.asarray(images)
    one = x.ndim == 2
    x = check_stack(x[None] if one else x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not np.isfinite(x).all():
        k = int(np.flatnonzero(~np.isfinite(x).reshape(len(x), -1).all(axis=1))[0])
        raise MLPCInputError(f"images[{k}] (image {k}) holds NaN or inf pixels; fill them "
                             "or crop them away first.")
    if sigma < 0:
        raise MLPCInputError(f"sigma must be >= 0 pixels; got {sigma}.")
    out = np.empty(x.shape, bool)
    for i, img in enumerate(x):
        s = gaussian(img, sigma=sigma, preserve_range=True) if sigma > 0 else img
        t = threshold_otsu(s)
        out[i] = s <= t if dark else s > t
    return out[0] if one else out


def resize_stack(images: np.ndarray, size: int, *, progress: bool | None = None) -> np.ndarray:
    """Antialiased resize of a stack (n, H, W) to (n, size, size), float32 in [0, 1]: the one
    stack resize of the package (``skimage.transform.resize`` with ``anti_aliasing=True``).

    Grey levels go to [0, 1] with the stack's bit depth
    (:func:`mlpc_helpers.validation.as_float_image`: uint8 / 255, uint16 / 65535; float
    images must already be in [0, 1]). Add a channel axis for a CNN with ``[:, None]``.

    Works in blocks of images (at most :data:`BLOCK_BYTES` of float64 and a third of the
    input's size at a time), so the peak memory stays within about twice the input plus the
    float32 output, not eight times the input (an 8-bit stack as float64). ``progress``: a
    progress bar (``runtime.progress_bar``); default: shown for stacks of more than 256 MB.
    """
    from skimage.transform import resize

    from .runtime import progress_bar

    x = check_stack(images)
    if size < 4:
        raise MLPCInputError(f"size must be at least 4 pixels; got {size}.")
    sc = _scale(x)  # checks the grey levels once, without a float copy of the stack
    out = np.empty((len(x), size, size), np.float32)
    # float64 work (resize holds ~3 copies of a block) <= the input's size and BLOCK_BYTES
    block = max(1, int(min(BLOCK_BYTES, x.nbytes / 3) // (x[0].size * 8)))
    show = x.nbytes > 256 * 2**20 if progress is None else progress
    for s in progress_bar(range(0, len(x), block), desc="resize", disable=not show):
        chunk = _unit_image(x[s:s + block], sc)
        out[s:s + block] = resize(chunk, (len(chunk), size, size), anti_aliasing=True)
    return out


# ----------------------------------------------------------------------------- augmentation
#: The label-preserving transforms of :func:`augmenter` and what each one mimics; applied in
#: this order. ``"all"`` is shorthand for ``("rot90", "gain")``, ``"none"`` for no hook.
AUGMENTATIONS = {
    "flip": "mirror images left-right and up-down (each with probability 1/2): a specimen "
            "viewed from the other side",
    "rot90": "one of the 8 symmetries of the square (flips and 90-degree rotations): no "
             "preferred orientation",
    "shift": "a circular shift of up to max_shift pixels along each axis: the field of view "
             "placed elsewhere",
    "gain": "detector gain and offset: x -> g x + b, g in [1 - s, 1 + s], |b| <= s "
            "(s = strength; standardised images, so b is in standard deviations)",
    "brightness": "illumination of images in [0, 1]: x -> clip(g x, 0, 1), g in gain_range",
    "noise": "denoising pairs: (x,) -> (noisy x, x); half of each batch Gaussian noise "
             "(SD in sigma), half Poisson counts (photons at full scale in photons)",
}


def random_crops(
    images: np.ndarray,
    masks: np.ndarray,
    size: int,
    n: int,
    *,
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random square crops of ``size`` px of a stack of images and of their class maps:
    the training examples of a segmentation network (same window of image and mask).

    Parameters
    ----------
    images : array_like, shape (n_images, H, W)
        Grey images, finite (any numeric dtype; the crops are float32 copies).
    masks : array_like, shape (n_images, H, W)
        Their class maps: integer or bool labels (whole-number floats are accepted).
    size : int
        Side of the square crops in pixels, 1 .. min(H, W).
    n : int
        Number of crops: each from a random image at a random position.
    random_state : int, numpy.random.Generator or None
        ``None``: stream 51 of the course seed (:func:`mlpc_helpers.runtime.check_random_state`).

    Returns
    -------
    x : numpy.ndarray of float32, shape (n, 1, size, size)
        The image crops, with a channel axis for torch.
    y : numpy.ndarray of int64, shape (n, size, size)
        The mask crops.

    Raises
    ------
    MLPCInputError
        Images that are not one stack (or hold NaN/inf), masks that are not labels or differ
        in shape from the images, a crop size outside 1 .. min(H, W).
    """
    x, m = check_stack(images, "images"), check_stack(masks, "masks")
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        k = int(np.flatnonzero(~np.isfinite(x).reshape(len(x), -1).all(axis=1))[0])
        raise MLPCInputError(f"images[{k}] (image {k}) holds NaN or inf pixels; fill them "
                             "(np.nan_to_num or inpainting) or crop them away first.")
    if not (np.issubdtype(m.dtype, np.integer) or m.dtype == bool) and not (
            np.isfinite(m).all() and np.all(m == np.round(m))):
        raise MLPCInputError(f"masks: expected class maps (bool or integer labels); got "
                             f"{m.dtype} with non-integer values. Segment first, or "
                             "round/argmax the predicted probabilities.")
    if x.shape != m.shape:
        raise MLPCInputError(f"images {x.shape} and masks {m.shape} must have the same shape "
                             "(one class map per image).")
    h, w = x.shape[1:]
    if not 0 < size <= min(h, w):
        raise MLPCInputError(f"crop size {size} must be in 1 .. {min(h, w)} (the image size).")
    rng = check_random_state(random_state, offset=51)
    idx = rng.integers(0, len(x), n)
    r = rng.integers(0, h - size + 1, n)
    c = rng.integers(0, w - size + 1, n)
    xs = np.stack([x[i, a:a + size, b:b + size] for i, a, b in zip(idx, r, c, strict=True)])
    ys = np.stack([m[i, a:a + size, b:b + size] for i, a, b in zip(idx, r, c, strict=True)])
    return xs[:, None].astype(np.float32), ys.astype(np.int64)


def augmenter(
    *transforms: str,
    strength: float = 0.3,
    max_shift: int = 4,
    gain_range: tuple[float, float] = (0.6, 1.4),
    sigma: tuple[float, float] = (0.05, 0.15),
    photons: tuple[float, float] = (20.0, 100.0),
    masks: bool = False,
    random_state: int | np.random.Generator | None = None,
) -> Callable[[tuple], tuple] | None:
    """A batch hook ``augment(batch) -> batch`` for :func:`mlpc_helpers.models.fit`: the one
    augmentation family of the package.

    Every transform is drawn per image from one private torch generator (seeded with
    ``runtime.check_random_int(random_state)``), on the device of the batch.

    Parameters
    ----------
    *transforms : str
        Names of :data:`AUGMENTATIONS` (applied in that table's order), or ``"all"``
        (rot90 and gain) or ``"none"``.
    strength : float
        Half-width of the "gain" ranges.
    max_shift : int
        Largest "shift" in pixels.
    gain_range : (float, float)
        Range of the "brightness" factor.
    sigma, photons : (float, float)
        Ranges of the "noise" transform: Gaussian SD (grey levels) and photons at full scale.
    masks : bool
        ``batch[1]`` is a mask (n, H, W) or (n, C, H, W): the geometric transforms (flip,
        rot90, shift) move it with its image (segmentation).
    random_state : int, numpy.random.Generator or None
        None: the course seed ``MLPC_SEED``.

    Returns
    -------
    callable or None
        The hook (``batch[0]`` of shape (n, C, H, W)); None for ``"none"``.

    Raises
    ------
    MLPCInputError
        For an unknown transform, or "noise" together with ``masks``.
    """
    import torch

    names: list[str] = []
    for t in transforms:
        names += ["rot90", "gain"] if t == "all" else [] if t == "none" else [t]
    unknown = [t for t in names if t not in AUGMENTATIONS]
    if unknown:
        raise MLPCInputError(f"unknown augmentation(s) {unknown}; choose from "
                             f"{[*AUGMENTATIONS, 'all', 'none']}.")
    if not names:
        return None
    if masks and "noise" in names:
        raise MLPCInputError("'noise' makes (noisy, clean) pairs for an autoencoder; it cannot "
                             "be combined with masks=True.")
    order = [t for t in AUGMENTATIONS if t in names]
    gen = torch.Generator()
    gen.manual_seed(check_random_int(random_state))

    def per_image(x: Any, fn: Callable[[Any, int], Any], k: Any, n_kinds: int) -> Any:
        out = x.clone()
        for s in range(n_kinds):
            sel = (k == s).to(x.device)
            if sel.any():
                out[sel] = fn(x[sel], s)
        return out

    def augment(batch: tuple) -> tuple:
        x = batch[0]
        y = batch[1] if masks else None
        n = x.shape[0]
        bad = ~torch.isfinite(x.reshape(n, -1)).all(dim=1)
        if bad.any():
            raise MLPCInputError(f"x: image {int(bad.nonzero()[0, 0])} of the batch holds NaN "
                                 f"or inf ({int(bad.sum())} such images); fill or drop them "
                                 "first.")
        for t in order:
            if t == "flip":
                lr, ud = torch.rand(2, n, generator=gen) < 0.5
                x = torch.where(lr.view(-1, 1, 1, 1).to(x.device), torch.flip(x, (-1,)), x)
                x = torch.where(ud.view(-1, 1, 1, 1).to(x.device), torch.flip(x, (-2,)), x)
                if y is not None:
                    shape = (-1,) + (1,) * (y.ndim - 1)
                    y = torch.where(lr.view(shape).to(y.device), torch.flip(y, (-1,)), y)
                    y = torch.where(ud.view(shape).to(y.device), torch.flip(y, (-2,)), y)
            elif t == "rot90":
                sym = torch.randint(0, 8, (n,), generator=gen)
                x = per_image(x, _d4, sym, 8)
                if y is not None:
                    y = per_image(y, _d4, sym, 8)
            elif t == "shift":
                d = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=gen)
                x = torch.stack([torch.roll(x[i], tuple(d[i].tolist()), dims=(-2, -1))
                                 for i in range(n)])
                if y is not None:
                    y = torch.stack([torch.roll(y[i], tuple(d[i].tolist()), dims=(-2, -1))
                                     for i in range(n)])
            elif t == "gain":
                u = torch.rand(2, n, 1, 1, 1, generator=gen).to(x.device)
                x = x * (1 + strength * (2 * u[0] - 1)) + strength * (2 * u[1] - 1)
            elif t == "brightness":
                g = gain_range[0] + (gain_range[1] - gain_range[0]) * torch.rand(
                    n, 1, 1, 1, generator=gen)
                x = (x * g.to(x.device)).clamp(0, 1)
            elif t == "noise":
                u = torch.rand(n, 1, 1, 1, generator=gen).to(x.device)
                s = sigma[0] + (sigma[1] - sigma[0]) * u
                p = photons[0] + (photons[1] - photons[0]) * u
                gauss = x + s * torch.randn(x.shape, generator=gen).to(x.device)
                pois = torch.poisson((x * p).cpu(), generator=gen).to(x.device) / p
                use_gauss = (torch.arange(n, device=x.device) % 2 == 0).view(n, 1, 1, 1)
                return (torch.where(use_gauss, gauss, pois).clamp(0, 1), x, *batch[1:])
        return (x, y, *batch[2:]) if masks else (x, *batch[1:])

    return augment


def _d4(x: Any, s: int) -> Any:
    """Symmetry ``s`` (0..7) of the square: ``s % 4`` quarter turns, then a mirror if s >= 4."""
    import torch

    x = torch.rot90(x, s % 4, dims=(-2, -1))
    return torch.flip(x, dims=(-1,)) if s >= 4 else x
