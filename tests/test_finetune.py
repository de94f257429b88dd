"""Unit tests of the fine-tuning networks of mlpc_helpers.models (finetune: trunk and head
of an EfficientNet, the SimCLR projection net; unet_pretrained: the EfficientNet U-Net
encoder). Fast: random weights, no real training. The week-6 teaching code (NT-Xent, the
SimCLR views, the learning-curve table) lives in its notebook, with its checks there."""

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def effnet():
    timm = pytest.importorskip("timm")
    return timm.create_model("tf_efficientnet_lite0", pretrained=False)


def test_split_efficientnet_trunk_frozen_head_trainable(effnet):
    from mlpc_helpers.models.finetune import split_efficientnet, trunk_maps

    model = effnet
    trunk, head = split_efficientnet(model, n_blocks=1, n_classes=6)
    assert not any(p.requires_grad for p in trunk.parameters())
    assert all(p.requires_grad for p in head.parameters())
    maps = trunk_maps(trunk, torch.randn(2, 3, 64, 64))
    assert maps.shape == (2, 192, 2, 2)
    head.train()
    bns = [m for m in head.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)  # ImageNet statistics kept
    assert head(torch.from_numpy(maps)).shape == (2, 6)
    with pytest.raises(ValueError, match="n_blocks"):
        split_efficientnet(model, n_blocks=8, n_classes=6)


def test_efficientnet_unet_shapes(effnet):
    from mlpc_helpers.models.unet import UNet
    from mlpc_helpers.models.unet_pretrained import EfficientNetEncoder

    enc = EfficientNetEncoder(effnet, depth=3)
    net = UNet(n_classes=3, encoder=enc, encoder_channels=enc.channels).eval()
    with torch.no_grad():
        out = net(torch.zeros(1, 1, 40, 48))
    assert out.shape == (1, 3, 40, 48)
    assert net.encoder.channels == [16, 24, 40]


def test_projection_net_embeds_and_projects():
    from mlpc_helpers.models import SmallCNN
    from mlpc_helpers.models.finetune import ProjectionNet

    net = ProjectionNet(SmallCNN(2, widths=(4, 8)), in_features=8, out_features=5)
    x = torch.randn(3, 1, 16, 16)
    assert net.embed(x).shape == (3, 8)
    out = net(x)
    assert out.shape == (3, 5)
    out.sum().backward()
    assert net.encoder.features[0].weight.grad is not None
