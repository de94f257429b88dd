"""Explanations you can test: score saliency maps against ground truth and check that they
depend on the model (week 13, ``week13_explainability``).

- :func:`box_mask` — a boolean mask from Pascal-VOC boxes (e.g. the NEU-DET defect boxes of
  :func:`mlpc_helpers.data.load_neu_surface_defects`), rescaled to the map size.
- :func:`pointing_game` — is the map's maximum inside the ground-truth region?
  (Zhang et al. 2018, doi:10.1007/s11263-017-1059-x).
- :func:`map_iou` — IoU of the thresholded map with the ground-truth region.
  Both scores take the truth first: ``f(masks, maps)``.
- :func:`centre_bias_map`, :func:`random_maps` — baselines that know nothing about the model:
  a fixed central blob and smoothed noise. An explanation must beat them to mean anything.
- :func:`cascading_randomisation` — the model-parameter randomisation test of Adebayo et al.
  (2018, arXiv:1810.03292): re-initialise the layers from the output down and recompute the
  maps; :func:`map_similarity` (Spearman rank correlation or SSIM) says how much they changed.
- :func:`smallcnn_blocks` — the layers of a :class:`~mlpc_helpers.models.SmallCNN` in the
  order the cascade randomises them.
- :func:`marker_glyphs`, :func:`add_marker` — a faint pattern in a corner whose shape encodes
  the class: a Clever-Hans shortcut built on purpose (Lapuschkin et al. 2019,
  doi:10.1038/s41467-019-08987-4).
- :func:`metric_table` — recorded metrics of other notebooks (:func:`mlpc_helpers.report.
  load_all`) as one table, ``"not run yet"`` where a notebook has not written them.

torch is imported inside the functions that need it, never at import of this module.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .runtime import check_random_int, check_random_state
from .validation import MLPCInputError

NOT_RUN = "not run yet"


# --------------------------------------------------------------------------- ground truth
def box_mask(boxes: Sequence[Sequence[Any]], shape: tuple[int, int], *,
             source_shape: tuple[int, int] = (200, 200),
             labels: Sequence[str] | None = None) -> np.ndarray:
    """Boolean mask of the pixels covered by any of ``boxes``.

    Parameters
    ----------
    boxes : sequence of (xmin, ymin, xmax, ymax[, label])
        Pascal-VOC boxes in pixels of the source image: 1-based, corners inclusive (as in the
        NEU-DET XML files).
    shape : (H, W)
        Size of the mask (e.g. the map size after the images were downsampled).
    source_shape : (H, W)
        Size of the image the boxes refer to; coordinates scale by ``shape / source_shape``.
    labels : sequence of str, optional
        Keep only boxes whose 5th element is one of these.

    Returns
    -------
    numpy.ndarray of bool, shape (H, W)

    Raises
    ------
    MLPCInputError
        For a box with fewer than 4 numbers or with xmax < xmin / ymax < ymin.
    """
    h, w = int(shape[0]), int(shape[1])
    sy, sx = h / source_shape[0], w / source_shape[1]
    mask = np.zeros((h, w), bool)
    for i, box in enumerate(boxes):
        if len(box) < 4:
            raise MLPCInputError(f"boxes[{i}]: need (xmin, ymin, xmax, ymax[, label]); got "
                                 f"{box!r}.")
        if labels is not None and (len(box) < 5 or box[4] not in labels):
            continue
        x0, y0, x1, y1 = (float(v) for v in box[:4])
        if x1 < x0 or y1 < y0:
            raise MLPCInputError(f"boxes[{i}]: max corner below min corner in {box!r}.")
        # 1-based inclusive pixel corners -> half-open 0-based pixel edges, then scale
        r0, r1 = int(np.floor((y0 - 1) * sy)), int(np.ceil(y1 * sy))
        c0, c1 = int(np.floor((x0 - 1) * sx)), int(np.ceil(x1 * sx))
        mask[max(r0, 0):min(r1, h), max(c0, 0):min(c1, w)] = True
    return mask


def _pair(masks: Any, maps: Any) -> tuple[np.ndarray, np.ndarray]:
    """Masks (truth, bool) and maps (scores), both (n, H, W); one (H, W) of either serves
    every image. Returns ``(maps, masks)`` as float and bool stacks."""
    from .validation import check_phase_map

    g = check_phase_map(masks, "masks")
    m = np.asarray(maps, dtype=float)
    if m.ndim == 2 and g.ndim == 3:
        m = np.broadcast_to(m, g.shape)
    if g.ndim == 2 and m.ndim == 3:
        g = np.broadcast_to(g, m.shape)
    if m.ndim == 2:
        m, g = m[None], g[None]
    if m.ndim != 3 or m.shape != g.shape:
        raise MLPCInputError(f"masks {g.shape} and maps {m.shape} must both be (n, H, W) "
                             "(a single (H, W) map or mask is used for every image).")
    if not np.isfinite(m).all():
        raise MLPCInputError("maps: NaN or infinite values; compute the maps again.")
    return m, g


def pointing_game(masks: Any, maps: Any, *, tolerance_px: int = 0) -> np.ndarray:
    """Hit (True) when the maximum of each map lies inside (or within ``tolerance_px`` of) the
    ground-truth mask (Zhang et al. 2018, doi:10.1007/s11263-017-1059-x, used 15 px).

    Parameters
    ----------
    masks : array_like of bool, shape (n, H, W) or (H, W)
        Ground truth (e.g. :func:`box_mask`); one (H, W) mask is used for every map.
    maps : array_like, shape (n, H, W) or (H, W)
        Saliency maps (any scale); one (H, W) map (a baseline) is scored against every
        mask. Ties: the first maximum in row-major order.
    tolerance_px : int
        Chebyshev distance in pixels that still counts as a hit.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        A flat map (all values equal) counts as a miss: it points nowhere.
    """
    m, g = _pair(masks, maps)
    n, h, w = m.shape
    flat = m.reshape(n, -1)
    idx = flat.argmax(axis=1)
    rows, cols = np.divmod(idx, w)
    t = int(tolerance_px)
    hit = np.array([g[i, max(r - t, 0):r + t + 1, max(c - t, 0):c + t + 1].any()
                    for i, (r, c) in enumerate(zip(rows, cols, strict=True))])
    return hit & (flat.max(axis=1) > flat.min(axis=1))


def map_iou(masks: Any, maps: Any, *, threshold: float = 0.5) -> np.ndarray:
    """IoU (:func:`mlpc_helpers.metrics.iou`) of each thresholded map with its ground-truth
    mask.

    The map is binarised at ``threshold`` times its own range above its minimum (relative
    threshold, the convention of the Grad-CAM localisation experiments, Selvaraju et al. 2017
    used 0.15 for boxes around the largest segment; here: every pixel above the level).

    Parameters
    ----------
    masks, maps : see :func:`pointing_game`
    threshold : float in (0, 1]
        Relative level.

    Returns
    -------
    numpy.ndarray, shape (n,)
        IoU in [0, 1]; 0 for a flat map (nothing is selected).
    """
    from .metrics import iou

    if not 0 < threshold <= 1:
        raise MLPCInputError(f"threshold must be in (0, 1]; got {threshold}.")
    m, g = _pair(masks, maps)
    lo = m.min(axis=(1, 2), keepdims=True)
    hi = m.max(axis=(1, 2), keepdims=True)
    sel = ((m - lo) >= threshold * (hi - lo)) & (hi > lo)
    return np.where(hi[:, 0, 0] > lo[:, 0, 0], iou(g, sel, per_image=True), 0.0)


# --------------------------------------------------------------------------- baselines
def centre_bias_map(shape: tuple[int, int], *, sigma: float = 0.25) -> np.ndarray:
    """A fixed Gaussian blob in the image centre, max 1 (the "centre bias" baseline: many
    objects sit near the middle of a photo, so a map that ignores the image can score well).

    Parameters
    ----------
    shape : (H, W)
    sigma : float
        Standard deviation as a fraction of each side.

    Returns
    -------
    numpy.ndarray, shape (H, W), values in (0, 1]
    """
    h, w = int(shape[0]), int(shape[1])
    y = (np.arange(h) - (h - 1) / 2) / (sigma * h)
    x = (np.arange(w) - (w - 1) / 2) / (sigma * w)
    return np.exp(-0.5 * (y[:, None] ** 2 + x[None, :] ** 2))


def random_maps(n: int, shape: tuple[int, int], *, smooth_px: float = 4.0,
                random_state: int | np.random.Generator | None = None) -> np.ndarray:
    """Smoothed white noise scaled to [0, 1] per map: a map with blobs the size of a CAM's
    that carries no information about the image.

    Parameters
    ----------
    n : int
        Number of maps.
    shape : (H, W)
    smooth_px : float
        Standard deviation (px) of the Gaussian filter (about the CAM's pixel size).
    random_state : int, Generator or None
        See :func:`mlpc_helpers.runtime.check_random_state`.

    Returns
    -------
    numpy.ndarray, shape (n, H, W)
    """
    from scipy.ndimage import gaussian_filter

    rng = check_random_state(random_state)
    noise = rng.standard_normal((int(n), int(shape[0]), int(shape[1])))
    out = gaussian_filter(noise, sigma=(0, smooth_px, smooth_px), mode="wrap")
    lo = out.min(axis=(1, 2), keepdims=True)
    hi = out.max(axis=(1, 2), keepdims=True)
    return (out - lo) / np.maximum(hi - lo, 1e-12)


# --------------------------------------------------------------------------- sanity checks
def map_similarity(a: Any, b: Any, *, metric: str = "spearman") -> np.ndarray:
    """Per-map similarity of two stacks of maps.

    Parameters
    ----------
    a, b : array_like, shape (n, H, W)
    metric : {"spearman", "ssim"}
        ``"spearman"``: rank correlation of the pixel values (Adebayo et al. 2018 used it on
        absolute maps; Grad-CAM maps are already >= 0). NaN where a map is flat (no ranking).
        ``"ssim"``: structural similarity (:func:`mlpc_helpers.metrics.ssim`, data range 1;
        maps are expected in [0, 1]).

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    from scipy.stats import rankdata

    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or a.ndim != 3:
        raise MLPCInputError(f"a {a.shape} and b {b.shape} must both be (n, H, W).")
    if metric == "ssim":
        from .metrics import ssim

        return np.array([ssim(x, y, data_range=1.0) for x, y in zip(a, b, strict=True)])
    if metric != "spearman":
        raise MLPCInputError(f"metric must be 'spearman' or 'ssim'; got {metric!r}.")
    ra = rankdata(a.reshape(len(a), -1), axis=1)
    rb = rankdata(b.reshape(len(b), -1), axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (ra * rb).sum(axis=1) / den, np.nan)


def smallcnn_blocks(model: Any) -> list[tuple[str, Any]]:
    """The layers of a :class:`~mlpc_helpers.models.SmallCNN` from the output down:
    ``[("head", head), ("block4", conv+bn), ..., ("block1", conv+bn)]``.

    Each block is a ``torch.nn.Sequential`` of the block's convolution and batch norm (the
    modules that hold weights), ready for :func:`cascading_randomisation`.
    """
    from torch import nn

    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    bns = [m for m in model.features if isinstance(m, nn.BatchNorm2d)]
    blocks = [(f"block{i + 1}", nn.Sequential(c, b))
              for i, (c, b) in enumerate(zip(convs, bns, strict=True))]
    return [("head", model.head), *blocks[::-1]]


def _block_index(model: Any, blocks: Sequence[tuple[str, Any]]) -> list[list[str]]:
    """Names (in ``model.named_modules``) of the weight-holding modules of each block."""
    ids = {id(m): name for name, m in model.named_modules()}
    out = []
    for bname, block in blocks:
        names = [ids[id(m)] for m in block.modules()
                 if hasattr(m, "reset_parameters") and id(m) in ids]
        if not names:
            raise MLPCInputError(f"block {bname!r} holds no module of the model with "
                                 "reset_parameters(); pass modules of this model.")
        out.append(names)
    return out


def cascading_randomisation(model: Any, blocks: Sequence[tuple[str, Any]],
                            explain: Callable[[Any], np.ndarray], *,
                            random_state: int | np.random.Generator | None = None,
                            ) -> list[tuple[str, np.ndarray]]:
    """The cascading model-parameter randomisation test (Adebayo et al. 2018,
    arXiv:1810.03292).

    A copy of ``model`` has its blocks re-initialised one after the other, from the output
    down (``blocks[0]`` first), each step keeping the earlier ones random; after each step the
    maps are recomputed. If the maps barely change, they do not explain the model.

    Parameters
    ----------
    model : torch.nn.Module
        The trained model (left unchanged).
    blocks : sequence of (name, module)
        Modules of ``model`` in the order to randomise (e.g. :func:`smallcnn_blocks`). Every
        sub-module with ``reset_parameters()`` (convolution, linear, batch norm) is
        re-initialised as at the start of training (batch norm: unit scale, zero shift,
        running statistics reset).
    explain : callable
        ``explain(model) -> maps (n, H, W)``.
    random_state : int, Generator or None
        Seeds torch's generator for the re-initialisation (torch's global state is restored
        afterwards).

    Returns
    -------
    list of (str, numpy.ndarray)
        ``[("trained", maps), (blocks[0] name, maps), ...]``: the last entry is the fully
        randomised network.
    """
    import torch

    names = _block_index(model, blocks)
    net = copy.deepcopy(model).eval()
    mods = dict(net.named_modules())
    out = [("trained", np.asarray(explain(net)))]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_random_int(random_state))
        for (bname, _), members in zip(blocks, names, strict=True):
            for name in members:
                mods[name].reset_parameters()
            out.append((bname, np.asarray(explain(net))))
    return out


