"""Pretrained backbones (offline ImageNet weights) and the shared training loop."""

import numpy as np
import pytest
import torch
from torch import nn

from mlpc_helpers import models


@pytest.fixture(scope="module")
def lite0():
    return models.pretrained_backbone("efficientnet_lite0", device="cpu")


CATS = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.mark.parametrize("photo, classes", [("chelsea", CATS), ("coffee", {967})])
def test_lite0_classifies_natural_photos(lite0, photo, classes):
    """Real ImageNet weights: with timm's own preprocessing, scikit-image's coffee is an
    espresso (967) and its cat one of ImageNet's cats (an untrained net is at chance, 1/1000)."""
    import timm
    from PIL import Image
    from skimage import data as skdata

    cfg = timm.data.resolve_data_config({}, model=lite0.model)
    transform = timm.data.create_transform(**cfg)
    x = transform(Image.fromarray(getattr(skdata, photo)()))[None]
    probs = torch.softmax(lite0.logits(x), dim=1)[0]
    assert int(probs.argmax()) in classes
    assert float(probs[sorted(classes)].sum()) > 0.8


def test_lite0_preprocess_agrees_with_timm(lite0):
    """Our array preprocessing (plain resize) keeps the cat among ImageNet's cat classes."""
    from skimage import data as skdata

    probs = torch.softmax(lite0.logits(lite0.preprocess(skdata.chelsea()[None])), dim=1)[0]
    assert int(probs.argmax()) in CATS


def test_backbone_is_frozen_and_embeds(lite0, tmp_path):
    assert not any(p.requires_grad for p in lite0.model.parameters())
    assert (lite0.input_size, lite0.num_features) == (224, 1280)
    imgs = np.random.default_rng(0).integers(0, 255, (5, 64, 64), dtype=np.uint8)
    e1 = models.embed_images(lite0, imgs, batch_size=2, cache=tmp_path, progress=False)
    assert e1.shape == (5, 1280) and e1.dtype == np.float32
    assert len(list(tmp_path.glob("*.npy"))) == 1
    e2 = models.embed_images(lite0, imgs, cache=tmp_path, progress=False)  # from the cache
    np.testing.assert_array_equal(e1, e2)


def test_backbone_rejects_bad_shapes(lite0):
    with pytest.raises(ValueError, match="grayscale or .* RGB"):
        lite0.preprocess(np.zeros((2, 8, 8, 4)))


def test_probe_accuracy_separable_and_checks_shapes():
    from mlpc_helpers.validation import MLPCInputError

    rng = np.random.default_rng(0)
    F = np.r_[rng.normal(0, 1, (20, 4)), rng.normal(5, 1, (20, 4))]
    y = np.repeat([0, 1], 20)
    assert models.probe_accuracy(F[::2], y[::2], F[1::2], y[1::2]) == 1.0
    with pytest.raises(MLPCInputError, match="same number of columns"):
        models.probe_accuracy(F[::2], y[::2], F[1::2, :3], y[1::2])


def test_unknown_backbone_is_clear():
    with pytest.raises(models.BackboneUnavailableError, match="Unknown backbone 'resnet_9000'"):
        models.pretrained_backbone("resnet_9000")


def test_hub_backbone_offline_is_clear(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(models.BackboneUnavailableError, match="efficientnet_lite0"):
        models.pretrained_backbone("resnet18")


def test_fit_learns_and_early_stops(monkeypatch):
    monkeypatch.setenv("MLPC_SEED", "0")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    model = nn.Linear(3, 1)
    hist = models.fit(model, models.make_loader(x, y, batch_size=32, shuffle=True),
                      val_loader=models.make_loader(x, y), epochs=60, lr=0.05,
                      patience=5, progress=False, device="cpu")
    assert hist.val_loss[hist.best_epoch] < 1e-3
    assert hist.epochs <= 60
    pred = models.predict(model, x, device="cpu")
    assert pred.shape == (256, 1)


def test_make_loader_checks_lengths():
    with pytest.raises(ValueError, match="same first dimension"):
        models.make_loader(np.zeros((3, 2)), np.zeros(4))


def test_cross_val_predict_cnn_out_of_fold_and_on_the_target_scale():
    # moved from tests/test_encodings.py (week04_encodings' module dissolved, wk-c)
    from mlpc_helpers import imaging

    rng = np.random.default_rng(2)
    X = rng.normal(size=(24, 1, 8, 8)).astype(np.float32)
    y = 100 + X.mean(axis=(1, 2, 3)) * 10
    splits = [(np.arange(12, 24), np.arange(12)), (np.arange(12), np.arange(12, 24))]
    torch.manual_seed(0)
    pred = models.cross_val_predict_cnn(
        lambda: models.SmallCNN(n_outputs=1, widths=(4, 8)), X, y, splits, epochs=1,
        batch_size=8, augment=imaging.augmenter("flip", random_state=0), random_state=5)
    assert pred.shape == y.shape and np.all(np.abs(pred - 100) < 20)
