"""Tests of mlpc_helpers.features.composition (element fractions and Magpie featurizers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers.features import composition as comp


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Each test gets an empty in-memory cache and its own disk-cache folder."""
    monkeypatch.setenv("MLPC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(comp, "_MEMORY", {})


def test_element_fractions_values_and_names():
    X = comp.ElementFractions().fit_transform(["Bi2Te3", "(Bi0.5Sb0.5)2Te3", "PbTe"])
    names = list(comp.ElementFractions().get_feature_names_out())
    assert X.shape == (3, 118)
    assert names[0] == "H" and names[82] == "Bi" and len(names) == 118
    np.testing.assert_allclose(X.sum(axis=1), 1.0)
    assert X[0, names.index("Bi")] == pytest.approx(0.4)
    assert X[0, names.index("Te")] == pytest.approx(0.6)
    assert X[1, names.index("Sb")] == pytest.approx(0.2)
    assert X[2, names.index("Pb")] == pytest.approx(0.5)


def test_inputs_series_dataframe_and_duplicates_keep_row_order():
    s = pd.Series(["PbTe", "Bi2Te3", "PbTe"], name="formula")
    f = comp.ElementFractions()
    a = f.fit_transform(s)
    b = f.transform(s.to_frame())
    c = f.transform(np.array(["PbTe", "Bi2Te3", "PbTe"]))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(a[0], a[2])
    assert not np.array_equal(a[0], a[1])
    assert f.transform([]).shape == (0, 118)


@pytest.mark.parametrize("bad", ["", "abc", "Xx2"])
def test_bad_formula_raises_clear_error(bad):
    with pytest.raises(ValueError, match="formula"):
        comp.ElementFractions().fit_transform([bad])


def test_bad_input_shapes_raise():
    with pytest.raises(ValueError, match="one column"):
        comp.ElementFractions().fit_transform(pd.DataFrame({"a": ["PbTe"], "b": ["SnSe"]}))
    with pytest.raises(ValueError, match="strings"):
        comp.ElementFractions().fit_transform(["PbTe", None])


def test_dominant_element():
    assert comp.dominant_element(["Bi2Te3", "Yb0.3Co4Sb12", "Mg2Si"]) == ["Te", "Sb", "Mg"]


def test_magpie_shape_finite_and_known_value():
    m = comp.MagpieFeaturizer(disk_cache=False)
    X = m.fit_transform(["Bi2Te3", "PbTe", "Bi2Te3"])
    names = list(m.get_feature_names_out())
    assert X.shape == (3, 132) and len(names) == 132
    assert np.isfinite(X).all()
    np.testing.assert_array_equal(X[0], X[2])
    # mean atomic number of Bi2Te3: 0.4 * 83 + 0.6 * 52
    assert X[0, names.index("MagpieData mean Number")] == pytest.approx(64.4)


def test_magpie_is_cached_per_unique_formula(monkeypatch):
    calls = []
    real = comp.MagpieFeaturizer._one

    def counting(self, formula):
        calls.append(formula)
        return real(self, formula)

    monkeypatch.setattr(comp.MagpieFeaturizer, "_one", counting)
    m = comp.MagpieFeaturizer(disk_cache=False)
    m.fit_transform(["PbTe", "PbTe", "SnSe", "PbTe"])
    m.transform(["SnSe", "PbTe"])
    assert sorted(calls) == ["PbTe", "SnSe"]


def test_disk_cache_round_trip(monkeypatch):
    m = comp.MagpieFeaturizer(disk_cache=True)
    first = m.fit_transform(["PbTe", "SnSe"])
    path = m.cache_path()
    assert path.is_file() and not list(path.parent.glob(".*.tmp"))
    # a fresh process: empty memory, and matminer must not be called again
    monkeypatch.setattr(comp, "_MEMORY", {})

    def fail(self, formula):
        raise AssertionError(f"{formula} recomputed despite the disk cache")

    monkeypatch.setattr(comp.MagpieFeaturizer, "_one", fail)
    np.testing.assert_array_equal(comp.MagpieFeaturizer().fit_transform(["SnSe", "PbTe"]), first[::-1])


def test_damaged_disk_cache_is_ignored():
    m = comp.MagpieFeaturizer(disk_cache=True)
    path = m.cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an npz file")
    X = m.fit_transform(["PbTe"])
    assert X.shape == (1, 132)
    assert np.load(path)["formulas"].tolist() == ["PbTe"]


def test_works_inside_a_column_transformer():
    from sklearn.compose import ColumnTransformer

    df = pd.DataFrame({"formula": ["PbTe", "Bi2Te3"], "T_K": [300.0, 400.0]})
    ct = ColumnTransformer([("comp", comp.ElementFractions(), "formula"),
                            ("T", "passthrough", ["T_K"])])
    X = ct.fit_transform(df)
    assert X.shape == (2, 119)
    np.testing.assert_allclose(X[:, -1], [300.0, 400.0])


def test_cluster_map_draws_points_centres_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mlpc_helpers import plotting

    xy = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    ax = plotting.cluster_map(xy, np.array([0, 0, 1, 1]), centers=np.array([[0, 0], [5, 5]]),
                              annotations=["Te", "O"], title="t")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["0: Te", "1: O"] and ax.get_xlabel().startswith("PC 1")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plotting.cluster_map(xy[:, :1], np.zeros(4))
    plt.close("all")
