"""Unit tests of mlpc_helpers.noise (counting statistics) with known answers."""

import numpy as np
import pytest
from scipy.stats import poisson

from mlpc_helpers import noise
from mlpc_helpers.validation import MLPCInputError


def test_anscombe_inverses():
    lam = np.array([0.05, 0.5, 1.0, 3.0, 10.0, 100.0])
    x = np.arange(0, 300)
    ea = poisson.pmf(x[None], lam[:, None]) @ noise.anscombe(x)
    assert noise.anscombe_inverse(ea) == pytest.approx(lam, rel=1e-3, abs=1e-3)
    assert noise.anscombe_inverse(ea[2:], "closed_form") == pytest.approx(lam[2:], rel=0.02)
    # the algebraic inverse is biased low at small counts
    assert np.all(noise.anscombe_inverse(ea[:3], "algebraic") < 0.85 * lam[:3])
    assert noise.anscombe_inverse(np.array([0.0]))[0] == 0
    # variance stabilisation: Var A(x) close to 1 for lambda >= 10
    m2 = poisson.pmf(x[None], lam[4:, None]) @ noise.anscombe(x) ** 2
    assert m2 - ea[4:] ** 2 == pytest.approx([1, 1], abs=0.02)
    with pytest.raises(MLPCInputError, match="method"):
        noise.anscombe_inverse(ea, "nope")
    with pytest.raises(MLPCInputError, match="NaN"):
        noise.anscombe_inverse(np.array([np.nan]))


def test_generalised_anscombe_stabilises_read_noise():
    rng = np.random.default_rng(0)
    sds = []
    for lam in (5.0, 50.0):
        x = rng.poisson(lam, 200_000) + rng.normal(0, 3.0, 200_000)
        sds.append(noise.anscombe(x, read_noise_sd=3.0).std())
    assert sds == pytest.approx([1, 1], abs=0.1)
    assert noise.anscombe(np.array([-20.0]), read_noise_sd=3.0)[0] == 0
    with pytest.raises(MLPCInputError, match=">= -3/8"):
        noise.anscombe(np.array([-1.0]))
    with pytest.raises(MLPCInputError, match="read_noise_sd"):
        noise.anscombe(np.array([1.0]), read_noise_sd=-1)


def test_thinning_is_poisson_at_lower_dose():
    n = poisson.rvs(50, size=40000, random_state=0)
    t = noise.binomial_thin(n, 0.1, random_state=0)
    assert t.dtype == np.int64 and t.shape == n.shape
    # Poisson(5): mean = variance = 5
    assert t.mean() == pytest.approx(5, rel=0.03) and t.var() == pytest.approx(5, rel=0.05)
    assert np.array_equal(t, noise.binomial_thin(n, 0.1, random_state=0))
    assert np.array_equal(noise.binomial_thin(n, 1.0, random_state=0), n)
    with pytest.raises(MLPCInputError, match="fraction"):
        noise.binomial_thin(n, 1.5)
    with pytest.raises(MLPCInputError, match="whole"):
        noise.binomial_thin(np.array([1.5]), 0.5)
    with pytest.raises(MLPCInputError, match=">= 0"):
        noise.binomial_thin(np.array([-1]), 0.5)
