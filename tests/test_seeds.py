"""Seed sweeps (mlpc_course.seeds, `make seeds`): runs, resumes, tabulates, feeds the page."""

from __future__ import annotations

import csv
import json

import nbformat
import pytest

from mlpc_course import seeds, site
from mlpc_helpers import report


def _fixture_notebook(folder, fail_flag):
    """A two-cell notebook whose metric depends on MLPC_SEED; it fails for seed 1 while
    ``fail_flag`` exists."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os\n"
            "from mlpc_helpers import report, runtime\n"
            "ctx = runtime.start('fixture_nb', quiet=True)"
        ),
        nbformat.v4.new_code_cell(
            f"if ctx.seed == 1 and os.path.exists({str(fail_flag)!r}):\n"
            "    raise RuntimeError('planned failure')\n"
            "report.record('w99.seeded', 0.5 + 0.1 * ctx.seed, published=0.5, tolerance=0.05,\n"
            "              source='test')\n"
            "report.record('w99.label', 'a' if ctx.seed == 0 else 'b')\n"
            "report.record('w99.threads', int(os.environ['OMP_NUM_THREADS']))"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "fixture_nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_sweep_runs_resumes_and_summarizes(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    monkeypatch.delenv("MLPC_FULL", raising=False)
    flag = tmp_path / "fail-now"
    flag.touch()
    nb = _fixture_notebook(tmp_path, flag)
    out = tmp_path / "seeds"

    # two worker processes; seed 1 fails: seed 0 is done (metrics + marker), seed 1 has an
    # error file and no marker
    res = seeds.sweep([str(nb)], 2, workers=2, out=out, progress=False, timeout=120)
    assert [(n, s) for n, s, _ in res.ran] == [("fixture_nb", 0)]
    assert [(n, s) for n, s, _ in res.failed] == [("fixture_nb", 1)]
    assert "planned failure" in (out / "1" / "fixture_nb.error.txt").read_text()
    assert seeds.is_done(out, "fixture_nb", 0) and not seeds.is_done(out, "fixture_nb", 1)
    assert json.loads((out / "0" / "fixture_nb.json").read_text())["w99.threads"]["value"] == 1
    assert not (tmp_path / "metrics").exists(), "the sweep must leave MLPC_METRICS_DIR alone"

    # resumed (in this process): only seed 1 runs
    flag.unlink()
    marker0 = (out / "0" / "fixture_nb.done.json").read_text()
    res = seeds.sweep([str(nb)], 2, workers=1, out=out, progress=False, timeout=120)
    assert [(n, s) for n, s, _ in res.ran] == [("fixture_nb", 1)], res.failed
    assert res.skipped == [("fixture_nb", 0)] and not res.failed
    assert (out / "0" / "fixture_nb.done.json").read_text() == marker0
    assert not (out / "1" / "fixture_nb.error.txt").exists()
    # and once more: nothing to run
    res = seeds.sweep([str(nb)], 2, workers=2, out=out, progress=False)
    assert not res.ran and len(res.skipped) == 2
    # a run at the other size does not count as done
    assert not seeds.is_done(out, "fixture_nb", 0, full=True)

    rows = {r["key"]: r for r in csv.DictReader((out / "summary.csv").open())}
    s = rows["w99.seeded"]
    assert (s["n"], s["seeds"], s["n_within"]) == ("2", "0 1", "1")
    assert float(s["min"]) == 0.5 and float(s["max"]) == pytest.approx(0.6)
    assert float(s["median"]) == pytest.approx(0.55)
    assert rows["w99.label"]["median"] == "" and rows["w99.label"]["mode"] in {"a (1/2)",
                                                                               "b (1/2)"}
    assert rows["w99.threads"]["n_within"] == ""
    md = (out / "summary.md").read_text()
    assert "| fixture_nb | `w99.seeded` | 2 | 0.55 | 0.5 | 0.6 | 0.5 ± 0.05 | 1/2 |" in md
    assert "median s" in md

    # what notebooks and the reproduction page read
    r = report.seed_range("w99.seeded", folder=out)
    assert r.n == 2 and (r.min, r.max) == pytest.approx((0.5, 0.6))
    assert r.median == pytest.approx(0.55)
    assert report.seed_range("w99.nope", folder=out) is None
    assert report.seed_range("w99.label", folder=out) == (None, None, None, 2)
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(out))
    assert report.seed_range("w99.seeded", notebook="fixture_nb") == r
    report.record("w99.seeded", 0.5, published=0.5, tolerance=0.05, notebook="fixture_nb")
    page = site.reproduction_rows_markdown()
    assert "seed range (n)" in page and "0.5–0.6 (2), 1/2 within" in page
    assert "0.5–0.6 (2), 1/2 within" in site.reproduction_html()


def test_without_a_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(tmp_path / "no-sweep"))
    assert report.seed_range("w99.a") is None
    report.record("w99.a", 1.0, notebook="w99_nb")
    md = site.reproduction_rows_markdown()
    assert "| seed range (n) |" in md and "sweep not run" in md


def test_summary_by_hand_and_names(tmp_path):
    for seed, value in [(0, 3), (1, 5), (2, 4)]:
        (tmp_path / str(seed)).mkdir()
        (tmp_path / str(seed) / "nb.json").write_text(json.dumps(
            {"k": {"value": value, "published": 4, "tolerance": 0, "source": None}}))
        (tmp_path / str(seed) / "nb.done.json").write_text(json.dumps(
            {"notebook": "nb", "seed": seed, "seconds": 1.0, "full": False}))
    # a run without a marker (failed or still running) is not counted
    (tmp_path / "3").mkdir()
    (tmp_path / "3" / "nb.json").write_text(json.dumps({"k": {"value": 99}}))
    seeds.write_summary(tmp_path)
    assert report.seed_range("k", folder=tmp_path) == (4, 3, 5, 3)
    row = report.load_seed_summary(tmp_path)[("nb", "k")]
    assert row["n_within"] == "1" and row["seeds"] == "0 1 2"
    assert seeds.range_cell("k", "nb", report.load_seed_summary(tmp_path)) == \
        "3–5 (3), 1/3 within"

    nbs = seeds.resolve_notebooks(["week02_data_formation"])
    assert [p.name for p in nbs] == ["week02_data_formation.ipynb"]
    assert all(p.name.startswith("week05") for p in seeds.resolve_notebooks(["week05*"]))
    with pytest.raises(ValueError, match="matches nothing"):
        seeds.resolve_notebooks(["week99_nothing"])
