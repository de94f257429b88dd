"""The scores of mlpc_helpers.metrics: truth first, fractions in [0, 1], one IoU."""

import numpy as np
import pytest

from mlpc_helpers import metrics
from mlpc_helpers.validation import MLPCInputError


def test_confusion_iou_dice_by_hand():
    t = np.array([[0, 0, 1, 1], [2, 2, 1, 0]])
    p = np.array([[0, 1, 1, 1], [2, 0, 1, 0]])
    cm = metrics.confusion(t, p, 3)
    assert cm.tolist() == [[2, 1, 0], [0, 3, 0], [1, 0, 1]]
    iou = metrics.iou(t, p, 3)
    np.testing.assert_allclose(iou, [2 / 4, 3 / 4, 1 / 2])
    np.testing.assert_allclose(metrics.dice(t, p, 3), 2 * iou / (1 + iou))


def test_iou_absent_class_is_nan_and_perfect_is_one():
    t = np.zeros((5, 5), int)
    t[0, 0] = 1
    iou = metrics.iou(t, t, 3)
    assert iou[0] == 1 and iou[1] == 1 and np.isnan(iou[2])


def test_iou_of_masks_pooled_per_image_and_empty():
    a = np.array([1, 1, 0, 0], bool)
    b = np.array([0, 1, 1, 0], bool)
    assert metrics.iou(a, b) == pytest.approx(1 / 3)  # a 1-D series of samples
    assert metrics.dice(a, b) == pytest.approx(0.5)
    assert metrics.iou(np.zeros(4, bool), np.zeros(4, bool)) == 1.0  # both empty: agree
    stack_t = np.stack([a.reshape(2, 2), np.zeros((2, 2), bool)])
    stack_p = np.stack([b.reshape(2, 2), np.ones((2, 2), bool)])
    np.testing.assert_allclose(metrics.iou(stack_t, stack_p, per_image=True), [1 / 3, 0.0])
    assert metrics.iou(stack_t, stack_p) == pytest.approx(1 / 7)  # pooled: 1 / (3 + 4)


def test_iou_agrees_with_scikit_learn_jaccard():
    from sklearn.metrics import jaccard_score

    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 3, (2, 8, 8)), rng.integers(0, 3, (2, 8, 8))
    np.testing.assert_allclose(metrics.iou(t, p, 3),
                               jaccard_score(t.ravel(), p.ravel(), average=None))
    assert metrics.iou(t == 1, p == 1) == pytest.approx(
        jaccard_score((t == 1).ravel(), (p == 1).ravel()))
    per = metrics.iou(t, p, 3, per_image=True)
    assert per.shape == (2, 3)
    np.testing.assert_allclose(per[1], metrics.iou(t[1], p[1], 3))


def test_segmentation_scores_table_has_mean_row():
    t = np.zeros((16, 16), int)
    t[4:8, 4:8] = 1
    df = metrics.segmentation_scores(t, t, ["matrix", "particle"])
    assert list(df.columns) == ["IoU", "Dice"]
    assert df.loc["mean over classes", "IoU"] == 1.0


def test_overlap_scores_reject_bad_input():
    with pytest.raises(MLPCInputError, match="same shape"):
        metrics.confusion(np.zeros((2, 2)), np.zeros((2, 3)), 2)
    with pytest.raises(MLPCInputError, match="outside"):
        metrics.confusion(np.full((2, 2), 3), np.zeros((2, 2)), 3)
    with pytest.raises(MLPCInputError, match="y_pred"):
        metrics.iou(np.zeros((4, 4), bool), np.full((4, 4), 0.3))  # probabilities
    with pytest.raises(MLPCInputError, match="per_image"):
        metrics.iou(np.zeros(4, bool), np.zeros(4, bool), per_image=True)


def test_match_intervals_by_keyword():
    m = metrics.match_intervals(y_true=[[1, 10], [21, 29], [70, 80]],
                                y_pred=[[0, 10], [20, 30], [50, 52]])
    assert (m["tp"], m["fp"], m["fn"]) == (2, 1, 1)
    assert m["f1"] == pytest.approx(2 / 3)
    # one prediction cannot match two true intervals
    m = metrics.match_intervals(y_true=[[0, 60], [60, 100]], y_pred=[[0, 100]])
    assert m["tp"] == 1 and m["fn"] == 1 and m["precision"] == 1.0 and m["recall"] == 0.5
    assert metrics.match_intervals(y_true=[[0, 5]], y_pred=[])["f1"] == 0.0
    with pytest.raises(TypeError):
        metrics.match_intervals([[0, 5]], [[0, 5]])  # positional: which is which?
    with pytest.raises(MLPCInputError, match="y_pred"):
        metrics.match_intervals(y_true=[[0, 2]], y_pred=[1, 2, 3])


def test_identification_scores_matrices_and_names():
    s = metrics.identification_scores([[1, 0, 1], [0, 1, 1]], [[1, 1, 1], [0, 1, 0]])
    assert s == pytest.approx({"precision": 0.75, "recall": 0.75, "f1": 0.75})
    s = metrics.identification_scores(["Al", "Mn", "Si"], ["Al", "Mn"])
    assert s["precision"] == 1.0 and s["recall"] == pytest.approx(2 / 3)
    assert metrics.identification_scores({"Fe"}, [])["recall"] == 0.0
    with pytest.raises(MLPCInputError, match="y_pred"):
        metrics.identification_scores(np.ones((2, 2)), np.full((2, 2), 0.7))
    with pytest.raises(MLPCInputError, match="one shape"):
        metrics.identification_scores(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(MLPCInputError, match="at least one"):
        metrics.identification_scores([], ["Fe"])
