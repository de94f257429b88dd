"""Grad-CAM maps for SmallCNN and timm models."""

import numpy as np
import pytest
import torch

from mlpc_helpers import models


def _blob_data(n=64, size=24, seed=0):
    """Class 1: noise with a bright 6 x 6 square somewhere; class 0: noise only."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.1, size=(n, 1, size, size)).astype(np.float32)
    y = np.arange(n) % 2
    for k in np.flatnonzero(y):
        r, c = rng.integers(1, size - 7, size=2)
        x[k, 0, r:r + 6, c:c + 6] += 2.0
    return x, y


def test_smallcnn_map_shape_range_and_location():
    torch.manual_seed(0)
    x, y = _blob_data()
    model = models.SmallCNN(2, widths=(8, 16))
    models.fit(model, models.make_loader(x, y, batch_size=16, shuffle=True),
               loss_fn=torch.nn.CrossEntropyLoss(), epochs=8, lr=1e-2, progress=False,
               device="cpu")
    pos = np.flatnonzero(y)[:8]
    maps, cls = models.grad_cam(model, x[pos], target=1, device="cpu")
    assert maps.shape == (8, 24, 24) and cls.tolist() == [1] * 8
    assert maps.min() >= 0 and maps.max() <= 1 + 1e-6
    # the class-1 map is hotter on the square than off it, on average
    on, off = [], []
    for m, k in zip(maps, pos, strict=True):
        mask = x[k, 0] > 1.0
        on.append(m[mask].mean())
        off.append(m[~mask].mean())
    assert np.mean(on) > np.mean(off)


def test_predicted_class_by_default_and_bad_input():
    model = models.SmallCNN(3, widths=(4, 8))
    x = np.random.default_rng(0).normal(size=(2, 1, 16, 16)).astype(np.float32)
    maps, cls = models.grad_cam(model, x, device="cpu")
    logits = models.predict(model, x, device="cpu")
    assert cls.tolist() == logits.argmax(1).tolist()
    with pytest.raises(ValueError, match="batch"):
        models.grad_cam(model, x[0], device="cpu")
    with pytest.raises(ValueError, match="class index"):
        models.grad_cam(model, x, target=5, device="cpu")


def test_timm_model_uses_forward_features():
    timm = pytest.importorskip("timm")
    model = timm.create_model("resnet10t", pretrained=False, num_classes=4)
    x = np.random.default_rng(0).normal(size=(2, 3, 64, 64)).astype(np.float32)
    maps, cls = models.grad_cam(model, x, target=1, device="cpu")
    assert maps.shape == (2, 64, 64) and cls.tolist() == [1, 1]


def test_unknown_model_needs_a_layer():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten())
    with pytest.raises(ValueError, match="layer="):
        models.grad_cam(model, np.zeros((1, 1, 8, 8), np.float32), device="cpu")
