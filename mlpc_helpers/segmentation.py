"""Semantic segmentation of micrographs: scores, classical baselines, crops, and the
physics one reads off a class map (area fraction, precipitate size).

Everything works on class maps: integer arrays (n, H, W) or (H, W) with one class index
per pixel (0 .. n_classes - 1). Nothing here imports torch; the U-Net lives in
:mod:`mlpc_helpers.models.unet`.

Scores (per class, pooled over all pixels of all images given):

- IoU (Jaccard index) = TP / (TP + FP + FN); Dice (F1) = 2 TP / (2 TP + FP + FN)
  = 2 IoU / (1 + IoU) (Jaccard 1901; Dice 1945).

Baselines:

- :func:`otsu_segment`: Gaussian smoothing, Otsu's global threshold per image (Otsu 1979),
  dark connected regions smaller than ``fine_max_area`` pixels called fine precipitates;
- :class:`FilterBankForest`: a random forest (Breiman 2001) on per-pixel multiscale
  filter-bank features (Gaussian, Sobel, Hessian eigenvalues at sigma = 1, 2, 4, ...;
  ``skimage.feature.multiscale_basic_features``), the recipe of ilastik (Berg et al. 2019)
  and Trainable Weka Segmentation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import runtime
from .validation import MLPCInputError, check_image, check_phase_map, check_stack


def _as_stack(a: np.ndarray, name: str, *, strict: bool = True) -> np.ndarray:
    """Grey images (H, W) or (n, H, W) as a stack, finite; class maps (``name`` starting
    with "mask") must be bool or integer labels (``strict``: and must not look like an
    unsegmented grey image)."""
    if isinstance(a, (list, tuple)):
        a = check_stack(a, name)
    a = np.asarray(a)
    if a.ndim == 2:
        a = check_image(a, name)[None]
    else:
        a = check_stack(a, name)
    if name.startswith("mask"):
        if strict:
            return check_phase_map(a, name, labels=True)
        if not (np.issubdtype(a.dtype, np.integer) or a.dtype == bool) and not (
                np.isfinite(a).all() and np.all(a == np.round(a))):
            raise MLPCInputError(f"{name}: expected class maps (bool or integer labels); got "
                                 f"{a.dtype} with non-integer values. Segment first, or "
                                 "round/argmax the predicted probabilities.")
    return a if name.startswith("mask") else _finite_images(a, name)


def _finite_images(a: np.ndarray, name: str) -> np.ndarray:
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        k = int(np.flatnonzero(~np.isfinite(a).reshape(len(a), -1).all(axis=1))[0])
        raise MLPCInputError(f"{name}[{k}] (image {k}) holds NaN or inf pixels; fill them "
                             "(np.nan_to_num or inpainting) or crop them away first.")
    return a


def _check_pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = check_phase_map(y_true, "y_true", labels=True)
    p = check_phase_map(y_pred, "y_pred", labels=True)
    if t.shape != p.shape:
        raise MLPCInputError(
            f"y_true and y_pred must have the same shape; got {t.shape} and {p.shape}."
        )
    return t, p


# --------------------------------------------------------------------------- scores
def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Pixel confusion matrix (n_classes, n_classes), int64; rows = true, columns = predicted.

    ``y_true`` and ``y_pred`` are class maps of the same shape (any number of images).
    Raises ``ValueError`` for class indices outside 0 .. n_classes - 1.
    """
    t, p = _check_pair(y_true, y_pred)
    t, p = t.ravel().astype(np.int64), p.ravel().astype(np.int64)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.size and (a.min() < 0 or a.max() >= n_classes):
            raise MLPCInputError(
                f"{name} holds class {a.min() if a.min() < 0 else a.max()}, outside "
                f"0 .. {n_classes - 1}; pass the right n_classes."
            )
    return np.bincount(t * n_classes + p, minlength=n_classes**2).reshape(
        n_classes, n_classes
    )


def iou(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class intersection over union (n_classes,), in 0-1, pooled over all pixels.

    IoU_k = TP_k / (TP_k + FP_k + FN_k); NaN for a class absent from both maps.
    """
    cm = confusion(y_true, y_pred, n_classes).astype(float)
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def dice(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class Dice coefficient (F1) (n_classes,), in 0-1: 2 TP / (2 TP + FP + FN)."""
    cm = confusion(y_true, y_pred, n_classes).astype(float)
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / denom, np.nan)


