"""A small 1-D convolutional autoencoder for diffraction patterns and spectra.

Input (n, n_points) with n_points divisible by 16, each row scaled to maximum 1. Encoder:
4 blocks of Conv1d(k=7) → BatchNorm → LeakyReLU → MaxPool(2) (8 → 16 → 32 → 32 channels),
flatten, linear to the latent vector z (``latent_dim``). Decoder: linear, 4 blocks of
Upsample(2) → Conv1d → BatchNorm → LeakyReLU, and a last linear Conv1d. (A ReLU/sigmoid
version without normalisation collapsed to the mean pattern for some seeds in 6 epochs.)
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..validation import MLPCInputError


class SpectralAE1D(nn.Module):
    """1-D convolutional autoencoder; ``forward`` returns the reconstruction (n, n_points)."""

    def __init__(self, n_points: int, latent_dim: int = 8) -> None:
        super().__init__()
        if n_points % 16:
            raise MLPCInputError(f"n_points must be divisible by 16 (four stride-2 blocks); "
                                 f"got {n_points}. Crop or resample the spectra, e.g. to "
                                 f"{n_points // 16 * 16} points.")
        ch = [1, 8, 16, 32, 32]
        enc = []
        for a, b in zip(ch[:-1], ch[1:], strict=True):
            enc += [nn.Conv1d(a, b, 7, padding=3), nn.BatchNorm1d(b), nn.LeakyReLU(0.1),
                    nn.MaxPool1d(2)]
        self.encoder = nn.Sequential(*enc, nn.Flatten(),
                                     nn.Linear(32 * n_points // 16, latent_dim))
        self.n_points, self.latent_dim = n_points, latent_dim
        self.expand = nn.Linear(latent_dim, 32 * n_points // 16)
        dec = []
        for a, b in zip(ch[::-1][:-1], ch[::-1][1:-1] + [8], strict=True):
            dec += [nn.Upsample(scale_factor=2), nn.Conv1d(a, b, 7, padding=3),
                    nn.BatchNorm1d(b), nn.LeakyReLU(0.1)]
        self.decoder = nn.Sequential(*dec, nn.Conv1d(8, 1, 7, padding=3))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.unsqueeze(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.expand(z).view(len(z), 32, self.n_points // 16)
        return self.decoder(h).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def train_spectral_ae(train: np.ndarray, val: np.ndarray, *, latent_dim: int = 8,
                      epochs: int = 20, batch_size: int = 64, lr: float = 2e-3,
                      random_state: int | np.random.Generator | None = None,
                      progress: bool = False):
    """Train a :class:`SpectralAE1D` (MSE, Adam, cosine decay) on rows of ``train``
    (n, n_points) in [0, 1]; the best epoch on ``val`` is kept. Returns (model, history)."""
    from .training import fit, make_loader

    runtime.seed_everything(runtime.check_random_int(random_state))
    model = SpectralAE1D(train.shape[1], latent_dim)
    hist = fit(model, make_loader(train, batch_size=batch_size, shuffle=True,
                                  random_state=random_state),
               val_loader=make_loader(val, batch_size=256), epochs=epochs, lr=lr,
               progress=progress, desc=f"1-D AE d={latent_dim}")
    return model, hist


@torch.no_grad()
def encode(model: SpectralAE1D, x: np.ndarray) -> np.ndarray:
    """Latent vectors (n, latent_dim) of rows (n, n_points)."""
    from .training import predict

    return predict(model, np.asarray(x, np.float32), fn=lambda m, b: m.encode(b))


@torch.no_grad()
def reconstruct(model: SpectralAE1D, x: np.ndarray) -> np.ndarray:
    """Reconstructions (n, n_points) of rows (n, n_points)."""
    from .training import predict

    return predict(model, np.asarray(x, np.float32))
