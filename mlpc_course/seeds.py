"""Seed sweeps: run notebooks for several values of ``MLPC_SEED`` and tabulate every metric.

A number that holds for one seed is not a result. ``make seeds`` (``mlpc seeds``) executes the
named notebooks (default: every ``notebooks/week*.ipynb``) once per seed, each notebook x
seed one job (:mod:`mlpc_course.cluster`: submitit, on this machine or through SLURM) that
runs the notebook in a fresh kernel with ``MLPC_SEED=<seed>``, and writes the table
``summary.csv`` and ``summary.md``: per metric the median, min, max, the number of seeds and,
where a published value and tolerance exist, how many seeds fall inside.

One folder holds one size. Reduced-size runs (the default, CPU) go to ``build/seeds/``;
full-size runs (``MLPC_FULL=1``, ``--full``) to ``build/seeds-full/``; ``MLPC_SEEDS_DIR``
moves both (``<dir>`` and ``<dir>-full``). Layout of a sweep folder::

    <seed>/<notebook>.json         what report.record wrote in that run
    <seed>/<notebook>.done.json    marker, written atomically after a successful run:
                                   seconds, size, start/end, executor, job id, attempt,
                                   commit, device, Python and package versions
    <seed>/<notebook>.error.txt    the error of a failed run (removed when it succeeds)
    sweeps.json                    one record per `make seeds`: start/end, executor and
                                   its options, commit, size, runs done/failed/retried
    _jobs/                         submitit's pickles and per-job logs
    summary.csv, summary.md        the table

A run writes its metrics in a private folder; only a run that finished has its metrics
moved next to its marker, so a folder never holds half a run (a killed job, a notebook that
raised, two jobs of the same run). ``publish`` (``mlpc seeds --publish``) copies the table
to ``results/seeds/`` (reduced) or ``results/seeds-full/`` (full) with ``sweep.json``
(date, commits, size, devices, versions, executors, seeds per notebook, run times): the
committed snapshot that ``report.seed_range`` and the reproduction page read when no local
sweep exists. ``--merge`` replaces the rows of the notebooks swept again; ``--extend`` adds
new seeds to the snapshot's rows once a seed run both times reproduces them.

Resumable: a notebook x seed whose metrics file and marker exist is not run again; delete the
marker (or the seed's folder) to force a rerun. A failed job is retried (``retries``).
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlpc_helpers import report
from mlpc_helpers.paths import atomic_write_bytes, project_root

from .cluster import ClusterOptions, Outcome
from .environment import KEY_PACKAGES

CELL_TIMEOUT_S = 1800
SUMMARY_COLUMNS = (
    "notebook", "key", "n", "median", "min", "max", "mode",
    "published", "tolerance", "n_within", "seeds", "values",
)
# Every kernel: BLAS/torch threads of its job (1 locally: runs go in parallel), no progress
# bars, no GUI backend.
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_WAIT_POLICY": "PASSIVE",
    "TQDM_DISABLE": "1",
    "MPLBACKEND": "Agg",
}
#: file with the commit of a copy of the course without git (the GPU kit writes it)
COMMIT_FILE = ".mlpc-commit"

# Run in the kernel after the notebook (not saved anywhere): what the run ran on. The
# device is the one the notebook's torch code resolved (runtime.device(): MLPC_DEVICE, else
# a GPU when there is one); "cpu" for a notebook that never imported torch.
# Run in the kernel after the notebook (not saved anywhere): what the run ran on. Versions
# and the lock come from mlpc_course.environment.record (one home for what a run records);
# the device is the one the notebook's torch code resolved (runtime.device(): MLPC_DEVICE,
# else a GPU when there is one), "cpu" for a notebook that never imported torch.
_PROBE = '''
def _mlpc_sweep_probe(path):
    import json, os, platform, sys
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(l.split(":", 1)[1].strip() for l in fh if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    info = {"python": platform.python_version(), "executable": sys.executable,
            "platform": platform.platform(terse=True),
            "cpu": cpu, "cpu_cores": cores, "device": "cpu", "gpu": None, "cuda": None}
    try:
        from mlpc_course import environment
        from mlpc_helpers.paths import project_root
        lock = project_root() / "requirements" / "lock.txt"
        rec = environment.record(lock if lock.is_file() else environment.LOCK)
        info["versions"] = {k: v for k, v in rec["packages"].items() if v != "not installed"}
        for key in ("torch_build", "lock_sha256", "matches_lock", "differs_from_lock"):
            info[key] = rec.get(key)
    except Exception as err:
        info["versions"] = {}
        info["versions_error"] = repr(err)
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
            info["cuda"] = torch.version.cuda
        try:
            from mlpc_helpers import runtime
            info["device"] = runtime.device()
        except Exception as err:
            info["device"] = "unknown (" + repr(err) + ")"
    with open(path, "w") as fh:
        json.dump(info, fh)

try:  # never fail the run over its record
    _mlpc_sweep_probe(%r)
except Exception as _mlpc_err:
    print("sweep probe failed:", repr(_mlpc_err))
del _mlpc_sweep_probe
'''


def seeds_dir() -> Path:
    """Folder of the reduced-size sweep: ``MLPC_SEEDS_DIR`` or ``<root>/build/seeds``."""
    return report.seeds_dir()


def default_out(full: bool = False) -> Path:
    """The sweep folder of a size: :func:`seeds_dir`, or ``<it>-full`` for ``full``."""
    base = seeds_dir()
    return base.with_name(base.name + "-full") if full else base


def published_dir(full: bool = False) -> Path | None:
    """The committed snapshot of a size: ``results/seeds`` or ``results/seeds-full``
    (``MLPC_SEEDS_PUBLISHED`` moves both; set empty, none)."""
    pub = report.published_seeds_dir()
    if pub is None:
        return None
    return pub.with_name(pub.name + "-full") if full else pub


def _full() -> bool:
    from mlpc_helpers import runtime

    return runtime.is_full()


def metrics_file(out: Path, name: str, seed: int) -> Path:
    return Path(out) / str(seed) / f"{name}.json"


def marker_file(out: Path, name: str, seed: int) -> Path:
    return Path(out) / str(seed) / f"{name}.done.json"


def error_file(out: Path, name: str, seed: int) -> Path:
    return Path(out) / str(seed) / f"{name}.error.txt"


def _markers(out: Path) -> list[tuple[Path, dict]]:
    found = []
    for marker in sorted(Path(out).glob("*/*.done.json")):
        try:
            int(marker.parent.name)
            found.append((marker, json.loads(marker.read_text())))
        except (OSError, ValueError):
            continue
    return found


def folder_sizes(out: str | Path) -> set[bool]:
    """The sizes (``MLPC_FULL`` of each run, False/True) of the finished runs in ``out``."""
    return {bool(info.get("full")) for _, info in _markers(Path(out))}


def is_done(out: Path, name: str, seed: int, full: bool | None = None) -> bool:
    """True when ``name`` ran to the end for ``seed`` (metrics file and marker present).

    With ``full`` given, a run at the other size (``MLPC_FULL``) does not count.
    """
    marker = marker_file(out, name, seed)
    if not (marker.is_file() and metrics_file(out, name, seed).is_file()):
        return False
    if full is None:
        return True
    try:
        return bool(json.loads(marker.read_text()).get("full")) == bool(full)
    except (OSError, ValueError):
        return False


def resolve_notebooks(names: Sequence[str] | None = None, root: Path | None = None) -> list[Path]:
    """Notebook paths from stems, file names, paths or glob patterns of stems.

    Default: every ``notebooks/week*.ipynb``. Raises ``ValueError`` naming what matched nothing.
    """
    root = root or project_root()
    all_nbs = sorted((root / "notebooks").glob("week*.ipynb"))
    if not names:
        return all_nbs
    out: list[Path] = []
    for raw in names:
        for name in raw.replace(",", " ").split():
            p = Path(name)
            if p.suffix == ".ipynb" and (p.is_file() or (root / p).is_file()):
                found = [p if p.is_file() else root / p]
            else:
                stem = p.name.removesuffix(".ipynb")
                found = [nb for nb in all_nbs if fnmatch.fnmatch(nb.stem, stem)]
            if not found:
                raise ValueError(
                    f"Notebook {name!r} matches nothing in {root / 'notebooks'}: give a stem "
                    "(week02_data_formation), a pattern (week05*) or a path to an .ipynb."
                )
            out += [f.resolve() for f in found if f.resolve() not in out]
    return out


def source_commit(root: Path | None = None) -> str:
    """The commit the notebooks run at: ``git describe --always --dirty`` (``-dirty``: tracked
    files changed), else the file ``.mlpc-commit`` of a copy without git (the GPU kit),
    else ``"unknown"``."""
    root = root or project_root()
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"],
                             cwd=root, capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    f = root / COMMIT_FILE
    if f.is_file():
        return f.read_text().strip() or "unknown"
    return "unknown"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_one(notebook: str | Path, seed: int, out: str | Path, full: bool = False,
            timeout: int = CELL_TIMEOUT_S, *, threads: int = 1,
            provenance: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute ``notebook`` in a fresh kernel for ``seed``; write its metrics and marker.

    The kernel runs in the notebook's folder with ``MLPC_SEED``, ``MLPC_FULL``, ``threads``
    BLAS/torch threads and ``MLPC_METRICS_DIR`` set to a private folder; after the last cell
    a probe (run in the same kernel, not saved) notes the device and package versions. Only
    then are the metrics moved to ``<out>/<seed>/<notebook>.json`` and the marker written
    (both atomically), so a run that fails or is killed leaves no metrics. Errors propagate
    (nbclient's ``CellExecutionError`` names the cell).

    Returns
    -------
    dict
        The marker: notebook, seed, seconds, full, started, finished, the probe (device,
        gpu, cuda, cpu, cpu_cores, python, platform, versions, torch_build, lock_sha256,
        matches_lock, differs_from_lock: see :func:`mlpc_course.environment.record`) and
        ``provenance``.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook, out = Path(notebook).resolve(), Path(out).resolve()
    folder = out / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{notebook.stem}.", suffix=".running", dir=folder))
    try:
        threads = max(1, int(threads))
        env = {
            **os.environ,
            **KERNEL_ENV,
            **{k: str(threads) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                         "OPENBLAS_NUM_THREADS")},
            "MLPC_SEED": str(int(seed)),
            "MLPC_METRICS_DIR": str(work),
            "MLPC_FULL": "1" if full else "0",
            "MLPC_NOTEBOOK": notebook.stem,
            # numba's on-disk cache (orix, kikuchipy) is private to the job: two kernels
            # compiling the same function into one cache at once corrupt its index, and every
            # later import segfaults (seen 2026-12-06 on a sweep with two workers)
            "NUMBA_CACHE_DIR": str(work / "numba-cache"),
        }
        nb = nbformat.read(notebook, as_version=4)
        # Run what nbval runs in `make test`: cells tagged `nbval-skip` (the planted wrong
        # answers of the exercises, mlpc_course/editions) are left out; run as ordinary cells
        # they would re-bind the solution's names and change what later cells record.
        nb.cells = [c for c in nb.cells if "nbval-skip" not in c.metadata.get("tags", [])]
        probe = work / "_probe.json"
        nb.cells.append(nbformat.v4.new_code_cell(
            _PROBE % str(probe)))
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3",
            resources={"metadata": {"path": str(notebook.parent)}},
            # the kernel's own log (e.g. its TCP warning) would break the progress bar; what
            # the notebook's code prints or warns goes to the cell outputs, not this log
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        started = _now()
        t0 = time.perf_counter()
        client.execute(env=env, cwd=str(notebook.parent))
        seconds = time.perf_counter() - t0
        src = work / f"{notebook.stem}.json"
        # a notebook that records nothing: an empty record, still done
        payload = src.read_bytes() if src.is_file() else b"{}\n"
        info = {
            "notebook": notebook.stem,
            "seed": int(seed),
            "seconds": round(seconds, 2),
            "full": bool(full),
            "started": started,
            "finished": _now(),
            "threads": threads,
            **(json.loads(probe.read_text()) if probe.is_file() else {}),
            **(provenance or {}),
        }
        marker = marker_file(out, notebook.stem, seed)
        marker.unlink(missing_ok=True)
        atomic_write_bytes(metrics_file(out, notebook.stem, seed), payload)
        atomic_write_bytes(marker, (json.dumps(info, indent=1) + "\n").encode())
        error_file(out, notebook.stem, seed).unlink(missing_ok=True)
        return info
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _job_id() -> str:
    try:
        import submitit

        env = submitit.JobEnvironment()
        return str(env.job_id)
    except Exception:  # noqa: BLE001 (not inside a submitit job)
        return ""


def run_job(spec: dict[str, Any]) -> dict[str, Any]:
    """One notebook x seed as a submitit job (:mod:`mlpc_course.cluster`).

    ``spec``: notebook, seed, out, full, timeout, threads, attempt, executor, commit and
    ``env`` (variables to set, None to unset, before the kernel starts). Writes the error
    file of the run when it fails, then re-raises so that the job counts as failed.
    """
    for key, value in (spec.get("env") or {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = str(value)
    nb, seed, out = Path(spec["notebook"]), int(spec["seed"]), Path(spec["out"])
    job_id = _job_id()
    prov = {"executor": spec.get("executor", "local"), "job_id": job_id,
            "attempt": int(spec.get("attempt", 1)), "commit": spec.get("commit", "unknown")}
    try:
        return run_one(nb, seed, out, bool(spec.get("full")),
                       int(spec.get("timeout", CELL_TIMEOUT_S)),
                       threads=int(spec.get("threads", 1)), provenance=prov)
    except Exception as err:
        text = (f"{nb.stem} seed {seed}: attempt {prov['attempt']}, {prov['executor']} job "
                f"{job_id or '?'}, {_now()}\n\n" + "".join(traceback.format_exception(err)))
        try:
            atomic_write_bytes(error_file(out, nb.stem, seed), text.encode())
        except OSError:
            pass
        raise


def short_error(text: str) -> str:
    """The line of an error text that says what went wrong (``RuntimeError: planned ...``)."""
    import re

    lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", text or "").splitlines()
             if ln.strip()]
    pattern = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b:?")
    hits = [ln for ln in lines if pattern.match(ln) and "CellExecutionError" not in ln
            and "FailedJobError" not in ln]
    return (hits[-1] if hits else (lines[-1] if lines else ""))[:300]


@dataclass
class SweepResult:
    ran: list[tuple[str, int, float]]
    skipped: list[tuple[str, int]]
    failed: list[tuple[str, int, str]]
    summary: Path | None
    out: Path
    retried: list[tuple[str, int, int, str]] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)


def default_workers() -> int:
    """Worker processes when none are asked for: the CPU count."""
    from .cluster import default_workers as dw

    return dw()


def _append_sweep_record(out: Path, record: dict[str, Any]) -> None:
    path = out / "sweeps.json"
    try:
        records = json.loads(path.read_text()) if path.is_file() else []
    except (OSError, ValueError):
        records = []
    records.append(record)
    atomic_write_bytes(path, (json.dumps(records, indent=1) + "\n").encode())


def sweep(
    notebooks: Sequence[str | Path] | None = None,
    seeds: int | Iterable[int] = 10,
    workers: int | None = None,
    out: str | Path | None = None,
    full: bool | None = None,
    timeout: int = CELL_TIMEOUT_S,
    progress: bool = True,
    cluster: ClusterOptions | None = None,
) -> SweepResult:
    """Run every notebook x seed not yet done (one job each), then write the summary table.

    Parameters
    ----------
    notebooks : notebook stems, patterns or paths (default every ``notebooks/week*.ipynb``).
    seeds : a count ``N`` (seeds ``0 .. N-1``) or the seeds themselves.
    workers : jobs at a time (overrides ``cluster.workers``; see
        :class:`~mlpc_course.cluster.ClusterOptions`).
    out : the sweep folder (default :func:`default_out` of the size).
    full : ``MLPC_FULL`` for the runs (default: the current setting).
    timeout : seconds per cell.
    progress : show a tqdm bar (``TQDM_DISABLE=1`` silences it).
    cluster : executor and resources (default: local, one thread per kernel, 1 retry).

    Raises
    ------
    ValueError
        A notebook name that matches nothing; ``out`` holding runs of the other size.
    mlpc_course.cluster.ClusterError
        Options that cannot work (SLURM without ``srun``, ...).
    """
    from . import cluster as _cluster

    nbs = (resolve_notebooks([str(n) for n in notebooks]) if notebooks
           else resolve_notebooks(None))
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    full = _full() if full is None else bool(full)
    out = (Path(out) if out is not None else default_out(full)).resolve()
    other = folder_sizes(out) - {full}
    if other:
        have, want = ("full", "reduced") if full is False else ("reduced", "full")
        raise ValueError(
            f"{out} holds {have}-size runs; this sweep is at the {want} size. One folder "
            f"holds one size: use the default folder ({default_out(full)}) or another --out."
        )
    opts = cluster or ClusterOptions()
    if workers:
        opts.workers = int(workers)
    jobs, skipped = [], []
    for seed in seed_list:  # seed-major: every notebook gets its first seeds early
        for nb in nbs:
            if is_done(out, nb.stem, seed, full):
                skipped.append((nb.stem, seed))
            else:
                jobs.append((Path(nb), seed))
    commit = source_commit()
    env: dict[str, str | None] = {}
    if opts.executor == "local" and opts.gpus is None:
        # submitit's local executor hides every GPU unless told how many: keep them visible
        env["CUDA_VISIBLE_DEVICES"] = os.environ.get("CUDA_VISIBLE_DEVICES")

    def spec(job: tuple[Path, int], attempt: int) -> dict[str, Any]:
        nb, seed = job
        return {"notebook": str(nb), "seed": seed, "out": str(out), "full": full,
                "timeout": timeout, "threads": opts.threads, "attempt": attempt,
                "executor": opts.executor, "commit": commit, "env": env}

    # options that cannot work (SLURM without srun, ...) fail here, before anything is written
    executor = _cluster.make_executor(opts, out / "_jobs") if jobs else None
    ran: list[tuple[str, int, float]] = []
    failed: list[tuple[str, int, str]] = []
    retried: list[tuple[str, int, int, str]] = []
    bar = _progress(len(jobs), progress, len(skipped))

    def take(o: Outcome) -> None:
        nb, seed = o.item
        if o.ok:
            ran.append((nb.stem, seed, float(o.result["seconds"])))
        else:
            err_text = short_error(o.error)
            failed.append((nb.stem, seed, err_text))
            efile = error_file(out, nb.stem, seed)
            if not efile.is_file():  # the job died before it could write it (killed, ...)
                atomic_write_bytes(efile, (
                    f"{nb.stem} seed {seed}: {opts.executor} job {o.job_id} failed "
                    f"(attempt {o.attempt}) without a result: killed, out of time or memory, "
                    f"or a node failure? Its log: {out / '_jobs'}/{o.job_id}_0_log.out\n\n"
                    f"{o.error}\n").encode())
            if bar is not None:
                bar.write(f"FAILED {nb.stem} seed {seed}: {err_text}")
        if bar is not None:
            bar.set_postfix_str(f"{nb.stem} seed {seed}", refresh=False)
            bar.update(1)

    def again(o: Outcome) -> None:
        nb, seed = o.item
        retried.append((nb.stem, seed, o.attempt, short_error(o.error)))
        if bar is not None:
            bar.write(f"retrying {nb.stem} seed {seed} (attempt {o.attempt} failed: "
                      f"{short_error(o.error)})")

    record: dict[str, Any] = {
        "started": _now(), "executor": opts.executor, "options": opts.describe(),
        "commit": commit, "size": "full" if full else "reduced",
        "notebooks": [nb.stem for nb in nbs], "seeds": seed_list,
    }
    try:
        if jobs:
            _cluster.run(run_job, jobs, opts, out / "_jobs", arg=spec, on_outcome=take,
                         on_retry=again, executor=executor)
    finally:
        if bar is not None:
            bar.close()
        if jobs:
            record.update(finished=_now(), ran=len(ran), failed=len(failed),
                          retried=len(retried), skipped=len(skipped))
            _append_sweep_record(out, record)
    summary = write_summary(out) if _markers(out) else None
    return SweepResult(ran, skipped, failed, summary, out, retried, record)


def _progress(total: int, enabled: bool, skipped: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    desc = "notebook x seed" + (f" ({skipped} done before)" if skipped else "")
    return tqdm(total=total, desc=desc, unit="run", dynamic_ncols=True)


# --- provenance ------------------------------------------------------------------------------
def device_label(info: dict[str, Any]) -> str:
    """One run's device in words: ``"NVIDIA H100 80GB HBM3 (CUDA 12.4)"`` or ``"CPU: AMD
    EPYC (2 cores)"``; ``"not recorded"`` for runs older than the provenance."""
    dev = str(info.get("device") or "")
    if not dev:
        return "not recorded"
    if dev == "cuda" and info.get("gpu"):
        return f"{info['gpu']} (CUDA {info.get('cuda') or '?'})"
    if dev == "mps":
        return "Apple GPU (mps)"
    cores = info.get("cpu_cores")
    return f"CPU: {info.get('cpu') or '?'}" + (f" ({cores} cores)" if cores else "")


