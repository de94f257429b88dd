"""Process signals (week 7): smoothing, triggering, interval scoring, windows, features,
run-level voting and detection delay.

Everything works on 1-D numpy arrays sampled at a constant rate (``fs`` in Hz) and on
pandas frames with one row per sample. Nothing here imports torch.

- :func:`smooth` — centred rolling median or mean (a median keeps step edges sharp).
- :func:`hysteresis_trigger` — a Schmitt trigger: switch on above ``high``, off below
  ``low``, then drop gaps shorter than ``min_gap`` and events shorter than ``min_duration``.
- :func:`mask_to_intervals`, :func:`intervals_to_mask`, :func:`check_intervals` — runs of
  True as ``[start, stop)`` intervals and back; scored with
  :func:`mlpc_helpers.metrics.match_intervals` (interval F1) and
  :func:`mlpc_helpers.metrics.iou` (sample-wise IoU).
- :func:`band_power`, :func:`segment_features` — per-segment summary features (mean, RMS,
  standard deviation, max, spectral band power from Welch's method).
- :func:`sliding_windows` — fixed-length windows for sequence models.
- :func:`rolling_features` — causal (trailing) rolling mean and standard deviation, the
  sample-by-sample input of an online control chart.
- :func:`vote` — run-level decisions from window or segment scores.
- :func:`alarm_episodes`, :func:`detection_delay` — online alarms: episodes of ``consecutive``
  samples over a limit, and the time to the first one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

try:
    from .validation import MLPCInputError
except ImportError:  # validation.py is being added by the package engineer
    MLPCInputError = ValueError

__all__ = [
    "smooth",
    "hysteresis_trigger",
    "mask_to_intervals",
    "intervals_to_mask",
    "check_intervals",
    "band_power",
    "segment_features",
    "sliding_windows",
    "rolling_features",
    "vote",
    "alarm_episodes",
    "detection_delay",
]


def _as_1d(x, name: str, *, finite: bool = False) -> np.ndarray:
    """A 1-D signal as float (NaN kept: the functions say how they treat it; infinite
    values, and NaN with ``finite``, raise)."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        import pandas as pd

        from .validation import text_columns_message

        raise MLPCInputError(text_columns_message(
            pd.Series(np.ravel(np.asarray(x, dtype=object)), name=name), name=name)) from None
    if a.ndim != 1:
        raise MLPCInputError(f"{name} must be 1-D (n_samples,); got shape {a.shape}. "
                             "Pass one signal of one run at a time.")
    bad = np.isinf(a) | (np.isnan(a) if finite else False)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise MLPCInputError(f"{name}: sample {k} is {a[k]} ({int(bad.sum())} such samples); "
                             "drop or interpolate them first.")
    return a


def _as_mask(mask, name: str) -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 1:
        raise MLPCInputError(f"{name} must be a 1-D boolean array; got shape {m.shape}.")
    if m.dtype != bool:
        from .validation import check_binary

        m = check_binary(m, name)  # scores or counts are not a mask: threshold first
    return m.astype(bool)


