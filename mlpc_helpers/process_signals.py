"""Intervals of a process signal and run-level votes (used by weeks 3 and 7).

What the notebooks reuse around a time series, once the week-7 notebook has turned a signal
into on/off samples with its own trigger (smoothing, hysteresis, durations are written
there, as are the segment features, windows and alarm episodes):

- :func:`mask_to_intervals`, :func:`intervals_to_mask`, :func:`check_intervals` — runs of
  True as ``[start, stop)`` sample intervals and back; scored with
  :func:`mlpc_helpers.metrics.match_intervals` (interval F1) and
  :func:`mlpc_helpers.metrics.iou` (sample-wise IoU);
- :func:`vote` — one decision per run (or tool, or part) from the scores of its rows,
  stages or windows.

Nothing here imports torch.
"""

from __future__ import annotations

import numpy as np

from .validation import MLPCInputError

__all__ = [
    "check_intervals",
    "intervals_to_mask",
    "mask_to_intervals",
    "vote",
]


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
