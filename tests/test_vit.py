"""The small ViT (timm) and the attention matrices the week-10 notebook rolls out."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def test_small_vit_shapes_and_attention_rows():
    from mlpc_helpers.models import vit

    torch.manual_seed(0)
    model = vit.small_vit(3, img_size=16, patch_size=4, embed_dim=16, depth=2, num_heads=2)
    x = torch.randn(2, 1, 16, 16)
    assert model(x).shape == (2, 3)
    fused = model.blocks[0].attn.fused_attn
    attn = vit.attention_maps(model, x, device="cpu")
    assert attn.shape == (2, 2, 2, 17, 17)  # blocks, images, heads, CLS + 16 patches
    np.testing.assert_allclose(attn.sum(-1), 1.0, atol=1e-5)
    assert model.blocks[0].attn.fused_attn == fused  # the fused path is restored
    with pytest.raises(ValueError, match="multiple of patch_size"):
        vit.small_vit(3, img_size=18, patch_size=4)
    with pytest.raises(ValueError, match="channels"):
        vit.attention_maps(model, x[:, 0], device="cpu")
