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
    assert report.seed_range("w99.label", folder=out)[:4] == (None, None, None, 2)
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(out))
    assert report.seed_range("w99.seeded", notebook="fixture_nb")[:4] == r[:4]
    report.record("w99.seeded", 0.5, published=0.5, tolerance=0.05, notebook="fixture_nb")
    page = site.reproduction_rows_markdown()
    assert "seed range (n)" in page and "0.5–0.6 (2), 1/2 within" in page
    assert "0.5–0.6 (2), 1/2 within" in site.reproduction_html()


def test_without_a_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(tmp_path / "no-sweep"))
    monkeypatch.setenv("MLPC_SEEDS_PUBLISHED", "")
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
    assert report.seed_range("k", folder=tmp_path)[:4] == (4, 3, 5, 3)
    row = report.load_seed_summary(tmp_path)[("nb", "k")]
    assert row["n_within"] == "1" and row["seeds"] == "0 1 2"
    assert seeds.range_cell("k", "nb", report.load_seed_summary(tmp_path)) == \
        "3–5 (3), 1/3 within"

    nbs = seeds.resolve_notebooks(["week02_data_formation"])
    assert [p.name for p in nbs] == ["week02_data_formation.ipynb"]
    assert all(p.name.startswith("week05") for p in seeds.resolve_notebooks(["week05*"]))
    with pytest.raises(ValueError, match="matches nothing"):
        seeds.resolve_notebooks(["week99_nothing"])


def _fake_sweep(folder, notebook, values, key="k"):
    for seed, value in enumerate(values):
        (folder / str(seed)).mkdir(parents=True, exist_ok=True)
        (folder / str(seed) / f"{notebook}.json").write_text(json.dumps(
            {key: {"value": value, "published": 0.5, "tolerance": 0.1, "source": None}}))
        (folder / str(seed) / f"{notebook}.done.json").write_text(json.dumps(
            {"notebook": notebook, "seed": seed, "seconds": 10.0, "full": False,
             "finished": f"2026-11-29T12:0{seed}:00+00:00"}))


def test_publish_snapshot_and_local_overlay(tmp_path, monkeypatch):
    pub, local = tmp_path / "results", tmp_path / "build"
    _fake_sweep(tmp_path / "sweep", "nb_a", [0.4, 0.5, 0.6])
    _fake_sweep(tmp_path / "sweep", "nb_b", [1.0, 2.0])
    seeds.publish(tmp_path / "sweep", pub)
    meta = json.loads((pub / "sweep.json").read_text())
    assert meta["date"] == "2026-11-29" and meta["notebooks"]["nb_a"]["seeds"] == [0, 1, 2]
    monkeypatch.setenv("MLPC_SEEDS_PUBLISHED", str(pub))
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(local))
    r = report.seed_range("k", notebook="nb_a")
    assert r[:4] == (0.5, 0.4, 0.6, 3) and r.source == "sweep of 2026-11-29"
    text = report.seed_range_text("k", "{:.1f}", notebook="nb_a")
    assert text == "0.4–0.6 (median 0.5; 3 seeds, sweep of 2026-11-29)"
    # a local sweep of nb_a replaces the snapshot's rows of nb_a, not those of nb_b
    _fake_sweep(local, "nb_a", [0.7, 0.7])
    seeds.write_summary(local)
    assert report.seed_range("k", notebook="nb_a")[:4] == (0.7, 0.7, 0.7, 2)
    assert report.seed_range("k", notebook="nb_a").source.startswith("local sweep")
    assert report.seed_range_text("k", "{:.1f}", notebook="nb_a").startswith("0.7 (median")
    assert report.seed_range("k", notebook="nb_b")[:4] == (1.5, 1.0, 2.0, 2)
    # nothing: the text says how to get it
    assert "make seeds NOTEBOOKS=nb_c" in report.seed_range_text("k", notebook="nb_c")
    with pytest.raises(FileNotFoundError, match="make seeds"):
        seeds.publish(tmp_path / "empty", pub)


def test_plot_seed_ranges(tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    _fake_sweep(tmp_path / "sweep", "nb_a", [0.4, 0.5, 0.6])
    seeds.write_summary(tmp_path / "sweep")
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    report.record("k", 0.45, notebook="nb_a")
    fig = report.plot_seed_ranges("nb_a", labels={"k": "F1 (fraction)"},
                                  folder=tmp_path / "sweep")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "F1 (fraction)" and "over seeds" in fig._suptitle.get_text()
    assert report.plot_seed_ranges("nb_a", sharex=True, folder=tmp_path / "sweep")
    assert report.plot_seed_ranges("nb_z", folder=tmp_path / "sweep") is None
    assert "make seeds NOTEBOOKS=nb_z" in capsys.readouterr().out


def test_seed_values_and_markers_are_not_metrics(tmp_path):
    _fake_sweep(tmp_path, "nb_a", [0.4, 0.5, 0.6])
    seeds.write_summary(tmp_path)
    assert report.seed_values("k", folder=tmp_path) == {0: 0.4, 1: 0.5, 2: 0.6}
    assert report.seed_values("nope", folder=tmp_path) is None
    # a seed folder holds metrics and run markers; load_all reads only the metrics
    rows = report.load_all(tmp_path / "0")
    assert [(r.notebook, r.key, r.value) for r in rows] == [("nb_a", "k", 0.4)]


def test_seed_mode_of_a_name(tmp_path):
    for seed, name in enumerate(["smectite", "illite", "smectite"]):
        (tmp_path / str(seed)).mkdir()
        (tmp_path / str(seed) / "nb.json").write_text(json.dumps({"w": {"value": name}}))
        (tmp_path / str(seed) / "nb.done.json").write_text(json.dumps(
            {"notebook": "nb", "seed": seed, "seconds": 1.0, "full": False}))
    seeds.write_summary(tmp_path)
    assert report.seed_mode("w", folder=tmp_path) == "smectite (2/3)"
    assert report.seed_mode("nope", folder=tmp_path) is None