def _lock_label(info: dict[str, Any]) -> str:
    """``"lock d3527d31d83e (installed = lock)"``, ``"lock ... (differs: torch 2.14.1 ->
    2.5.1; 60 pins not installed)"``, ``"no lock"`` or ``"not recorded"``."""
    if "lock_sha256" not in info:
        return "not recorded"
    if not info["lock_sha256"]:
        return "no lock"
    diff = info.get("differs_from_lock") or {}
    other = sorted((k, v) for k, v in diff.items() if v[1] is not None)
    absent = len(diff) - len(other)
    parts = []
    if other:
        parts.append("differs: " + ", ".join(f"{k} {v[0]} -> {v[1]}" for k, v in other[:5])
                     + (", ..." if len(other) > 5 else ""))
    if absent:
        parts.append(f"{absent} pins not installed")
    return f"lock {info['lock_sha256'][:12]} ({'; '.join(parts) or 'installed = lock'})"


def provenance(out: str | Path) -> dict[str, Any]:
    """What the finished runs of ``out`` ran on, from their markers and ``sweeps.json``.

    Returns
    -------
    dict
        ``size`` ("reduced", "full" or "mixed"), ``started``/``finished`` (first start, last
        end, ISO), ``commits``, ``executors``, ``devices`` and ``python`` (each ``{value:
        runs}``), ``versions`` (``{package: version}``, or ``{package: {version: runs}}``
        where runs differ), ``runs``, ``runs_without_provenance`` (markers of older sweeps)
        and ``sweeps`` (the records of ``sweeps.json``).
    """
    out = Path(out)
    markers = [info for _, info in _markers(out)]
    count = lambda key: dict(Counter(str(k) for k in key).most_common())  # noqa: E731
    sizes = {bool(i.get("full")) for i in markers}
    starts, ends = [], []
    for i in markers:
        try:
            end = datetime.fromisoformat(i["finished"])
        except (KeyError, ValueError):
            continue
        ends.append(end)
        try:
            starts.append(datetime.fromisoformat(i["started"]))
        except (KeyError, ValueError):
            starts.append(datetime.fromtimestamp(end.timestamp() - float(i.get("seconds", 0)),
                                                 UTC))
    recorded = [i for i in markers if i.get("versions")]
    versions: dict[str, Any] = {}
    for pkg in sorted({p for i in recorded for p in i["versions"]}):
        seen = count(i["versions"].get(pkg, "not installed") for i in recorded)
        versions[pkg] = next(iter(seen)) if len(seen) == 1 else seen
    path = out / "sweeps.json"
    try:
        sweeps = json.loads(path.read_text()) if path.is_file() else []
    except (OSError, ValueError):
        sweeps = []
    return {
        "size": ("full" if sizes == {True} else "reduced" if sizes == {False}
                 else "mixed" if sizes else "none"),
        "started": min(starts).isoformat(timespec="seconds") if starts else None,
        "finished": max(ends).isoformat(timespec="seconds") if ends else None,
        "runs": len(markers),
        "runs_without_provenance": len(markers) - len(recorded),
        "commits": count(i.get("commit", "not recorded") for i in markers),
        "executors": count(i.get("executor", "not recorded") for i in markers),
        "devices": count(device_label(i) for i in markers),
        "python": count(i.get("python", "not recorded") for i in markers),
        "locks": count(_lock_label(i) for i in markers),
        "versions": versions,
        "sweeps": sweeps,
    }


