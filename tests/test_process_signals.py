"""Smoothing, hysteresis triggering, interval scoring, features, windows, voting, alarms."""

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import process_signals as ps


def test_smooth_median_removes_spike_and_keeps_step():
    x = np.r_[np.zeros(10), np.ones(10)]
    x[4] = 50.0
    y = ps.smooth(x, 5)
    assert y[4] == 0.0 and y[15] == 1.0 and len(y) == len(x)
    np.testing.assert_allclose(ps.smooth(np.arange(5.0), 3, "mean"), [0.5, 1, 2, 3, 3.5])
    with pytest.raises(ValueError, match="window"):
        ps.smooth(x, 0)


def test_intervals_round_trip():
    mask = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    iv = ps.mask_to_intervals(mask)
    assert iv.tolist() == [[1, 3], [5, 6], [7, 10]]
    np.testing.assert_array_equal(ps.intervals_to_mask(iv, len(mask)), mask)
    assert ps.mask_to_intervals(np.zeros(4, bool)).shape == (0, 2)


def test_hysteresis_does_not_chatter_and_drops_short_events():
    # noisy signal hovering around 1.0 after a step: one threshold chatters, hysteresis not
    x = np.r_[np.zeros(20), 1.0 + 0.2 * np.tile([1, -1], 20), np.zeros(20)]
    single = ps.hysteresis_trigger(x, 1.0)
    hyst = ps.hysteresis_trigger(x, 1.1, 0.5)
    assert len(ps.mask_to_intervals(single)) > 5
    assert ps.mask_to_intervals(hyst).tolist() == [[20, 60]]
    blip = np.r_[np.zeros(5), np.ones(2), np.zeros(5), np.ones(10), np.zeros(3)]
    on = ps.hysteresis_trigger(blip, 0.5, min_duration=5)
    assert ps.mask_to_intervals(on).tolist() == [[12, 22]]
    gap = np.r_[np.ones(5), np.zeros(2), np.ones(5)]
    assert ps.mask_to_intervals(ps.hysteresis_trigger(gap, 0.5, min_gap=3)).tolist() == [[0, 12]]
    with pytest.raises(ValueError, match="must not exceed"):
        ps.hysteresis_trigger(x, 0.5, 1.0)


def test_band_power_finds_the_sine():
    fs = 10.0
    t = np.arange(400) / fs
    x = np.sin(2 * np.pi * 2.0 * t)  # 2 Hz, variance 0.5
    assert ps.band_power(x, fs, (1.0, 5.0)) == pytest.approx(0.5, rel=0.1)
    assert ps.band_power(x, fs, (0.0, 1.0)) < 0.01


def test_segment_features_columns_and_values():
    frame = pd.DataFrame({"a": np.r_[np.full(20, 2.0), np.full(20, -1.0)],
                          "b": np.arange(40.0)})
    seg = np.r_[np.zeros(20, int), np.ones(20, int)]
    f = ps.segment_features(frame, ["a", "b"], seg, fs=10.0)
    assert f.shape == (2, 2 * 6)
    assert f.loc[0, "a__mean"] == 2.0 and f.loc[1, "a__rms"] == 1.0
    assert f.loc[1, "b__max"] == 39.0 and "a__bp_1_5Hz" in f.columns
    with pytest.raises(ValueError, match="Nyquist"):
        ps.segment_features(frame, ["a"], seg, fs=10.0, bands=[(1.0, 6.0)])
    with pytest.raises(ValueError, match="lacks"):
        ps.segment_features(frame, ["c"], seg, fs=10.0)


def test_sliding_windows_shape_and_content():
    X = np.arange(20.0).reshape(10, 2)
    w, starts = ps.sliding_windows(X, 4, 3)
    assert w.shape == (3, 2, 4) and starts.tolist() == [0, 3, 6]
    np.testing.assert_array_equal(w[1, 0], X[3:7, 0])
    assert ps.sliding_windows(X, 11)[0].shape == (0, 2, 11)


def test_rolling_features_are_causal():
    frame = pd.DataFrame({"x": np.arange(10.0)})
    z = ps.rolling_features(frame, 3)
    assert list(z.columns) == ["x__mean", "x__std"] and len(z) == 8
    assert z["x__mean"].iloc[0] == 1.0  # mean of samples 0, 1, 2: no look-ahead
    assert z.index[0] == 2


def test_vote():
    v = ps.vote(np.array([1, 1, 1, 2, 2]), np.array([0.9, 0.8, 0.1, 0.2, 0.4]))
    assert v.prediction.tolist() == [True, False]
    assert v.n.tolist() == [3, 2]


def test_alarm_episodes_and_delay():
    alarm = np.array([0, 1, 0, 1, 1, 1, 0, 0, 1, 1], bool)
    assert ps.alarm_episodes(alarm, 1).shape == (3, 2)
    assert ps.alarm_episodes(alarm, 3).tolist() == [[5, 6]]  # fires at the 3rd point
    t = np.arange(10) * 0.5
    assert ps.detection_delay(alarm, t, consecutive=3) == 2.5
    assert ps.detection_delay(alarm, t, start_s=1.0, consecutive=1) == 0.5
    assert np.isnan(ps.detection_delay(alarm, t, consecutive=5))
