"""The convolutional autoencoder of week 5 and its helpers."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlpc_helpers import models  # noqa: E402
from mlpc_helpers.models import autoencoder as ae  # noqa: E402


def test_shapes_encode_decode():
    m = models.ConvAutoencoder(latent_dim=8).eval()
    x = torch.rand(3, 1, 128, 128)
    with torch.no_grad():
        z = m.encode(x)
        y = m.decode(z)
        assert torch.allclose(m(x), y)
    assert z.shape == (3, 8)
    assert y.shape == (3, 1, 128, 128)
    assert float(y.min()) >= 0 and float(y.max()) <= 1


def test_architecture_channels():
    m = models.ConvAutoencoder(latent_dim=4)
    convs = [mod for mod in m.encoder if isinstance(mod, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 32, 64, 128]
    assert all(c.stride == (2, 2) for c in convs)
    deconvs = [mod for mod in m.decoder if isinstance(mod, torch.nn.ConvTranspose2d)]
    assert [c.out_channels for c in deconvs] == [64, 32, 16, 1]


def test_bad_input_raises_clear_errors():
    m = models.ConvAutoencoder(latent_dim=4)
    with pytest.raises(ValueError, match="resize"):
        m.encode(torch.rand(2, 128, 128))
    with pytest.raises(ValueError, match="decode expects"):
        m.decode(torch.rand(2, 5))
    with pytest.raises(ValueError, match="divisible"):
        models.ConvAutoencoder(image_size=100)
    with pytest.raises(ValueError, match="Unknown noise"):
        models.add_noise(np.zeros((1, 4, 4)), "salt", 0.1, np.random.default_rng(0))


def test_add_noise_levels():
    rng = np.random.default_rng(0)
    x = np.full((4, 32, 32), 0.5, np.float32)
    g = models.add_noise(x, "gaussian", 0.1, rng)
    assert abs(float((g - x).std()) - 0.1) < 0.01
    p = models.add_noise(x, "poisson", 50.0, rng)
    assert abs(float(p.std()) - np.sqrt(0.5 / 50)) < 0.02


def test_training_reduces_reconstruction_error():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:64]
    imgs = np.stack([np.exp(-((xx - c) ** 2 + (yy - 32) ** 2) / 50.0)
                     for c in rng.uniform(20, 44, 48)]).astype(np.float32)[:, None]
    m, hist = models.train_autoencoder(imgs[:40], imgs[40:], latent_dim=4, epochs=6,
                                       batch_size=8, lr=3e-3, progress=False)
    assert hist.val_loss[-1] < hist.val_loss[0]
    score, maps = models.residuals(m, imgs[40:])
    assert score.shape == (8,) and maps.shape == (8, 64, 64)
    assert np.allclose(score, (maps**2).mean(axis=(1, 2)), rtol=1e-5)
    assert models.encode(m, imgs[:5]).shape == (5, 4)
    assert models.reconstruct(m, imgs[:5]).shape == (5, 1, 64, 64)


def test_import_mlpc_helpers_does_not_need_autoencoder_module():
    assert "ConvAutoencoder" in dir(models)
    assert ae.ConvAutoencoder is models.ConvAutoencoder