def provenance_text(prov: dict[str, Any], packages: Sequence[str] = (
        "numpy", "scipy", "scikit-learn", "torch")) -> str:
    """One sentence of :func:`provenance` (or of a ``sweep.json``): size, device, versions,
    commit, executor."""
    if not prov or not prov.get("runs"):
        return ""

    def one(d: dict[str, Any] | None) -> str:
        d = d or {}
        return ", ".join(f"{k} ({v})" if len(d) > 1 else str(k) for k, v in d.items())

    vers = prov.get("versions") or {}
    vtext = ", ".join(
        f"{p} {v if isinstance(v, str) else '/'.join(v)}" for p, v in vers.items()
        if p in packages)
    parts = [f"{prov.get('size', '?')} size", f"device {one(prov.get('devices'))}"]
    if vtext:
        parts.append(vtext + (f", Python {one(prov.get('python'))}"
                              if prov.get("python") else ""))
    else:
        parts.append("package versions not recorded (runs older than the provenance)")
    if prov.get("locks") and set(prov["locks"]) != {"not recorded"}:
        parts.append(one(prov["locks"]))
    parts.append(f"commit {one(prov.get('commits'))}")
    parts.append(f"executor {one(prov.get('executors'))}")
    return "; ".join(parts)


# --- the table -------------------------------------------------------------------------------
def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _num(v: float, digits: int = 6) -> str:
    if isinstance(v, int) or (float(v).is_integer() and abs(v) < 1e15):
        return str(int(v))
    return f"{v:.{digits}g}"


