"""Seed sweeps (mlpc_course.seeds/cluster, `make seeds`): jobs through submitit (local and a
fake SLURM), retries, resumes, provenance, the table and the reproduction page."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from mlpc_course import cluster, seeds, site
from mlpc_helpers import report

ROOT = Path(__file__).resolve().parents[1]
# A notebook whose metric depends on MLPC_SEED and that fails on purpose for the seeds listed
# in the files `fail-first` (first attempt only) and `fail-always` next to it. Stored as .json
# so that nbval does not collect it under `make test`.
FIXTURE = ROOT / "tests" / "fixtures" / "seeds_fixture.json"


@pytest.fixture
def deadline():
    """Fail (and cancel the jobs) instead of hanging when a job never comes back."""
    import signal

    def stop(signum, frame):
        raise TimeoutError("the sweep did not finish within 300 s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _fixture(folder, fail_first=(), fail_always=()):
    folder.mkdir(parents=True, exist_ok=True)
    nb = folder / "seeds_fixture.ipynb"
    nb.write_text(FIXTURE.read_text())
    (folder / "fail-first").write_text(" ".join(map(str, fail_first)))
    (folder / "fail-always").write_text(" ".join(map(str, fail_always)))
    return nb


def test_local_executor_retries_resumes_and_summarizes(tmp_path, monkeypatch, deadline):
    """The submitit path with its local executor: one job per notebook x seed, a job that
    fails once is retried, one that keeps failing leaves nothing half-written, a second
    sweep runs only what is missing; provenance in every marker and in sweeps.json.
    About 25 s on the 2-core machine (5 kernel runs, 2 at a time)."""
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("MLPC_SEEDS_PUBLISHED", "")
    monkeypatch.delenv("MLPC_FULL", raising=False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")  # submitit's local executor would hide it
    nb = _fixture(tmp_path / "nbs", fail_first=[1], fail_always=[2])
    out = tmp_path / "seeds"
    opts = cluster.ClusterOptions("local", workers=2, retries=1, poll_s=0.2)

    res = seeds.sweep([str(nb)], [1, 2], out=out, progress=False, timeout=120, cluster=opts)
    assert [(n, s) for n, s, _ in res.ran] == [("seeds_fixture", 1)], res.failed
    assert sorted((n, s, a) for n, s, a, _ in res.retried) == [
        ("seeds_fixture", 1, 1), ("seeds_fixture", 2, 1)]
    assert "planned failure on the first attempt" in dict(
        ((n, s), e) for n, s, _, e in res.retried)[("seeds_fixture", 1)]
    assert [(n, s, e) for n, s, e in res.failed] == [
        ("seeds_fixture", 2, "RuntimeError: planned failure")]
    # the failed run: its error, no metrics (it recorded one before failing), no marker,
    # no private folder left
    err = (out / "2" / "seeds_fixture.error.txt").read_text()
    assert "attempt 2" in err and "planned failure" in err
    assert not (out / "2" / "seeds_fixture.json").exists()
    assert not seeds.is_done(out, "seeds_fixture", 2)
    assert not list(out.glob("*/.*.running"))
    assert not (tmp_path / "metrics").exists(), "the sweep must leave MLPC_METRICS_DIR alone"
    # provenance of the run that succeeded on its second attempt
    info = json.loads((out / "1" / "seeds_fixture.done.json").read_text())
    assert (info["executor"], info["attempt"], info["full"], info["device"]) == (
        "local", 2, False, "cpu")
    assert info["job_id"] and info["commit"] and info["python"] and info["cpu"]
    assert info["versions"]["numpy"] and info["versions"]["scikit-learn"]
    assert info["started"] <= info["finished"]
    metrics = json.loads((out / "1" / "seeds_fixture.json").read_text())
    assert metrics["w99.threads"]["value"] == 1
    assert metrics["w99.gpus_seen"]["value"] == "0", "GPUS unset: the GPUs stay visible"
    (rec,) = json.loads((out / "sweeps.json").read_text())
    assert (rec["executor"], rec["size"], rec["ran"], rec["failed"], rec["retried"]) == (
        "local", "reduced", 1, 1, 2)
    assert rec["options"]["workers"] == 2 and rec["started"] <= rec["finished"]
    assert list((out / "_jobs").glob("*_log.out")), "submitit keeps a log per job"

    # resumed: only seed 2 runs
    (tmp_path / "nbs" / "fail-always").write_text("")
    marker1 = (out / "1" / "seeds_fixture.done.json").read_text()
    res = seeds.sweep([str(nb)], [1, 2], out=out, progress=False, timeout=120, cluster=opts)
    assert [(n, s) for n, s, _ in res.ran] == [("seeds_fixture", 2)], res.failed
    assert res.skipped == [("seeds_fixture", 1)] and not res.failed and not res.retried
    assert (out / "1" / "seeds_fixture.done.json").read_text() == marker1
    assert not (out / "2" / "seeds_fixture.error.txt").exists()
    assert len(json.loads((out / "sweeps.json").read_text())) == 2
    # once more: nothing to run, no new sweep record
    res = seeds.sweep([str(nb)], [1, 2], out=out, progress=False, cluster=opts)
    assert not res.ran and len(res.skipped) == 2
    assert len(json.loads((out / "sweeps.json").read_text())) == 2
    # a run at the other size does not count as done, and may not share the folder
    assert not seeds.is_done(out, "seeds_fixture", 1, full=True)
    with pytest.raises(ValueError, match="one size"):
        seeds.sweep([str(nb)], [1], out=out, full=True, progress=False, cluster=opts)

    rows = {r["key"]: r for r in csv.DictReader((out / "summary.csv").open())}
    s = rows["w99.seeded"]
    assert (s["n"], s["seeds"], s["n_within"]) == ("2", "1 2", "0")
    assert float(s["min"]) == pytest.approx(0.6) and float(s["max"]) == pytest.approx(0.7)
    assert rows["w99.label"]["median"] == "" and rows["w99.label"]["mode"] == "b (2/2)"
    md = (out / "summary.md").read_text()
    assert "| seeds_fixture | `w99.seeded` | 2 | 0.65 | 0.6 | 0.7 | 0.5 ± 0.05 | 0/2 |" in md
    assert "median s" in md and "Ran on: reduced size; device CPU" in md
    assert "numpy " in md and "executor local" in md

    # what notebooks and the reproduction page read
    r = report.seed_range("w99.seeded", folder=out)
    assert r.n == 2 and (r.min, r.max) == pytest.approx((0.6, 0.7))
    assert report.seed_range("w99.nope", folder=out) is None
    assert report.seed_range("w99.label", folder=out)[:4] == (None, None, None, 2)
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(out))
    assert report.seed_range("w99.seeded", notebook="seeds_fixture")[:4] == r[:4]
    report.record("w99.seeded", 0.5, published=0.5, tolerance=0.05, notebook="seeds_fixture")
    page = site.reproduction_rows_markdown()
    assert "seed range (n), reduced size" in page and "0.6–0.7 (2), 0/2 within" in page
    assert "full size" not in page.splitlines()[0]  # no full-size sweep: no column
    assert "0.6–0.7 (2), 0/2 within" in site.reproduction_html()
    sentence = site.seed_sweep_sentence()
    assert "Reduced size (CPU): notebooks swept locally" in sentence
    assert "Full size (`MLPC_FULL=1`): no seed sweep yet" in sentence


FAKE_SLURM = {
    "sbatch": r"""#!{python}
