"""Grad-CAM (Selvaraju et al. 2017, doi:10.1109/ICCV.2017.74): where a CNN looked for a class.

The map is ReLU(sum_k w_k A_k), where A_k are the feature maps of one convolutional layer and
w_k the spatial mean of d(class score)/dA_k; it is upsampled to the input size and scaled to
[0, 1]. Works with :class:`~mlpc_helpers.models.SmallCNN` (default layer: the last ReLU, before
the last pooling), with a timm model or a :class:`~mlpc_helpers.models.Backbone` (default: the
output of ``forward_features``), or with any module if ``layer`` is given.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..validation import MLPCInputError


def default_layer(model: nn.Module) -> nn.Module | None:
    """The layer Grad-CAM reads by default, or None for a timm model (``forward_features``)."""
    from .cnn import SmallCNN

    if isinstance(model, SmallCNN):
        relus = [m for m in model.features if isinstance(m, nn.ReLU)]
        return relus[-1]
    if hasattr(model, "forward_features") and hasattr(model, "forward_head"):
        return None
    raise MLPCInputError(
        f"No default Grad-CAM layer for {type(model).__name__}: pass layer=<a conv module of "
        "the model> (e.g. the last convolution block)."
    )


def grad_cam(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    target: int | np.ndarray | None = None,
    *,
    layer: nn.Module | None = None,
    device: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM maps of a batch.

    ``images``: the model's input, float (n, channels, H, W), already preprocessed.
    ``target``: class index per image (int or (n,)); None takes the predicted class.
    Returns ``(maps, classes)``: float (n, H, W) in [0, 1] (0 where the map is flat) and the
    class indices (n,) the maps explain. ``model`` may be a ``Backbone`` (its ``.model``).
    """
    if hasattr(model, "model") and isinstance(model.model, nn.Module):
        model = model.model
    x = torch.as_tensor(images)
    if x.ndim != 4:
        raise MLPCInputError(f"x: grad_cam needs a batch (n, channels, H, W); got shape "
                             f"{tuple(x.shape)}. Add a batch axis with x[None].")
    dev = runtime.device(device)
    model = model.to(dev).eval()
    x = x.float().to(dev).requires_grad_(True)
    if layer is None:
        layer = default_layer(model)
    store: dict[str, torch.Tensor] = {}
    handle = None
    with torch.enable_grad():
        if layer is None:  # timm: features, then head
            feats = model.forward_features(x)
            logits = model.forward_head(feats)
        else:
            def hook(_m, _inp, out):
                store["a"] = out

            handle = layer.register_forward_hook(hook)
            try:
                logits = model(x)
            finally:
                handle.remove()
            if "a" not in store:
                raise MLPCInputError("layer: the given module was not used in the forward pass; "
                                     "pass a conv module of this model (e.g. its last "
                                     "convolution block).")
            feats = store["a"]
        if target is None:
            cls = logits.argmax(dim=1)
        else:
            cls = torch.as_tensor(np.broadcast_to(np.asarray(target), (len(x),)).copy(),
                                  device=dev).long()
            if int(cls.min()) < 0 or int(cls.max()) >= logits.shape[1]:
                raise MLPCInputError(f"target must be a class index in "
                                     f"0..{logits.shape[1] - 1} (or None: the predicted "
                                     "class).")
        score = logits.gather(1, cls[:, None]).sum()
        (grads,) = torch.autograd.grad(score, feats)
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * feats).sum(dim=1, keepdim=True)).detach()
    cam = nn.functional.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)
    cam = cam[:, 0]
    top = cam.flatten(1).amax(dim=1).view(-1, 1, 1)
    cam = torch.where(top > 0, cam / top.clamp_min(1e-12), torch.zeros_like(cam))
    return cam.cpu().numpy(), cls.cpu().numpy()
