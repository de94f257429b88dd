"""Statistical process control for image streams: Hotelling T² and S² charts, and hand-crafted
melt-pool features (Unit 5 §E, after Fathizadan et al. 2021, doi:10.1016/j.addma.2021.101961).

Both charts learn everything — mean, covariance and the upper control limit (UCL) — from
in-control (nominal) samples only. The UCL is non-parametric: the (1 − α) quantile of the
chart statistic on in-control samples, read from a Gaussian kernel density estimate (``"kde"``)
or directly from the sample (``"empirical"``), because the statistic is rarely χ²-distributed.
The charts are scikit-learn estimators (``fit`` on in-control data, ``decision_function``,
``predict``); detection scores of their alarms: :func:`mlpc_helpers.metrics.alarm_summary`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

FEATURE_NAMES = ("area_px", "eccentricity", "peak_intensity", "mean_intensity")


def upper_control_limit(in_control: np.ndarray, alpha: float = 0.01, method: str = "kde") -> float:
    """The upper control limit: the (1 − alpha) quantile of an in-control statistic.

    Non-parametric, because T² and S² of real features are rarely χ²-distributed
    (Fathizadan et al. 2021, doi:10.1016/j.addma.2021.101961): read from a Gaussian kernel
    density estimate of the statistic (``"kde"``, Scott's bandwidth, scipy's
    ``gaussian_kde``) or directly from the sample (``"empirical"``, ``numpy.quantile``).

    Parameters
    ----------
    in_control : array-like of shape (n,)
        The chart statistic on in-control samples, n >= 10 (units of the statistic).
    alpha : float
        In-control false-alarm rate aimed at, in (0, 1) (0.01 = 1 %).
    method : {"kde", "empirical"}

    Returns
    -------
    float
        The limit, in the units of the statistic.

    Raises
    ------
    MLPCInputError
        Fewer than 10 values, non-finite values, ``alpha`` outside (0, 1), an unknown
        ``method``, or (``"kde"``) all values equal.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.random.default_rng(0).chisquare(3, 20000)
    >>> round(upper_control_limit(s, 0.01, "empirical"), 1)  # chi2(3) quantile: 11.34
    11.5
    """
    from .validation import MLPCInputError, check_vector

    s = check_vector(np.ravel(in_control), "in_control")
    if not 0 < alpha < 1:
        raise MLPCInputError(f"alpha must be in (0, 1); got {alpha}. It is a false-alarm "
                             "rate: 1 % is 0.01.")
    if len(s) < 10:
        raise MLPCInputError(f"in_control: need at least 10 in-control values for a control "
                             f"limit; got n_samples={len(s)}. Give more in-control samples.")
    if method == "empirical":
        return float(np.quantile(s, 1 - alpha))
    if method != "kde":
        raise MLPCInputError(f"method: unknown method {method!r}; use 'kde' or 'empirical'.")
    if np.ptp(s) == 0:
        raise MLPCInputError(
            f"in_control: all {len(s)} values are equal ({s[0]:g}); a kernel density needs "
            "spread. Use method='empirical', or check the statistic (constant residuals?).")
    from scipy.optimize import brentq
    from scipy.stats import gaussian_kde

    kde = gaussian_kde(s)
    hi = s.max() + 10 * s.std() + 1e-12
    return float(brentq(lambda q: kde.integrate_box_1d(-np.inf, q) - (1 - alpha), s.min(), hi))


class _ControlChart(BaseEstimator):
    """Common face of the charts: a scikit-learn estimator fitted on in-control data only.

    ``score_samples(X)`` is the chart statistic, ``decision_function(X)`` the statistic minus
    the upper control limit ``ucl_`` (> 0: out of control) and ``predict(X)`` the alarms
    (bool, True = out of control; not scikit-learn's ±1 outlier labels). Every method but
    ``fit`` raises ``sklearn.exceptions.NotFittedError`` before ``fit``. ``y`` is accepted
    and ignored (unsupervised, scikit-learn's signature); a table passed as ``y`` raises,
    because it is almost always calibration data meant for ``X_calib``.
    """

    def __init__(self, alpha: float = 0.01, method: str = "kde") -> None:
        self.alpha = alpha
        self.method = method

    def score_samples(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """The chart statistic of every sample, shape (n,)."""
        check_is_fitted(self, "ucl_")
        return self._statistic(self._check_X(X, reset=False))

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Statistic minus the control limit, shape (n,): positive = alarm."""
        return self.score_samples(X) - self.ucl_

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Alarms, bool (n,): True where the statistic exceeds the control limit ``ucl_``."""
        return self.decision_function(X) > 0

    @staticmethod
    def _no_table_as_y(y: object, name: str) -> None:
        from .validation import MLPCInputError

        if y is not None and np.ndim(y) == 2:
            raise MLPCInputError(
                f"y: {name} is fitted on in-control data only and ignores y; a table was "
                f"passed as y (shape {np.shape(y)}). Pass calibration samples as "
                f"{name}.fit(X, X_calib=...), not as the second argument.")


class HotellingT2(_ControlChart):
    """Hotelling T² chart: T²(z) = (z − μ)ᵀ Σ⁻¹ (z − μ) with μ, Σ from in-control vectors.

    Parameters
    ----------
    alpha : float
        In-control false-alarm rate aimed at, in (0, 1).
    method : {"kde", "empirical"}
        How the control limit is read from in-control statistics (:func:`upper_control_limit`).

    Attributes
    ----------
    scaler_ : StandardScaler
        Column standardisation learnt from the in-control ``X``.
    cov_ : LedoitWolf
        Ledoit–Wolf shrinkage covariance (stable when d is not ≪ n; Ledoit & Wolf 2004,
        doi:10.1016/S0047-259X(03)00096-4) of the standardised ``X``.
    ucl_ : float
        Upper control limit of T² (dimensionless).
    n_features_in_ : int
        Number of columns d of ``X``.

    Notes
    -----
    ``fit(X, X_calib=X_calib)``: μ, Σ from ``X`` (n, d); the UCL from T² of ``X_calib``
    (in-control samples not used for μ, Σ; default ``X`` itself). Montgomery, *Introduction
    to Statistical Quality Control*, ch. 11 (multivariate charts).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> chart = HotellingT2(alpha=0.01).fit(rng.normal(size=(200, 3)),
    ...                                     X_calib=rng.normal(size=(200, 3)))
    >>> chart.predict(np.array([[0.0, 0.0, 0.0], [6.0, -6.0, 6.0]]))
    array([False,  True])
    """

    def fit(self, X: np.ndarray, y: None = None, *,  # noqa: N803
            X_calib: np.ndarray | None = None) -> HotellingT2:  # noqa: N803
        """Learn μ, Σ from in-control ``X`` (n, d) and the UCL from ``X_calib`` (m, d).

        Raises
        ------
        MLPCInputError
            When ``X`` is not a finite numeric table, ``X_calib`` has other columns,
            ``alpha`` is outside (0, 1), fewer than 10 calibration samples are given, or a
            table is passed as ``y`` (calibration data belongs in ``X_calib``).
        """
        from sklearn.covariance import LedoitWolf
        from sklearn.preprocessing import StandardScaler

        self._no_table_as_y(y, "HotellingT2")
        X = self._check_X(X, reset=True, min_samples=2 if X_calib is not None else 10)
        scaler = StandardScaler().fit(X)
        cov = LedoitWolf().fit(scaler.transform(X))
        self.scaler_, self.cov_ = scaler, cov
        calib = X if X_calib is None else self._check_X(X_calib, reset=False, name="X_calib")
        self.ucl_ = upper_control_limit(self._statistic(calib), self.alpha, self.method)
        return self

    def _check_X(self, X, *, reset, name="X", min_samples=1):  # noqa: N802, N803
        from .validation import check_table

        return check_table(self, X, reset=reset, name=name, min_samples=min_samples,
                           predict=False)

    def _statistic(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        return self.cov_.mahalanobis(self.scaler_.transform(X))

    def statistic(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """T² of every row of ``X`` (n, d) (dimensionless); the same as :meth:`score_samples`."""
        return self.score_samples(X)


class S2Chart(_ControlChart):
    """S² chart on reconstruction residuals: S² = the variance of a frame's residual pixels.

    ``fit(residual_maps)`` takes in-control residual maps (n, H, W) or (n, P) and sets the UCL
    ``ucl_`` (in the residual's units squared); frames whose residual variance exceeds it are
    alarms — images the autoencoder cannot represent. Parameters as :class:`HotellingT2`.
    ``n_features_in_`` is the number of pixels P (= H·W) of a map: later maps must have as
    many.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> chart = S2Chart(alpha=0.01).fit(rng.normal(0, 0.01, (200, 8, 8)))
    >>> chart.predict(np.stack([rng.normal(0, 0.01, (8, 8)), rng.normal(0, 0.1, (8, 8))]))
    array([False,  True])
    """

    @staticmethod
    def statistic(residual_maps: np.ndarray) -> np.ndarray:
        """Sample variance (ddof=1) of each map's pixels, shape (n,); needs no fit."""
        from .validation import MLPCInputError

        r = S2Chart._maps(residual_maps)
        if r.shape[1] < 2:
            raise MLPCInputError(f"residual_maps: each map needs at least 2 pixels for a "
                                 f"variance; {r.shape[1]} feature(s) (shape={r.shape}) while a "
                                 "minimum of 2 is required. Pass whole maps, not one pixel.")
        return r.var(axis=1, ddof=1)

    @staticmethod
    def _maps(residual_maps: np.ndarray) -> np.ndarray:
        """Residual maps (n, H, W) or (n, P) as a float table (n, P), checked."""
        from scipy import sparse

        from .validation import MLPCInputError

        if sparse.issparse(residual_maps):
            raise MLPCInputError("residual_maps: sparse input is not supported; pass a dense "
                                 "array (residual_maps.toarray()).")
        try:
            complex_ = np.iscomplexobj(residual_maps)
        except (TypeError, ValueError):  # ragged lists: reported below
            complex_ = False
        if complex_:
            raise MLPCInputError("residual_maps: Complex data not supported; pass the real "
                                 "residuals (or their modulus, np.abs).")
        try:
            r = np.asarray(residual_maps, float)
        except (TypeError, ValueError):
            raise MLPCInputError(
                "residual_maps: expected numbers in an array (n, H, W) or (n, P); got maps of "
                "different shapes or non-numbers. Crop the maps to one shape first.") from None
        if r.ndim < 2:
            raise MLPCInputError(f"residual_maps must be (n, H, W) or (n, P); got shape "
                                 f"{r.shape}. Reshape your data: residual_maps[None] for one "
                                 "map.")
        r = r.reshape(len(r), -1)
        bad = ~np.isfinite(r)
        if bad.any():
            k = int(np.flatnonzero(bad.any(axis=1))[0])
            raise MLPCInputError(f"residual_maps[{k}] (map {k}) holds NaN or inf; "
                                 f"{int(bad.any(axis=1).sum())} map(s) affected. Drop or fill "
                                 "them first.")
        return r

    def _check_X(self, X, *, reset, min_samples=1):  # noqa: N802, N803
        from .validation import check_table

        r = self._maps(X)
        check_table(self, r, reset=reset, name="residual_maps", min_samples=min_samples,
                    min_features=2, predict=False)
        return r

    @staticmethod
    def _statistic(r: np.ndarray) -> np.ndarray:
        return r.var(axis=1, ddof=1)

    def fit(self, residual_maps: np.ndarray, y: None = None) -> S2Chart:
        """Set ``ucl_`` from in-control residual maps (n, H, W) or (n, P), n >= 10.

        Raises
        ------
        MLPCInputError
            Ragged, non-numeric, non-finite or one-pixel maps; fewer than 10 maps.
        """
        self._no_table_as_y(y, "S2Chart")
        r = self._check_X(residual_maps, reset=True, min_samples=10)
        self.ucl_ = upper_control_limit(self._statistic(r), self.alpha, self.method)
        return self


def melt_pool_features(frames: np.ndarray, level: float = 0.3):
    """Hand-crafted melt-pool descriptors of frames (n, H, W) with values in [0, 1] (float), or
    integer camera frames (uint8 / 255, uint16 / 65535, see
    :func:`~mlpc_helpers.validation.as_float_image`).

    The pool is the largest connected region above the intensity ``level`` (an isotherm in
    camera units). Returns a DataFrame with ``area_px`` (pixels), ``eccentricity`` (0 = circle,
    → 1 = line), ``peak_intensity`` and ``mean_intensity`` (inside the pool, camera units 0–1).
    A frame with no pixel above ``level`` gets area 0, eccentricity 0 and mean 0.
    """
    import pandas as pd
    from skimage.measure import label, regionprops

    from .validation import MLPCInputError, as_float_image, check_stack

    frames = np.asarray(frames)
    if frames.ndim == 4 and frames.shape[1] == 1:
        frames = frames[:, 0]
    if frames.ndim != 3:
        raise MLPCInputError(f"frames must be (n, H, W); got shape {frames.shape}. Pass "
                             "frames[None] for one frame; convert colour frames to grey.")
    frames = check_stack(frames, "frames")
    if np.issubdtype(frames.dtype, np.floating):  # camera units as given (0-1)
        frames = frames.astype(float)
        if not np.isfinite(frames).all():
            k = int(np.flatnonzero(~np.isfinite(frames).reshape(len(frames), -1).all(1))[0])
            raise MLPCInputError(f"frames[{k}] (frame {k}) holds NaN or inf; fill or drop it.")
    else:  # uint8 / uint16 / other integer cameras: to 0-1 by their bit depth
        frames = as_float_image(frames, "frames")
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


def feature_chart_alarms(train_frames: np.ndarray, calib_frames: np.ndarray,
                         frames: np.ndarray, alpha: float = 0.01,
                         level: float = 0.3) -> np.ndarray:
    """Alarms of the hand-crafted detector: a Hotelling T² chart on melt-pool features.

    Parameters
    ----------
    train_frames, calib_frames : ndarray, shape (n, H, W) or (n, 1, H, W)
        Nominal (in-control) frames only: μ and Σ of the features come from
        ``train_frames``, the control limit from ``calib_frames``.
    frames : ndarray, shape (m, H, W) or (m, 1, H, W)
        The frames to monitor.
    alpha : float
        In-control false-alarm rate of the chart, in (0, 1).
    level : float
        Isotherm (camera units) that outlines the pool, see :func:`melt_pool_features`.

    Returns
    -------
    ndarray of bool, shape (m,)
        True where T² of the frame's features exceeds the control limit.
    """
    feats = [melt_pool_features(x, level).to_numpy()
             for x in (train_frames, calib_frames, frames)]
    return HotellingT2(alpha).fit(feats[0], X_calib=feats[1]).predict(feats[2])


def detection_by_type(kinds, alarm, nominal: str = "nominal", types=None):
    """Recall, precision and F1 of alarms per anomaly type and over all anomalies.

    The scores of a type are those of a stream with only the nominal frames and the frames of
    that type: recall = its frames with an alarm / its frames; precision = those alarms /
    (those alarms + alarms on nominal frames). So a type's F1 is lowered by the false alarms
    on nominal frames as well as by its missed frames. All values are fractions 0–1.

    Parameters
    ----------
    kinds : array-like of str, shape (n,)
        Frame type per frame, ``nominal`` or an anomaly type.
    alarm : array-like of bool, shape (n,)
        True where the detector alarmed.
    nominal : str
        The label of in-control frames.
    types : sequence of str, optional
        Anomaly types (rows) in this order; default: those in ``kinds`` in order of first
        appearance.

    Returns
    -------
    pandas.DataFrame
        Index: the types and ``"all anomalies"``; columns ``n_frames``, ``recall``,
        ``precision``, ``f1``. ``df.attrs["false_alarm_rate"]`` holds the share of nominal
        frames with an alarm.

    Raises
    ------
    ValueError
        When the two arrays differ in length or there are no nominal frames.
    """
    import pandas as pd

    from .metrics import alarm_summary
    from .validation import MLPCInputError

    kinds, alarm = np.asarray(kinds).astype(str), np.asarray(alarm, bool)
    if kinds.shape != alarm.shape:
        raise MLPCInputError(f"kinds and alarm need one shape; got {kinds.shape} and "
                             f"{alarm.shape}.")
    is_nom = kinds == nominal
    if not is_nom.any():
        raise MLPCInputError(f"No frame is labelled {nominal!r}: false alarms, precision "
                             "and F1 need nominal frames.")
    if types is None:
        types = list(dict.fromkeys(k for k in kinds if k != nominal))
    rows = {}
    for t in [*types, "all anomalies"]:
        sel = is_nom | ((kinds != nominal) if t == "all anomalies" else (kinds == t))
        s = alarm_summary(~is_nom[sel], alarm[sel])
        rows[t] = (int((~is_nom[sel]).sum()), s["recall"], s["precision"], s["f1"])
    df = pd.DataFrame.from_dict(rows, orient="index",
                                columns=["n_frames", "recall", "precision", "f1"])
    df.attrs["false_alarm_rate"] = float(alarm[is_nom].mean())
    return df
