"""Semantic segmentation of micrographs: classical baselines, crops, and the physics one
reads off a class map (area fraction, precipitate size).

Everything works on class maps: integer arrays (n, H, W) or (H, W) with one class index
per pixel (0 .. n_classes - 1). Nothing here imports torch; the U-Net lives in
:mod:`mlpc_helpers.models.unet`. The scores of class maps (confusion matrix, per-class IoU
and Dice) are in :mod:`mlpc_helpers.metrics`.

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
from sklearn.base import BaseEstimator

from . import runtime
from .imaging import standardise
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


# ----------------------------------------------------------------- crops and shifts


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

    Pixels at or below the image's Otsu threshold after smoothing with ``sigma`` px
    (:func:`mlpc_helpers.imaging.otsu_mask`) are ``dark_class``; with ``fine_max_area``,
    dark connected regions (8-connectivity) of at most that many pixels become
    ``fine_class``. Everything else is class 0. Returns (n, H, W) uint8 (or (H, W) for one
    image).
    """
    from skimage import measure

    from .imaging import otsu_mask

    x = _as_stack(images, "images").astype(np.float32)
    out = np.zeros(x.shape, dtype=np.uint8)
    for i, dark in enumerate(otsu_mask(x, sigma=sigma, dark=True)):
        out[i][dark] = dark_class
        if fine_max_area:
            labels = measure.label(dark, connectivity=2)
            area = np.bincount(labels.ravel())
            small = (area <= fine_max_area)[labels] & dark
            out[i][small] = fine_class
    return out if np.ndim(images) == 3 else out[0]


class FilterBankForest(BaseEstimator):
    """ilastik-style pixel classifier: multiscale filter-bank features + random forest.

    A scikit-learn estimator on image stacks: ``fit(X, y)`` with ``X`` the images
    (n, H, W) and ``y`` their class maps (n, H, W) (integer labels); ``predict(X)`` gives
    class maps (n, H, W). It declares its input with ``__sklearn_tags__`` (3-D arrays, not
    tables), so ``clone``, ``get_params`` and ``set_params`` work and scikit-learn's
    estimator checks know what it takes.

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

    Images are standardised per image (:func:`mlpc_helpers.imaging.standardise`) before
    filtering.
    Attributes after ``fit``: ``forest_`` (the fitted classifier), ``feature_names_``,
    ``classes_`` (the labels seen in the masks).

    References
    ----------
    Berg et al. (2019), "ilastik: interactive machine learning for (bio)image analysis",
    Nature Methods 16, 1226-1232, doi:10.1038/s41592-019-0582-9 (the filter bank);
    Breiman (2001), "Random forests", Machine Learning 45, 5-32 (the classifier).
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

        x = standardise(_as_stack(images, "images"))
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # images (n, H, W), not a table
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True  # the class maps (n, H, W)
        return tags

    def fit(self, X: np.ndarray, y: np.ndarray) -> FilterBankForest:  # noqa: N803
        """Train the forest on ``n_pixels`` random pixels of each image.

        Parameters
        ----------
        X : ndarray of shape (n, H, W) or (H, W)
            Grey images (any dtype; standardised per image).
        y : ndarray of shape (n, H, W) or (H, W)
            Integer class maps of the same images.

        Raises
        ------
        MLPCInputError
            Images or masks that are not stacks of one shape, masks that are not labels.
        """
        from sklearn.ensemble import RandomForestClassifier

        x, m = _as_stack(X, "images"), _as_stack(y, "masks")
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
        self.classes_ = self.forest_.classes_
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Class maps (n, H, W) of images ``X`` (n, H, W) (or (H, W) for one image)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "forest_")
        images = X
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
