"""Tests of mlpc_helpers.spectra (EDS peaks, line assignment, denoisers, matching) and the
1-D spectral autoencoder."""

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import spectra, xray
from mlpc_helpers.validation import MLPCInputError

ENERGY = np.arange(0.1, 10.0, 0.01)


def synthetic_eds(lines_kev, heights, background=200.0, seed=0):
    """Poisson spectrum: flat-ish background + Gaussian peaks of detector width."""
    rng = np.random.default_rng(seed)
    lam = background * np.exp(-ENERGY / 8)
    for e0, h in zip(lines_kev, heights, strict=True):
        sig = xray.fwhm_at_energy(e0) / 2.355
        lam = lam + h * np.exp(-0.5 * ((ENERGY - e0) / sig) ** 2)
    return rng.poisson(lam).astype(float)


def test_snip_background_ignores_narrow_peak():
    y = 100 + np.zeros(300)
    y[150] += 1000
    bg = spectra.snip_background(y, n_iter=10)
    assert np.allclose(bg[140:160], 100, atol=2)


def test_find_eds_peaks_finds_peaks_and_no_noise_peaks():
    y = synthetic_eds([1.487, 5.899, 6.490], [3000, 2000, 300])
    pk = spectra.find_eds_peaks(ENERGY, y)
    assert len(pk) == 3
    assert np.allclose(pk.energy_keV, [1.487, 5.899, 6.490], atol=0.015)
    flat = synthetic_eds([], [])
    assert spectra.find_eds_peaks(ENERGY, flat).empty


def test_find_eds_peaks_rejects_bad_axis():
    with pytest.raises(MLPCInputError):
        spectra.find_eds_peaks(ENERGY[::-1], np.ones_like(ENERGY))


def test_line_table_uses_exspy_and_excitation():
    t = xray.line_table(10.0)
    fe = t[(t.element == "Fe") & (t.line == "Ka")]
    assert len(fe) == 1 and abs(float(fe.energy_keV.iloc[0]) - 6.40) < 0.01
    assert not ((t.element == "W") & t.line.str.startswith("L")).any()  # W L edge > 10 kV
    assert "Ar" not in set(t.element)


def test_identify_elements_and_scores():
    y = synthetic_eds([1.487, 5.899, 6.490, 0.637], [3000, 2000, 300, 800])
    pk = spectra.find_eds_peaks(ENERGY, y)
    lines = xray.line_table(15.0, elements=["Al", "Mn", "Fe", "Si", "Cr"])
    found, table = spectra.identify_elements(pk, lines)
    assert set(found) == {"Al", "Mn"}
    assert (table.element != "").all()


def test_artefact_peaks_flags_escape_and_sum():
    pk = pd.DataFrame({"energy_keV": [1.49, 2.98, 4.16, 5.90], "net_counts":
                       [5e4, 1e3, 5e2, 4e4], "fwhm_keV": [0.08, 0.1, 0.11, 0.13]})
    assert spectra.artefact_peaks(pk).tolist() == [False, True, True, False]


def test_split_counts_is_exact_partition():
    c = np.array([0, 5, 100, 1000])
    parts = spectra.split_counts(c, 4, random_state=0)
    assert parts.shape == (4, 4) and (parts.sum(axis=0) == c).all()
    with pytest.raises(MLPCInputError):
        spectra.split_counts(np.array([1.5]), 2)


def test_denoisers_keep_shape_and_compare_peaks():
    y = synthetic_eds([1.487, 5.899], [300, 200], background=20)
    assert spectra.denoise_savgol(y).shape == y.shape
    stack = np.stack([synthetic_eds([1.487], [100], 20, seed=s) for s in range(6)])
    assert spectra.denoise_pca(stack, 1).shape == stack.shape
    if spectra.have_pywt():
        w = spectra.denoise_wavelet(y)
        assert w.shape == y.shape and (w >= 0).all()
    ref = spectra.find_eds_peaks(ENERGY, synthetic_eds([1.487, 5.899], [3000, 2000]))
    out = spectra.compare_peaks(ref, ref.iloc[:1])
    assert out["n_matched"] == 1 and out["n_missed"] == 1 and out["n_false"] == 0


def test_cosine_matching_and_rank():
    refs = np.eye(4)
    comp = np.array([[0.0, 2.0, 0.1, 0.0]])
    t = spectra.match_to_references(comp, refs, list("abcd"))
    assert t.reference[0] == "b" and t.cosine[0] > 0.99
    assert spectra.rank_at_noise([100, 10, 1, 0.5], [1, 2, 3, 4], 2.0) == 3


def test_augment_patterns_normalised_and_seeded():
    x = np.zeros((2, 64))
    x[0, 30], x[1, 10] = 5, 3
    tth = np.linspace(10, 60, 64)
    a = spectra.augment_patterns(x, 5, tth=tth, random_state=1)
    b = spectra.augment_patterns(x, 5, tth=tth, random_state=1)
    assert a.shape == (5, 64) and np.allclose(a.max(axis=1), 1) and np.array_equal(a, b)


def test_spectral_autoencoder_tiny():
    pytest.importorskip("torch")
    from mlpc_helpers.models import spectral_ae

    rng = np.random.default_rng(0)
    x = rng.random((32, 64)).astype(np.float32)
    model, hist = spectral_ae.train_spectral_ae(x, x[:8], latent_dim=3, epochs=1,
                                                random_state=0)
    assert hist.epochs == 1
    assert spectral_ae.encode(model, x[:4]).shape == (4, 3)
    assert spectral_ae.reconstruct(model, x[:4]).shape == (4, 64)
    with pytest.raises(ValueError):
        spectral_ae.SpectralAE1D(60)