# Fake sbatch: keeps the script, answers like SLURM and runs the job (each array task in
# turn) in the background, noting each task's state for the fake sacct. No scheduler.
import os, re, subprocess, sys
from pathlib import Path

script = Path(sys.argv[-1])
state = Path(os.environ["FAKE_SLURM_DIR"])
counter = state / "next_id"
jid = int(counter.read_text()) if counter.exists() else 1000
counter.write_text(str(jid + 1))
text = script.read_text()
(state / f"{{jid}}.sbatch").write_text(text)
flags = dict(re.findall(r"^#SBATCH --([\w-]+)(?:=(.*))?$", text, flags=re.M))
if "array" in flags:
    last = int(flags["array"].split("%")[0].split("-")[1])
    tasks = [f"{{jid}}_{{a}}" for a in range(last + 1)]
else:
    tasks = [str(jid)]
for task in tasks:
    (state / f"state.{{task}}").write_text("PENDING")
subprocess.Popen([sys.executable, str(Path(__file__).with_name("fake_node")), str(script)]
                 + tasks, start_new_session=True, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
print(f"Submitted batch job {{jid}}")
""",
    "fake_node": r"""#!{python}
# The fake node: runs the sbatch script once per task with SLURM's variables.
import os, subprocess, sys
from pathlib import Path

state = Path(os.environ["FAKE_SLURM_DIR"])
script, tasks = sys.argv[1], sys.argv[2:]
base = {{**os.environ, "SLURM_NTASKS": "1", "SLURM_PROCID": "0", "SLURM_LOCALID": "0",
         "SLURM_NODEID": "0", "SLURM_JOB_NUM_NODES": "1", "SLURM_JOB_NODELIST": "fake1"}}
for i, task in enumerate(tasks):
    jid, _, a = task.partition("_")
    env = dict(base, SLURM_JOB_ID=str(int(jid) * 100 + int(a or 0)) if a else jid)
    if a:
        env.update(SLURM_ARRAY_JOB_ID=jid, SLURM_ARRAY_TASK_ID=a)
    (state / f"state.{{task}}").write_text("RUNNING")
    rc = subprocess.run(["bash", script], env=env).returncode
    (state / f"state.{{task}}").write_text("COMPLETED" if rc == 0 else "FAILED")
""",
    "srun": r"""#!{python}
# Fake srun: runs the command with its --output/--error, SLURM's %A %a %j %t filled in.
import os, subprocess, sys

args, files = sys.argv[1:], {{}}
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt in ("--output", "--error"):
        files[opt] = args.pop(0)
env = os.environ
subs = {{"%A": env.get("SLURM_ARRAY_JOB_ID", ""), "%a": env.get("SLURM_ARRAY_TASK_ID", ""),
        "%j": env["SLURM_JOB_ID"], "%t": "0"}}
for opt, path in files.items():
    for k, v in subs.items():
        path = path.replace(k, v)
    files[opt] = open(path, "a")
out = files.get("--output")
sys.exit(subprocess.run(args, stdout=out, stderr=files.get("--error", out)).returncode)
""",
    "sacct": r"""#!{python}
# Fake sacct -o JobID,State,NodeList --parsable2 -j ID ...: the states the fake node wrote.
import os, sys
from pathlib import Path

state = Path(os.environ["FAKE_SLURM_DIR"])
ids = [sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "-j"]
print("JobID|State|NodeList")
for f in sorted(state.glob("state.*")):
    task = f.name.removeprefix("state.")
    if task.split("_")[0] in ids:
        print(f"{{task}}|{{f.read_text()}}|fake1")
""",
}


def test_slurm_executor_through_a_fake_sbatch(tmp_path, monkeypatch, deadline):
    """The SLURM path without SLURM: fake `sbatch`/`srun`/`sacct` run submitit's job array
    in the background, one task after the other.
    Checks the #SBATCH flags (partition, GPUs, CPUs, memory, time, array limit, extra flags,
    setup line), the array, the retry as a new submission and the threads of the kernel.
    About 15 s on the 2-core machine (3 kernel runs, one after the other)."""
    import sys

    bin_dir, state = tmp_path / "bin", tmp_path / "slurm"
    bin_dir.mkdir()
    state.mkdir()
    for name, text in FAKE_SLURM.items():
        path = bin_dir / name
        path.write_text(text.format(python=sys.executable))
        path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SLURM_DIR", str(state))
    monkeypatch.setenv("MLPC_SEEDS_PUBLISHED", "")
    monkeypatch.delenv("MLPC_FULL", raising=False)
    nb = _fixture(tmp_path / "nbs", fail_first=[1])
    out = tmp_path / "seeds"
    opts = cluster.ClusterOptions(
        "slurm", workers=1, partition="gpu-test", gpus=1, cpus=2, mem_gb=4, time_min=30,
        slurm_args=cluster.parse_key_values("account=mlpc qos=normal"),
        setup=["export MLPC_FAKE_SETUP=1"], retries=1, poll_s=0.1,
        job_python=f"env MLPC_FAKE_CONTAINER=1 {sys.executable}")
    res = seeds.sweep([str(nb)], 2, out=out, progress=False, timeout=120, cluster=opts)
    assert sorted((n, s) for n, s, _ in res.ran) == [("seeds_fixture", 0),
                                                     ("seeds_fixture", 1)], res.failed
    assert [(s, a) for _, s, a, _ in res.retried] == [(1, 1)] and not res.failed

    first, retry = sorted(state.glob("*.sbatch"))
    for flag in ("--partition=gpu-test", "--gpus-per-node=1", "--cpus-per-task=2",
                 "--mem=4GB", "--time=30", "--array=0-1%1", "--account=mlpc",
                 "--qos=normal", "--job-name=mlpc-seeds"):
        assert f"#SBATCH {flag}\n" in first.read_text(), flag
    assert "export MLPC_FAKE_SETUP=1" in first.read_text()
    assert f"env MLPC_FAKE_CONTAINER=1 {sys.executable} -u -m submitit" in first.read_text()
    assert "--array" not in retry.read_text()  # the retry: one job, not an array

    m0 = json.loads((out / "0" / "seeds_fixture.done.json").read_text())
    m1 = json.loads((out / "1" / "seeds_fixture.done.json").read_text())
    assert (m0["executor"], m0["job_id"], m0["attempt"], m0["threads"]) == (
        "slurm", "1000_0", 1, 2)
    assert (m1["job_id"], m1["attempt"]) == ("1001", 2)
    # --cpus is the kernel's thread count
    assert json.loads((out / "0" / "seeds_fixture.json").read_text())[
        "w99.threads"]["value"] == 2
    (rec,) = json.loads((out / "sweeps.json").read_text())
    assert rec["executor"] == "slurm" and rec["options"]["partition"] == "gpu-test"


def test_cluster_options_and_errors(monkeypatch, tmp_path):
    with pytest.raises(cluster.ClusterError, match="unknown"):
        cluster.ClusterOptions("pbs")
    with pytest.raises(cluster.ClusterError, match="KEY=VALUE"):
        cluster.parse_key_values(["account"])
    assert cluster.parse_key_values("account=a --qos=b") == {"account": "a", "qos": "b"}
    assert cluster.ClusterOptions(cpus=4).threads == 4
    assert cluster.ClusterOptions().threads == 1
    monkeypatch.setenv("PATH", str(tmp_path))  # no srun here
    with pytest.raises(cluster.ClusterError, match="EXECUTOR=local"):
        cluster.make_executor(cluster.ClusterOptions("slurm"), tmp_path / "jobs")


def test_without_a_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(tmp_path / "no-sweep"))
    monkeypatch.setenv("MLPC_SEEDS_PUBLISHED", "")
    assert report.seed_range("w99.a") is None
    report.record("w99.a", 1.0, notebook="w99_nb")
    md = site.reproduction_rows_markdown()
    assert "| seed range (n), reduced size |" in md and "sweep not run" in md
    assert "seed range (n), full size" not in md


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


def _fake_sweep(folder, notebook, values, key="k", full=False, first=0, **prov):
    for seed, value in enumerate(values, start=first):
        (folder / str(seed)).mkdir(parents=True, exist_ok=True)
        mfile = folder / str(seed) / f"{notebook}.json"
        metrics = json.loads(mfile.read_text()) if mfile.is_file() else {}  # other keys
        metrics[key] = {"value": value, "published": 0.5, "tolerance": 0.1, "source": None}
        mfile.write_text(json.dumps(metrics))
        (folder / str(seed) / f"{notebook}.done.json").write_text(json.dumps(
            {"notebook": notebook, "seed": seed, "seconds": 10.0, "full": full,
             "finished": f"2026-11-29T12:0{seed}:00+00:00", **prov}))


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


def test_publish_merge_replaces_only_the_swept_notebooks(tmp_path, monkeypatch):
    pub = tmp_path / "results"
    _fake_sweep(tmp_path / "first", "nb_a", [0.4, 0.5, 0.6])
    _fake_sweep(tmp_path / "first", "nb_b", [1.0, 2.0])
    seeds.publish(tmp_path / "first", pub)
    # nb_a changed: swept again on its own, merged into the snapshot
    _fake_sweep(tmp_path / "again", "nb_a", [0.8, 0.9], key="k2")
    seeds.publish(tmp_path / "again", pub, merge=True)
    table = report.load_seed_summary(pub)
    assert ("nb_a", "k") not in table and table[("nb_a", "k2")]["median"] == "0.85"
    assert table[("nb_b", "k")]["median"] == "1.5"
    meta = json.loads((pub / "sweep.json").read_text())
    assert meta["notebooks"]["nb_a"]["seeds"] == [0, 1]
    assert meta["notebooks"]["nb_b"]["seeds"] == [0, 1] and "commit" in meta["notebooks"]["nb_b"]
    md = (pub / "summary.md").read_text()
    assert len(meta["earlier"]) == 1 and "nb_a re-run" in md
    assert f"kept from the snapshot: nb_b ({meta['notebooks']['nb_b']['date']}" in md
    # without merge the snapshot is replaced
    seeds.publish(tmp_path / "again", pub)
    assert set(nb for nb, _ in report.load_seed_summary(pub)) == {"nb_a"}
    _fake_sweep(tmp_path / "full", "nb_a", [1.0], full=True)
    with pytest.raises(ValueError, match="merge into the snapshot of the same size"):
        seeds.publish(tmp_path / "full", pub, merge=True)


def test_publish_extend_grows_the_seeds_after_a_reproduced_seed(tmp_path):
    pub = tmp_path / "results"
    _fake_sweep(tmp_path / "first", "nb_a", [0.4, 0.5, 0.6])
    _fake_sweep(tmp_path / "first", "nb_a", ["Ni", "Ni", "Ni"], key="phase")
    _fake_sweep(tmp_path / "first", "nb_a", [3.0, 9.0, 4.0], key="train_s.cnn")
    _fake_sweep(tmp_path / "first", "nb_b", [1.0, 2.0])
    seeds.publish(tmp_path / "first", pub)
    # seeds 3-4 alone prove nothing: refused, and the message says which seed to run again
    more = tmp_path / "more"
    _fake_sweep(more, "nb_a", [0.8, 0.9], first=3)
    _fake_sweep(more, "nb_a", ["Ni", "Ni"], key="phase", first=3)
    _fake_sweep(more, "nb_a", [5.0, 5.0], key="train_s.cnn", first=3)
    with pytest.raises(ValueError, match=r"Run seed 0 again .*--first 0 --seeds 1"):
        seeds.publish(more, pub, extend=True)
    # a wrong seed 0 (the notebook changed) is refused; a timing metric may move
    _fake_sweep(more, "nb_a", [0.45], first=0)
    _fake_sweep(more, "nb_a", ["Ni"], key="phase", first=0)
    _fake_sweep(more, "nb_a", [7.0], key="train_s.cnn", first=0)
    with pytest.raises(ValueError, match=r"do not reproduce .*k seed 0: 0.4 -> 0.45"):
        seeds.publish(more, pub, extend=True)
    _fake_sweep(more, "nb_a", [0.4], first=0)
    seeds.publish(more, pub, extend=True)
    table = report.load_seed_summary(pub)
    row = table[("nb_a", "k")]
    assert row["seeds"] == "0 1 2 3 4" and row["n"] == "5" and row["median"] == "0.6"
    assert row["values"] == "0:0.4 1:0.5 2:0.6 3:0.8 4:0.9" and row["n_within"] == "3"
    assert table[("nb_a", "phase")]["mode"] == "Ni (5/5)"
    assert table[("nb_a", "train_s.cnn")]["values"] == "0:7 1:9 2:4 3:5 4:5"
    assert table[("nb_b", "k")]["seeds"] == "0 1"  # not swept: kept as it was
    meta = json.loads((pub / "sweep.json").read_text())
    a = meta["notebooks"]["nb_a"]
    assert a["seeds"] == [0, 1, 2, 3, 4] and [p["seeds"] for p in a["parts"]] == [[1, 2],
                                                                                 [0, 3, 4]]
    assert a["parts"][1]["reproduced_seeds"] == [0]
    md = (pub / "summary.md").read_text()
    assert "Extended" in md and "seeds 1-2, after seeds the snapshot held were run again " \
        "(seeds 0 in all; per notebook: `sweep.json`): they reproduced" in md
    # a value that differs between the kept seeds cannot be read back: run them again
    _fake_sweep(tmp_path / "mixed", "nb_c", ["Ni", "Fe", "Ni"], key="phase")
    seeds.publish(tmp_path / "mixed", pub, merge=True)
    _fake_sweep(tmp_path / "c0", "nb_c", ["Ni"], key="phase")
    with pytest.raises(ValueError, match=r"cannot be read back.*Run seeds 1 2 of nb_c"):
        seeds.publish(tmp_path / "c0", pub, extend=True)
    assert seeds._span([0, 1, 2, 4, 6, 7]) == "0-2, 4, 6-7"


def test_publish_extend_across_devices_records_what_moved(tmp_path):
    pub = tmp_path / "results"
    amd = {"device": "cpu", "cpu": "AMD EPYC", "commit": "aaa"}
    intel = {"device": "cpu", "cpu": "Intel Xeon", "commit": "bbb"}
    _fake_sweep(tmp_path / "first", "nb_a", [0.65, 0.67, 0.72], **amd)
    seeds.publish(tmp_path / "first", pub)
    # seed 0 again on the same device, moved: the notebook changed, even with the flag
    same = tmp_path / "same"
    _fake_sweep(same, "nb_a", [0.675], **amd)
    _fake_sweep(same, "nb_a", [0.70, 0.66], first=3, **amd)
    with pytest.raises(ValueError, match="do not reproduce"):
        seeds.publish(same, pub, extend=True)
    with pytest.raises(ValueError, match="across-devices does not apply"):
        seeds.publish(same, pub, extend=True, across_devices=True)
    with pytest.raises(ValueError, match="works with --extend only"):
        seeds.publish(same, pub, across_devices=True)
    with pytest.raises(ValueError, match="holds no snapshot to extend"):
        seeds.publish(same, tmp_path / "nothing", extend=True)
    # on another CPU model the moved seed is accepted and recorded
    other = tmp_path / "other"
    _fake_sweep(other, "nb_a", [0.675], **intel)
    _fake_sweep(other, "nb_a", [0.70, 0.66], first=3, **intel)
    with pytest.raises(ValueError, match="publish with --extend --across-devices"):
        seeds.publish(other, pub, extend=True)
    # a move larger than the seeds' own spread (0.65-0.72) is refused even then
    far = tmp_path / "far"
    _fake_sweep(far, "nb_a", [0.95], **intel)
    with pytest.raises(ValueError, match=r"0.65 -> 0.95 \(further than the seeds' spread"):
        seeds.publish(far, pub, extend=True, across_devices=True)
    seeds.publish(other, pub, extend=True, across_devices=True)
    row = report.load_seed_summary(pub)[("nb_a", "k")]
    assert row["values"] == "0:0.675 1:0.67 2:0.72 3:0.7 4:0.66"
    part = json.loads((pub / "sweep.json").read_text())["notebooks"]["nb_a"]["parts"][1]
    assert part["moved"] == {"k seed 0": [0.65, 0.675]} and part["reproduced_seeds"] == []
    assert "moved on the new device" in (pub / "summary.md").read_text()
    devices = json.loads((pub / "sweep.json").read_text())["provenance"]["devices"]
    assert set(devices) == {"CPU: AMD EPYC", "CPU: Intel Xeon"}
    assert json.loads((pub / "sweep.json").read_text())["commit"] == "aaa, bbb"


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


H100 = {"device": "cuda", "gpu": "NVIDIA H100 80GB HBM3", "cuda": "12.4", "python": "3.11.7",
        "versions": {"numpy": "2.4.6", "scipy": "1.17.1", "scikit-learn": "1.9.1",
                     "torch": "2.14.1"},
        "commit": "abc1234", "executor": "slurm", "started": "2026-11-29T11:59:00+00:00"}


def test_full_size_sweeps_are_kept_apart_with_their_provenance(tmp_path, monkeypatch):
    """Reduced and full-size sweeps: separate folders and snapshots, separate page columns;
    the full-size snapshot names its device, versions, commit and executor."""
    monkeypatch.setenv("MLPC_SEEDS_PUBLISHED", str(tmp_path / "results" / "seeds"))
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(tmp_path / "build" / "seeds"))
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    assert seeds.default_out(True) == tmp_path / "build" / "seeds-full"
    assert seeds.published_dir(True) == tmp_path / "results" / "seeds-full"
    _fake_sweep(tmp_path / "reduced", "nb_a", [0.4, 0.5, 0.6])
    _fake_sweep(tmp_path / "full", "nb_a", [0.8, 0.9], full=True, **H100)
    # each goes to the snapshot of its own size (read from the markers, not MLPC_FULL)
    assert seeds.publish(tmp_path / "reduced") == tmp_path / "results" / "seeds"
    assert seeds.publish(tmp_path / "full") == tmp_path / "results" / "seeds-full"
    meta = json.loads((tmp_path / "results" / "seeds-full" / "sweep.json").read_text())
    prov = meta["provenance"]
    assert (meta["size"], meta["commit"], prov["size"]) == ("full", "abc1234", "full")
    assert prov["devices"] == {"NVIDIA H100 80GB HBM3 (CUDA 12.4)": 2}
    assert prov["versions"]["numpy"] == "2.4.6" and prov["executors"] == {"slurm": 2}
    assert prov["started"] == "2026-11-29T11:59:00+00:00"
    assert prov["finished"] == "2026-11-29T12:01:00+00:00"
    old = json.loads((tmp_path / "results" / "seeds" / "sweep.json").read_text())
    assert old["size"] == "reduced" and old["provenance"]["runs_without_provenance"] == 3
    # notebooks read the reduced ranges, untouched by the full-size snapshot
    assert report.seed_range("k", notebook="nb_a")[:4] == (0.5, 0.4, 0.6, 3)
    assert seeds.load_summary(True)[("nb_a", "k")]["max"] == "0.9"
    # the page: one column per size, and where each comes from
    report.record("k", 0.45, published=0.5, tolerance=0.1, notebook="nb_a")
    md = site.reproduction_rows_markdown()
    assert md.splitlines()[0].endswith(
        "| seed range (n), reduced size | seed range (n), full size |")
    assert "| 0.4–0.6 (3), 3/3 within | 0.8–0.9 (2), 0/2 within |" in md
    html_page = site.reproduction_html()
    assert "<th>seed range (n), full size</th>" in html_page
    sentence = site.seed_sweep_sentence()
    assert "Full size (`MLPC_FULL=1`): the seed sweep of 2026-11-29 (commit `abc1234`" in sentence
    assert "NVIDIA H100 80GB HBM3 (CUDA 12.4)" in sentence and "numpy 2.4.6" in sentence
    assert "Reduced size (CPU): the seed sweep of 2026-11-29" in sentence
    assert "versions not recorded" in sentence  # the reduced fake has no provenance
    # one folder, one size
    _fake_sweep(tmp_path / "reduced", "nb_b", [1.0], full=True)
    with pytest.raises(ValueError, match="both sizes"):
        seeds.publish(tmp_path / "reduced")


def test_committed_snapshot_still_reads(tmp_path, monkeypatch):
    """results/seeds/ (published before provenance existed) still feeds report.seed_range*
    and the page; it is the reduced-size snapshot."""
    monkeypatch.delenv("MLPC_SEEDS_PUBLISHED", raising=False)
    monkeypatch.setenv("MLPC_SEEDS_DIR", str(tmp_path / "none"))
    info = report.sweep_info()
    assert info["size"] == "reduced"
    nb, seeds_of = next(iter(info["notebooks"].items()))
    rows = report.load_seed_summary()
    key = next(k for (n, k) in rows if n == nb)
    assert report.seed_range(key, notebook=nb).n == len(seeds_of["seeds"])
    assert "seeds" in report.seed_range_text(key, notebook=nb)
    assert site.seed_sweep_sentence().startswith(
        f"Reduced size (CPU): the seed sweep of {info['date']}")


def test_a_sweep_run_leaves_out_the_planted_wrong_answers(tmp_path, deadline):
    """A cell tagged `nbval-skip` (a planted wrong answer, mlpc_course/editions) runs in the
    sweep no more than under nbval: it would re-bind the solution's names. The job's numba
    cache is its own."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    wrong = nbformat.v4.new_code_cell("answer = -1  # Wrong: planted")
    wrong.metadata["tags"] = ["wrong", "nbval-skip"]
    nb.cells = [
        nbformat.v4.new_code_cell("answer = 42"),
        wrong,
        nbformat.v4.new_code_cell(
            "from mlpc_helpers import report\nreport.record('t.answer', answer)"),
        # numba's cache is private to the job (two kernels writing one cache corrupt it)
        nbformat.v4.new_code_cell(
            "import os\nreport.record('t.numba_private', "
            "int('.running' in os.environ.get('NUMBA_CACHE_DIR', '')))"),
    ]
    path = tmp_path / "planted.ipynb"
    nbformat.write(nb, path)
    seeds.run_one(path, 0, tmp_path / "out")
    metrics = json.loads(seeds.metrics_file(tmp_path / "out", "planted", 0).read_text())
    assert metrics["t.answer"]["value"] == 42
    assert metrics["t.numba_private"]["value"] == 1
