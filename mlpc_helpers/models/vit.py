"""A small Vision Transformer (timm) and its attention matrices.

:func:`small_vit` builds timm's ``VisionTransformer`` (Dosovitskiy et al. 2021,
doi:10.48550/arXiv.2010.11929) sized for small grayscale micrographs: the image is cut into
``patch_size`` x ``patch_size`` patches, each patch is linearly embedded to ``embed_dim``
numbers, a learnable class token (CLS) and position embeddings are added, and ``depth``
pre-norm transformer blocks with ``num_heads`` heads mix the tokens; the CLS token's final
state feeds a linear classifier.

:func:`attention_maps` runs the model once and returns every block's attention matrix
(softmax of q k^T / sqrt(d), per head): the input of attention rollout (Abnar & Zuidema
2020, doi:10.18653/v1/2020.acl-main.385), which the week-10 notebook computes from it in
numpy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..validation import MLPCInputError


def small_vit(
    n_classes: int,
    *,
    img_size: int = 64,
    patch_size: int = 8,
    in_chans: int = 1,
    embed_dim: int = 64,
    depth: int = 4,
    num_heads: int = 4,
    mlp_ratio: float = 2.0,
    drop_path_rate: float = 0.1,
) -> nn.Module:
    """timm ``VisionTransformer`` with a class token, learned position embeddings and a
    linear head on the CLS token.

    Input (n, in_chans, img_size, img_size) float, output (n, n_classes) logits. The defaults
    give (64 / 8)^2 = 64 patch tokens + 1 CLS token, width 64, 4 blocks of 4 heads of 16
    dimensions, MLP hidden width 128: about 0.14 M parameters. ``drop_path_rate``: stochastic
    depth (DeiT's regulariser for small data, Touvron et al. 2021).

    Raises
    ------
    ValueError
        When ``img_size`` is not a multiple of ``patch_size`` or ``embed_dim`` not of
        ``num_heads``.
    """
    from timm.models.vision_transformer import VisionTransformer

    if img_size % patch_size:
        raise MLPCInputError(f"img_size {img_size} must be a multiple of patch_size "
                             f"{patch_size}; resize the images or pick a patch_size that "
                             "divides img_size.")
    if embed_dim % num_heads:
        raise MLPCInputError(f"embed_dim {embed_dim} must be a multiple of num_heads "
                             f"{num_heads}; e.g. embed_dim={num_heads * 16}.")
    return VisionTransformer(
        img_size=img_size, patch_size=patch_size, in_chans=in_chans, num_classes=n_classes,
        embed_dim=embed_dim, depth=depth, num_heads=num_heads, mlp_ratio=mlp_ratio,
        class_token=True, global_pool="token", drop_path_rate=drop_path_rate,
    )


@contextlib.contextmanager
def _unfused(model: nn.Module) -> Iterator[list[torch.Tensor]]:
    """Switch timm's attention to the explicit softmax path and collect its weights."""
    blocks = list(model.blocks)
    store: list[torch.Tensor] = []
    handles, saved = [], []
    for blk in blocks:
        saved.append(blk.attn.fused_attn)
        blk.attn.fused_attn = False
        handles.append(blk.attn.attn_drop.register_forward_hook(
            lambda _m, _i, out: store.append(out.detach())))
    try:
        yield store
    finally:
        for h in handles:
            h.remove()
        for blk, s in zip(blocks, saved, strict=True):
            blk.attn.fused_attn = s


@torch.no_grad()
def attention_maps(model: nn.Module, images: np.ndarray | torch.Tensor, *,
                   device: str | None = None) -> np.ndarray:
    """Attention matrices of every block of a timm ViT for a batch.

    ``images``: (n, channels, H, W) float, preprocessed as in training. Returns float32
    (depth, n, heads, T, T) with T = number of tokens (CLS first, then the patches row by
    row); every row sums to 1. The model is put in eval mode.
    """
    x = torch.as_tensor(images).float()
    if x.ndim != 4:
        raise MLPCInputError(f"x: attention_maps needs (n, channels, H, W); got "
                             f"{tuple(x.shape)}. Add the channel axis with x[:, None].")
    dev = runtime.device(device)
    model = model.to(dev).eval()
    with _unfused(model) as store:
        model(x.to(dev))
    return torch.stack(store).cpu().numpy().astype(np.float32)