def collect(out: str | Path | None = None) -> dict[tuple[str, str], dict[int, dict]]:
    """``{(notebook, key): {seed: entry}}`` from every finished notebook x seed in ``out``."""
    out = Path(out) if out is not None else seeds_dir()
    table: dict[tuple[str, str], dict[int, dict]] = {}
    for marker in sorted(out.glob("*/*.done.json")):
        try:
            seed = int(marker.parent.name)
        except ValueError:
            continue
        name = marker.name.removesuffix(".done.json")
        mfile = marker.parent / f"{name}.json"
        if not mfile.is_file():
            continue
        for key, entry in json.loads(mfile.read_text()).items():
            table.setdefault((name, key), {})[seed] = entry
    return table


def summarize(out: str | Path | None = None) -> list[dict[str, Any]]:
    """One row per (notebook, key): n, median, min, max (numbers) or mode (other values),
    published, tolerance, n_within (seeds inside published ± tolerance, else None), seeds."""
    return _summarize_table(collect(out))


def _summarize_table(table: dict[tuple[str, str], dict[int, dict]]) -> list[dict[str, Any]]:
    """The rows of :func:`summarize` from a ``{(notebook, key): {seed: entry}}`` table."""
    rows = []
    for (name, key), by_seed in sorted(table.items()):
        seeds = sorted(by_seed)
        values = [by_seed[s].get("value") for s in seeds]
        numeric = all(_is_number(v) for v in values)
        pub = next((by_seed[s].get("published") for s in seeds
                    if by_seed[s].get("published") is not None), None)
        tol = next((by_seed[s].get("tolerance") for s in seeds
                    if by_seed[s].get("tolerance") is not None), None)
        verdicts = [report.within(by_seed[s].get("value"), by_seed[s].get("published"),
                                  by_seed[s].get("tolerance")) for s in seeds]
        judged = [v for v in verdicts if v is not None]
        row: dict[str, Any] = {
            "notebook": name, "key": key, "n": len(seeds),
            "median": None, "min": None, "max": None, "mode": None,
            "published": pub, "tolerance": tol,
            "n_within": sum(judged) if judged else None,
            "seeds": " ".join(str(s) for s in seeds),
            # per seed, for report.seed_values (counts such as "holds in 9 of 10 seeds")
            "values": " ".join(f"{s}:{_num(v, 6)}" for s, v in zip(seeds, values, strict=True))
            if numeric else None,
        }
        if numeric:
            row["median"] = statistics.median(values)
            row["min"], row["max"] = min(values), max(values)
        else:
            counts = Counter(json.dumps(v, sort_keys=True) for v in values)
            val, k = counts.most_common(1)[0]
            row["mode"] = f"{json.loads(val)} ({k}/{len(values)})"
        rows.append(row)
    return rows


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if _is_number(v):
        return _num(v)
    return str(v)


