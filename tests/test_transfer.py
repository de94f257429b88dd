"""Unit tests of mlpc_helpers.transfer and the week-6 networks (fast, no real training)."""

import numpy as np
import pytest

from mlpc_helpers import transfer
from mlpc_helpers.validation import MLPCInputError

torch = pytest.importorskip("torch")


def test_curve_table():
    rows = [dict(method="m", n_per_class=5, draw=d, accuracy=a)
            for d, a in enumerate([0.5, 0.7])]
    t = transfer.curve_table(rows)
    assert t.loc[("m", 5), "mean"] == pytest.approx(0.6)
    assert t.loc[("m", 5), "min"] == 0.5 and t.loc[("m", 5), "draws"] == 2


def test_probe():
    rng = np.random.default_rng(0)
    F = np.r_[rng.normal(0, 1, (20, 4)), rng.normal(5, 1, (20, 4))]
    y = np.repeat([0, 1], 20)
    assert transfer.probe_accuracy(F[::2], y[::2], F[1::2], y[1::2]) == 1.0


def test_nt_xent_low_for_aligned_views_and_checks_shapes():
    z = torch.eye(8)
    good = transfer.nt_xent(z, z.clone(), temperature=0.1)
    bad = transfer.nt_xent(z, torch.roll(z, 1, 0), temperature=0.1)
    assert float(good) < 0.01 < float(bad)
    # uniform similarities: loss = ln(2n - 1)
    flat = transfer.nt_xent(torch.ones(4, 3), torch.ones(4, 3))
    assert float(flat) == pytest.approx(np.log(7), rel=1e-5)
    with pytest.raises(MLPCInputError):
        transfer.nt_xent(torch.ones(1, 3), torch.ones(1, 3))


def test_simclr_views_and_step():
    from mlpc_helpers.models import SmallCNN
    from mlpc_helpers.models.finetune import ProjectionNet

    x = torch.randn(6, 1, 16, 16)
    g = torch.Generator().manual_seed(0)
    v = transfer.simclr_views(x, crop=12, random_state=g)
    assert v.shape == (6, 1, 12, 12)
    net = ProjectionNet(SmallCNN(2, widths=(4, 8)), in_features=8, out_features=5)
    loss = transfer.simclr_step(crop=12, random_state=0)(net, (x,), None)
    loss.backward()
    assert loss.ndim == 0 and net.encoder.features[0].weight.grad is not None
    with pytest.raises(MLPCInputError, match="crop"):
        transfer.simclr_views(x, crop=20)


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
