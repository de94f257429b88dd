"""Unit tests of mlpc_helpers.uncertainty and the deep ensemble (small and fast)."""

import numpy as np
import pytest
from scipy import stats

from mlpc_helpers import splits
from mlpc_helpers import uncertainty as unc

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def test_nll_matches_scipy():
    rng = np.random.default_rng(0)
    y, mu, sd = rng.normal(size=50), rng.normal(size=50), rng.uniform(0.5, 2, 50)
    assert unc.gaussian_nll(y, mu, sd) == pytest.approx(-stats.norm.logpdf(y, mu, sd).mean())
    with pytest.raises(ValueError, match="sd must be"):
        unc.gaussian_nll(y, mu, 0.0)
    with pytest.raises(ValueError, match="same length"):
        unc.gaussian_nll(y[:3], mu, sd)


def test_coverage_and_calibration_of_a_true_model():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=20000)
    sd = rng.uniform(0.5, 2.0, mu.size)
    y = mu + sd * rng.normal(size=mu.size)
    for p in (0.5, 0.9, 0.95):
        assert unc.gaussian_coverage(y, mu, sd, p) == pytest.approx(p, abs=0.01)
    nominal, observed = unc.calibration_curve(y, mu, sd)
    assert np.abs(nominal - observed).max() < 0.015
    # intervals half as wide: overconfident, and the recalibration factor is about 2
    assert unc.gaussian_coverage(y, mu, sd / 2, 0.9) < 0.7
    assert unc.recalibration_scale(y, mu, sd / 2, 0.9) == pytest.approx(2.0, rel=0.03)
    with pytest.raises(ValueError, match="level"):
        unc.gaussian_coverage(y, mu, sd, 90)


def test_intervals_and_sharpness():
    lo, hi = unc.central_interval(0.0, 1.0, 0.95)
    assert (lo, hi) == pytest.approx((-1.959964, 1.959964))
    assert unc.sharpness(np.ones(4), 0.95) == pytest.approx(2 * 1.959964)
    assert unc.sharpness(lower=[0, 1], upper=[2, 5]) == pytest.approx(3.0)
    assert unc.interval_coverage([0, 1, 5], [-1, -1, -1], [1, 1, 1]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="lower > upper"):
        unc.interval_coverage([0], [1], [0])


def test_acquisition_functions():
    assert unc.upper_confidence_bound([1.0], [0.5], kappa=2) == pytest.approx([2.0])
    cei = unc.constrained_expected_improvement([3.0, 5.0], 4.0, [99.5, 99.5], [1, 1], 99.5)
    assert cei == pytest.approx([0.0, 0.5])


def _toy(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    y = np.sin(X[:, 0]) + 0.1 * X[:, 1] + 0.1 * rng.normal(size=n)
    return X, y


def test_gp_helpers_and_grouped_cv():
    X, y = _toy()
    gp = unc.make_gp(2, n_restarts=0, random_state=0).fit(X, y)
    mu, epi, alea = unc.gp_uncertainty(gp, np.array([[0.0, 0.0], [30.0, 30.0]]))
    assert epi[1] > epi[0]  # far from the data: more epistemic uncertainty
    assert alea[0] == pytest.approx(unc.gp_noise_sd(gp))
    assert 0.03 < unc.gp_noise_sd(gp) < 0.3
    assert unc.ard_length_scales(gp).shape == (2,)
    with pytest.raises(ValueError, match="kernel"):
        unc.make_gp(2, kernel="linear")

    groups = np.repeat(np.arange(6), 10)

    def fit(X_tr, y_tr):
        m = unc.make_gp(2, n_restarts=0, random_state=0).fit(X_tr, y_tr)
        return lambda Z: m.predict(Z, return_std=True)

    out = splits.grouped_cv(lambda a, b, c, g: unc.fit_predict_recalibrated(fit, a, b, c, g),
                         X, y, groups, 3, pass_groups=True)
    assert set(out) == {"fold", "mu", "sd", "sd_recal", "scale"}
    for k in range(3):  # a whole group is in one fold
        assert len(np.unique(out["fold"][groups == k])) == 1
    assert np.all(out["scale"] > 0) and np.isfinite(out["mu"]).all()
    with pytest.raises(ValueError, match="groups cannot fill"):
        splits.grouped_cv(lambda a, b, c: {"mu": c[:, 0]}, X, y, groups, 7)


def test_campaign_finds_target_and_random_is_reproducible():
    X, y = _toy(40, seed=2)
    value = X[:, 1] + 3  # known, positive
    success = (y >= np.quantile(y, 0.8)) & (value >= np.quantile(value, 0.5))
    kw = dict(threshold=float(np.quantile(y, 0.8)), success=success, n_init=3)
    r1 = unc.simulate_campaign(X, y, value, strategy="random", random_state=5, **kw)
    r2 = unc.simulate_campaign(X, y, value, strategy="random", random_state=5, **kw)
    assert r1["n_experiments"] == r2["n_experiments"] >= 1
    assert success[r1["order"][r1["n_experiments"] - 1]]
    for s in ("ei", "ucb"):
        r = unc.simulate_campaign(X, y, value, strategy=s, random_state=5, **kw)
        assert 1 <= r["n_experiments"] <= len(y)
        assert list(r["order"][:3]) == list(r1["order"][:3])  # same initial rows
    capped = unc.simulate_campaign(X, y, value, strategy="random", random_state=5,
                                   max_experiments=3, **kw | {"success": np.eye(40)[39] > 0})
    assert np.isnan(capped["n_experiments"]) or capped["n_experiments"] <= 3
    with pytest.raises(ValueError, match="strategy"):
        unc.simulate_campaign(X, y, value, strategy="greedy", **kw)
    with pytest.raises(ValueError, match="no row"):
        unc.simulate_campaign(X, y, value, **kw | {"success": np.zeros(40, bool)})


def test_deep_ensemble_small():
    pytest.importorskip("torch")
    from mlpc_helpers.models.ensemble import DeepEnsembleRegressor

    X, y = _toy(80)
    ens = DeepEnsembleRegressor(n_members=3, hidden=(8,), epochs=150, lr=2e-2,
                                random_state=0).fit(X, y)
    mu, sd = ens.predict(X, return_std=True)
    assert mu.shape == sd.shape == (80,) and np.all(sd > 0)
    assert np.sqrt(np.mean((mu - y) ** 2)) < np.std(y)
    m2, alea, epi = ens.predict(X, return_components=True)
    assert np.allclose(np.hypot(alea, epi), sd)
    mus, _ = ens.predict_members(X[:5])
    assert mus.shape == (3, 5)
    again = DeepEnsembleRegressor(n_members=3, hidden=(8,), epochs=150, lr=2e-2,
                                  random_state=0).fit(X, y).predict(X)
    assert np.allclose(again, mu)
    with pytest.raises(ValueError, match="2-D table"):
        DeepEnsembleRegressor().fit(X[:, 0], y)