def _run_times(out: Path) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for marker in out.glob("*/*.done.json"):
        try:
            info = json.loads(marker.read_text())
            times.setdefault(info["notebook"], []).append(float(info["seconds"]))
        except (OSError, ValueError, KeyError):
            continue
    return times


def write_summary(out: str | Path | None = None) -> Path:
    """Write ``summary.csv`` and ``summary.md`` in ``out``; return the CSV's path."""
    out = Path(out) if out is not None else seeds_dir()
    rows = summarize(out)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r[k]) for k in SUMMARY_COLUMNS})
    csv_path = out / "summary.csv"
    atomic_write_bytes(csv_path, buf.getvalue().encode())

    prov = provenance(out)
    size = {"reduced": "reduced (CPU) size", "full": "full size (MLPC_FULL=1)"}.get(
        prov["size"], "mixed reduced and full sizes")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        where = out.resolve().relative_to(project_root())
    except ValueError:
        where = out
    md = [
        "# Seed sweep",
        "",
        f"Written {stamp} by `make seeds` from `{where}/<seed>/`; {size}. Per metric: the "
        "median, min and max over the seeds (the most frequent value for non-numbers) and, "
        "where a published value and tolerance exist, how many seeds fall inside.",
        "",
        f"Ran on: {provenance_text(prov, KEY_PACKAGES)}.",
        "",
        "| notebook | key | n seeds | median | min | max | published | seeds within |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        pub = "" if r["published"] is None else _cell(r["published"]) + (
            f" ± {_cell(r['tolerance'])}" if r["tolerance"] is not None else "")
        within = "" if r["n_within"] is None else f"{r['n_within']}/{r['n']}"
        med = _cell(r["median"]) if r["mode"] is None else r["mode"]
        md.append(f"| {r['notebook']} | `{r['key']}` | {r['n']} | {med} | {_cell(r['min'])} "
                  f"| {_cell(r['max'])} | {pub} | {within} |")
    times = _run_times(out)
    if times:
        md += ["", "Wall time per notebook x seed (seconds; parallel runs share the CPU):", "",
               "| notebook | runs | median s | max s |", "|---|---|---|---|"]
        for name in sorted(times):
            t = times[name]
            md.append(f"| {name} | {len(t)} | {statistics.median(t):.0f} | {max(t):.0f} |")
    atomic_write_bytes(out / "summary.md", ("\n".join(md) + "\n").encode())
    return csv_path


def range_cell(key: str, notebook: str | None,
               summary: dict[tuple[str, str], dict[str, str]] | None) -> str:
    """The reproduction page's "seed range (n)" cell of ``key``: ``min–max (n)``, with the
    seeds inside the tolerance where judged. ``summary`` is
    :func:`mlpc_helpers.report.load_seed_summary` (None: "sweep not run")."""
    if summary is None:
        return "sweep not run"
    row = summary.get((notebook, key)) or next(
        (r for (nb, k), r in summary.items() if k == key and notebook is None), None)
    if row is None:
        return "not in sweep"
    n = row.get("n", "")
    if row.get("min") not in ("", None):
        lo, hi = (_num(float(row[k]), 4) for k in ("min", "max"))
        text = f"{lo} ({n})" if lo == hi else f"{lo}–{hi} ({n})"
    else:
        text = f"{row.get('mode', '')}"
    if row.get("n_within") not in ("", None):
        text += f", {row['n_within']}/{n} within"
    return text