# --------------------------------------------------------------------------- Clever Hans
def marker_glyphs(n_classes: int, size_px: int = 5) -> np.ndarray:
    """One small binary pattern per class (horizontal bar, vertical bar, diagonal,
    anti-diagonal, plus, frame, dot, X, ...): the "code" a shortcut marker stamps.

    Returns
    -------
    numpy.ndarray of bool, shape (n_classes, size_px, size_px)

    Raises
    ------
    MLPCInputError
        For more than 8 classes or ``size_px`` < 3.
    """
    k = int(size_px)
    if k < 3 or n_classes > 8:
        raise MLPCInputError(f"marker_glyphs: need size_px >= 3 and at most 8 classes; got "
                             f"size_px={size_px}, n_classes={n_classes}.")
    mid = k // 2
    eye = np.eye(k, dtype=bool)
    g = np.zeros((8, k, k), bool)
    g[0, mid, :] = True                 # horizontal bar
    g[1, :, mid] = True                 # vertical bar
    g[2] = eye                          # diagonal
    g[3] = eye[::-1]                    # anti-diagonal
    g[4, mid, :] = g[4, :, mid] = True  # plus
    g[5, [0, -1], :] = g[5, :, [0, -1]] = True  # frame
    g[6, mid - 1:mid + 2, mid - 1:mid + 2] = True  # dot
    g[7] = eye | eye[::-1]              # X
    return g[:n_classes]


