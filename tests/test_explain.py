"""mlpc_helpers.explain: scoring maps against boxes, baselines, the randomisation cascade,
the shortcut marker and the metric table (issue 29). Small and fast; no training."""

import numpy as np
import pytest

from mlpc_helpers import explain as ex
from mlpc_helpers.report import Row
from mlpc_helpers.validation import MLPCInputError


def test_box_mask_scales_voc_boxes():
    # VOC 1-based inclusive: (1, 1, 100, 50) is the top-left 100 x 50 px of a 200 px image
    m = ex.box_mask([(1, 1, 100, 50, "a")], (200, 200))
    assert m.sum() == 100 * 50 and m[0, 0] and m[49, 99] and not m[50, 0]
    small = ex.box_mask([(1, 1, 100, 50, "a")], (64, 64))
    assert small[:16, :32].all() and small.sum() == 16 * 32
    assert not ex.box_mask([(1, 1, 100, 50, "a")], (64, 64), labels=["b"]).any()
    with pytest.raises(MLPCInputError):
        ex.box_mask([(10, 10, 5, 20)], (64, 64))


def test_pointing_game_and_iou():
    mask = np.zeros((8, 8), bool)
    mask[2:4, 2:4] = True
    hit, miss = np.zeros((8, 8)), np.zeros((8, 8))
    hit[3, 3], miss[7, 7] = 1.0, 1.0
    assert ex.pointing_game(mask, np.stack([hit, miss])).tolist() == [True, False]
    assert ex.pointing_game(mask, miss, tolerance_px=4).tolist() == [True]
    assert ex.pointing_game(mask, np.zeros((8, 8))).tolist() == [False]  # flat: no point
    # one baseline map against many masks
    assert ex.pointing_game(np.stack([mask, ~mask]), hit).tolist() == [True, False]
    assert ex.map_iou(mask, mask.astype(float))[0] == pytest.approx(1.0)
    half = np.zeros((8, 8))
    half[2:4, 2:6] = 1.0
    assert ex.map_iou(mask, half)[0] == pytest.approx(0.5)
    assert ex.map_iou(mask, np.zeros((8, 8)))[0] == 0.0
    with pytest.raises(MLPCInputError):
        ex.map_iou(np.zeros((3, 8, 8), bool), np.zeros((2, 8, 8)))


def test_baselines():
    c = ex.centre_bias_map((9, 9))
    assert c.max() == pytest.approx(1.0) and np.unravel_index(c.argmax(), c.shape) == (4, 4)
    r1 = ex.random_maps(3, (16, 16), random_state=1)
    assert r1.shape == (3, 16, 16) and r1.min() == 0 and r1.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(r1, ex.random_maps(3, (16, 16), random_state=1))
    assert not np.array_equal(r1, ex.random_maps(3, (16, 16), random_state=2))


def test_map_similarity():
    rng = np.random.default_rng(0)
    a = rng.random((4, 8, 8))
    np.testing.assert_allclose(ex.map_similarity(a, a), 1.0)
    np.testing.assert_allclose(ex.map_similarity(a, 2 * a + 1), 1.0)  # ranks only
    np.testing.assert_allclose(ex.map_similarity(a, -a), -1.0)
    assert np.isnan(ex.map_similarity(a[:1], np.zeros((1, 8, 8))))[0]
    np.testing.assert_allclose(ex.map_similarity(a, a, metric="ssim"), 1.0)
    with pytest.raises(MLPCInputError):
        ex.map_similarity(a, a, metric="pearson")


def test_marker_glyphs_and_add_marker():
    g = ex.marker_glyphs(6, 5)
    assert g.shape == (6, 5, 5) and len({x.tobytes() for x in g}) == 6
    x = np.full((4, 16, 16), 0.2, np.float32)
    y = np.array([0, 1, 2, 3])
    marked, masks, has = ex.add_marker(x, y, size_px=5, contrast=0.1)
    assert has.all() and masks[:, 2:7, 2:7].all() and masks.sum() == 4 * 25
    diff = marked - x
    assert np.allclose(diff[~masks], 0) and np.isclose(diff.max(), 0.1)
    np.testing.assert_array_equal(diff[1, 2:7, 2:7] > 0, g[1])  # label picks the glyph
    _, _, some = ex.add_marker(np.zeros((200, 8, 8)), np.zeros(200, int), size_px=3,
                               fraction=0.5, random_state=0)
    assert 60 < some.sum() < 140
    with pytest.raises(MLPCInputError):
        ex.add_marker(x, y, size_px=5, corner=(14, 0))


def test_cascading_randomisation_changes_the_model_copy_only():
    torch = pytest.importorskip("torch")
    from mlpc_helpers.models import SmallCNN, grad_cam

    torch.manual_seed(0)
    net = SmallCNN(3, widths=(4, 8)).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.randn(2, 1, 16, 16)
    blocks = ex.smallcnn_blocks(net)
    assert [b[0] for b in blocks] == ["head", "block2", "block1"]
    out = ex.cascading_randomisation(net, blocks, lambda m: grad_cam(m, x, 0)[0],
                                     random_state=0)
    assert [s for s, _ in out] == ["trained", "head", "block2", "block1"]
    assert all(m.shape == (2, 16, 16) for _, m in out)
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k  # the original is untouched
    again = ex.cascading_randomisation(net, blocks, lambda m: grad_cam(m, x, 0)[0],
                                       random_state=0)
    np.testing.assert_allclose(out[-1][1], again[-1][1])  # seeded


def test_metric_table_reads_values_and_marks_missing():
    rows = [Row("week03_leakage", "w03.a", 1.23456, None, None, None)]
    t = ex.metric_table([{"failure": "leak", "keys": {"naive": "w03.a",
                                                      "honest": "w99.missing"}}], rows)
    assert t.loc[0, "naive"] == "1.23" and t.loc[0, "honest"] == ex.NOT_RUN
    assert t.loc[0, "metric keys"] == "w03.a, w99.missing"
