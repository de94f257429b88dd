"""Unit tests of mlpc_helpers.datatour on tiny hand-made tables and images."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mlpc_helpers import datatour  # noqa: E402
from mlpc_helpers.validation import MLPCInputError  # noqa: E402


def test_grey_level_stats():
    imgs = np.zeros((2, 4, 4), np.uint8)
    imgs[1, :2] = 200
    stats = datatour.grey_level_stats(imgs)
    assert stats.shape == (2, 2)
    assert stats[0] == pytest.approx([0, 0])
    assert stats[1] == pytest.approx([100, 100])
    with pytest.raises(MLPCInputError, match="height, width"):
        datatour.grey_level_stats(np.zeros((4, 4)))


def _methods():
    rows = []
    # stratum A: reference 90, 92, 94 (median 92); other 95, 96, 97 (median 96): gap 4
    rows += [("A", "ref", v) for v in (90, 92, 94)] + [("A", "oth", v) for v in (95, 96, 97)]
    # stratum B: 6 ref at 99, 3 other at 98: gap -1
    rows += [("B", "ref", 99.0)] * 6 + [("B", "oth", 98.0)] * 3
    # stratum C: only one level: ignored
    rows += [("C", "ref", 50.0)] * 5
    return pd.DataFrame(rows, columns=["alloy", "method", "rd"])


def test_stratified_gap_weights_and_filters():
    gap, table = datatour.stratified_gap(_methods(), "rd", "method", ("ref", "oth"),
                                         ["alloy"])
    assert list(table.alloy) == ["A", "B"]
    assert list(table.gap) == pytest.approx([4.0, -1.0])
    w = np.array([1 / (1 / 3 + 1 / 3), 1 / (1 / 6 + 1 / 3)])  # 1.5 and 2
    assert gap == pytest.approx((4 * w[0] - 1 * w[1]) / w.sum())
    gap_nan, empty = datatour.stratified_gap(_methods(), "rd", "method", ("ref", "oth"),
                                             ["alloy"], min_n=7)
    assert np.isnan(gap_nan) and len(empty) == 0
    with pytest.raises(MLPCInputError, match="does not occur"):
        datatour.stratified_gap(_methods(), "rd", "method", ("ref", "xx"), ["alloy"])
    with pytest.raises(MLPCInputError, match="lacks the columns"):
        datatour.stratified_gap(_methods(), "rd", "method", ("ref", "oth"), ["paper"])


def test_paired_gap():
    df = pd.DataFrame({"cond": [1, 1, 1, 2, 3, 3], "method": ["r", "o", "o", "r", "r", "o"],
                       "rd": [90.0, 92.0, 94.0, 80.0, 99.0, 98.0]})
    out = datatour.paired_gap(df, "rd", "method", ("r", "o"), ["cond"])
    assert list(out.cond) == [1, 3]
    assert list(out.gap) == pytest.approx([3.0, -1.0])
    assert {"mean_r", "mean_o"} <= set(out.columns)


def test_imbalance():
    s = datatour.imbalance(["a"] * 6 + ["b"] * 3 + ["c"])
    assert s.n == 10 and s.n_classes == 3
    assert s.largest_share == pytest.approx(0.6) and s.ratio == pytest.approx(6.0)
    p = np.array([0.6, 0.3, 0.1])
    assert s.effective_classes == pytest.approx(np.exp(-(p * np.log(p)).sum()))
    assert datatour.imbalance(["x", "y"] * 5).effective_classes == pytest.approx(2.0)
    with pytest.raises(MLPCInputError, match="empty"):
        datatour.imbalance([])


def test_duplicate_rows():
    df = pd.DataFrame({"id": [1, 2, 3, 4, 5], "a": [1, 1, 2, 2, 3], "b": [5, 5, 6, 6, 7]})
    dup = datatour.duplicate_rows(df, ignore=["id"])
    assert sorted(dup.index) == [0, 1, 2, 3]
    assert dup.dup_group.nunique() == 2
    assert len(datatour.duplicate_rows(df)) == 0  # the id differs everywhere


def test_crisp_dm_table():
    t = datatour.crisp_dm_table()
    assert t.shape == (6, 3)
    assert t.step.iloc[0].startswith("1 ")


def test_draw_pspp():
    import matplotlib.pyplot as plt

    ax = datatour.draw_pspp([("processing", "structure", "UHCS"),
                             ("processing", "property", "L-PBF"),
                             ("processing", "property", "ESTM"),
                             ("structure", "structure", "EBSD")])
    texts = [t.get_text() for t in ax.texts]
    assert "L-PBF\nESTM" in texts and "EBSD" in texts and "STRUCTURE" in texts
    with pytest.raises(MLPCInputError, match="unknown|known stages"):
        datatour.draw_pspp([("processing", "microstructure", "x")], ax=ax)
    plt.close("all")
