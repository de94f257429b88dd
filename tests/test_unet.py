"""Unit tests of mlpc_helpers.models.unet (shapes, custom encoders, predictions)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from mlpc_helpers.models.unet import (  # noqa: E402
    UNet,
    n_parameters,
    predict_masks,
)


@pytest.mark.parametrize("shape", [(2, 1, 32, 32), (1, 1, 37, 45)])
def test_output_has_input_size(shape):
    net = UNet(1, 3, base=4, depth=3).eval()
    with torch.no_grad():
        out = net(torch.zeros(shape))
    assert out.shape == (shape[0], 3, *shape[2:])


def test_constructor_flexible_and_parameter_count_grows():
    small = UNet(in_channels=1, n_classes=2, base=4, depth=2)
    big = UNet(in_channels=3, n_classes=2, base=8, depth=3)
    assert n_parameters(big) > n_parameters(small) > 0
    assert small.first_layer.in_channels == 1 and big.first_layer.in_channels == 3
    assert small.first_layer.out_channels == 4
    with pytest.raises(ValueError):
        UNet(1, 2, base=4, depth=0)
    with pytest.raises(ValueError, match="shape"):
        small(torch.zeros(1, 16, 16))


class _StridedEncoder(nn.Module):
    """A stand-in for a pretrained encoder: features at strides 2, 4, 8 (like timm)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.b = nn.Conv2d(6, 10, 3, stride=2, padding=1)
        self.c = nn.Conv2d(10, 12, 3, stride=2, padding=1)

    def forward(self, x):
        a = self.a(x)
        b = self.b(a)
        return [a, b, self.c(b)]


def test_custom_encoder_plugs_in():
    net = UNet(n_classes=4, encoder=_StridedEncoder(), encoder_channels=[6, 10, 12],
               decoder_channels=[8, 4]).eval()
    with torch.no_grad():
        out = net(torch.zeros(2, 3, 40, 40))
    assert out.shape == (2, 4, 40, 40)  # upsampled from stride 2 to the input size
    with pytest.raises(ValueError, match="encoder_channels"):
        UNet(n_classes=2, encoder=_StridedEncoder())
    with pytest.raises(ValueError, match="decoder_channels"):
        UNet(n_classes=2, encoder=_StridedEncoder(), encoder_channels=[6, 10, 12],
             decoder_channels=[8])


def test_training_step_lowers_loss_and_predict_masks():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    y = (rng.random((4, 16, 16)) > 0.5).astype(np.int64)
    x = (y + 0.1 * rng.normal(size=y.shape)).astype(np.float32)[:, None]
    net = UNet(1, 2, base=4, depth=2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]
    pred = predict_masks(net, x[:, 0], device="cpu")
    assert pred.shape == (4, 16, 16) and set(np.unique(pred)) <= {0, 1}
    proba = predict_masks(net, x, device="cpu", return_proba=True)
    np.testing.assert_allclose(proba.sum(1), 1, atol=1e-5)
