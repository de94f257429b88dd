"""A small 1-D CNN for multichannel process-signal windows (week 7).

Conv blocks along time (conv1d -> batch norm -> ReLU -> max-pool), global average pooling
over time (the prediction does not depend on *where* in the window a pattern occurs, and any
window length works), dropout and a linear head. Temporal convolutions for time-series
classification after Wang, Yan & Oates 2017 ("Time series classification from scratch with
deep neural networks: a strong baseline", doi:10.1109/IJCNN.2017.7966039). Train it with
:func:`mlpc_helpers.models.fit` and ``torch.nn.CrossEntropyLoss``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..validation import MLPCInputError


class SignalCNN1D(nn.Module):
    """1-D CNN classifier (or regressor) for windows of shape (n, n_channels, length).

    Parameters
    ----------
    n_channels : int
        Number of signals per window.
    n_outputs : int
        Classes (logits for ``CrossEntropyLoss``) or regression targets.
    widths, kernel_sizes : sequence of int
        Feature maps and kernel length (samples) of each conv block.
    pool : int
        Max-pool factor after each block (1 = none).
    dropout : float
        Before the head.
    """

    def __init__(
        self,
        n_channels: int,
        n_outputs: int = 2,
        widths: Sequence[int] = (16, 32),
        kernel_sizes: Sequence[int] = (7, 5),
        pool: int = 2,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        if len(widths) != len(kernel_sizes):
            raise MLPCInputError("widths and kernel_sizes need one entry per conv block; got "
                                 f"{len(widths)} and {len(kernel_sizes)}.")
        if n_channels < 1 or n_outputs < 1:
            raise MLPCInputError(f"n_channels and n_outputs must be >= 1; got {n_channels}, "
                                 f"{n_outputs}. Pass the number of signal channels and of outputs.")
        layers: list[nn.Module] = []
        c = n_channels
        for w, k in zip(widths, kernel_sizes, strict=True):
            layers += [nn.Conv1d(c, w, kernel_size=k, padding=k // 2, bias=False),
                       nn.BatchNorm1d(w), nn.ReLU(inplace=True)]
            if pool > 1:
                layers.append(nn.MaxPool1d(pool, ceil_mode=True))
            c = w
        self.n_channels = n_channels
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c, n_outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[1] != self.n_channels:
            raise MLPCInputError(f"SignalCNN1D expects (n, {self.n_channels}, length); got "
                                 f"{tuple(x.shape)}. Put the channels on axis 1: "
                                 "x.transpose(0, 2, 1).")
        return self.head(self.features(x))


def standardize_windows(
    train: np.ndarray, *others: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Scale each channel by the mean and standard deviation of the *training* windows.

    ``train`` and ``others`` are (n, n_channels, length); statistics come from ``train`` only
    (no information from held-out runs). Constant channels keep unit scale.
    Returns ``(train_scaled, *others_scaled)`` as float32.
    """
    mu = train.mean(axis=(0, 2), keepdims=True)
    sd = train.std(axis=(0, 2), keepdims=True)
    sd = np.where(sd > 0, sd, 1.0)
    return tuple(((a - mu) / sd).astype(np.float32) for a in (train, *others))


def softmax_proba(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class probabilities; pass as ``fn`` to :func:`mlpc_helpers.models.predict`."""
    return torch.softmax(model(x), dim=1)
