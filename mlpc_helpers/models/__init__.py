"""Torch models of the course. Importing this package does not import torch; every name below
loads its submodule (and torch) on first use (``lazy_loader.attach``, the front-door style of
every package of ``mlpc_helpers``).

- :func:`fit`, :func:`predict`, :func:`make_loader`, :class:`History` (``training``) — the
  one training loop every torch model of the course uses (Adam/AdamW, cosine decay, early
  stopping, tqdm).
- :func:`pretrained_backbone`, :func:`embed_images`, :func:`probe_accuracy`
  (``backbones``) — frozen ImageNet CNNs from timm (offline for ``efficientnet_lite0``),
  cached embeddings of image stacks and the linear probe on them.
- :class:`SmallCNN` (``cnn``), :class:`SignalCNN1D` (``sequence``), :class:`PhaseCNN1D`
  (``cnn1d``), :func:`small_vit` (``vit``) — networks trained from scratch.
- :class:`UNet`, :func:`predict_masks` (``unet``), :func:`lite0_unet` (``unet_pretrained``)
  — segmentation networks; :func:`split_efficientnet`, :func:`trunk_maps`,
  :class:`ProjectionNet` (``finetune``) — fine-tuning and SimCLR.
- :class:`ConvAutoencoder` and its helpers (``autoencoder``); ``spectral_ae`` for spectra.
- :class:`DeepEnsembleRegressor` (``ensemble``) — a scikit-learn regressor with uncertainty.
- :func:`grad_cam` (``gradcam``); :func:`cross_val_predict_cnn` (``cv``).

Names of the same meaning in two modules (``encode``, ``reconstruct`` of ``autoencoder`` and
``spectral_ae``) are reached through their module: ``models.spectral_ae.encode``.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["autoencoder", "backbones", "cnn", "cnn1d", "cv", "ensemble", "finetune",
                "gradcam", "sequence", "spectral_ae", "training", "unet", "unet_pretrained",
                "vit"],
    submod_attrs={
        "training": ["History", "fit", "make_loader", "predict"],
        "backbones": ["KNOWN_BACKBONES", "Backbone", "BackboneUnavailableError",
                      "embed_images", "pretrained_backbone", "probe_accuracy"],
        "cnn": ["SmallCNN"],
        "sequence": ["SignalCNN1D"],
        "cnn1d": ["PhaseCNN1D", "PhaseLoss", "phase_probabilities", "train_phase_cnn"],
        "vit": ["small_vit"],
        "unet": ["UNet", "predict_masks"],
        "unet_pretrained": ["lite0_unet"],
        "finetune": ["ProjectionNet", "split_efficientnet", "trunk_maps"],
        "autoencoder": ["ConvAutoencoder", "add_noise", "encode", "reconstruct", "residuals",
                        "train_autoencoder"],
        "ensemble": ["DeepEnsembleRegressor"],
        "gradcam": ["grad_cam"],
        "cv": ["cross_val_predict_cnn"],
    },
)
