"""Fine-tuning an ImageNet EfficientNet-Lite0 and the SimCLR network of week 6.

:func:`split_efficientnet` cuts a timm EfficientNet into a frozen **trunk** (stem and the
first blocks) and a trainable **head** (the last ``n_blocks`` blocks, the 1 x 1 head
convolution, pooling and a new linear classifier). Because the trunk is frozen, its output
can be computed once for every image and cached; training the head on those maps costs a
small fraction of a forward pass through the whole network. With ``n_blocks=7`` every
block is trainable (all-layer fine-tuning; then train ``nn.Sequential(trunk, head)``).

Batch norm in the head keeps its ImageNet statistics (:class:`FrozenBatchNorm`-style eval
mode) while training: with a few labelled images per class the batch statistics are too
noisy to replace them (a common choice for few-shot fine-tuning).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..validation import MLPCInputError


class BNFrozenSequential(nn.Sequential):
    """``nn.Sequential`` whose batch-norm layers stay in eval mode under ``train()``."""

    def train(self, mode: bool = True) -> BNFrozenSequential:
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
        return self


def split_efficientnet(
    model: nn.Module, n_blocks: int, n_classes: int, *, dropout: float = 0.2
) -> tuple[nn.Sequential, BNFrozenSequential]:
    """(trunk, head) of a timm EfficientNet; deep copies, the input model is unchanged.

    Parameters
    ----------
    model : timm EfficientNet (``conv_stem``, ``bn1``, ``blocks``, ``conv_head``, ``bn2``)
        E.g. ``models.pretrained_backbone("efficientnet_lite0").model``.
    n_blocks : int
        Number of the last blocks that go into the trainable head, 0 .. len(blocks).
    n_classes : int
        Outputs of the new linear classifier.
    dropout : float
        Dropout before the classifier.

    Returns
    -------
    trunk : nn.Sequential, frozen (requires_grad False, eval mode)
        (n, 3, H, W) normalised images -> feature maps (n, C, H / s, W / s).
    head : BNFrozenSequential, trainable
        Those feature maps -> (n, n_classes) logits.
    """
    blocks = list(model.blocks)
    if not 0 <= n_blocks <= len(blocks):
        raise MLPCInputError(f"n_blocks must be in 0 .. {len(blocks)} (the blocks of "
                             f"this network); got {n_blocks}. 0 trains only the head.")
    cut = len(blocks) - n_blocks
    trunk = nn.Sequential(copy.deepcopy(model.conv_stem), copy.deepcopy(model.bn1),
                          *[copy.deepcopy(b) for b in blocks[:cut]])
    trunk.eval().requires_grad_(False)
    head = BNFrozenSequential(
        *[copy.deepcopy(b) for b in blocks[cut:]],
        copy.deepcopy(model.conv_head), copy.deepcopy(model.bn2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
        nn.Linear(model.num_features, n_classes),
    )
    head.requires_grad_(True)
    return trunk, head


@torch.no_grad()
def trunk_maps(trunk: nn.Module, x: torch.Tensor, batch_size: int = 100) -> np.ndarray:
    """Run a frozen trunk over preprocessed images in batches: float32 (n, C, h, w)."""
    trunk.eval()
    dev = next(trunk.parameters()).device
    out = [trunk(x[i:i + batch_size].to(dev)).float().cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


class ProjectionNet(nn.Module):
    """SimCLR network: an encoder with an ``embed`` method (e.g. :class:`SmallCNN`) and a
    two-layer MLP projection head. ``forward`` returns projections (for NT-Xent);
    ``embed`` returns the encoder's pooled features (what the linear probe uses)."""

    def __init__(self, encoder: nn.Module, in_features: int, out_features: int = 64):
        super().__init__()
        self.encoder = encoder
        self.projection = nn.Sequential(
            nn.Linear(in_features, in_features), nn.ReLU(inplace=True),
            nn.Linear(in_features, out_features),
        )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder.embed(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(self.embed(x))
