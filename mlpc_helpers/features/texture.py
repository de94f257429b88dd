"""Hand-crafted texture features of grayscale images (scikit-image), as a scikit-learn transformer.

Three families, concatenated per image:

- **LBP**: histograms of rotation-invariant uniform local binary patterns
  (:func:`skimage.feature.local_binary_pattern`, ``method="uniform"``) at several
  (neighbours ``P``, radius ``R`` in pixels) — the descriptor family of the NEU dataset paper
  (Song & Yan 2013, doi:10.1016/j.apsusc.2013.09.002). ``P + 2`` bins each, summing to 1.
- **GLCM**: grey-level co-occurrence statistics (:func:`skimage.feature.graycomatrix`,
  :func:`~skimage.feature.graycoprops`) at several pixel distances, averaged over the four
  directions 0°, 45°, 90°, 135°.
- **Intensity**: mean, standard deviation, skewness, excess kurtosis and the 5/50/95 %
  percentiles of the grey levels scaled to [0, 1].

LBP codes depend only on the order of neighbouring grey levels, so they do not change under a
gain or an offset of the image; GLCM and intensity statistics do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..validation import MLPCInputError, as_float_image, check_image
from ._base import ImageStackTransformer

GLCM_PROPS = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation")
INTENSITY_NAMES = ("mean", "std", "skew", "kurtosis", "p05", "p50", "p95")
_ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def _as_unit_float(image: np.ndarray, name: str = "image") -> np.ndarray:
    """One grey image (H, W) -> float64 in [0, 1] (:func:`~mlpc_helpers.validation.
    as_float_image`: uint8 / 255, uint16 / 65535, float as is; errors name ``name``)."""
    return as_float_image(check_image(image, name), name)


def lbp_histogram(image: np.ndarray, n_points: int = 8, radius: float = 1.0,
                  name: str = "image") -> np.ndarray:
    """Normalised histogram (``n_points + 2`` bins, sums to 1) of rotation-invariant uniform
    LBP codes of one 2-D image; ``radius`` in pixels. Integer images are used as they are (LBP
    codes depend only on the order of grey levels, so 8 and 16 bit give the same codes);
    others go through :func:`~mlpc_helpers.validation.as_float_image` and 8-bit levels."""
    from skimage.feature import local_binary_pattern

    img = check_image(image, name)
    if not np.issubdtype(img.dtype, np.integer):
        img = np.round(_as_unit_float(img, name) * 255).astype(np.uint8)
    codes = local_binary_pattern(img, n_points, radius, method="uniform")
    hist = np.bincount(codes.astype(np.int64).ravel(), minlength=n_points + 2)
    return hist / hist.sum()


def glcm_features(
    image: np.ndarray,
    distances: Sequence[int] = (1, 2, 4),
    levels: int = 32,
    props: Sequence[str] = GLCM_PROPS,
    name: str = "image",
) -> np.ndarray:
    """GLCM statistics of one 2-D image: ``len(props) * len(distances)`` values, ordered
    prop-major (contrast at each distance, then dissimilarity, ...). Grey levels are quantised
    to ``levels`` bins of [0, 1]; distances in pixels; averaged over four directions."""
    from skimage.feature import graycomatrix, graycoprops

    img = _as_unit_float(image, name)
    q = np.minimum((img * levels).astype(np.int64), levels - 1).astype(np.uint8)
    g = graycomatrix(q, list(distances), list(_ANGLES), levels=levels, symmetric=True, normed=True)
    return np.concatenate([graycoprops(g, p).mean(axis=1) for p in props])


def intensity_stats(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Mean, std, skewness, excess kurtosis, 5/50/95 % percentiles of grey levels in [0, 1]."""
    from scipy.stats import kurtosis, skew

    v = _as_unit_float(image, name).ravel()
    p05, p50, p95 = np.percentile(v, [5, 50, 95])
    if v.std() > 0:
        sk, ku = float(skew(v)), float(kurtosis(v))
    else:
        sk, ku = 0.0, 0.0
    return np.array([v.mean(), v.std(), sk, ku, p05, p50, p95])


