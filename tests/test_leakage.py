"""Unit tests of mlpc_helpers.leakage (fast: small synthetic arrays, no course data)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from mlpc_helpers import leakage
from mlpc_helpers.validation import MLPCInputError


def _grouped_regression(rng, n_groups=12, per_group=15):
    """Targets = group offset + small noise; the features identify the group only."""
    groups = np.repeat(np.arange(n_groups), per_group)
    offset = rng.normal(0, 3, n_groups)
    X = np.c_[offset[groups] + rng.normal(0, 0.01, len(groups)),
              rng.normal(size=len(groups))]
    # features carry the group's identity through a noisy copy of its offset, so a random
    # split can learn the offset from sister rows; the target is offset + noise
    y = offset[groups] + rng.normal(0, 0.3, len(groups))
    return X, y, groups


def test_compare_splits_returns_scores_and_out_of_fold_predictions():
    rng = np.random.default_rng(0)
    X, y, groups = _grouped_regression(rng)
    schemes = {"random": (KFold(3, shuffle=True, random_state=0), None),
               "grouped": (GroupKFold(3), groups)}
    table, preds = leakage.compare_splits(LinearRegression(), X, y, schemes)
    assert list(table.index) == ["random", "grouped"]
    assert list(table.columns) == ["r2", "mae", "rmse"]
    assert preds["random"].shape == y.shape
    assert table.loc["random", "rmse"] >= table.loc["random", "mae"]


def test_compare_splits_picks_classification_metrics_for_labels():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    table, _ = leakage.compare_splits(LogisticRegression(), X, y,
                                      {"cv": (StratifiedKFold(3), None)})
    assert list(table.columns) == ["accuracy", "macro_f1"]
    assert 0.8 <= table.accuracy["cv"] <= 1.0


def test_compare_splits_rejects_mismatched_lengths():
    with pytest.raises(MLPCInputError, match="one length"):
        leakage.compare_splits(LinearRegression(), np.zeros((5, 2)), np.zeros(4),
                               {"cv": (KFold(2), None)})


def test_selection_leak_scores_noise_above_chance_only_when_leaky():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2000))
    y = rng.permutation(np.arange(60) % 2)
    res = leakage.selection_leak(X, y, k=10, estimator=LogisticRegression(max_iter=500),
                                 cv=StratifiedKFold(5, shuffle=True, random_state=0))
    assert list(res.columns) == ["leaky", "honest"] and len(res) == 5
    assert res.leaky.mean() > 0.7
    assert res.honest.mean() < 0.65


def test_selection_leak_checks_k():
    with pytest.raises(MLPCInputError, match="k must lie"):
        leakage.selection_leak(np.zeros((10, 3)), np.arange(10) % 2, k=5,
                               estimator=LogisticRegression(), cv=2)


def test_file_blocks_groups_consecutive_numbers_within_a_class():
    labels = np.array(["a"] * 6 + ["b"] * 3)
    index = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3])
    g = leakage.file_blocks(labels, index, 3)
    assert g[0] == g[1] == g[2] and g[3] == g[4] == g[5] and g[0] != g[3]
    assert g[6] == g[7] == g[8] and g[6] not in (g[0], g[3])
    with pytest.raises(MLPCInputError):
        leakage.file_blocks(labels, index, 0)
    with pytest.raises(MLPCInputError):
        leakage.file_blocks(labels, index - 1, 3)


def test_merge_groups_joins_through_any_labeling():
    blocks = np.array([0, 0, 1, 1, 2, 2])
    pairs = np.array([0, 1, 2, 3, 3, 5])  # row 3 pairs with row 4 -> blocks 1 and 2 join
    merged = leakage.merge_groups(blocks, pairs)
    assert merged[0] == merged[1]
    assert merged[2] == merged[3] == merged[4] == merged[5]
    assert merged[0] != merged[2]
    with pytest.raises(MLPCInputError):
        leakage.merge_groups()


def test_groups_split_counts_cut_groups():
    groups = np.array([0, 0, 1, 2, 2])
    splits = [(np.array([2, 3, 4]), np.array([0, 1])), (np.array([0, 1]), np.array([2, 3, 4]))]
    assert leakage.groups_split(groups, splits) == 0
    splits = [(np.array([1, 2, 3]), np.array([0, 4])), (np.array([0, 4]), np.array([1, 2, 3]))]
    assert leakage.groups_split(groups, splits) == 2
    with pytest.raises(MLPCInputError, match="leave"):
        leakage.groups_split(groups, [(np.array([0]), np.array([1]))])


def test_robust_z_ignores_the_outlier_in_its_scale():
    x = np.r_[np.linspace(-1, 1, 21), 100.0]
    z = leakage.robust_z(x)
    assert abs(z[-1]) > 3.5 and np.all(np.abs(z[:-1]) < 3.5)
    assert np.all(leakage.robust_z(np.ones(5)) == 0)


def test_outlier_flags_by_column_and_log():
    df = pd.DataFrame({"v": [100, 110, 120, 130, 10000.0], "p": [1, 2, 3, 4, 5.0]})
    f = leakage.outlier_flags(df, ["v", "p"], log=True)
    assert f.v.tolist() == [False, False, False, False, True] and not f.p.any()
    with pytest.raises(MLPCInputError, match="lacks"):
        leakage.outlier_flags(df, ["x"])


def test_probabilistic_labels_and_cross_entropy():
    q = leakage.probabilistic_labels([99.0, 99.1, 98.0], 99.0, 0.5)
    assert q[0] == pytest.approx(0.5) and q[1] == pytest.approx(0.5793, abs=1e-3)
    assert q[2] < 0.03
    with pytest.raises(MLPCInputError):
        leakage.probabilistic_labels([1.0], 0.0, 0.0)
    assert leakage.cross_entropy([1, 0], [0.5, 0.5]) == pytest.approx(np.log(2))
    assert leakage.cross_entropy([1, 0], [1.0, 0.0]) < 1e-9
    # with soft targets the best prediction is the target itself
    assert leakage.cross_entropy([0.3], [0.3]) < leakage.cross_entropy([0.3], [0.5])


def test_rare_class_subset_has_the_wanted_share_and_is_reproducible():
    y = np.repeat(np.arange(3), 100)
    idx = leakage.rare_class_subset(y, 1, 0.02, random_state=0)
    assert (y[idx] == 1).sum() == 4 and (y[idx] != 1).sum() == 200
    assert np.array_equal(idx, leakage.rare_class_subset(y, 1, 0.02, random_state=0))
    with pytest.raises(MLPCInputError):
        leakage.rare_class_subset(y, 1, 0.9)
    with pytest.raises(MLPCInputError):
        leakage.rare_class_subset(y, 7, 0.1)


def test_otsu_masks_and_iou_dice():
    img = np.full((1, 20, 20), 200.0)
    img[0, 5:15, 5:15] = 50.0
    dark = leakage.otsu_masks(img, sigma=0, dark=True)
    truth = np.zeros((1, 20, 20), bool)
    truth[0, 5:15, 5:15] = True
    assert leakage.iou_dice(truth, dark) == (1.0, 1.0)
    bright = leakage.otsu_masks(img, sigma=1.0, dark=False)
    iou, dice = leakage.iou_dice(truth, bright)
    assert iou < 0.1 and dice == pytest.approx(2 * iou / (1 + iou))
    assert leakage.iou_dice(np.zeros(4, bool), np.zeros(4, bool)) == (1.0, 1.0)
    with pytest.raises(MLPCInputError):
        leakage.otsu_masks(img[0])
    with pytest.raises(MLPCInputError):
        leakage.iou_dice(truth, truth[0])
