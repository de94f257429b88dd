"""A small 2-D CNN, trained from scratch, for classification or regression on image stacks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..validation import MLPCInputError


class SmallCNN(nn.Module):
    """Conv blocks (3x3 conv -> batch norm -> ReLU -> 2x2 max-pool), global average pooling,
    dropout and a linear head.

    Input: (n, in_channels, H, W) float. Output: (n, n_outputs) — logits for classification
    (use cross-entropy) or values for regression (use MSE). ``widths`` sets the channels of
    each block; the default (16, 32, 64, 128) has about 100 k parameters.
    """

    def __init__(
        self,
        n_outputs: int,
        in_channels: int = 1,
        widths: Sequence[int] = (16, 32, 64, 128),
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for w in widths:
            layers += [
                nn.Conv2d(c, w, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            c = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c, n_outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise MLPCInputError(f"x: SmallCNN expects (n, channels, H, W); got shape "
                                 f"{tuple(x.shape)}. Add the channel axis with x[:, None].")
        return self.head(self.pool(self.features(x)))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled feature vector (n, widths[-1]) before the head."""
        return self.pool(self.features(x)).flatten(1)
