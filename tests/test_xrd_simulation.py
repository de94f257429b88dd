"""Physics of the simulated XRD mixtures (synthetic/xrd_patterns.py) and the CNN helpers."""

import numpy as np
import pytest

from mlpc_helpers import xrd
from mlpc_helpers.synthetic import xrd_patterns as xp
from mlpc_helpers.validation import MLPCInputError

TTH = np.round(np.arange(5, 65.0001, 0.02), 6)


def _peak(c, w=0.05):
    return np.exp(-0.5 * ((TTH - c) / w) ** 2)


def test_peak_shift_zero_and_displacement():
    np.testing.assert_allclose(xp.peak_shift(TTH, zero=0.1), 0.1)
    d = xp.peak_shift(TTH, displacement_mm=0.1, radius_mm=240)
    assert np.all(d < 0) and abs(d[0]) > abs(d[-1])  # cos θ: low angles move most
    expected = -np.rad2deg(2 * 0.1 * np.cos(np.deg2rad(15)) / 240)
    assert d[np.argmin(abs(TTH - 30))] == pytest.approx(expected)
    y = xrd.shift_pattern(_peak(30), TTH, 0.2)
    assert TTH[np.argmax(y)] == pytest.approx(30.2)


def test_scherrer_width_and_broadening_keeps_area():
    beta = xp.scherrer_fwhm(np.array([30.0]), 100.0)[0]
    assert beta == pytest.approx(np.rad2deg(0.9 * 0.15405929 / (100 * np.cos(np.deg2rad(15)))))
    assert xp.scherrer_fwhm(np.array([60.0]), 100.0)[0] > beta  # 1/cos θ
    y = _peak(20) + _peak(55)
    b = xp.broaden(y, TTH, 30.0)
    np.testing.assert_allclose(b.sum(), y.sum(), rtol=1e-3)
    assert b.max() < 0.8 * y.max()
    with pytest.raises(MLPCInputError):
        xp.scherrer_fwhm(TTH, 0.0)


def test_march_dollase_random_powder_and_mean_one():
    np.testing.assert_allclose(xp.march_dollase(np.linspace(0, 1, 11), 1.0), 1.0)
    c = np.linspace(0, 1, 200_001)
    assert xp.march_dollase(c, 0.7).mean() == pytest.approx(1.0, abs=1e-3)
    assert xp.march_dollase(1.0, 0.7) > 1 > xp.march_dollase(0.0, 0.7)
    f = xp.orientation_factor(TTH, 0.7, random_state=0)
    assert f.shape == TTH.shape and f.min() > 0


def test_kalpha2_position_and_ratio():
    y = xp.add_kalpha2(_peak(60, 0.02), TTH)
    pos2 = 2 * np.rad2deg(np.arcsin(xp.CU_KA2 / xp.CU_KA1 * np.sin(np.deg2rad(30))))
    right = TTH > 60.08
    assert TTH[right][np.argmax(y[right])] == pytest.approx(pos2, abs=0.02)
    assert y[right].max() == pytest.approx(0.5, abs=0.05)


def test_simulate_mixtures_truth_and_ablation():
    lib = np.column_stack([_peak(c) * 1e4 for c in (20, 26.6, 35.1, 43.4)])
    rir = np.array([1.0, 3.5, 0.5, 1.2])
    X, P, W = xp.simulate_mixtures(lib, rir, TTH, 20, random_state=1, max_phases=2,
                                   always=[0])
    assert X.shape == (20, TTH.size) and P.shape == W.shape == (20, 4)
    np.testing.assert_allclose(W.sum(1), 1, atol=1e-5)
    assert np.all(P[:, 0] == 1) and np.all((P > 0) == (W > 0))
    assert np.all(X >= 0) and np.allclose(X, np.round(X))  # Poisson counts
    X2, _, _ = xp.simulate_mixtures(lib, rir, TTH, 20, random_state=1, max_phases=2,
                                    always=[0])
    np.testing.assert_array_equal(X, X2)
    Xc, _, Wc = xp.simulate_mixtures(lib, rir, TTH, 5, random_state=2, max_phases=3,
                                     disable=xp.AUGMENTATIONS)
    clean = (Wc * rir) @ lib.T
    np.testing.assert_allclose(Xc / Xc.max(1, keepdims=True),
                               clean / clean.max(1, keepdims=True), atol=1e-5)
    with pytest.raises(MLPCInputError, match="unknown"):
        xp.simulate_mixtures(lib, rir, TTH, 2, disable=["blur"])


def test_choose_threshold_on_validation():
    true = np.array([[1, 0], [1, 1], [0, 0]])
    prob = np.array([[0.9, 0.2], [0.35, 0.8], [0.1, 0.3]])
    th, f1 = xrd.choose_threshold(true, prob)
    assert f1[th] == pytest.approx(1.0) and 0.3 <= th < 0.35
    with pytest.raises(MLPCInputError):
        xrd.choose_threshold(true, prob[:1])


def test_train_phase_cnn_is_seeded():
    from mlpc_helpers import models

    g = np.random.default_rng(0)
    x = g.random((40, 200)).astype(np.float32)
    pres = (g.random((40, 3)) > 0.5).astype(np.float32)
    frac = np.full((40, 3), 1 / 3, dtype=np.float32)
    kw = dict(epochs=1, random_state=3, progress=False, widths=(4,), kernel_sizes=(5,),
              pools=(4,), n_bins=4, hidden=8)
    m1, h1, val = models.train_phase_cnn(x, pres, frac, **kw)
    m2, h2, _ = models.train_phase_cnn(x, pres, frac, **kw)
    assert len(val) == 4 and h1.train_loss == h2.train_loss
    with pytest.raises(MLPCInputError, match="one row per pattern"):
        models.train_phase_cnn(x, pres[:3], frac, **kw)
    with pytest.raises(MLPCInputError, match="n_phases"):
        models.train_phase_cnn(x, pres[:, :2], frac, **kw)
    with pytest.raises(MLPCInputError, match="val_fraction"):
        models.train_phase_cnn(x, pres, frac, val_fraction=1.5, **kw)
