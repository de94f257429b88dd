"""Torch models of the course. Importing this package does not import torch; the names below
load their submodule (and torch) on first use.

- :func:`pretrained_backbone` — frozen ImageNet CNNs from timm, offline for ``efficientnet_lite0``.
- :func:`embed_images` — batched, cached, progress-barred embeddings of image stacks.
- :class:`SmallCNN` — a small 2-D CNN trained from scratch (classification or regression).
- :func:`fit`, :func:`predict`, :func:`make_loader`, :class:`History` — the one training loop
  every torch model of the course uses (Adam/AdamW, cosine decay, early stopping, tqdm).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Backbone": "backbones",
    "BackboneUnavailableError": "backbones",
    "pretrained_backbone": "backbones",
    "embed_images": "backbones",
    "KNOWN_BACKBONES": "backbones",
    "SmallCNN": "cnn",
    "History": "training",
    "fit": "training",
    "predict": "training",
    "make_loader": "training",
    "ConvAutoencoder": "autoencoder",
    "train_autoencoder": "autoencoder",
    "add_noise": "autoencoder",
    "noise_augment": "autoencoder",
    "gain_augment": "autoencoder",
    "encode": "autoencoder",
    "reconstruct": "autoencoder",
    "residuals": "autoencoder",
    "grad_cam": "gradcam",
    "PhaseCNN1D": "cnn1d",
    "PhaseLoss": "cnn1d",
    "phase_probabilities": "cnn1d",
    "train_phase_cnn": "cnn1d",
    "cross_val_predict_cnn": "cv",
    "flip_augment": "cv",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'mlpc_helpers.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