def publish(out: str | Path | None = None, dest: str | Path | None = None, *,
            merge: bool = False, extend: bool = False,
            across_devices: bool = False) -> Path:
    """Copy ``summary.csv``/``summary.md`` of the sweep in ``out`` to ``dest`` and write
    ``sweep.json`` beside them.

    With ``merge=True`` the notebooks of ``out`` replace only their own rows of the snapshot
    already in ``dest`` (a notebook changed after the last full sweep is swept again on its
    own); the other notebooks keep their rows, and ``sweep.json`` gives each notebook the date
    and commit of its own runs and lists the earlier sweep under ``earlier``.

    With ``extend=True`` (implies ``merge``) the runs of ``out`` add seeds to the
    snapshot's rows of their notebooks instead of replacing them: how a sweep grows from 5
    to 10 seeds without running the first 5 again. Each extended notebook must have run at
    least one seed that the snapshot holds, and that seed must reproduce the snapshot's
    values (timing metrics, :data:`TIMING_KEY`, excepted; relative tolerance 1e-5, as the
    snapshot stores 6 significant digits): proof that the notebook still computes what it
    computed then. The snapshot's other seeds are read back from its ``values`` column
    (numbers) or its mode (a value shared by every seed); a seed run in ``out`` replaces
    the snapshot's. ``sweep.json`` lists each part (seeds, date, commit) of an extended
    notebook under ``parts``; its ``median_seconds``/``total_seconds`` are those of the
    runs in ``out``.

    ``across_devices=True`` (with ``extend``) accepts a re-run seed whose numbers moved, on
    one condition: the runs in ``out`` ran on another device than the snapshot's (another
    CPU model computes a trained network's floating-point sums in another order). Each
    moved number is kept in ``sweep.json`` (``parts[-1]["moved"]``: snapshot value, new
    value) and the table's header names the notebooks; on the same device a moved number
    still means a changed notebook and is refused.

    ``out`` defaults to the sweep folder of the current size (:func:`default_out`), ``dest``
    to the committed snapshot of the folder's size (:func:`published_dir`: ``results/seeds/``
    for reduced, ``results/seeds-full/`` for full size). ``sweep.json`` holds the date, the
    commit(s) the notebooks ran at, the size, per notebook the seeds and the median/total run
    seconds, the span from the first run's start to the last run's end, and ``provenance``
    (:func:`provenance`: devices, package versions, executors, start/end, the sweeps).

    Raises
    ------
    FileNotFoundError
        ``out`` has no finished run.
    ValueError
        ``out`` holds runs of both sizes, or ``merge`` finds a snapshot of the other size;
        ``extend``: a notebook shares no seed with the snapshot, a shared seed does not
        reproduce the snapshot's values, or a seed's value cannot be read back.
    """
    if across_devices and not extend:
        raise ValueError("--across-devices works with --extend only (it accepts re-run seeds "
                         "that moved on another device when growing a snapshot): add --extend.")
    merge = merge or extend
    out = Path(out) if out is not None else default_out(_full())
    markers = [info for _, info in _markers(out)]
    if not markers:
        raise FileNotFoundError(f"no finished seed runs in {out}: run `make seeds` first")
    prov = provenance(out)
    if prov["size"] == "mixed":
        raise ValueError(f"{out} holds runs of both sizes: publish one size per folder "
                         "(move the full-size runs to build/seeds-full/).")
    full = prov["size"] == "full"
    write_summary(out)
    if dest is None:
        dest = published_dir(full) or project_root() / "results" / (
            "seeds-full" if full else "seeds")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    runs: dict[str, dict[str, Any]] = {}
    for info in markers:
        r = runs.setdefault(info["notebook"], {"seeds": [], "seconds": []})
        r["seeds"].append(int(info["seed"]))
        r["seconds"].append(float(info["seconds"]))
    ends = [datetime.fromisoformat(prov["finished"])] if prov["finished"] else []
    starts = [datetime.fromisoformat(prov["started"])] if prov["started"] else []
    commits = [c for c in prov["commits"] if c != "not recorded"]
    meta = {
        "date": (max(ends) if ends else datetime.now(UTC)).strftime("%Y-%m-%d"),
        "commit": ", ".join(commits) if commits else source_commit(),
        "size": "full" if full else "reduced",
        "span_minutes": round((max(ends) - min(starts)).total_seconds() / 60, 1)
        if ends and starts else None,
        "notebooks": {
            nb: {"seeds": sorted(r["seeds"]),
                 "median_seconds": round(statistics.median(r["seconds"]), 1),
                 "total_seconds": round(sum(r["seconds"]), 1)}
            for nb, r in sorted(runs.items())
        },
        "provenance": prov,
    }
    for info in meta["notebooks"].values():
        info.update(date=meta["date"], commit=meta["commit"])
    old_meta = report.sweep_info(dest) if merge else {}
    if extend and not (old_meta and (dest / "summary.csv").is_file()):
        raise ValueError(f"--extend: {dest} holds no snapshot to extend; publish without "
                         "--extend to write one.")
    if merge and old_meta and (dest / "summary.csv").is_file():
        if old_meta.get("size", meta["size"]) != meta["size"]:
            raise ValueError(f"{dest} holds a {old_meta.get('size')} sweep; this one is "
                             f"{meta['size']}: merge into the snapshot of the same size")
        new_dev = set(prov.get("devices", {})) - {"not recorded"}
        old_dev = set((old_meta.get("provenance") or {}).get("devices", {})) - {"not recorded"}
        other = bool(new_dev) and bool(old_dev) and new_dev.isdisjoint(old_dev)
        if other and not across_devices:
            hint = (f"the runs in {out} ran on {', '.join(sorted(new_dev))}, the snapshot's on "
                    f"{', '.join(sorted(old_dev))}: if these notebooks are unchanged, publish "
                    "with --extend --across-devices (accepts trained-network numbers that "
                    "moved by less than the seeds' own spread, and records them)")
        elif across_devices and not other:
            hint = (f"--across-devices does not apply: the runs in {out} ran on a device of "
                    "the snapshot (or one not recorded), where a number that moved means the "
                    "notebook changed")
        else:
            hint = ""
        _merge_into(dest, out, meta, old_meta, extend=extend,
                    moved_ok=across_devices and other, hint=hint)
        return dest
    for name in ("summary.csv", "summary.md"):
        atomic_write_bytes(dest / name, (out / name).read_bytes())
    atomic_write_bytes(dest / "sweep.json", (json.dumps(meta, indent=1) + "\n").encode())
    return dest


# Metrics that measure the machine, not the method: they move with its load, so a re-run of
# a seed need not reproduce them (``publish(extend=True)``).
TIMING_KEY = re.compile(r"train_s|_per_s|seconds|speedup|time_exponent|wall_s")


def _parse(text: str | None) -> int | float | None:
    """A number as :func:`_num` writes it; None for an empty cell or a non-number."""
    for kind in (int, float):
        try:
            return kind(text)
        except (TypeError, ValueError):
            continue
    return None


