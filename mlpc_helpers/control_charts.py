"""Statistical process control for image streams: Hotelling T² and S² charts, and hand-crafted
melt-pool features (Unit 5 §E, after Fathizadan et al. 2021, doi:10.1016/j.addma.2021.101961).

Both charts learn everything — mean, covariance and the upper control limit (UCL) — from
in-control (nominal) samples only. The UCL is non-parametric: the (1 − α) quantile of the
chart statistic on in-control samples, read from a Gaussian kernel density estimate (``"kde"``)
or directly from the sample (``"empirical"``), because the statistic is rarely χ²-distributed.
"""

from __future__ import annotations

import numpy as np

FEATURE_NAMES = ("area_px", "eccentricity", "peak_intensity", "mean_intensity")


def upper_control_limit(in_control: np.ndarray, alpha: float = 0.01, method: str = "kde") -> float:
    """The (1 − alpha) quantile of an in-control statistic (1-D array), non-parametric."""
    s = np.asarray(in_control, float).ravel()
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha}.")
    if len(s) < 10:
        raise ValueError(f"Need at least 10 in-control values for a control limit; got {len(s)}.")
    if method == "empirical":
        return float(np.quantile(s, 1 - alpha))
    if method != "kde":
        raise ValueError(f"Unknown method {method!r}; use 'kde' or 'empirical'.")
    from scipy.optimize import brentq
    from scipy.stats import gaussian_kde

    kde = gaussian_kde(s)
    hi = s.max() + 10 * s.std() + 1e-12
    return float(brentq(lambda q: kde.integrate_box_1d(-np.inf, q) - (1 - alpha), s.min(), hi))


class HotellingT2:
    """Hotelling T² chart: T²(z) = (z − μ)ᵀ Σ⁻¹ (z − μ) with μ, Σ from in-control vectors.

    Σ is the Ledoit–Wolf shrinkage estimate (stable when the dimension d is not ≪ n). ``fit(Z,
    Z_calib)``: μ, Σ from ``Z`` (n, d); the UCL from T² of ``Z_calib`` (in-control samples not
    used for μ, Σ; default ``Z`` itself). ``alpha`` is the in-control false-alarm rate aimed at.
    """

    def __init__(self, alpha: float = 0.01, method: str = "kde") -> None:
        self.alpha, self.method = alpha, method

    def fit(self, Z: np.ndarray, Z_calib: np.ndarray | None = None) -> HotellingT2:
        from sklearn.covariance import LedoitWolf
        from sklearn.preprocessing import StandardScaler

        Z = _as_2d(Z, "Z")
        self.scaler_ = StandardScaler().fit(Z)
        self.cov_ = LedoitWolf().fit(self.scaler_.transform(Z))
        calib = Z if Z_calib is None else _as_2d(Z_calib, "Z_calib")
        self.ucl_ = upper_control_limit(self.statistic(calib), self.alpha, self.method)
        return self

    def statistic(self, Z: np.ndarray) -> np.ndarray:
        """T² of every row of ``Z`` (n, d)."""
        Z = _as_2d(Z, "Z")
        if Z.shape[1] != self.scaler_.n_features_in_:
            raise ValueError(f"Z has {Z.shape[1]} columns; the chart was fit on "
                             f"{self.scaler_.n_features_in_}.")
        return self.cov_.mahalanobis(self.scaler_.transform(Z))

    def predict(self, Z: np.ndarray) -> np.ndarray:
        """Alarms: True where T² > UCL."""
        return self.statistic(Z) > self.ucl_


class S2Chart:
    """S² chart on reconstruction residuals: S² = the variance of a frame's residual pixels.

    ``fit(residual_maps)`` takes in-control residual maps (n, H, W) and sets the UCL; frames whose
    residual variance exceeds it are alarms — images the autoencoder cannot represent.
    """

    def __init__(self, alpha: float = 0.01, method: str = "kde") -> None:
        self.alpha, self.method = alpha, method

    @staticmethod
    def statistic(residual_maps: np.ndarray) -> np.ndarray:
        r = np.asarray(residual_maps, float)
        if r.ndim < 2:
            raise ValueError(f"residual_maps must be (n, H, W) or (n, P); got shape {r.shape}.")
        return r.reshape(len(r), -1).var(axis=1, ddof=1)

    def fit(self, residual_maps: np.ndarray) -> S2Chart:
        self.ucl_ = upper_control_limit(self.statistic(residual_maps), self.alpha, self.method)
        return self

    def predict(self, residual_maps: np.ndarray) -> np.ndarray:
        return self.statistic(residual_maps) > self.ucl_


def _as_2d(Z: np.ndarray, name: str) -> np.ndarray:
    Z = np.asarray(Z, float)
    if Z.ndim != 2:
        raise ValueError(f"{name} must be (n_samples, n_features); got shape {Z.shape}.")
    return Z


def melt_pool_features(frames: np.ndarray, level: float = 0.3):
    """Hand-crafted melt-pool descriptors of frames (n, H, W) with values in [0, 1].

    The pool is the largest connected region above the intensity ``level`` (an isotherm in
    camera units). Returns a DataFrame with ``area_px`` (pixels), ``eccentricity`` (0 = circle,
    → 1 = line), ``peak_intensity`` and ``mean_intensity`` (inside the pool, camera units 0–1).
    A frame with no pixel above ``level`` gets area 0, eccentricity 0 and mean 0.
    """
    import pandas as pd
    from skimage.measure import label, regionprops

    frames = np.asarray(frames, float)
    if frames.ndim == 4 and frames.shape[1] == 1:
        frames = frames[:, 0]
    if frames.ndim != 3:
        raise ValueError(f"frames must be (n, H, W); got shape {frames.shape}.")
    rows = []
    for img in frames:
        regions = regionprops(label(img > level), intensity_image=img)
        if not regions:
            rows.append((0.0, 0.0, float(img.max()), 0.0))
            continue
        r = max(regions, key=lambda p: p.area)
        rows.append((float(r.area), float(r.eccentricity), float(r.intensity_max),
                     float(r.intensity_mean)))
    return pd.DataFrame(rows, columns=list(FEATURE_NAMES))


def alarm_summary(is_anomaly: np.ndarray, alarm: np.ndarray) -> dict[str, float]:
    """Accuracy, recall (sensitivity), precision, F1 and false-alarm rate of alarms (in %)."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    y, a = np.asarray(is_anomaly, bool), np.asarray(alarm, bool)
    if y.shape != a.shape:
        raise ValueError(f"is_anomaly and alarm need one shape; got {y.shape} and {a.shape}.")
    return {
        "accuracy": 100 * accuracy_score(y, a),
        "recall": 100 * recall_score(y, a, zero_division=0),
        "precision": 100 * precision_score(y, a, zero_division=0),
        "f1": 100 * f1_score(y, a, zero_division=0),
        "false_alarm_rate": 100 * float(a[~y].mean()) if (~y).any() else 0.0,
    }
