"""Unit tests of mlpc_helpers.constrained on tiny problems (no dataset, no long fits)."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_val_predict

from mlpc_helpers import constrained as cm
from mlpc_helpers import xrd
from mlpc_helpers.validation import MLPCInputError


def test_project_simplex_properties_and_known_value():
    assert cm.project_simplex([0.2, 0.3, 0.5]) == pytest.approx([0.2, 0.3, 0.5])
    assert cm.project_simplex([1.0, 1.0]) == pytest.approx([0.5, 0.5])
    assert cm.project_simplex([2.0, -1.0, 0.0]) == pytest.approx([1.0, 0.0, 0.0])
    rng = np.random.default_rng(0)
    v = rng.normal(size=(20, 5)) * 3
    p = cm.project_simplex(v, total=100)
    assert np.all(p >= 0) and p.sum(1) == pytest.approx(np.full(20, 100.0))
    # it is the closest point: compare with SLSQP on one row
    res = minimize(lambda x: np.sum((x - v[0]) ** 2), np.full(5, 20.0), method="SLSQP",
                   bounds=[(0, None)] * 5,
                   constraints={"type": "eq", "fun": lambda x: x.sum() - 100})
    assert p[0] == pytest.approx(res.x, abs=1e-4)
    with pytest.raises(MLPCInputError, match="total"):
        cm.project_simplex([1.0], total=0)
    with pytest.raises(MLPCInputError, match="NaN"):
        cm.project_simplex([np.nan, 1.0])


def _mixture(seed=0):
    rng = np.random.default_rng(seed)
    n, k = 80, 4
    A = np.abs(rng.normal(size=(n, k))) + np.eye(n, k) * 5
    rir = np.array([1.0, 2.0, 0.5, 1.5])
    w = np.array([0.2, 0.5, 0.1, 0.2])  # column 0 is the standard at 20 %
    y = A @ (w * rir) * 3 + rng.normal(scale=0.05, size=n)
    return A, rir, w, y


def test_internal_standard_nnls_sums_to_one_and_matches_slsqp():
    A, rir, w, y = _mixture()
    x = cm.internal_standard_nnls(y, A, rir, standard=0, standard_wt_pct=20)
    f = xrd.rir_wt_pct(x, rir, standard=0, standard_wt_pct=20)
    assert np.all(x >= 0)
    assert f.sum() == pytest.approx(100.0) and f[0, 0] == pytest.approx(20.0)
    assert f[0] == pytest.approx(100 * w, abs=2)

    def eq(s):  # m_s = 0.25 * sum of the other masses
        m = s / rir
        return m[0] - 0.25 * m[1:].sum()

    res = minimize(lambda s: np.sum((A @ s - y) ** 2), np.ones(4), method="SLSQP",
                   bounds=[(0, None)] * 4, constraints={"type": "eq", "fun": eq},
                   options={"ftol": 1e-12, "maxiter": 500})
    assert x[0] == pytest.approx(res.x, rel=1e-3)


def test_internal_standard_nnls_free_background_and_errors():
    A, rir, w, y = _mixture(1)
    bg = np.linspace(1, 2, len(y))
    A2 = np.column_stack([A, bg])
    rir2 = np.append(rir, 1.0)
    mineral = np.array([True] * 4 + [False])
    x = cm.internal_standard_nnls(y + 2 * bg, A2, rir2, standard=0, standard_wt_pct=20,
                                  mineral=mineral)
    f = xrd.rir_wt_pct(x, rir2, mineral=mineral, standard=0, standard_wt_pct=20)
    assert f[0, 4] == 0 and f.sum() == pytest.approx(100.0)
    assert x[0, 4] == pytest.approx(2.0, rel=0.05)
    with pytest.raises(MLPCInputError, match="looks like a fraction"):
        cm.internal_standard_nnls(y, A, rir, standard=0, standard_wt_pct=0.2)
    with pytest.raises(MLPCInputError, match="standard_wt_pct"):
        cm.internal_standard_nnls(y, A, rir, standard=0, standard_wt_pct=120)
    with pytest.raises(MLPCInputError, match="mineral"):
        cm.internal_standard_nnls(y, A2, rir2, standard=4, standard_wt_pct=20,
                                  mineral=mineral)
    with pytest.raises(MLPCInputError, match="standard"):
        xrd.rir_wt_pct(np.array([[0.0, 1.0]]), [1.0, 1.0], standard=0, standard_wt_pct=20)


def _law_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.uniform(0, 1, n), "g": rng.choice(["a", "b"], n),
                      "z": rng.normal(size=n)})
    y = np.where(X.g == "a", 1 + 2 * X.x, -X.x) + 0.5 * X.z
    return X, y.to_numpy()


def test_groupwise_polynomial_per_group_clip_and_unseen():
    X, y = _law_frame()
    law = cm.GroupwisePolynomial("x", "g", degree=1).fit(X, y - 0.5 * X.z)
    new = pd.DataFrame({"x": [0.5, 5.0, 0.5], "g": ["a", "a", "c"]})
    p = law.predict(new)
    assert p[0] == pytest.approx(2.0)
    assert p[1] == pytest.approx(1 + 2 * X.x[X.g == "a"].max())  # held constant
    assert np.isfinite(p[2])  # unseen group: pooled law
    with pytest.raises(MLPCInputError, match="columns"):
        law.predict(new[["x"]])


def test_hybrid_regressor_in_cross_validation():
    X, y = _law_frame(120)
    hyb = cm.HybridRegressor(cm.GroupwisePolynomial("x", "g", degree=1),
                             LinearRegression(), residual_columns=["z"])
    p = cross_val_predict(hyb, X, y, cv=KFold(4))
    law_only = cross_val_predict(cm.GroupwisePolynomial("x", "g", 1), X, y, cv=KFold(4))
    assert np.mean(np.abs(p - y)) < 0.3 * np.mean(np.abs(law_only - y))
    with pytest.raises(MLPCInputError, match="residual_columns"):
        cm.HybridRegressor(cm.GroupwisePolynomial("x", "g"), LinearRegression(),
                           ["nope"]).fit(X, y)


def test_monotone_penalty_zero_for_monotone_model():
    torch = pytest.importorskip("torch")
    x = torch.linspace(-1, 1, 21)[:, None].repeat(1, 2)

    def up(t):
        return 3 * t[:, :1] - t[:, 1:] ** 2

    def down(t):
        return -t[:, :1] ** 3 - t[:, :1]

    assert cm.monotone_penalty(up, x, 0, 1).item() == 0.0
    assert cm.monotone_penalty(down, x, 0, 1).item() > 0.5
    assert cm.monotone_penalty(down, x, 0, -1).item() == 0.0
    s = cm.input_slope(up, x, 0)
    assert torch.allclose(s, torch.full((21,), 3.0))
    with pytest.raises(MLPCInputError):
        cm.monotone_penalty(up, x, 0, 0)