def _mode_value(text: str) -> Any:
    """A value as :func:`summarize` prints it in ``mode`` ("True", "3", "log10_power_W")."""
    if text in ("True", "False"):
        return text == "True"
    number = _parse(text)
    return text if number is None else number


def _snapshot_values(row: dict[str, str]) -> dict[int, Any] | None:
    """Per-seed values of one snapshot row; None when they cannot be read back (a value
    that is not a number and differs between seeds, or a list)."""
    seeds_ = [int(x) for x in row["seeds"].split()]
    if row.get("values"):
        pairs = (part.split(":", 1) for part in row["values"].split())
        return {int(seed): _parse(v) for seed, v in pairs}
    m = re.fullmatch(r"(.*) \((\d+)/(\d+)\)", row.get("mode") or "")
    if m is None or m[2] != m[3] or int(m[3]) != len(seeds_) or m[1][:1] in "[{":
        return None
    return dict.fromkeys(seeds_, _mode_value(m[1]))


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float) \
            and not isinstance(new, bool):
        return math.isclose(old, new, rel_tol=1e-5, abs_tol=1e-9)
    return old == new


def _within_spread(row: dict[str, str], value: Any) -> bool:
    """``value`` lies inside the snapshot's seed range of ``row`` widened by its own width on
    each side (at least 1 % of the values' size): a move no larger than the seeds' spread."""
    lo, hi = _parse(row.get("min")), _parse(row.get("max"))
    if lo is None or hi is None or not _is_number(value):
        return False
    width = max(hi - lo, 0.01 * max(abs(lo), abs(hi)), 1e-12)
    return lo - width <= value <= hi + width


def _extend_rows(old_rows: list[dict[str, str]], out: Path, covered: set[str],
                 moved_ok: bool = False,
                 hint: str = "") -> tuple[list[dict[str, Any]], dict[str, dict]]:
    """Rows of the notebooks ``covered`` by ``out``, each the snapshot's seeds + the seeds
    of ``out`` (see :func:`publish`, ``extend``), and per notebook the seeds kept from the
    snapshot and the seeds that reproduced it."""
    table = {k: dict(v) for k, v in collect(out).items() if k[0] in covered}
    new_seeds = {nb: set() for nb in covered}
    for (nb, _), by_seed in table.items():
        new_seeds[nb].update(by_seed)
    parts: dict[str, dict] = {}
    lonely = sorted(nb for nb in covered if any(r["notebook"] == nb for r in old_rows)
                    and not new_seeds[nb] & {int(x) for r in old_rows if r["notebook"] == nb
                                             for x in r["seeds"].split()})
    if lonely:
        first = min(int(x) for r in old_rows if r["notebook"] in lonely
                    for x in r["seeds"].split())
        raise ValueError(
            f"{', '.join(lonely)}: extending the snapshot needs one seed run both times, to "
            f"prove that the notebook still computes what the snapshot holds. Run seed "
            f"{first} again into {out} (`mlpc seeds --first {first} --seeds 1 --out {out} "
            f"{' '.join(lonely)}`), then publish again.")
    changed: list[str] = []
    for nb in sorted(covered):
        rows = [r for r in old_rows if r["notebook"] == nb]
        if not rows:
            continue
        old_seeds = {int(x) for r in rows for x in r["seeds"].split()}
        shared = sorted(old_seeds & new_seeds[nb])
        differ, moved = [], {}  # what refuses the extension; what another device may move
        for r in rows:
            old = _snapshot_values(r)
            row_seeds = {int(x) for x in r["seeds"].split()}
            for seed in shared:
                entry = table.get((nb, r["key"]), {}).get(seed)
                if TIMING_KEY.search(r["key"]) or seed not in row_seeds:
                    continue
                if entry is None:
                    differ.append(f"{r['key']} not recorded")
                elif old is not None and not _same(old.get(seed), entry.get("value")):
                    text = f"{r['key']} seed {seed}: {old.get(seed)} -> {entry.get('value')}"
                    if moved_ok and _within_spread(r, entry.get("value")):
                        moved[f"{r['key']} seed {seed}"] = [old.get(seed), entry.get("value")]
                    else:
                        differ.append(text + (" (further than the seeds' spread)"
                                              if moved_ok else ""))
        if differ:
            changed.append(f"{nb} (" + "; ".join(differ[:4])
                           + (" ..." if len(differ) > 4 else "") + ")")
            continue
        kept = sorted(old_seeds - new_seeds[nb])
        for r in rows:
            old = _snapshot_values(r)
            if old is None and kept:
                raise ValueError(
                    f"{nb}: the snapshot's value of {r['key']} ({r['mode']}) cannot be read "
                    f"back per seed. Run seeds {' '.join(map(str, kept))} of {nb} again into "
                    f"{out}, then publish again.")
            pub, tol = _parse(r["published"]), _parse(r["tolerance"])
            if pub is None and r["published"]:
                pub = _mode_value(r["published"])
            by_seed = table.setdefault((nb, r["key"]), {})
            for seed in kept:
                if seed in old:
                    by_seed[seed] = {"value": old[seed], "published": pub, "tolerance": tol}
        parts[nb] = {"kept": kept, "reproduced": [] if moved else shared,
                     "rerun": shared, "moved": moved}
    if changed:
        raise ValueError(
            "the seeds run again do not reproduce the snapshot: " + ", ".join(changed)
            + ". " + (hint + ". Otherwise these" if hint else "These")
            + " notebooks compute something else now: run all their seeds and "
            "publish with --merge (replaces their rows) instead of extending.")
    return _summarize_table(table), parts


