"""mlpc_helpers.encodings and models.cross_val_predict_cnn (week04_encodings)."""

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import encodings, imaging


def test_pc1_tracks_the_parameter_that_drives_the_variance():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=200), rng.normal(size=200)
    X = np.outer(a, np.ones(30)) * 5 + np.outer(b, rng.normal(size=30)) * 0.5
    X += rng.normal(0, 0.1, X.shape)
    truth = pd.DataFrame({"a": a, "b": b})
    pcas, corr = encodings.pc_truth_correlation({"X": X}, truth, n_components=2,
                                                random_state=0)
    assert corr[0].loc["a", "X"] > 0.99 and corr[1].loc["b", "X"] > 0.9
    assert pcas["X"].n_components == 2
    with pytest.raises(ValueError, match="rows"):
        encodings.pc_truth_correlation({"X": X[:10]}, truth)


def test_cross_val_predict_cnn_out_of_fold_and_on_the_target_scale():
    pytest.importorskip("torch")
    import torch

    from mlpc_helpers import models

    rng = np.random.default_rng(2)
    X = rng.normal(size=(24, 1, 8, 8)).astype(np.float32)
    y = 100 + X.mean(axis=(1, 2, 3)) * 10
    splits = [(np.arange(12, 24), np.arange(12)), (np.arange(12), np.arange(12, 24))]
    torch.manual_seed(0)
    pred = models.cross_val_predict_cnn(
        lambda: models.SmallCNN(n_outputs=1, widths=(4, 8)), X, y, splits, epochs=1,
        batch_size=8, augment=imaging.augmenter("flip", random_state=0), random_state=5)
    assert pred.shape == y.shape and np.all(np.abs(pred - 100) < 20)
