"""Honest splits (mlpc_helpers.splits): group labels, grouped CV and per-class draws."""

import numpy as np
import pytest

from mlpc_helpers import splits
from mlpc_helpers.validation import MLPCInputError


def test_file_blocks_groups_consecutive_numbers_within_a_class():
    labels = np.array(["a"] * 6 + ["b"] * 3)
    index = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3])
    g = splits.file_blocks(labels, index, 3)
    assert g[0] == g[1] == g[2] and g[3] == g[4] == g[5] and g[0] != g[3]
    assert g[6] == g[7] == g[8] and g[6] not in (g[0], g[3])
    with pytest.raises(MLPCInputError):
        splits.file_blocks(labels, index, 0)
    with pytest.raises(MLPCInputError):
        splits.file_blocks(labels, index - 1, 3)



def test_merge_groups_joins_through_any_labeling():
    blocks = np.array([0, 0, 1, 1, 2, 2])
    pairs = np.array([0, 1, 2, 3, 3, 5])  # row 3 pairs with row 4 -> blocks 1 and 2 join
    merged = splits.merge_groups(blocks, pairs)
    assert merged[0] == merged[1]
    assert merged[2] == merged[3] == merged[4] == merged[5]
    assert merged[0] != merged[2]
    with pytest.raises(MLPCInputError):
        splits.merge_groups()



def test_groups_split_counts_cut_groups():
    groups = np.array([0, 0, 1, 2, 2])
    folds = [(np.array([2, 3, 4]), np.array([0, 1])), (np.array([0, 1]), np.array([2, 3, 4]))]
    assert splits.groups_split(groups, folds) == 0
    folds = [(np.array([1, 2, 3]), np.array([0, 4])), (np.array([0, 4]), np.array([1, 2, 3]))]
    assert splits.groups_split(groups, folds) == 2
    with pytest.raises(MLPCInputError, match="leave"):
        splits.groups_split(groups, [(np.array([0]), np.array([1]))])



def test_rare_class_subset_has_the_wanted_share_and_is_reproducible():
    y = np.repeat(np.arange(3), 100)
    idx = splits.rare_class_subset(y, 1, 0.02, random_state=0)
    assert (y[idx] == 1).sum() == 4 and (y[idx] != 1).sum() == 200
    assert np.array_equal(idx, splits.rare_class_subset(y, 1, 0.02, random_state=0))
    with pytest.raises(MLPCInputError):
        splits.rare_class_subset(y, 1, 0.9)
    with pytest.raises(MLPCInputError):
        splits.rare_class_subset(y, 7, 0.1)


def test_split_pool_test_balanced_and_disjoint():
    y = np.repeat(np.arange(3), 20)
    pool, test = splits.split_pool_test(y, 5, random_state=0)
    assert len(np.intersect1d(pool, test)) == 0
    assert len(pool) + len(test) == len(y)
    assert np.bincount(y[test]).tolist() == [5, 5, 5]
    again = splits.split_pool_test(y, 5, random_state=0)[1]
    assert np.array_equal(test, again)
    with pytest.raises(MLPCInputError, match="n_test_per_class"):
        splits.split_pool_test(y, 20)



def test_subsample_per_class_counts_and_errors():
    y = np.repeat(np.arange(4), 10)
    pool = np.arange(0, 40, 2)  # 5 per class
    idx = splits.subsample_per_class(y, 3, pool=pool, random_state=1)
    assert np.bincount(y[idx]).tolist() == [3, 3, 3, 3]
    assert set(idx) <= set(pool)
    with pytest.raises(MLPCInputError, match="fewer than"):
        splits.subsample_per_class(y, 6, pool=pool)
    with pytest.raises(MLPCInputError, match="positive integer"):
        splits.subsample_per_class(y, 0)



def test_learning_curve_draws_independent_of_other_sizes():
    y = np.repeat(np.arange(2), 30)
    a = splits.learning_curve_draws(y, [2, 5], 3, random_state=7)
    b = splits.learning_curve_draws(y, [5], 3, random_state=7)
    assert [(n, d) for n, d, _ in a] == [(2, 0), (2, 1), (2, 2), (5, 0), (5, 1), (5, 2)]
    for (_, _, i), (_, _, j) in zip(a[3:], b, strict=True):
        assert np.array_equal(i, j)
    assert not np.array_equal(a[3][2], a[4][2])  # draws differ
    full = splits.learning_curve_draws(y, [30], 3, random_state=7)
    assert len(full) == 1 and len(full[0][2]) == 60  # all images: one draw