def add_marker(images: Any, labels: Any, *, size_px: int = 5, contrast: float = 0.15,
               fraction: float = 1.0, corner: tuple[int, int] = (2, 2),
               random_state: int | np.random.Generator | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stamp a faint class-coded pattern (:func:`marker_glyphs`) near a corner: a shortcut
    built on purpose, like a sample ID, a scale bar or a lab's watermark that correlates
    with the class.

    Parameters
    ----------
    images : array_like, shape (n, H, W), floats in [0, 1]
    labels : array_like of int, shape (n,)
        The label that picks the pattern (the true class for training images; any class,
        e.g. a wrong one, to test what the model learned).
    size_px : int
        Side of the pattern's square.
    contrast : float
        Grey level added on the pattern's pixels (fraction of the full range); the result
        is clipped to [0, 1].
    fraction : float in [0, 1]
        Share of images that get a marker (drawn with ``random_state``).
    corner : (row, col)
        Top-left pixel of the pattern.
    random_state : int, Generator or None
        See :func:`mlpc_helpers.runtime.check_random_state` (used when ``fraction`` < 1).

    Returns
    -------
    marked : numpy.ndarray, shape (n, H, W), float32
    masks : numpy.ndarray of bool, shape (n, H, W)
        The marker's square in each image (all False without a marker).
    has_marker : numpy.ndarray of bool, shape (n,)
    """
    x = np.asarray(images, dtype=np.float32)
    y = np.asarray(labels, dtype=int)
    if x.ndim != 3 or len(x) != len(y):
        raise MLPCInputError(f"images must be (n, H, W) with one label each; got {x.shape} "
                             f"and {y.shape}.")
    if not 0 <= fraction <= 1:
        raise MLPCInputError(f"fraction must be in [0, 1]; got {fraction}.")
    n, h, w = x.shape
    r, c = int(corner[0]), int(corner[1])
    if r < 0 or c < 0 or r + size_px > h or c + size_px > w:
        raise MLPCInputError(f"corner {corner} with size_px={size_px} leaves the {h}x{w} "
                             "image.")
    if y.min() < 0:
        raise MLPCInputError("labels must be >= 0.")
    glyphs = marker_glyphs(int(y.max()) + 1, size_px)
    rng = check_random_state(random_state)
    has = rng.random(n) < fraction if fraction < 1 else np.ones(n, bool)
    stamp = np.zeros((n, h, w), np.float32)
    stamp[has, r:r + size_px, c:c + size_px] = glyphs[y[has]]
    masks = np.zeros((n, h, w), bool)
    masks[has, r:r + size_px, c:c + size_px] = True
    marked = np.clip(x + np.float32(contrast) * stamp, 0.0, 1.0).astype(np.float32)
    return marked, masks, has


# --------------------------------------------------------------------------- synthesis
def metric_table(rows: Sequence[dict[str, Any]], recorded: Sequence[Any] | None = None, *,
                 digits: int = 3) -> pd.DataFrame:
    """A table of other notebooks' recorded metrics, ``"not run yet"`` where absent.

    Parameters
    ----------
    rows : sequence of dict
        Each with the keys of the output table that are text (e.g. ``"failure"``,
        ``"week"``) and ``"keys"``: a dict ``{column name: metric key}`` naming the recorded
        metrics to show (never values typed by hand).
    recorded : sequence of report.Row, optional
        Default :func:`mlpc_helpers.report.load_all`.
    digits : int
        Significant digits of floats.

    Returns
    -------
    pandas.DataFrame
        One row per entry; metric columns hold formatted values or ``"not run yet"``.
    """
    if recorded is None:
        from .report import load_all

        recorded = load_all()
    values = {r.key: r.value for r in recorded}
    out = []
    for spec in rows:
        spec = dict(spec)
        keys = spec.pop("keys", {})
        for col, key in keys.items():
            v = values.get(key)
            if v is None:
                spec[col] = NOT_RUN
            elif isinstance(v, float):
                spec[col] = f"{v:.{digits}g}"
            else:
                spec[col] = str(v)
        spec["metric keys"] = ", ".join(keys.values())
        out.append(spec)
    return pd.DataFrame(out).fillna("")
