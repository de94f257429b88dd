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
