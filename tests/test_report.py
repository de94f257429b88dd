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


def _sweep(folder, rows):
    """A summary.csv as `make seeds` writes it: rows of (notebook, key, values or names)."""
    import csv
    import statistics

    folder.mkdir(parents=True, exist_ok=True)
    cols = ["notebook", "key", "n", "median", "min", "max", "mode", "published", "tolerance",
            "n_within", "seeds", "values"]
    with (folder / "summary.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for nb, key, vals in rows:
            num = all(isinstance(v, (int, float)) for v in vals)
            w.writerow({"notebook": nb, "key": key, "n": len(vals),
                        "median": statistics.median(vals) if num else "",
                        "min": min(vals) if num else "", "max": max(vals) if num else "",
                        "mode": "" if num else f"{vals[0]} ({vals.count(vals[0])}/{len(vals)})",
                        "seeds": " ".join(map(str, range(len(vals)))),
                        "values": " ".join(f"{i}:{v}" for i, v in enumerate(vals)) if num
                        else ""})


def test_seed_summary_prints_each_key_once_and_draws_the_figure(tmp_path, monkeypatch,
                                                                  capsys):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    report.set_notebook("nb_a", reset=True)
    report.record("w99.f1", 0.45)
    _sweep(tmp_path / "sweep", [("nb_a", "w99.f1", [0.4, 0.5, 0.6]),
                                ("nb_a", "w99.depth", [3, 4, 4]),
                                ("nb_a", "w99.phase", ["smectite", "illite", "smectite"]),
                                ("nb_b", "w99.f1", [0.9, 0.9])])
    fig = report.seed_summary({"w99.f1": "F1 (fraction)"},
                              table_only={"w99.depth": ("tree depth (count)", "{:.0f}"),
                                          "w99.phase": "most frequent phase",
                                          "w99.missing": "not swept"},
                              fmt="{:.2f}", folder=tmp_path / "sweep")
    out = capsys.readouterr().out
    assert "Over the 3 seeds of the sweep in" in out  # said once, not per row
    assert "F1 (fraction)" in out and "0.40–0.60 (median 0.50)" in out
    assert "3–4 (median 4)" in out  # its own format; nb_b's row is not read
    assert "smectite (2/3) (most frequent)" in out
    assert "not in the sweep (run `make seeds NOTEBOOKS=nb_a`)" in out
    # the figure: only the keys of the first argument, labelled with their units
    assert [ax.get_xlabel() for ax in fig.axes] == ["F1 (fraction)"]
    # no sweep of this notebook: one sentence, no table, no figure
    assert report.seed_summary({"w99.f1": "F1"}, notebook="nb_z",
                               folder=tmp_path / "sweep") is None
    out = capsys.readouterr().out
    assert "make seeds NOTEBOOKS=nb_z" in out and "Over the seeds" not in out


def test_seed_summary_bad_labels_are_named():
    from mlpc_helpers.validation import MLPCInputError

    with pytest.raises(MLPCInputError, match="keys` is empty"):
        report.seed_summary({})
    with pytest.raises(MLPCInputError, match="'w99.a'.*label, format"):
        report.seed_summary({"w99.a": ("F1", "{:.2f}", "extra")})


def test_seed_gaps_pairs_sweep_numbers_and_references(tmp_path):
    from mlpc_helpers.validation import MLPCInputError

    _sweep(tmp_path, [("nb_a", "w99.random", [0.9, 1.0, 1.1]),
                      ("nb_a", "w99.group", [2.0, 2.0, 2.0])])
    table = report.seed_gaps(
        [{"week": 3, "a": "w99.random", "b": "w99.group", "how": "ratio"},
         {"week": 1, "a": 0.25, "b": "w99.group", "how": "difference"},
         {"week": 9, "a": None, "b": "w99.missing", "how": None}], folder=tmp_path)
    assert list(table.week) == [3, 1, 9]  # other columns are kept, in order
    assert table.A[0] == "1 (0.9–1.1)" and table.B[0] == "2"  # no range when it is fixed
    assert table["B vs A"].tolist() == ["2×", "+1.75", ""]
    assert table.a_min[0] == 0.9 and table.b_max[0] == 2.0 and table.A[1] == "0.25"
    assert table.B[2] == "not in the sweep" and table.source[2] == "not in the sweep"
    assert table.source[0].startswith("sweep in ")
    with pytest.raises(MLPCInputError, match="needs 'a' and 'b'"):
        report.seed_gaps([{"a": 1}], folder=tmp_path)
    with pytest.raises(MLPCInputError, match="how='log'"):
        report.seed_gaps([{"a": 1, "b": 2, "how": "log"}], folder=tmp_path)
