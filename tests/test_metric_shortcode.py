"""The `{{< metric KEY >}}` shortcode (_extensions/mlpc/metric) rendered by Quarto in a scratch
project: the recorded value, and (issue 39) the seed sweep's median and range with
`stat=median|range|min|max`, read from results/seeds/summary.csv under $MLPC_ROOT with the
rows of build/seeds/summary.csv replacing those of the notebooks it covers (~3 s: one render)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADER = "notebook,key,n,median,min,max,mode,published,tolerance,n_within,seeds,values\n"


def _quarto():
    exe = os.environ.get("QUARTO") or str(ROOT / ".quarto-cli" / "bin" / "quarto")
    return exe if Path(exe).exists() else shutil.which("quarto")


@pytest.mark.slow
@pytest.mark.skipif(_quarto() is None, reason="Quarto not installed (make quarto)")
def test_metric_shows_value_and_seed_sweep_median_and_range(tmp_path):
    proj, root, metrics = tmp_path / "proj", tmp_path / "root", tmp_path / "metrics"
    shutil.copytree(ROOT / "_extensions" / "mlpc" / "metric",
                    proj / "_extensions" / "mlpc" / "metric")
    (proj / "_quarto.yml").write_text("project:\n  type: default\n")
    (proj / "page.qmd").write_text(
        "---\ntitle: t\nformat: gfm\n---\n\n"
        "value {{< metric wA.x digits=3 >}}; median {{< metric wA.x stat=median digits=3 >}}; "
        "range {{< metric wA.x stat=range >}}; percent {{< metric wA.x stat=range scale=100 "
        "digits=0 >}}; local {{< metric wB.y stat=range digits=1 >}}; "
        "max {{< metric wB.y stat=max digits=1 >}}\n")
    metrics.mkdir()
    (metrics / "wA.json").write_text(json.dumps({"wA.x": {"value": 0.1234}}))
    (root / "results" / "seeds").mkdir(parents=True)
    (root / "results" / "seeds" / "summary.csv").write_text(
        HEADER + "nbA,wA.x,5,0.115,-0.083,0.234,,,,,0 1 2 3 4,0:0.124\n"
        "nbB,wB.y,5,1,1,3,,,,,0 1 2 3 4,0:1\n")
    # a local sweep of notebook nbB replaces the committed rows of nbB only
    (root / "build" / "seeds").mkdir(parents=True)
    (root / "build" / "seeds" / "summary.csv").write_text(
        HEADER + "nbB,wB.y,10,2,0.5,4.25,,,,,0 1,0:2\n")
    env = {**os.environ, "MLPC_ROOT": str(root), "MLPC_METRICS_DIR": str(metrics)}
    run = subprocess.run([_quarto(), "render", "page.qmd"], cwd=proj, env=env,
                         capture_output=True, text=True, timeout=300)
    log = run.stdout + run.stderr
    assert run.returncode == 0 and "WARN" not in log, log[-3000:]
    out = " ".join((proj / "page.md").read_text().split())  # gfm wraps lines
    assert "value 0.123; median 0.115; range -0.08–0.23; percent -8–23;" in out, out
    # %.1f of 4.25 (binary 4.25 exactly: C's round-half-even gives 4.2)
    assert "local 0.5–4.2; max 4.2" in out, out


@pytest.mark.slow
@pytest.mark.skipif(_quarto() is None, reason="Quarto not installed (make quarto)")
def test_metric_missing_from_the_sweep_is_a_visible_warning(tmp_path):
    proj, root = tmp_path / "proj", tmp_path / "root"
    shutil.copytree(ROOT / "_extensions" / "mlpc" / "metric",
                    proj / "_extensions" / "mlpc" / "metric")
    (proj / "_quarto.yml").write_text("project:\n  type: default\n")
    (proj / "page.qmd").write_text(
        "---\ntitle: t\nformat: gfm\n---\n\n{{< metric wZ.none stat=median >}} "
        "{{< metric wZ.none stat=mean >}}\n")
    root.mkdir()
    env = {**os.environ, "MLPC_ROOT": str(root), "MLPC_METRICS_DIR": str(tmp_path)}
    run = subprocess.run([_quarto(), "render", "page.qmd"], cwd=proj, env=env,
                         capture_output=True, text=True, timeout=300)
    log = run.stdout + run.stderr
    out = " ".join((proj / "page.md").read_text().split())
    assert "not recorded in the seed sweep" in log and "unknown stat=mean" in log, log[-2000:]
    assert "not recorded yet in the seed sweep" in out and "unknown stat mean" in out, out
