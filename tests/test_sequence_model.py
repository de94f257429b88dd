"""The small 1-D CNN for process-signal windows (tiny shapes, two training steps)."""

import numpy as np
import pytest
import torch

from mlpc_helpers.models import fit, make_loader, predict
from mlpc_helpers.models.sequence import SignalCNN1D, softmax_proba, standardize_windows


def test_shapes_any_length_and_input_check():
    m = SignalCNN1D(n_channels=3, n_outputs=2).eval()
    assert m(torch.rand(4, 3, 64)).shape == (4, 2)
    assert m(torch.rand(2, 3, 17)).shape == (2, 2)
    with pytest.raises(ValueError, match="expects"):
        m(torch.rand(2, 4, 64))


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, (20, 2, 8))
    test = np.full((3, 2, 8), 5.0)
    a, b = standardize_windows(train, test)
    np.testing.assert_allclose(a.mean(axis=(0, 2)), 0, atol=1e-5)
    assert a.dtype == np.float32 and abs(b).max() < 1.0


def test_learns_a_separable_toy_problem():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (64, 2, 16)).astype(np.float32)
    y = (np.arange(64) % 2).astype(np.int64)
    x[y == 1, 0] += 2.0  # class 1: channel 0 offset
    m = SignalCNN1D(n_channels=2, n_outputs=2, widths=(8,), kernel_sizes=(3,))
    hist = fit(m, make_loader(x, y, batch_size=16, shuffle=True),
               loss_fn=torch.nn.CrossEntropyLoss(), epochs=5, lr=1e-2, progress=False,
               device="cpu")
    assert hist.train_loss[-1] < hist.train_loss[0]
    p = predict(m, x, fn=softmax_proba, device="cpu")
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-5)
    assert ((p[:, 1] > 0.5) == y).mean() > 0.8
