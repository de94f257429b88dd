"""A small U-Net for semantic segmentation of micrographs, written in plain torch.

The network follows Ronneberger et al. (2015): an encoder that halves the resolution
``depth`` times while doubling the channels, a decoder that upsamples back, and skip
connections that hand each decoder stage the encoder features of the same resolution.
Two changes from the paper keep it small and shape-agnostic: padded 3 x 3 convolutions
with batch norm (the output has the input's size) and bilinear upsampling instead of
transposed convolutions.

The encoder is replaceable: ``UNet(encoder=..., encoder_channels=...)`` takes any module
that returns a list of feature maps, shallow to deep (e.g. a timm model created with
``features_only=True``), so a later notebook can put an ImageNet-pretrained encoder in.

Also here: :func:`predict_masks`, class maps of whole images. The augmentation that moves
image and mask together is ``imaging.augmenter("rot90", masks=True)``
(:func:`mlpc_helpers.imaging.augmenter`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..validation import MLPCInputError

Batch = tuple[torch.Tensor, ...]


def conv_block(c_in: int, c_out: int, dropout: float = 0.0) -> nn.Sequential:
    """Two (3 x 3 conv -> batch norm -> ReLU) layers; padded, so H and W are kept."""
    layers: list[nn.Module] = []
    for c in (c_in, c_out):
        layers += [
            nn.Conv2d(c, c_out, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        ]
    if dropout:
        layers.append(nn.Dropout2d(dropout))
    return nn.Sequential(*layers)


class UNetEncoder(nn.Module):
    """The default encoder: ``conv_block`` at full resolution, then ``depth`` times
    (2 x 2 max-pool -> ``conv_block``). Returns ``depth + 1`` feature maps at strides
    1, 2, ..., 2**depth with ``channels`` = (base, 2 base, ..., 2**depth base)."""

    def __init__(self, in_channels: int, base: int, depth: int, dropout: float = 0.0):
        super().__init__()
        self.channels = [base * 2**i for i in range(depth + 1)]
        self.stages = nn.ModuleList([conv_block(in_channels, self.channels[0])])
        for i in range(1, depth + 1):
            drop = dropout if i == depth else 0.0
            self.stages.append(
                nn.Sequential(
                    nn.MaxPool2d(2), conv_block(self.channels[i - 1], self.channels[i], drop)
                )
            )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


class UNet(nn.Module):
    """U-Net: per-pixel class logits of an image.

    Parameters
    ----------
    in_channels : int
        Channels of the input image (1 for a grayscale micrograph). Ignored when
        ``encoder`` is given.
    n_classes : int
        Number of classes; the output has one logit map per class.
    base : int
        Channels of the first encoder stage; stage ``i`` has ``base * 2**i``.
        ``base=16, depth=3`` has about 0.49 M parameters (``base=8``: 0.12 M).
    depth : int
        Number of 2 x 2 poolings. The receptive field grows with it; the input's H and W
        need not be multiples of ``2**depth`` (decoder stages are resized to the skips).
    encoder : nn.Module, optional
        A module mapping (n, C, H, W) to a list of feature maps ordered shallow to deep,
        e.g. ``timm.create_model(name, features_only=True)``. Default: :class:`UNetEncoder`.
    encoder_channels : sequence of int, optional
        The channels of the maps ``encoder`` returns (timm: ``feature_info.channels()``).
        Required with ``encoder``.
    decoder_channels : sequence of int, optional
        Channels of the decoder stages, deep to shallow (one per skip, i.e.
        ``len(encoder_channels) - 1``). Default: the skips' channels.
    dropout : float
        Spatial dropout after the deepest encoder stage (default encoder only).

    Notes
    -----
    Input (n, C, H, W) float; output (n, n_classes, H, W) logits (use cross-entropy with an
    (n, H, W) int64 target). When the encoder's shallowest map has a stride above 1 (timm
    encoders start at stride 2), the logits are upsampled bilinearly to (H, W).
    Reference: O. Ronneberger, P. Fischer, T. Brox, MICCAI 2015, LNCS 9351, 234-241.
    """

    def __init__(
        self,
        in_channels: int = 1,
        n_classes: int = 2,
        base: int = 16,
        depth: int = 3,
        *,
        encoder: nn.Module | None = None,
        encoder_channels: Sequence[int] | None = None,
        decoder_channels: Sequence[int] | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if n_classes < 1:
            raise MLPCInputError(f"n_classes must be at least 1, got {n_classes}: pass the "
                                 "number of labels of the masks (e.g. masks.max() + 1).")
        if encoder is None:
            if depth < 1 or base < 1:
                raise MLPCInputError(
                    f"UNet needs depth >= 1 and base >= 1; got depth={depth}, base={base}."
                )
            encoder = UNetEncoder(in_channels, base, depth, dropout)
            encoder_channels = encoder.channels
        elif encoder_channels is None:
            raise MLPCInputError(
                "UNet(encoder=...) needs encoder_channels, the channels of the feature maps "
                "the encoder returns (timm: model.feature_info.channels())."
            )
        enc = [int(c) for c in encoder_channels]
        if len(enc) < 2:
            raise MLPCInputError(f"encoder_channels needs at least two stages, got {enc}: "
                                 "list the channels of each feature map the encoder returns.")
        dec = list(decoder_channels) if decoder_channels is not None else enc[-2::-1]
        if len(dec) != len(enc) - 1:
            raise MLPCInputError(
                f"decoder_channels needs {len(enc) - 1} entries (one per skip), got {len(dec)}."
            )
        self.encoder = encoder
        self.encoder_channels = enc
        self.decoder = nn.ModuleList()
        c = enc[-1]
        for skip, out in zip(enc[-2::-1], dec, strict=True):
            self.decoder.append(conv_block(c + skip, out))
            c = out
        self.head = nn.Conv2d(c, n_classes, kernel_size=1)
        self.n_classes = n_classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise MLPCInputError(f"x: UNet expects (n, channels, H, W); got shape "
                                 f"{tuple(x.shape)}. Add the channel axis with x[:, None].")
        feats = list(self.encoder(x))
        if len(feats) != len(self.encoder_channels):
            raise MLPCInputError(
                f"The encoder returned {len(feats)} feature maps; encoder_channels lists "
                f"{len(self.encoder_channels)}. Give one encoder_channels entry per map."
            )
        y = feats[-1]
        for block, skip in zip(self.decoder, feats[-2::-1], strict=True):
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], dim=1))
        y = self.head(y)
        if y.shape[-2:] != x.shape[-2:]:
            y = F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return y

    @property
    def first_layer(self) -> nn.Conv2d:
        """The first convolution (its weights are the learned 'structure detectors')."""
        for m in self.encoder.modules():
            if isinstance(m, nn.Conv2d):
                return m
        raise AttributeError("the encoder has no Conv2d layer")


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def predict_masks(
    model: nn.Module,
    images: np.ndarray,
    *,
    batch_size: int = 4,
    device: str | None = None,
    return_proba: bool = False,
) -> np.ndarray:
    """Class map (n, H, W) int64 of whole images (n, H, W) or (n, C, H, W), float.

    With ``return_proba`` the softmax probabilities (n, n_classes, H, W) float32 instead.
    """
    from .. import runtime

    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise MLPCInputError(f"images must be (n, H, W) or (n, C, H, W); got shape {x.shape}. "
                             "Add a batch axis to one image with image[None].")
    dev = runtime.device(device)
    model.to(dev).eval()
    out = []
    for i in range(0, len(x), batch_size):
        logits = model(torch.from_numpy(x[i:i + batch_size]).to(dev)).float()
        out.append(
            logits.softmax(1).cpu().numpy() if return_proba
            else logits.argmax(1).cpu().numpy()
        )
    return np.concatenate(out)
