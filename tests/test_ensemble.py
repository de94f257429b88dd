"""The deep ensemble (models.ensemble.DeepEnsembleRegressor): small and fast.

Its scikit-learn estimator checks run in tests/test_common.py; refusing NaN candidates at
prediction (field case T10) is tested in tests/test_field_cases.py.
"""

import numpy as np
import pytest


def _toy(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    y = np.sin(X[:, 0]) + 0.1 * X[:, 1] + 0.1 * rng.normal(size=n)
    return X, y


def test_deep_ensemble_small():
    pytest.importorskip("torch")
    from mlpc_helpers.models.ensemble import DeepEnsembleRegressor

    X, y = _toy()
    ens = DeepEnsembleRegressor(n_members=3, hidden=(8,), epochs=150, lr=2e-2,
                                random_state=0).fit(X, y)
    mu, sd = ens.predict(X, return_std=True)
    assert mu.shape == sd.shape == (80,) and np.all(sd > 0)
    assert np.sqrt(np.mean((mu - y) ** 2)) < np.std(y)
    m2, alea, epi = ens.predict(X, return_components=True)
    assert np.allclose(np.hypot(alea, epi), sd)
    mus, sds = ens.predict_members(X[:5])
    assert mus.shape == sds.shape == (3, 5)
    # the moment-matched mixture (week 11 writes it out from predict_members)
    mus, sds = ens.predict_members(X)
    assert np.allclose(mus.mean(0), mu, atol=1e-5)
    assert np.allclose(np.sqrt((sds**2).mean(0) + mus.var(0)), sd, atol=1e-5)
    again = DeepEnsembleRegressor(n_members=3, hidden=(8,), epochs=150, lr=2e-2,
                                  random_state=0).fit(X, y).predict(X)
    assert np.allclose(again, mu)
    with pytest.raises(ValueError, match="2-D table"):
        DeepEnsembleRegressor().fit(X[:, 0], y)
