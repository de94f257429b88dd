"""Attention by hand, the benchmark helpers and the small ViT with attention rollout."""

import numpy as np
import pytest
import torch

from mlpc_helpers import attention as att
from mlpc_helpers.validation import MLPCInputError


def _qkv(shape=(2, 3, 7, 5), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(3)]


def test_numpy_attention_matches_torch_plain_and_causal():
    q, k, v = _qkv()
    F = torch.nn.functional
    for causal in (False, True):
        out, w = att.scaled_dot_product_attention(q, k, v, causal=causal)
        ref = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)),
                                             is_causal=causal).numpy()
        np.testing.assert_allclose(out, ref, atol=1e-10)
        np.testing.assert_allclose(w.sum(-1), 1.0)
    assert np.all(np.triu(w[0, 0], 1) == 0)
    mask = np.ones((7, 7), bool)
    mask[:, 3] = False
    out, w = att.scaled_dot_product_attention(q, k, v, mask=mask)
    assert np.all(w[..., 3] == 0)
    with pytest.raises(MLPCInputError, match="same feature size"):
        att.scaled_dot_product_attention(q, k[..., :4], v)


def test_matrix_bytes_and_power_law():
    assert att.attention_matrix_bytes(1024, heads=2, itemsize=2) == 2 * 1024 * 1024 * 2
    x = np.array([256, 512, 1024, 2048])
    fit = att.power_law_fit(x, 3.0 * x**2.0)
    assert fit.exponent == pytest.approx(2.0) and fit.prefactor == pytest.approx(3.0)
    assert att.power_law_fit(x, x, x_min=512).n == 3
    with pytest.raises(MLPCInputError, match="two positive"):
        att.power_law_fit([1.0], [1.0])


def test_benchmark_naive_quadratic_sdpa_small_and_budget():
    df = att.benchmark_attention([128, 256, 512], repeats=1, device="cpu",
                                 memory_budget_bytes=1.5e6, progress=False)
    naive = df[df.kernel == "naive"].set_index("length")
    sdpa = df[df.kernel == "sdpa"].set_index("length")
    assert naive.loc[512, "status"] == "over budget"        # 2 x 1 MiB > 1.5 MB
    assert naive.loc[256, "peak_bytes"] >= naive.loc[256, "matrix_bytes"]
    assert (sdpa.status == "ok").all()
    assert sdpa.loc[256, "peak_bytes"] < naive.loc[256, "peak_bytes"]
    assert (sdpa.seconds > 0).all()
    forced = att.benchmark_attention([64], kernels=("efficient", "math"), device="cpu",
                                     repeats=1, progress=False)
    assert forced.status.tolist() == ["unavailable", "ok"]      # efficient: CUDA only
    assert "math" in forced.aten_kernel[1]
    with pytest.raises(MLPCInputError, match="unknown kernel"):
        att.benchmark_attention([64], kernels=("fast",), progress=False)


def test_small_vit_rollout_shapes_and_rows():
    from mlpc_helpers.models import vit

    torch.manual_seed(0)
    model = vit.small_vit(3, img_size=16, patch_size=4, embed_dim=16, depth=2, num_heads=2)
    x = torch.randn(2, 1, 16, 16)
    assert model(x).shape == (2, 3)
    attn = vit.attention_maps(model, x, device="cpu")
    assert attn.shape == (2, 2, 2, 17, 17)
    np.testing.assert_allclose(attn.sum(-1), 1.0, atol=1e-5)
    roll = vit.attention_rollout(attn)
    np.testing.assert_allclose(roll.sum(-1), 1.0, atol=1e-6)
    maps = vit.rollout_maps(model, x, device="cpu")
    assert maps.shape == (2, 4, 4) and maps.max() == pytest.approx(1.0)
    assert vit.cls_attention(model, x, device="cpu").shape == (2, 4, 4)
    assert model.blocks[0].attn.fused_attn == vit.small_vit(3, img_size=16, patch_size=4,
                                                            embed_dim=16, depth=1,
                                                            num_heads=2).blocks[0].attn.fused_attn
    with pytest.raises(ValueError, match="multiple of patch_size"):
        vit.small_vit(3, img_size=18, patch_size=4)
