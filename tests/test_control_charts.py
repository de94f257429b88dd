"""Hotelling T², S² charts, non-parametric control limits and melt-pool features."""

import numpy as np
import pytest

from mlpc_helpers import control_charts as cc
from mlpc_helpers import metrics
from mlpc_helpers.validation import MLPCInputError


def test_upper_control_limit_matches_quantile():
    s = np.random.default_rng(0).chisquare(3, 20000)
    emp = cc.upper_control_limit(s, 0.01, "empirical")
    kde = cc.upper_control_limit(s, 0.01, "kde")
    assert abs(emp - 11.34) < 0.6  # chi2(3) 99 % quantile
    assert abs(kde - emp) / emp < 0.05
    with pytest.raises(ValueError, match="method"):
        cc.upper_control_limit(s, 0.01, "gauss")
    with pytest.raises(ValueError, match="at least 10"):
        cc.upper_control_limit(s[:5])


def test_hotelling_t2_false_alarm_rate_and_detection():
    rng = np.random.default_rng(1)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    Z = rng.multivariate_normal([0, 0], cov, 2000)
    calib = rng.multivariate_normal([0, 0], cov, 2000)
    chart = cc.HotellingT2(alpha=0.01).fit(Z, X_calib=calib)
    fresh = rng.multivariate_normal([0, 0], cov, 5000)
    assert 0.004 < chart.predict(fresh).mean() < 0.02
    # a shift against the correlation is far in T² though small in Euclidean distance
    assert chart.predict(np.array([[1.5, -1.5]]))[0]
    assert not chart.predict(np.array([[1.5, 1.5]]))[0]
    with pytest.raises(MLPCInputError, match="X has 3 features, but HotellingT2 is expecting 2"):
        chart.statistic(np.zeros((2, 3)))
    # calibration data passed where scikit-learn puts y: named, not silently ignored
    with pytest.raises(MLPCInputError, match="X_calib="):
        cc.HotellingT2().fit(Z, calib)


def test_s2_chart_flags_large_residual_variance():
    rng = np.random.default_rng(2)
    nominal = rng.normal(0, 0.01, (200, 16, 16))
    chart = cc.S2Chart(alpha=0.01).fit(nominal)
    bad = rng.normal(0, 0.05, (10, 16, 16))
    assert chart.predict(bad).all()
    assert chart.predict(rng.normal(0, 0.01, (500, 16, 16))).mean() < 0.05


def test_melt_pool_features_of_an_ellipse():
    yy, xx = np.mgrid[0:64, 0:64]
    img = np.where(((xx - 32) / 12) ** 2 + ((yy - 32) / 4) ** 2 <= 1, 0.8, 0.0)
    img[32, 32] = 1.0
    f = cc.melt_pool_features(img[None])
    assert list(f.columns) == list(cc.FEATURE_NAMES)
    assert abs(f.area_px[0] - np.pi * 12 * 4) < 15
    assert abs(f.eccentricity[0] - np.sqrt(1 - (4 / 12) ** 2)) < 0.05
    assert f.peak_intensity[0] == 1.0 and 0.8 <= f.mean_intensity[0] < 0.81
    empty = cc.melt_pool_features(np.zeros((1, 8, 8)))
    assert empty.area_px[0] == 0
    with pytest.raises(ValueError, match="frames must be"):
        cc.melt_pool_features(np.zeros((8, 8)))


def test_alarm_summary_gives_fractions():
    y = np.array([1, 1, 0, 0, 0, 0], bool)
    a = np.array([1, 0, 1, 0, 0, 0], bool)
    s = metrics.alarm_summary(y, a)
    assert s["recall"] == 0.5 and s["precision"] == 0.5 and s["f1"] == 0.5
    assert s["false_alarm_rate"] == 0.25 and abs(s["accuracy"] - 4 / 6) < 1e-12
    with pytest.raises(ValueError, match="one shape"):
        metrics.alarm_summary(y, a[:3])


def test_charts_are_estimators_fitted_on_in_control_data():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    rng = np.random.default_rng(3)
    Z = rng.normal(size=(300, 3))
    for chart, X in ((cc.HotellingT2(alpha=0.05), Z), (cc.S2Chart(alpha=0.05), Z)):
        fresh = clone(chart)
        assert fresh.get_params() == {"alpha": 0.05, "method": "kde"}
        with pytest.raises(NotFittedError):
            fresh.predict(X)
        fresh.fit(X)
        d = fresh.decision_function(X)
        assert d.shape == (300,)
        np.testing.assert_array_equal(fresh.predict(X), d > 0)
        np.testing.assert_allclose(d + fresh.ucl_, fresh.score_samples(X))


def test_detection_by_type_scores_each_type_against_nominal_frames():
    kinds = np.array(["nominal"] * 8 + ["a"] * 2 + ["b"] * 2)
    alarm = np.array([1, 0, 0, 0, 0, 0, 0, 0] + [1, 1] + [0, 1], bool)
    tab = cc.detection_by_type(kinds, alarm, types=["a", "b"])
    assert list(tab.index) == ["a", "b", "all anomalies"]
    assert tab.attrs["false_alarm_rate"] == 1 / 8
    assert tab.loc["a", "recall"] == 1 and tab.loc["a", "precision"] == 2 / 3
    assert tab.loc["b", "recall"] == 0.5 and tab.loc["b", "f1"] == 0.5
    assert tab.loc["all anomalies", "n_frames"] == 4
    assert tab.loc["all anomalies", "f1"] == metrics.alarm_summary(kinds != "nominal",
                                                                   alarm)["f1"]
    with pytest.raises(ValueError, match="nominal"):
        cc.detection_by_type(np.array(["a", "b"]), np.array([True, False]))


def test_chart_alarms_use_nominal_data_only():
    from mlpc_helpers.synthetic import meltpool

    rng = np.random.default_rng(3)
    train, calib = meltpool.nominal(60, rng, size=64), meltpool.nominal(40, rng, size=64)
    test = meltpool.frames(["nominal"] * 20 + ["lack_of_fusion"] * 20, rng, size=64)
    a = cc.feature_chart_alarms(train, calib, test, alpha=0.05)
    assert a.shape == (40,) and a[20:].mean() > a[:20].mean()
