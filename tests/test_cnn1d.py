"""The two-headed 1-D CNN for phase presence and fractions."""

import numpy as np
import pytest
import torch

from mlpc_helpers import models


def test_shapes_and_probabilities():
    m = models.PhaseCNN1D(n_phases=5).eval()
    x = torch.rand(3, 3001)
    pres, frac = m(x)
    assert pres.shape == frac.shape == (3, 5)
    assert m(x[:, None, :])[0].shape == (3, 5)
    out = models.predict(m, x.numpy(), fn=models.phase_probabilities, device="cpu")
    assert out.shape == (3, 10)
    assert ((out[:, :5] > 0) & (out[:, :5] < 1)).all()
    np.testing.assert_allclose(out[:, 5:].sum(1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="expects"):
        m(torch.rand(2, 2, 100))


def test_loss_checks_target_and_is_minimal_at_truth():
    loss = models.PhaseLoss()
    target = torch.tensor([[1.0, 0.0, 0.7, 0.3]])
    good = (torch.tensor([[8.0, -8.0]]), torch.log(torch.tensor([[0.7, 0.3]])))
    bad = (torch.tensor([[-8.0, 8.0]]), torch.log(torch.tensor([[0.3, 0.7]])))
    assert float(loss(good, target)) < float(loss(bad, target))
    with pytest.raises(ValueError, match="presence then fractions"):
        loss(good, target[:, :3])


def test_learns_a_toy_two_phase_problem():
    """Through models.fit: peaks at two positions -> presence and fraction learnt."""
    g = np.random.default_rng(0)
    t = np.linspace(0, 1, 400)
    p1, p2 = np.exp(-((t - 0.3) / 0.01) ** 2), np.exp(-((t - 0.7) / 0.01) ** 2)
    w = g.uniform(0, 1, 256)
    pres = np.stack([w > 0.2, w < 0.8], 1).astype(np.float32)
    frac = np.stack([w, 1 - w], 1) * pres
    frac = (frac / frac.sum(1, keepdims=True)).astype(np.float32)
    x = (frac[:, :1] * p1 + frac[:, 1:] * p2 + 0.01 * g.random((256, 400))).astype(np.float32)
    loader = models.make_loader(x, np.concatenate([pres, frac], 1), batch_size=32, shuffle=True)
    torch.manual_seed(0)
    m = models.PhaseCNN1D(2, widths=(8, 8), kernel_sizes=(9, 5), pools=(4, 2), n_bins=16,
                          hidden=32, dropout=0.0)
    hist = models.fit(m, loader, loss_fn=models.PhaseLoss(), epochs=15, lr=3e-3,
                      progress=False, device="cpu")
    assert hist.train_loss[-1] < 0.6 * hist.train_loss[0]
    out = models.predict(m, x, fn=models.phase_probabilities, device="cpu")
    assert np.mean((out[:, :2] > 0.5) == pres) > 0.9
    assert np.mean(np.abs(out[:, 2:] - frac)) < 0.1
