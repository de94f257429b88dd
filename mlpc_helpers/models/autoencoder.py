"""A convolutional autoencoder for single-channel images and the helpers around it (Unit 5 §D–§E).

Encoder: four stride-2 conv blocks 1→16→32→64→128 (128×128 → 8×8), flatten, linear → z (d).
Decoder: the mirror image, linear z → 128×8×8, four stride-2 transposed-conv blocks back to
1×128×128, sigmoid output (images in [0, 1]). Train it with :func:`mlpc_helpers.models.fit` on
batches of x only (the default step then takes x as the target), or with
``imaging.augmenter("noise")`` as ``augment`` to make a denoising autoencoder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..validation import MLPCInputError

Batch = tuple[torch.Tensor, ...]


class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder for (n, 1, S, S) images with values in [0, 1].

    ``latent_dim`` is the bottleneck size d; ``image_size`` S must be divisible by 2**len(widths)
    (default 128 → an 8×8 map before the bottleneck). ``widths`` are the encoder's channels;
    the decoder mirrors them. About 0.5 M parameters plus 2·8192·d for the two linear layers.
    """

    def __init__(
        self,
        latent_dim: int = 32,
        image_size: int = 128,
        widths: Sequence[int] = (16, 32, 64, 128),
        in_channels: int = 1,
    ) -> None:
        super().__init__()
        if latent_dim < 1:
            raise MLPCInputError(f"latent_dim must be a positive integer; got {latent_dim}. "
                                 "Use e.g. latent_dim=32.")
        factor = 2 ** len(widths)
        if image_size % factor:
            raise MLPCInputError(
                f"image_size must be divisible by {factor} for {len(widths)} stride-2 blocks; "
                f"got {image_size}. Resize the images (e.g. to 128)."
            )
        self.latent_dim, self.image_size, self.in_channels = latent_dim, image_size, in_channels
        self.widths = tuple(widths)
        self._map = (self.widths[-1], image_size // factor, image_size // factor)
        enc: list[nn.Module] = []
        c = in_channels
        for w in self.widths:
            enc += [nn.Conv2d(c, w, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w),
                    nn.ReLU(inplace=True)]
            c = w
        self.encoder = nn.Sequential(*enc, nn.Flatten(), nn.Linear(int(np.prod(self._map)),
                                                                   latent_dim))
        dec: list[nn.Module] = []
        outs = list(reversed(self.widths[:-1])) + [in_channels]
        for k, w in enumerate(outs):
            last = k == len(outs) - 1
            dec.append(nn.ConvTranspose2d(c, w, 4, stride=2, padding=1, bias=last))
            if not last:
                dec += [nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            c = w
        self.fc_dec = nn.Linear(latent_dim, int(np.prod(self._map)))
        self.decoder = nn.Sequential(*dec, nn.Sigmoid())

    def _check(self, x: torch.Tensor) -> None:
        want = (self.in_channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise MLPCInputError(
                f"ConvAutoencoder expects (n, {want[0]}, {want[1]}, {want[2]}); got "
                f"{tuple(x.shape)}. Resize to {self.image_size}×{self.image_size} and add the "
                "channel axis: imaging.resize_stack(images, size)[:, None]."
            )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Bottleneck vectors z, shape (n, latent_dim)."""
        self._check(x)
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstructions (n, 1, S, S) in [0, 1] from bottleneck vectors (n, latent_dim)."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise MLPCInputError(f"z: decode expects (n, {self.latent_dim}); got "
                                 f"{tuple(z.shape)}. Pass codes from encode() of this model.")
        return self.decoder(self.fc_dec(z).view(-1, *self._map))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def add_noise(
    images: np.ndarray, kind: str, level: float,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Corrupt images in [0, 1]: ``kind="gaussian"`` adds N(0, level²) (level = σ in
    gray-level units); ``kind="poisson"`` draws photon counts with ``level`` photons at full
    scale (fewer photons = more noise). Returns float32 clipped to [0, 1].
    ``random_state``: see :func:`mlpc_helpers.runtime.check_random_state`."""
    rng = runtime.check_random_state(random_state)
    x = np.asarray(images, dtype=np.float64)
    if kind == "gaussian":
        out = x + rng.normal(0.0, level, x.shape)
    elif kind == "poisson":
        out = rng.poisson(np.clip(x, 0, None) * level) / level
    else:
        raise MLPCInputError(f"Unknown noise kind {kind!r}; use 'gaussian' or 'poisson'.")
    return np.clip(out, 0, 1).astype(np.float32)


def train_autoencoder(
    train: np.ndarray,
    val: np.ndarray,
    *,
    latent_dim: int = 32,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 2e-3,
    patience: int | None = 3,
    augment: Callable[[Batch], Batch] | None = None,
    random_state: int | np.random.Generator | None = None,
    desc: str | None = None,
    progress: bool = True,
):
    """Build a :class:`ConvAutoencoder` and train it with :func:`mlpc_helpers.models.fit`.

    ``train``, ``val``: float (n, 1, S, S) in [0, 1]. MSE loss, Adam, cosine decay, early stopping
    on the validation reconstruction loss with ``patience``. ``random_state`` seeds the
    shuffling of the training batches (see :func:`mlpc_helpers.models.make_loader`).
    Returns (model, history).
    """
    from .training import fit, make_loader

    train, val = np.asarray(train), np.asarray(val)
    if train.ndim != 4 or train.shape[1] != 1 or train.shape[2] != train.shape[3]:
        raise MLPCInputError(f"train must be (n, 1, S, S); got {train.shape}. Resize with "
                             "imaging.resize_stack(images, S)[:, None].")
    model = ConvAutoencoder(latent_dim=latent_dim, image_size=train.shape[-1])
    hist = fit(
        model,
        make_loader(train, batch_size=batch_size, shuffle=True, random_state=random_state),
        val_loader=make_loader(val, batch_size=128),
        epochs=epochs, lr=lr, patience=patience, augment=augment, progress=progress,
        desc=desc or f"autoencoder d={latent_dim}",
    )
    return model, hist


@torch.no_grad()
def encode(model: ConvAutoencoder, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Bottleneck vectors (n, d) of images (n, 1, S, S)."""
    from .training import predict

    return predict(model, x, batch_size=batch_size, fn=lambda m, b: m.encode(b))


@torch.no_grad()
def reconstruct(model: ConvAutoencoder, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Reconstructions (n, 1, S, S) of images (n, 1, S, S)."""
    from .training import predict

    return predict(model, x, batch_size=batch_size)


def residuals(model: ConvAutoencoder, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frame scores and pixel residual maps of images (n, 1, S, S).

    Returns ``score`` (n,), the per-frame mean squared error a(x) = mean((x − x̂)²), and
    ``maps`` (n, S, S), the signed residual x − x̂ (square it for the pixel-level score).
    """
    x = np.asarray(x, dtype=np.float32)
    maps = (x - reconstruct(model, x))[:, 0]
    return (maps**2).mean(axis=(1, 2)), maps
