"""Unit tests of mlpc_helpers.formation on small images with known answers."""

import numpy as np
import pytest

from mlpc_helpers import formation as fm
from mlpc_helpers.validation import MLPCInputError


def _stripes(period: int, n: int = 128) -> np.ndarray:
    """Vertical stripes, half-period wide: a periodic two-phase bool map."""
    x = np.arange(n)
    return np.tile((x % period) < period // 2, (n, 1))


def test_radial_spectrum_and_spacing_of_stripes():
    img = np.cos(2 * np.pi * np.arange(128) / 16)[None, :] * np.ones((128, 1))
    f, p = fm.radial_power_spectrum(img)
    assert f.shape == p.shape and f[0] == pytest.approx(1 / 128) and f[-1] == 0.5
    assert fm.characteristic_spacing(f, p) == pytest.approx(16)
    with pytest.raises(MLPCInputError):
        fm.characteristic_spacing(f, p[:-1])
    with pytest.raises(MLPCInputError, match="2-D"):
        fm.power_spectrum(np.zeros((2, 4, 4)))


def test_resample_and_aliasing_experiment():
    m = _stripes(16).astype(np.int64)
    point = fm.resample_classes(m, 4, anti_aliasing=False)
    smooth = fm.resample_classes(m, 4, anti_aliasing=True)
    assert point.shape == smooth.shape == (32, 32)
    assert point.mean() == pytest.approx(0.5) and smooth.mean() == pytest.approx(0.5, abs=0.1)
    # stripes of period 4 px sampled every 4 px alias to a constant
    assert np.unique(fm.resample_classes(_stripes(4).astype(int), 4,
                                         anti_aliasing=False)).size == 1
    df = fm.aliasing_experiment(m, [2, 4], {"bright": 1})
    assert len(df) == 4 and set(df.anti_aliasing) == {False, True}
    assert df.vf_rel_error.abs().max() < 0.2
    with pytest.raises(MLPCInputError, match="factor"):
        fm.resample_classes(m, 1.5, anti_aliasing=False)


def test_anscombe_inverses():
    lam = np.array([0.05, 0.5, 1.0, 3.0, 10.0, 100.0])
    from scipy.stats import poisson

    x = np.arange(0, 300)
    ea = poisson.pmf(x[None], lam[:, None]) @ fm.anscombe(x)
    assert fm.anscombe_inverse(ea) == pytest.approx(lam, rel=1e-3, abs=1e-3)
    assert fm.anscombe_inverse(ea[2:], "closed_form") == pytest.approx(lam[2:], rel=0.02)
    # the algebraic inverse is biased low at small counts
    assert np.all(fm.anscombe_inverse(ea[:3], "algebraic") < 0.85 * lam[:3])
    assert fm.anscombe_inverse(np.array([0.0]))[0] == 0
    # variance stabilisation: Var A(x) close to 1 for lambda >= 10
    m2 = poisson.pmf(x[None], lam[4:, None]) @ fm.anscombe(x) ** 2
    assert m2 - ea[4:] ** 2 == pytest.approx([1, 1], abs=0.02)
    with pytest.raises(MLPCInputError, match="method"):
        fm.anscombe_inverse(ea, "nope")


def test_generalised_anscombe_stabilises_read_noise():
    rng = np.random.default_rng(0)
    sds = []
    for lam in (5.0, 50.0):
        x = rng.poisson(lam, 200_000) + rng.normal(0, 3.0, 200_000)
        sds.append(fm.anscombe(x, read_noise_sd=3.0).std())
    assert sds == pytest.approx([1, 1], abs=0.1)
    assert fm.anscombe(np.array([-20.0]), read_noise_sd=3.0)[0] == 0
    with pytest.raises(MLPCInputError, match=">= -3/8"):
        fm.anscombe(np.array([-1.0]))


def test_thinning_and_split():
    n = np.full(20000, 50)
    t = fm.binomial_thin(n, 0.1, random_state=0)
    assert t.dtype == np.int64 and t.mean() == pytest.approx(5, rel=0.03)
    assert np.array_equal(t, fm.binomial_thin(n, 0.1, random_state=0))
    a, b = fm.poisson_split(n, random_state=1)
    assert np.array_equal(a + b, n)
    with pytest.raises(MLPCInputError, match="fraction"):
        fm.binomial_thin(n, 1.5)
    with pytest.raises(MLPCInputError, match="whole"):
        fm.binomial_thin(np.array([1.5]), 0.5)
    with pytest.raises(MLPCInputError, match=">= 0"):
        fm.binomial_thin(np.array([-1]), 0.5)


def test_psf_and_patch_denoise():
    psf = fm.gaussian_psf(2.0)
    assert psf.shape == (17, 17) and psf.sum() == pytest.approx(1)
    rng = np.random.default_rng(0)
    clean = np.tile(np.sin(np.arange(48) / 4.0), (48, 1)) * 5 + 10
    noisy = clean + rng.normal(0, 1, clean.shape)
    out = fm.pca_patch_denoise(noisy, 1.0, patch_size=6)
    assert np.mean((out - clean) ** 2) < 0.5 * np.mean((noisy - clean) ** 2)
    with pytest.raises(MLPCInputError):
        fm.gaussian_psf(0)