class TextureFeatures(ImageStackTransformer):
    """Image stack (n, H, W) -> texture feature matrix (n, n_features).

    Parameters
    ----------
    lbp : (P, R) pairs — LBP neighbours and radius in pixels; ``()`` leaves LBP out.
    glcm_distances : GLCM pixel distances; ``()`` leaves GLCM out.
    glcm_levels : number of grey levels for the GLCM.
    intensity : include the intensity statistics.
    progress : show a tqdm progress bar over images.

    ``fit`` validates the stack and records ``image_shape_``, ``feature_names_out_`` and
    ``n_features_out_`` (the features of one image do not depend on the others);
    ``transform`` before ``fit`` raises ``NotFittedError``. Images: uint8 (0-255), uint16
    (0-65535), bool, or float in [0, 1] (see :func:`~mlpc_helpers.validation.as_float_image`);
    an array (n, H, W) or a list of 2-D images of one shape. Crop info bars first
    (:func:`mlpc_helpers.imaging.crop_info_bar`). Standardise the output (e.g. ``StandardScaler``) inside each CV fold.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (3, 32, 32)).astype(np.uint8)
    >>> TextureFeatures(progress=False).fit_transform(images).shape  # (n, n_features)
    (3, 50)
    """

    def __init__(
        self,
        lbp: Sequence[tuple[int, float]] = ((8, 1), (16, 2)),
        glcm_distances: Sequence[int] = (1, 2, 4),
        glcm_levels: int = 32,
        intensity: bool = True,
        progress: bool = True,
    ) -> None:
        self.lbp = lbp
        self.glcm_distances = glcm_distances
        self.glcm_levels = glcm_levels
        self.intensity = intensity
        self.progress = progress

    def _names(self) -> list[str]:
        names: list[str] = []
        for p, r in self.lbp:
            names += [f"lbp_P{p}_R{r:g}_{k}" for k in range(int(p) + 2)]
        for prop in GLCM_PROPS if self.glcm_distances else ():
            names += [f"glcm_{prop}_d{d}" for d in self.glcm_distances]
        if self.intensity:
            names += [f"intensity_{n}" for n in INTENSITY_NAMES]
        return names

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> TextureFeatures:
        """Validate ``X`` (n, H, W) and record the output's feature names.

        Raises
        ------
        ValueError
            When ``lbp``, ``glcm_distances`` and ``intensity`` leave nothing to compute.
        mlpc_helpers.validation.MLPCInputError
            When ``X`` is not a stack of 2-D grey images.
        """
        names = np.array(self._names(), dtype=object)
        if len(names) == 0:
            raise MLPCInputError("TextureFeatures has nothing to compute: give lbp, glcm_distances "
                                 "or intensity=True.")
        super().fit(X)
        self.feature_names_out_ = names
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Texture features (n, n_features_out_), float64, columns as
        :meth:`get_feature_names_out`. Raises ``NotFittedError`` before :meth:`fit`."""
        from mlpc_helpers.runtime import progress_bar as tqdm

        self._check_fitted()
        x = self._check_stack(X)
        if x.dtype not in (np.uint8, np.uint16, bool) and not np.issubdtype(x.dtype, np.floating):
            x = as_float_image(x, "X")  # other integers: one scale for the whole stack
        rows = []
        for k, img in enumerate(tqdm(x, desc="texture features", unit="img",
                                     disable=not self.progress)):
            name = f"X[{k}] (image {k})"
            parts = [lbp_histogram(img, int(p), float(r), name) for p, r in self.lbp]
            if self.glcm_distances:
                parts.append(glcm_features(img, self.glcm_distances, self.glcm_levels,
                                           name=name))
            if self.intensity:
                parts.append(intensity_stats(img, name))
            rows.append(np.concatenate(parts))
        return np.asarray(rows, dtype=np.float64).reshape(len(x), self.n_features_out_)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(self._names(), dtype=object)

    def families(self) -> np.ndarray:
        """Per output column, its family: ``"lbp"``, ``"glcm"`` or ``"intensity"``."""
        return np.array([n.split("_", 1)[0] for n in self._names()], dtype=object)