def _merge_into(dest: Path, out: Path, meta: dict[str, Any], old_meta: dict[str, Any],
                *, extend: bool = False, moved_ok: bool = False, hint: str = "") -> None:
    """Write the snapshot ``dest`` = its rows of notebooks not in ``out`` + the rows of
    ``out``, or with ``extend`` the snapshot's rows grown by the seeds of ``out`` (see
    :func:`publish`, ``merge`` and ``extend``)."""
    def read(folder: Path) -> list[dict[str, str]]:
        with (folder / "summary.csv").open(newline="") as fh:
            return list(csv.DictReader(fh))

    new = read(out)
    covered = {r["notebook"] for r in new}
    parts: dict[str, dict] = {}
    if extend:
        new, parts = _extend_rows(read(dest), out, covered, moved_ok, hint)
        new = [{k: _cell(r[k]) for k in SUMMARY_COLUMNS} for r in new]
    rows = sorted([r for r in read(dest) if r["notebook"] not in covered] + new,
                  key=lambda r: (r["notebook"], r["key"]))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n",
                       extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    atomic_write_bytes(dest / "summary.csv", buf.getvalue().encode())

    notebooks = {nb: {"date": old_meta.get("date"), "commit": old_meta.get("commit"), **info}
                 for nb, info in old_meta.get("notebooks", {}).items()
                 if nb not in covered}
    for nb, info in meta["notebooks"].items():
        was = old_meta.get("notebooks", {}).get(nb)
        if extend and nb not in parts and was is not None:  # a notebook that records nothing
            rerun = sorted(set(was.get("seeds", [])) & set(info["seeds"]))
            parts[nb] = {"kept": sorted(set(was.get("seeds", [])) - set(info["seeds"])),
                         "reproduced": rerun, "rerun": rerun, "moved": {}}
        if nb in parts and was is not None and not parts[nb]["kept"]:  # every seed re-run
            info = {**info, "reproduced_seeds": parts[nb]["reproduced"],
                    **({"moved": parts[nb]["moved"]} if parts[nb]["moved"] else {})}
        elif nb in parts and was is not None:
            seen = sorted(set(parts[nb]["kept"]) | set(info["seeds"]))
            info = {**info, "seeds": seen,
                    "commit": f"{was.get('commit', old_meta.get('commit'))} (seeds "
                              f"{_span(parts[nb]['kept'])}); {info['commit']} (seeds "
                              f"{_span(info['seeds'])})",
                    "parts": [{"seeds": parts[nb]["kept"],
                               "date": was.get("date", old_meta.get("date")),
                               "commit": was.get("commit", old_meta.get("commit"))},
                              {"seeds": info["seeds"], "date": info["date"],
                               "commit": info["commit"],
                               "reproduced_seeds": parts[nb]["reproduced"],
                               **({"moved": parts[nb]["moved"]}
                                  if parts[nb]["moved"] else {})}]}
        notebooks[nb] = info
    earlier = [{k: v for k, v in old_meta.items() if k not in ("notebooks", "earlier")}]
    earlier += old_meta.get("earlier", [])
    merged = {**meta, "notebooks": dict(sorted(notebooks.items())), "earlier": earlier}
    # the snapshot holds the runs of several sweeps: its commit names all of them
    commits: dict[str, None] = {}
    for info in merged["notebooks"].values():
        for part in info.get("parts") or [info]:
            for c in str(part.get("commit") or "").split(", "):
                if c and c != "None":
                    commits[c] = None
    merged["commit"] = ", ".join(commits) or meta["commit"]
    if parts:  # the snapshot's runs stay in the table: count their devices, commits, ...
        prov, was = dict(meta.get("provenance") or {}), old_meta.get("provenance") or {}
        for k in ("devices", "commits", "python", "locks", "executors"):
            both = Counter(prov.get(k) or {})
            both.update(was.get(k) or {})
            prov[k] = dict(both.most_common())
        rerun = sum(len(p["rerun"]) for p in parts.values())
        prov["counts"] = (f"runs of this sweep and of the snapshot it extends, including the "
                          f"{rerun} snapshot runs whose seeds this sweep ran again")
        merged["provenance"] = prov
    atomic_write_bytes(dest / "sweep.json", (json.dumps(merged, indent=1) + "\n").encode())

    # the notebooks kept from the snapshot, each with the date and commit of its own runs
    # (a snapshot merged before holds notebooks of several sweeps)
    kept = "; ".join(f"{nb} ({info.get('date', '?')}, commit {info.get('commit', '?')})"
                     for nb, info in sorted(notebooks.items()) if nb not in meta["notebooks"])
    if parts:
        grown = sorted({s for p in parts.values() for s in p["kept"]})
        again = sorted({s for p in parts.values() for s in p["rerun"]})
        moved = sorted(nb for nb, p in parts.items() if p["moved"])
        how = (f"Extended {meta['date']}: {', '.join(sorted(meta['notebooks']))} run at commit "
               f"{meta['commit']} ({meta['size']} size) and added to the snapshot's seeds "
               f"{_span(grown)}, after seeds the snapshot held were run again (seeds "
               f"{_span(again)} in all; per notebook: `sweep.json`): "
               + ("they reproduced the snapshot's values (timing metrics excepted)"
                  if not moved else
                  f"identical values (timing metrics excepted) except in {', '.join(moved)}, "
                  "whose trained-network numbers moved on the new device, each by less than "
                  "the spread over the seeds (the snapshot's and the new value of each: "
                  "`sweep.json`, `moved`)"))
    else:
        how = (f"Merged {meta['date']}: {', '.join(sorted(meta['notebooks']))} re-run at "
               f"commit {meta['commit']} ({meta['size']} size)")
    md = ["# Seed sweep", "",
          f"{how}; kept from the snapshot: "
          f"{kept or 'none'}. Per notebook date, commit and seeds: `sweep.json`.", "",
          "| notebook | key | n seeds | median | min | max | published | seeds within |",
          "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pub = r["published"] + (f" ± {r['tolerance']}" if r["tolerance"] else "") \
            if r["published"] else ""
        within = f"{r['n_within']}/{r['n']}" if r["n_within"] else ""
        med = r["mode"] or r["median"]
        md.append(f"| {r['notebook']} | `{r['key']}` | {r['n']} | {med} | {r['min']} "
                  f"| {r['max']} | {pub} | {within} |")
    atomic_write_bytes(dest / "summary.md", ("\n".join(md) + "\n").encode())


def _span(seeds_: Iterable[int]) -> str:
    """``[0, 1, 2, 4]`` -> ``"0-2, 4"``."""
    out: list[str] = []
    for s in sorted(seeds_):
        if out and out[-1].split("-")[-1] == str(s - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{s}"
        else:
            out.append(str(s))
    return ", ".join(out) or "none"


def load_summary(full: bool = False) -> dict[tuple[str, str], dict[str, str]] | None:
    """The seed table of one size by (notebook, key), as the reproduction page reads it.

    Reduced: :func:`mlpc_helpers.report.load_seed_summary` (``results/seeds/`` overlaid by a
    local ``build/seeds/``). Full: the same lookup in ``results/seeds-full/`` and
    ``build/seeds-full/``. None when there is no sweep of that size.
    """
    if not full:
        return report.load_seed_summary()
    rows: dict[tuple[str, str], dict[str, str]] = {}
    pub = published_dir(True)
    if pub is not None and (pub / "summary.csv").is_file():
        rows.update(report.load_seed_summary(pub) or {})
    local_dir = default_out(True)
    local = report.load_seed_summary(local_dir) if (local_dir / "summary.csv").is_file() \
        else None
    if local:
        covered = {nb for nb, _ in local}
        rows = {k: r for k, r in rows.items() if k[0] not in covered}
        rows.update(local)
    return rows or None
