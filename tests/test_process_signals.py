"""Intervals and run-level votes (mlpc_helpers.process_signals).

The week-7 teaching code (smoothing, the hysteresis trigger, segment features, windows,
alarm episodes) is written in notebooks/week07_process_monitoring.ipynb and checked there
(a check on made-up data after the trigger, and the public tests of Exercise 2).
"""

import numpy as np
import pytest

from mlpc_helpers import process_signals as ps
from mlpc_helpers.validation import MLPCInputError


def test_intervals_round_trip():
    mask = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    iv = ps.mask_to_intervals(mask)
    assert iv.tolist() == [[1, 3], [5, 6], [7, 10]]
    np.testing.assert_array_equal(ps.intervals_to_mask(iv, len(mask)), mask)
    assert ps.mask_to_intervals(np.zeros(4, bool)).shape == (0, 2)


def test_check_intervals_refuses_what_is_not_intervals():
    assert ps.check_intervals([]).shape == (0, 2)
    assert ps.check_intervals([[2, 5]]).tolist() == [[2, 5]]
    with pytest.raises(MLPCInputError, match="start <= stop"):
        ps.check_intervals([[5, 2]], "y_pred")
    with pytest.raises(MLPCInputError, match="shape"):
        ps.check_intervals(np.zeros((2, 3)))


def test_mask_refuses_scores():
    with pytest.raises(MLPCInputError, match="mask"):
        ps.mask_to_intervals([0.2, 0.9, 0.4])


def test_vote():
    v = ps.vote(np.array([1, 1, 1, 2, 2]), np.array([0.9, 0.8, 0.1, 0.2, 0.4]))
    assert v.prediction.tolist() == [True, False]
    assert v.n.tolist() == [3, 2]
    assert v.mean_score.tolist() == pytest.approx([0.6, 0.3])
