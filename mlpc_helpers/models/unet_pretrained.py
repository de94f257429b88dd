"""The week-5 :class:`~mlpc_helpers.models.unet.UNet` with an EfficientNet-Lite0 encoder,
ImageNet-pretrained (offline weights of ``models.pretrained_backbone``) or randomly
initialised with the same architecture — the week-6 comparison of transfer to segmentation.

The encoder returns the feature maps at strides 2, 4, 8, 16 (and 32 with ``depth=5``) of
timm's ``tf_efficientnet_lite0``: after the stem + block 0 (16 channels), block 1 (24),
block 2 (40), blocks 3-4 (112) and blocks 5-6 (320). A grey input (n, 1, H, W),
standardised per image (zero mean, unit standard deviation, like an ImageNet-normalised
channel), is repeated to the three RGB channels the pretrained stem expects.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..validation import MLPCInputError
from .unet import UNet

#: (last block index, channels) of each encoder stage, shallow to deep.
_STAGES = [(0, 16), (1, 24), (2, 40), (4, 112), (6, 320)]


class EfficientNetEncoder(nn.Module):
    """Feature pyramid of a timm EfficientNet(-Lite0) for :class:`UNet`.

    Parameters
    ----------
    model : timm EfficientNet
        Copied (the input model is left unchanged) and made trainable.
    depth : int
        Number of stages returned, 2 .. 5 (strides 2 .. 2**depth).
    """

    def __init__(self, model: nn.Module, depth: int = 4) -> None:
        super().__init__()
        if not 2 <= depth <= len(_STAGES):
            raise MLPCInputError(f"depth must be in 2 .. {len(_STAGES)} (stages of the "
                                 f"encoder); got {depth}. Use e.g. depth=4.")
        model = copy.deepcopy(model).requires_grad_(True).train()
        self.stem = nn.Sequential(model.conv_stem, model.bn1)
        stages, start = [], 0
        for last, _ in _STAGES[:depth]:
            stages.append(nn.Sequential(*model.blocks[start:last + 1]))
            start = last + 1
        self.stages = nn.ModuleList(stages)
        self.channels = [c for _, c in _STAGES[:depth]]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = self.stem(x)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


def lite0_unet(
    n_classes: int, *, pretrained: bool = True, depth: int = 4, decoder_scale: float = 1.0
) -> UNet:
    """A :class:`UNet` on an EfficientNet-Lite0 encoder.

    ``pretrained=True`` loads the offline ImageNet weights
    (:func:`mlpc_helpers.models.pretrained_backbone`); ``False`` keeps timm's random
    initialisation of the same architecture, so the two differ only in the encoder's starting
    weights. ``decoder_scale`` multiplies the decoder channels (default: the skips' channels).
    Input (n, 1 or 3, H, W), output (n, n_classes, H, W) logits.
    """
    import timm

    if pretrained:
        from .backbones import pretrained_backbone

        model = pretrained_backbone("efficientnet_lite0", device="cpu").model
    else:
        model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    enc = EfficientNetEncoder(model, depth)
    dec = [max(4, int(round(c * decoder_scale))) for c in enc.channels[-2::-1]]
    return UNet(n_classes=n_classes, encoder=enc, encoder_channels=enc.channels,
                decoder_channels=dec)
