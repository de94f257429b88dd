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
from sklearn.base import BaseEstimator, TransformerMixin

from ..imaging import check_stack

GLCM_PROPS = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation")
INTENSITY_NAMES = ("mean", "std", "skew", "kurtosis", "p05", "p50", "p95")
_ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def _as_unit_float(image: np.ndarray) -> np.ndarray:
    """uint8 (0-255) or float (0-1) image -> float64 in [0, 1]."""
    img = np.asarray(image)
    if np.issubdtype(img.dtype, np.integer):
        return img.astype(np.float64) / 255.0
    return np.clip(img.astype(np.float64), 0.0, 1.0)


def lbp_histogram(image: np.ndarray, n_points: int = 8, radius: float = 1.0) -> np.ndarray:
    """Normalised histogram (``n_points + 2`` bins, sums to 1) of rotation-invariant uniform
    LBP codes of one 2-D image; ``radius`` in pixels."""
    from skimage.feature import local_binary_pattern

    img = np.asarray(image)
    if img.ndim != 2:
        raise ValueError(f"lbp_histogram needs one 2-D image; got shape {img.shape}.")
    if not np.issubdtype(img.dtype, np.integer):
        img = np.round(_as_unit_float(img) * 255).astype(np.uint8)
    codes = local_binary_pattern(img, n_points, radius, method="uniform")
    hist = np.bincount(codes.astype(np.int64).ravel(), minlength=n_points + 2)
    return hist / hist.sum()


def glcm_features(
    image: np.ndarray,
    distances: Sequence[int] = (1, 2, 4),
    levels: int = 32,
    props: Sequence[str] = GLCM_PROPS,
) -> np.ndarray:
    """GLCM statistics of one 2-D image: ``len(props) * len(distances)`` values, ordered
    prop-major (contrast at each distance, then dissimilarity, ...). Grey levels are quantised
    to ``levels`` bins of [0, 1]; distances in pixels; averaged over four directions."""
    from skimage.feature import graycomatrix, graycoprops

    img = _as_unit_float(image)
    if img.ndim != 2:
        raise ValueError(f"glcm_features needs one 2-D image; got shape {img.shape}.")
    q = np.minimum((img * levels).astype(np.int64), levels - 1).astype(np.uint8)
    g = graycomatrix(q, list(distances), list(_ANGLES), levels=levels, symmetric=True, normed=True)
    return np.concatenate([graycoprops(g, p).mean(axis=1) for p in props])


def intensity_stats(image: np.ndarray) -> np.ndarray:
    """Mean, std, skewness, excess kurtosis, 5/50/95 % percentiles of grey levels in [0, 1]."""
    from scipy.stats import kurtosis, skew

    v = _as_unit_float(image).ravel()
    p05, p50, p95 = np.percentile(v, [5, 50, 95])
    if v.std() > 0:
        sk, ku = float(skew(v)), float(kurtosis(v))
    else:
        sk, ku = 0.0, 0.0
    return np.array([v.mean(), v.std(), sk, ku, p05, p50, p95])


class TextureFeatures(TransformerMixin, BaseEstimator):
    """Image stack (n, H, W) -> texture feature matrix (n, n_features).

    Parameters
    ----------
    lbp : (P, R) pairs — LBP neighbours and radius in pixels; ``()`` leaves LBP out.
    glcm_distances : GLCM pixel distances; ``()`` leaves GLCM out.
    glcm_levels : number of grey levels for the GLCM.
    intensity : include the intensity statistics.
    progress : show a tqdm progress bar over images.

    Stateless: ``fit`` only records the feature names. Images are uint8 (0-255) or float
    in [0, 1]. Standardise the output (e.g. ``StandardScaler``) inside each CV fold.
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
        check_stack(X, "X")
        self.feature_names_out_ = np.array(self._names(), dtype=object)
        if len(self.feature_names_out_) == 0:
            raise ValueError("TextureFeatures has nothing to compute: give lbp, glcm_distances "
                             "or intensity=True.")
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        from tqdm.auto import tqdm

        x = check_stack(X, "X")
        if not hasattr(self, "feature_names_out_"):
            self.fit(x)
        rows = []
        for img in tqdm(x, desc="texture features", unit="img", disable=not self.progress):
            parts = [lbp_histogram(img, int(p), float(r)) for p, r in self.lbp]
            if self.glcm_distances:
                parts.append(glcm_features(img, self.glcm_distances, self.glcm_levels))
            if self.intensity:
                parts.append(intensity_stats(img))
            rows.append(np.concatenate(parts))
        return np.asarray(rows, dtype=np.float64).reshape(len(x), self.n_features_out_)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(self._names(), dtype=object)

    def families(self) -> np.ndarray:
        """Per output column, its family: ``"lbp"``, ``"glcm"`` or ``"intensity"``."""
        return np.array([n.split("_", 1)[0] for n in self._names()], dtype=object)
