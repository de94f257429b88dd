import json

import pytest

from mlpc_helpers import report


@pytest.fixture
def metrics(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path))
    report.set_notebook("week99_demo", reset=True)
    return tmp_path


def test_record_writes_json(metrics):
    report.record("w99.a", 1.5, published=1.4, tolerance=0.2, source="doi:10/x")
    report.record("w99.b", 3)
    data = json.loads((metrics / "week99_demo.json").read_text())
    assert data["w99.a"] == {"value": 1.5, "published": 1.4, "tolerance": 0.2, "source": "doi:10/x"}
    assert data["w99.b"]["published"] is None
    assert report.failures() == []


def test_out_of_tolerance_warns_and_is_a_failure(metrics):
    with pytest.warns(report.ReproductionWarning):
        report.record("w99.c", 2.0, published=1.0, tolerance=0.5)
    assert [r.key for r in report.failures()] == ["w99.c"]


def test_numpy_values_and_bad_input(metrics):
    import numpy as np

    report.record("w99.np", np.float32(0.25))
    assert report.load_all()[0].value == 0.25
    with pytest.raises(ValueError, match="finite"):
        report.record("w99.nan", float("nan"))
    with pytest.raises(ValueError, match="letters"):
        report.record("bad key!", 1)
    with pytest.raises(ValueError, match="no published value"):
        report.record("w99.t", 1, tolerance=0.1)


def test_record_needs_a_notebook(monkeypatch, tmp_path):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path))
    monkeypatch.delenv("MLPC_NOTEBOOK", raising=False)
    monkeypatch.setattr(report, "_notebook", None)
    with pytest.raises(RuntimeError, match="runtime.start"):
        report.record("w99.x", 1)


def test_reproduction_table(metrics):
    from mlpc_course import site

    report.record("w99.a", 1.5, published=1.4, tolerance=0.2, source="deck")
    md = site.reproduction_rows_markdown()
    assert "`w99.a`" in md and "1.4 ± 0.2" in md and "yes" in md
    assert "w99.a" in site.reproduction_html()