def scores(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]
) -> pd.DataFrame:
    """Table of per-class IoU and Dice (rows = classes), plus their means over classes."""
    k = len(class_names)
    df = pd.DataFrame(
        {"IoU": iou(y_true, y_pred, k), "Dice": dice(y_true, y_pred, k)},
        index=pd.Index(list(class_names), name="class"),
    )
    df.loc["mean over classes"] = df.mean()
    return df


# ----------------------------------------------------------------- pre-processing
def standardize(images: np.ndarray) -> np.ndarray:
    """Each image to zero mean and unit standard deviation, float32, same shape.

    Removes a global brightness and contrast change per image (e.g. the 0 deg and 180 deg
    stage rotations of the superalloy set differ by ~50 grey levels), not an uneven one.
    """
    x = _as_stack(images, "images").astype(np.float32)
    x = x if np.ndim(images) == 3 else x[0]
    axes = (-2, -1)
    mean = x.mean(axis=axes, keepdims=True)
    std = x.std(axis=axes, keepdims=True)
    return (x - mean) / np.where(std > 0, std, 1.0)


def random_crops(
    images: np.ndarray,
    masks: np.ndarray,
    size: int,
    n: int,
    *,
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random square crops of ``size`` pixels from random images of a stack.

    Returns ``x`` (n, 1, size, size) float32 (a channel axis for torch) and ``y``
    (n, size, size) int64. Raises ``ValueError`` when ``size`` exceeds the images.
    """
    x, m = _as_stack(images, "images"), _as_stack(masks, "masks", strict=False)
    if x.shape != m.shape:
        raise MLPCInputError(f"images {x.shape} and masks {m.shape} must have the same shape.")
    h, w = x.shape[1:]
    if not 0 < size <= min(h, w):
        raise MLPCInputError(f"crop size {size} must be in 1 .. {min(h, w)} (the image size).")
    rng = runtime.check_random_state(random_state, offset=51)
    idx = rng.integers(0, len(x), n)
    r = rng.integers(0, h - size + 1, n)
    c = rng.integers(0, w - size + 1, n)
    xs = np.stack([x[i, a:a + size, b:b + size] for i, a, b in zip(idx, r, c, strict=True)])
    ys = np.stack([m[i, a:a + size, b:b + size] for i, a, b in zip(idx, r, c, strict=True)])
    return xs[:, None].astype(np.float32), ys.astype(np.int64)


def add_ramp(images: np.ndarray, amplitude: float) -> np.ndarray:
    """Add a linear brightness ramp from left (-amplitude) to right (+amplitude), in units
    of each image's standard deviation: a stand-in for uneven illumination or charging."""
    x = _as_stack(images, "images").astype(np.float32)
    x = x if np.ndim(images) == 3 else x[0]
    std = x.std(axis=(-2, -1), keepdims=True)
    ramp = np.linspace(-1.0, 1.0, x.shape[-1], dtype=np.float32)
    return x + amplitude * std * ramp


# ------------------------------------------------------------------------ baselines
def otsu_segment(
    images: np.ndarray,
    sigma: float = 2.0,
    *,
    fine_max_area: int | None = None,
    dark_class: int = 1,
    fine_class: int = 2,
) -> np.ndarray:
    """Classical segmentation: Gaussian smoothing, Otsu threshold per image, size rule.

    Pixels darker than the image's Otsu threshold (after smoothing with ``sigma`` px) are
    ``dark_class``; with ``fine_max_area``, dark connected regions (8-connectivity) of at
    most that many pixels become ``fine_class``. Everything else is class 0.
    Returns (n, H, W) uint8 (or (H, W) for one image).
    """
    from skimage import filters, measure

    x = _as_stack(images, "images").astype(np.float32)
    out = np.zeros(x.shape, dtype=np.uint8)
    for i, img in enumerate(x):
        smooth = filters.gaussian(img, sigma=sigma, preserve_range=True) if sigma else img
        dark = smooth < filters.threshold_otsu(smooth)
        out[i][dark] = dark_class
        if fine_max_area:
            labels = measure.label(dark, connectivity=2)
            area = np.bincount(labels.ravel())
            small = (area <= fine_max_area)[labels] & dark
            out[i][small] = fine_class
    return out if np.ndim(images) == 3 else out[0]


class FilterBankForest:
    """ilastik-style pixel classifier: multiscale filter-bank features + random forest.

    Parameters
    ----------
    sigma_min, sigma_max : float
        Smallest and largest Gaussian scale (px); scales double in between
        (1, 2, 4, 8, 16 -> 5 scales x 4 features = 20 features per pixel).
    n_pixels : int
        Training pixels drawn at random from each training image.
    n_estimators, max_depth, min_samples_leaf : int
        Passed to ``sklearn.ensemble.RandomForestClassifier``.
    random_state : int, Generator or None
        Course seed when None.

    Images are standardised per image (:func:`standardize`) before filtering.
    Attributes after ``fit``: ``forest_`` (the fitted classifier), ``feature_names_``.
    """

    def __init__(
        self,
        sigma_min: float = 1.0,
        sigma_max: float = 16.0,
        n_pixels: int = 3000,
        n_estimators: int = 50,
        max_depth: int | None = 15,
        min_samples_leaf: int = 5,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max
        self.n_pixels = n_pixels
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def features(self, images: np.ndarray) -> np.ndarray:
        """Per-pixel features (n, H, W, n_features) float32 of a stack (or one image)."""
        from skimage.feature import multiscale_basic_features

        x = standardize(_as_stack(images, "images"))
        return np.stack(
            [
                multiscale_basic_features(
                    img, sigma_min=self.sigma_min, sigma_max=self.sigma_max, workers=1
                ).astype(np.float32)
                for img in x
            ]
        )

    def _names(self) -> list[str]:
        n = int(np.log2(self.sigma_max) - np.log2(self.sigma_min) + 1)
        sigmas = np.logspace(np.log2(self.sigma_min), np.log2(self.sigma_max), n, base=2)
        kinds = ("intensity", "edges (Sobel)", "Hessian eig. 1", "Hessian eig. 2")
        return [f"{k}, σ={s:g}" for s in sigmas for k in kinds]

    def fit(self, images: np.ndarray, masks: np.ndarray) -> FilterBankForest:
        from sklearn.ensemble import RandomForestClassifier

        x, m = _as_stack(images, "images"), _as_stack(masks, "masks")
        if x.shape != m.shape:
            raise MLPCInputError(f"images {x.shape} and masks {m.shape} must match.")
        rng = runtime.check_random_state(self.random_state, offset=52)
        feats, labels = [], []
        for img, mask in zip(x, m, strict=True):
            f = self.features(img)[0].reshape(-1, len(self._names()))
            idx = rng.choice(mask.size, size=min(self.n_pixels, mask.size), replace=False)
            feats.append(f[idx])
            labels.append(mask.ravel()[idx])
        self.forest_ = RandomForestClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            n_jobs=1,
            random_state=runtime.check_random_int(rng),
        ).fit(np.concatenate(feats), np.concatenate(labels))
        self.feature_names_ = self._names()
        return self

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Class maps (n, H, W) (or (H, W) for one image)."""
        if not hasattr(self, "forest_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("FilterBankForest: call fit(images, masks) first.")
        x = _as_stack(images, "images")
        out = np.stack(
            [
                self.forest_.predict(f.reshape(-1, f.shape[-1])).reshape(f.shape[:2])
                for f in (self.features(img)[0] for img in x)
            ]
        )
        return out if np.ndim(images) == 3 else out[0]


# ------------------------------------------------------------------ derived physics
def area_fraction(masks: np.ndarray, classes: int | Sequence[int]) -> np.ndarray:
    """Area fraction (0-1) of the pixels in ``classes``, per image: shape (n,).

    In a section through an isotropic microstructure, area fraction estimates volume
    fraction (Delesse 1847; A_A = V_V).
    """
    m = _as_stack(masks, "masks")
    return np.isin(m, np.atleast_1d(classes)).mean(axis=(1, 2))


def particle_sizes(
    mask: np.ndarray, classes: int | Sequence[int], *, exclude_border: bool = True
) -> np.ndarray:
    """Equivalent circle diameters (px) of the connected particles of ``classes`` in one
    class map (H, W): d = sqrt(4 A / pi) with A the particle area in pixels
    (``skimage.measure.regionprops``, 8-connectivity). Particles cut by the image border are
    left out by default (their size is unknown). Returns a 1-D float array."""
    from skimage import measure, segmentation

    m = np.asarray(mask)
    if m.ndim != 2:
        raise MLPCInputError(f"mask must be one class map (H, W); got shape {m.shape}.")
    m = check_phase_map(m, "mask", labels=True)
    labels = measure.label(np.isin(m, np.atleast_1d(classes)), connectivity=2)
    if exclude_border:
        labels = segmentation.clear_border(labels)
    return np.array(
        [p.equivalent_diameter_area for p in measure.regionprops(labels)], dtype=float
    )


def mean_particle_size(
    masks: np.ndarray, classes: int | Sequence[int], *, min_diameter: float = 0.0
) -> np.ndarray:
    """Mean equivalent diameter (px) of the particles of ``classes`` per image, (n,).

    Particles smaller than ``min_diameter`` px are ignored (isolated misclassified pixels
    would otherwise dominate the count); NaN for an image without particles.
    """
    out = []
    for m in _as_stack(masks, "masks"):
        d = particle_sizes(m, classes)
        d = d[d >= min_diameter]
        out.append(d.mean() if d.size else np.nan)
    return np.array(out)


# ------------------------------------------------------------------- failure analysis
def boundary_band(masks: np.ndarray, width: int = 2) -> np.ndarray:
    """Boolean map of the pixels that touch a boundary between two classes (the pixels
    on both sides of it) or lie within ``width`` px of those."""
    from scipy import ndimage

    m = _as_stack(masks, "masks")
    out = np.zeros(m.shape, dtype=bool)
    for i, mask in enumerate(m):
        edge = np.zeros(mask.shape, dtype=bool)
        dx = mask[:, 1:] != mask[:, :-1]  # pixels on both sides of an interface
        dy = mask[1:, :] != mask[:-1, :]
        edge[:, 1:] |= dx
        edge[:, :-1] |= dx
        edge[1:, :] |= dy
        edge[:-1, :] |= dy
        out[i] = ndimage.binary_dilation(edge, iterations=width) if width else edge
    return out if np.ndim(masks) == 3 else out[0]


def error_rate_by_region(
    y_true: np.ndarray, y_pred: np.ndarray, width: int = 2
) -> pd.Series:
    """Fraction of wrong pixels near class boundaries (within ``width`` px) and away from
    them, and the share of all errors that lie near boundaries."""
    t, p = _check_pair(y_true, y_pred)
    band = boundary_band(t, width)
    wrong = t != p
    return pd.Series(
        {
            "error rate near boundaries": wrong[band].mean(),
            "error rate elsewhere": wrong[~band].mean(),
            "share of pixels near boundaries": band.mean(),
            "share of errors near boundaries": wrong[band].sum() / max(wrong.sum(), 1),
        }
    )


def mlp_parameters(layer_sizes: Sequence[int]) -> int:
    """Parameters (weights + biases) of a fully connected network with these layer sizes,
    e.g. ``[512 * 512, 256, 512 * 512 * 3]``: sum of n_in * n_out + n_out."""
    s = [int(v) for v in layer_sizes]
    if len(s) < 2:
        raise MLPCInputError(f"layer_sizes needs an input and an output size, got {s}.")
    return sum(a * b + b for a, b in zip(s[:-1], s[1:], strict=True))


def conv_parameters(
    channels: Sequence[int], kernel_size: int = 3, *, bias: bool = True
) -> int:
    """Parameters of a stack of k x k convolutions with these channel counts
    (``[1, 16, 16]`` = two layers). Independent of the image size."""
    c = [int(v) for v in channels]
    k2 = kernel_size**2
    return sum(a * b * k2 + (b if bias else 0) for a, b in zip(c[:-1], c[1:], strict=True))