def check_intervals(intervals, name: str = "intervals") -> np.ndarray:
    """``[start, stop)`` intervals as an int array (k, 2) (:func:`mask_to_intervals` makes
    them); an empty input gives (0, 2). Raises :class:`MLPCInputError` naming ``name`` for
    another shape, bounds that are not whole sample indices, or start > stop."""
    a = np.asarray(intervals)
    if a.size == 0:
        return np.zeros((0, 2), int)
    if a.ndim not in (1, 2) or a.shape[-1] != 2 or (a.ndim == 1 and a.size != 2):
        raise MLPCInputError(f"{name}: expected [start, stop) intervals, shape (k, 2); got "
                             f"shape {a.shape}. Use mask_to_intervals(mask).")
    try:
        a = a.astype(float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise MLPCInputError(f"{name}: interval bounds must be sample indices.") from None
    if not np.isfinite(a).all() or np.any(a != np.round(a)) or np.any(a[:, 1] < a[:, 0]):
        raise MLPCInputError(f"{name}: interval bounds must be whole sample indices with "
                             "start <= stop; got " f"{a[:3].tolist()}...")
    return a.astype(int)


def smooth(x, window: int, method: str = "median") -> np.ndarray:
    """Centred rolling median (default) or mean of a 1-D signal.

    Parameters
    ----------
    x : array_like, shape (n,)
        The signal (any unit; the result has the same unit).
    window : int
        Window length in samples (>= 1; an even length is centred half a sample late).
    method : {"median", "mean"}
        A median removes isolated spikes and keeps steps sharp; a mean is a low-pass filter.

    Returns
    -------
    numpy.ndarray, shape (n,)
        At the edges the window shrinks to the samples that exist (no padding values).

    Raises
    ------
    MLPCInputError
        For a window < 1, an unknown method or a signal that is not 1-D.
    """
    import pandas as pd

    a = _as_1d(x, "x")
    if int(window) < 1:
        raise MLPCInputError(f"window must be at least 1 sample; got {window}.")
    if method not in ("median", "mean"):
        raise MLPCInputError(f"method must be 'median' or 'mean'; got {method!r}.")
    roll = pd.Series(a).rolling(int(window), center=True, min_periods=1)
    return (roll.median() if method == "median" else roll.mean()).to_numpy()


def mask_to_intervals(mask) -> np.ndarray:
    """Runs of True in a boolean mask as ``[start, stop)`` sample indices, shape (k, 2)."""
    m = _as_mask(mask, "mask").astype(np.int8)
    d = np.diff(np.concatenate([[0], m, [0]]))
    return np.stack([np.flatnonzero(d == 1), np.flatnonzero(d == -1)], axis=1).astype(int)


def intervals_to_mask(intervals, n: int) -> np.ndarray:
    """Boolean mask of length ``n``, True inside every ``[start, stop)`` interval."""
    mask = np.zeros(int(n), bool)
    for start, stop in check_intervals(intervals, "intervals"):
        mask[max(start, 0):max(stop, 0)] = True
    return mask


def hysteresis_trigger(
    x,
    high: float,
    low: float | None = None,
    *,
    min_duration: int = 1,
    min_gap: int = 0,
) -> np.ndarray:
    """Threshold with hysteresis (a Schmitt trigger) and a minimum event duration.

    The state switches on where ``x > high`` and stays on until ``x < low``; two thresholds
    stop a noisy signal near one threshold from chattering on and off. Afterwards, off-gaps
    shorter than ``min_gap`` samples between two events are closed, and events shorter than
    ``min_duration`` samples are dropped (in that order).

    Parameters
    ----------
    x : array_like, shape (n,)
        The (smoothed) signal; NaN counts as "below ``low``".
    high, low : float
        Switch-on and switch-off levels in the signal's unit; ``low`` defaults to ``high``
        (no hysteresis) and must not exceed ``high``.
    min_duration, min_gap : int
        In samples (multiply seconds by the sampling rate ``fs``).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True where the trigger is on.

    Raises
    ------
    MLPCInputError
        If ``low > high``, a duration is negative or ``x`` is not 1-D.
    """
    a = _as_1d(x, "x")
    low = high if low is None else low
    if low > high:
        raise MLPCInputError(f"low ({low}) must not exceed high ({high}): the trigger "
                             "switches on above high and off below low.")
    if min_duration < 0 or min_gap < 0:
        raise MLPCInputError("min_duration and min_gap are sample counts >= 0; got "
                             f"{min_duration} and {min_gap}.")
    on = np.zeros(len(a), bool)
    state = False
    for i, v in enumerate(a):
        if state:
            state = not (v < low) and not np.isnan(v)
        else:
            state = bool(v > high)
        on[i] = state
    iv = mask_to_intervals(on)
    if min_gap > 0 and len(iv) > 1:
        merged = [list(iv[0])]
        for start, stop in iv[1:]:
            if start - merged[-1][1] < min_gap:
                merged[-1][1] = stop
            else:
                merged.append([start, stop])
        iv = np.asarray(merged, int)
    iv = iv[(iv[:, 1] - iv[:, 0]) >= min_duration] if len(iv) else iv
    return intervals_to_mask(iv, len(a))


def band_power(x, fs: float, band: tuple[float, float]) -> float:
    """Power of a 1-D signal in a frequency band, from Welch's periodogram.

    The mean is removed first; the power spectral density (unit² / Hz) from
    ``scipy.signal.welch`` (segments of up to 64 samples, Hann window; Welch 1967) is
    integrated over ``band[0] <= f < band[1]`` (Hz). Returns unit²; 0.0 for fewer than 4
    samples.
    """
    from scipy.signal import welch

    a = _as_1d(x, "x")
    a = a[np.isfinite(a)]
    if len(a) < 4:
        return 0.0
    lo, hi = band
    if not 0 <= lo < hi:
        raise MLPCInputError(f"band must be (low, high) in Hz with 0 <= low < high; got {band}.")
    f, pxx = welch(a - a.mean(), fs=fs, nperseg=min(64, len(a)))
    sel = (f >= lo) & (f < hi)
    return float(np.sum(pxx[sel]) * (f[1] - f[0])) if sel.any() else 0.0


def segment_features(
    frame,
    signals: Sequence[str],
    segment,
    *,
    fs: float,
    bands: Sequence[tuple[float, float]] = ((0.0, 1.0), (1.0, 5.0)),
    min_samples: int = 10,
):
    """Summary features of every segment (stage, window) of several signals.

    For each signal: ``mean``, ``rms`` (root mean square), ``std``, ``max`` and the band
    power of every band in ``bands`` (Hz, see :func:`band_power`). Column names are
    ``"<signal>__<feature>"``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sample, holding the columns ``signals``.
    signals : sequence of str
        Columns to summarise.
    segment : array_like, shape (n_rows,)
        Segment id of every row (rows of one id form one segment; order kept).
    fs : float
        Sampling rate in Hz.
    bands : sequence of (low, high)
        Frequency bands in Hz, each below the Nyquist frequency fs/2.
    min_samples : int
        Segments with fewer rows are skipped.

    Returns
    -------
    pandas.DataFrame
        One row per kept segment (index: the segment id), ``4 + len(bands)`` columns per
        signal.
    """
    import pandas as pd

    missing = [s for s in signals if s not in frame.columns]
    if missing:
        raise MLPCInputError(f"frame lacks the signal columns {missing}.")
    seg = np.asarray(segment)
    if len(seg) != len(frame):
        raise MLPCInputError(f"segment has {len(seg)} ids for {len(frame)} rows.")
    for lo, hi in bands:
        if hi > fs / 2 + 1e-9:
            raise MLPCInputError(f"band ({lo}, {hi}) Hz lies above the Nyquist frequency "
                                 f"{fs / 2} Hz of fs = {fs} Hz.")
    try:
        values = frame[list(signals)].to_numpy(float)
    except (TypeError, ValueError):
        from .validation import text_columns_message

        raise MLPCInputError(text_columns_message(frame, list(signals), "frame")) from None
    if np.isinf(values).any():
        raise MLPCInputError("frame: the signal columns hold inf; drop or fill those rows.")
    rows, index = [], []
    for sid in pd.unique(seg):
        block = values[seg == sid]
        if len(block) < min_samples:
            continue
        feats = {}
        for k, name in enumerate(signals):
            x = block[:, k]
            feats[f"{name}__mean"] = float(np.mean(x))
            feats[f"{name}__rms"] = float(np.sqrt(np.mean(x ** 2)))
            feats[f"{name}__std"] = float(np.std(x))
            feats[f"{name}__max"] = float(np.max(x))
            for lo, hi in bands:
                feats[f"{name}__bp_{lo:g}_{hi:g}Hz"] = band_power(x, fs, (lo, hi))
        rows.append(feats)
        index.append(sid)
    return pd.DataFrame(rows, index=pd.Index(index, name="segment"))


def sliding_windows(X, length: int, stride: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-length windows of a multichannel signal.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_channels) or (n_samples,)
    length, stride : int
        Window length and step in samples (``stride`` defaults to ``length``: no overlap).

    Returns
    -------
    windows : numpy.ndarray, shape (n_windows, n_channels, length)
        Channels first, as ``torch.nn.Conv1d`` wants. The tail shorter than ``length`` is
        dropped; a signal shorter than one window gives zero windows.
    starts : numpy.ndarray of int, shape (n_windows,)
        Index of the first sample of every window.
    """
    try:
        a = np.asarray(X, float)
    except (TypeError, ValueError):
        raise MLPCInputError("X: expected a numeric signal (n_samples, n_channels); some "
                             "entries are not numbers or channels differ in length.") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise MLPCInputError(f"X must be (n_samples, n_channels); got shape {a.shape}.")
    stride = length if stride is None else stride
    if length < 1 or stride < 1:
        raise MLPCInputError(f"length and stride must be >= 1; got {length}, {stride}.")
    starts = np.arange(0, len(a) - length + 1, stride, dtype=int)
    if len(starts) == 0:
        return np.zeros((0, a.shape[1], length)), starts
    idx = starts[:, None] + np.arange(length)[None, :]
    return a[idx].transpose(0, 2, 1).copy(), starts


def rolling_features(frame, window: int):
    """Trailing (causal) rolling mean and standard deviation of every column.

    The value at sample i uses samples i − window + 1 … i only, so it is available online at
    time i. The first ``window − 1`` rows (incomplete window) are dropped.

    Parameters
    ----------
    frame : pandas.DataFrame, shape (n, d)
        One run's signals, rows in time order.
    window : int
        Window length in samples (>= 2).

    Returns
    -------
    pandas.DataFrame, shape (n − window + 1, 2 d)
        Columns ``"<col>__mean"`` then ``"<col>__std"``; the index of the window's last row.
    """
    import pandas as pd

    if int(window) < 2:
        raise MLPCInputError(f"window must be at least 2 samples; got {window}.")
    if not isinstance(frame, (pd.DataFrame, pd.Series)):
        raise MLPCInputError(f"frame: expected a pandas DataFrame of one run's signals; got "
                             f"{type(frame).__name__}. Wrap an array: pd.DataFrame(X).")
    cols = frame if isinstance(frame, pd.DataFrame) else frame.to_frame()
    bad = [c for c in cols.columns if not pd.api.types.is_numeric_dtype(cols[c])]
    if bad:
        from .validation import text_columns_message

        raise MLPCInputError(text_columns_message(cols, bad, "frame") + " Or select the "
                             "signal columns only.")
    roll = frame.rolling(int(window), min_periods=int(window))
    out = pd.concat([roll.mean().add_suffix("__mean"), roll.std().add_suffix("__std")],
                    axis=1)
    return out.iloc[int(window) - 1:]


def vote(groups, scores, threshold: float = 0.5):
    """Run-level decisions from the scores of a run's windows or segments.

    Parameters
    ----------
    groups : array_like, shape (n,)
        Run id of every window/segment.
    scores : array_like, shape (n,)
        Class-1 probability (soft vote: mean probability) or 0/1 predictions (majority vote).
    threshold : float
        A run is class 1 when its mean score exceeds ``threshold``.

    Returns
    -------
    pandas.DataFrame
        Index: run id; columns ``mean_score`` and ``prediction`` (bool), ``n`` (windows).
    """
    import pandas as pd

    from .validation import check_labels, check_vector

    g = check_labels(groups, "groups")
    s = check_vector(scores, "scores", n=len(g), against="groups")
    out = pd.Series(s).groupby(g).agg(["mean", "size"])
    out.columns = ["mean_score", "n"]
    out["prediction"] = out.mean_score > threshold
    out.index.name = "run"
    return out[["mean_score", "prediction", "n"]]


def alarm_episodes(alarm, consecutive: int = 1) -> np.ndarray:
    """Alarm episodes: runs of at least ``consecutive`` True samples, as ``[start, stop)``.

    A run-length rule (an alarm only after ``consecutive`` points beyond the limit) trades
    detection delay for fewer false alarms, like the run rules of Shewhart charts
    (Montgomery, *Introduction to Statistical Quality Control*). The episode starts where
    the rule fires, i.e. at the ``consecutive``-th point.
    """
    if consecutive < 1:
        raise MLPCInputError(f"consecutive must be >= 1; got {consecutive}.")
    iv = mask_to_intervals(alarm)
    iv = iv[(iv[:, 1] - iv[:, 0]) >= consecutive]
    if len(iv):
        iv = iv.copy()
        iv[:, 0] += consecutive - 1
    return iv


def detection_delay(alarm, time_s, *, start_s: float = 0.0, consecutive: int = 1) -> float:
    """Seconds from ``start_s`` to the first alarm episode at or after it; NaN if none.

    Parameters
    ----------
    alarm : array_like of bool, shape (n,)
        Chart alarms sample by sample.
    time_s : array_like, shape (n,)
        Time stamp of every sample in s (increasing).
    start_s : float
        When the fault starts (or monitoring starts) in s.
    consecutive : int
        Run rule of :func:`alarm_episodes`.
    """
    a = _as_mask(alarm, "alarm")
    t = _as_1d(time_s, "time_s", finite=True)
    from .validation import check_quantity

    t = check_quantity(t, "time_s", "time_s")  # timestamps or ms/µs/ns: refused with the fix
    if len(a) != len(t):
        raise MLPCInputError(f"alarm and time_s need one length; got {len(a)} and {len(t)}.")
    if np.any(np.diff(t) < 0):
        k = int(np.flatnonzero(np.diff(t) < 0)[0])
        raise MLPCInputError(f"time_s: time decreases at sample {k + 1} ({t[k]:g} -> "
                             f"{t[k + 1]:g} s); sort the samples by time (and alarm with "
                             "them) first.")
    a = a & (t >= start_s)
    ep = alarm_episodes(a, consecutive)
    return float(t[ep[0, 0]] - start_s) if len(ep) else float("nan")
