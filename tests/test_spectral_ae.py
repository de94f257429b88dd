"""The 1-D spectral autoencoder (models.spectral_ae) of the week-9 notebook."""

import numpy as np
import pytest


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
