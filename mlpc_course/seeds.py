"""Seed sweeps: run notebooks for several values of ``MLPC_SEED`` and tabulate every metric.

A number that holds for one seed is not a result. ``make seeds`` (``mlpc seeds``) executes the
named notebooks (default: every ``notebooks/week*.ipynb``) once per seed, each run in a fresh
kernel with ``MLPC_SEED=<seed>`` and ``MLPC_METRICS_DIR=build/seeds/<seed>/`` (so
``build/metrics/`` is untouched), and writes the table ``build/seeds/summary.csv`` and
``summary.md``: per metric the median, min, max, the number of seeds and, where a published
value and tolerance exist, how many seeds fall inside.

Layout of ``build/seeds/``::

    <seed>/<notebook>.json         what report.record wrote in that run
    <seed>/<notebook>.done.json    marker, written atomically after a successful run
                                   (seconds, MLPC_FULL, finish time)
    <seed>/<notebook>.error.txt    the error of a failed run (removed when it succeeds)
    summary.csv, summary.md        the table

``publish`` (``mlpc seeds --publish``) copies the table to ``results/seeds/`` with
``sweep.json`` (date, commit, seeds per notebook, run times): the committed snapshot that
``report.seed_range`` and the reproduction page fall back to when ``build/seeds/`` is absent.

Resumable: a notebook x seed whose metrics file and marker exist (for the same ``MLPC_FULL``)
is not run again; delete the marker (or the seed's folder) to force a rerun. Runs go in
parallel over ``workers`` processes, each kernel with one BLAS/torch thread.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import math
import os
import statistics
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlpc_helpers import report
from mlpc_helpers.paths import atomic_write_bytes, project_root

CELL_TIMEOUT_S = 1800
SUMMARY_COLUMNS = (
    "notebook", "key", "n", "median", "min", "max", "mode",
    "published", "tolerance", "n_within", "seeds", "values",
)
# Every kernel: one thread (runs go in parallel), no progress bars, no GUI backend.
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_WAIT_POLICY": "PASSIVE",
    "TQDM_DISABLE": "1",
    "MPLBACKEND": "Agg",
}


def seeds_dir() -> Path:
    """Folder of the sweep: ``MLPC_SEEDS_DIR`` or ``<root>/build/seeds``."""
    return report.seeds_dir()


def _full() -> bool:
    from mlpc_helpers import runtime

    return runtime.is_full()


@dataclass(frozen=True)
class Job:
    """One notebook x seed."""

    notebook: Path
    seed: int

    @property
    def name(self) -> str:
        return self.notebook.stem


def metrics_file(out: Path, name: str, seed: int) -> Path:
    return Path(out) / str(seed) / f"{name}.json"


def marker_file(out: Path, name: str, seed: int) -> Path:
    return Path(out) / str(seed) / f"{name}.done.json"


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


def run_one(notebook: str | Path, seed: int, out: str | Path, full: bool = False,
            timeout: int = CELL_TIMEOUT_S) -> float:
    """Execute ``notebook`` in a fresh kernel for ``seed``; write its marker; return seconds.

    The kernel runs in the notebook's folder with ``MLPC_SEED``, ``MLPC_METRICS_DIR`` (the
    seed's folder) and one thread. Errors propagate (nbclient's ``CellExecutionError`` names
    the cell); then no marker is written.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook, out = Path(notebook), Path(out).resolve()
    folder = out / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    marker = marker_file(out, notebook.stem, seed)
    marker.unlink(missing_ok=True)
    env = {
        **os.environ,
        **KERNEL_ENV,
        "MLPC_SEED": str(int(seed)),
        "MLPC_METRICS_DIR": str(folder),
        "MLPC_FULL": "1" if full else "0",
        "MLPC_NOTEBOOK": notebook.stem,
    }
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
        # the kernel's own log (e.g. its TCP warning) would break the progress bar; what the
        # notebook's code prints or warns goes to the cell outputs, not this log
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    t0 = time.perf_counter()
    client.execute(env=env, cwd=str(notebook.parent))
    seconds = time.perf_counter() - t0
    mfile = metrics_file(out, notebook.stem, seed)
    if not mfile.exists():  # a notebook that records nothing: an empty record, still done
        atomic_write_bytes(mfile, b"{}\n")
    info = {
        "notebook": notebook.stem,
        "seed": int(seed),
        "seconds": round(seconds, 2),
        "full": bool(full),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write_bytes(marker, (json.dumps(info, indent=1) + "\n").encode())
    (folder / f"{notebook.stem}.error.txt").unlink(missing_ok=True)
    return seconds


def _run_job(args: tuple[str, int, str, bool, int]) -> tuple[str, int, float | None, str]:
    """Worker entry point: never raises, returns (name, seed, seconds or None, error text)."""
    nb, seed, out, full, timeout = args
    try:
        return Path(nb).stem, seed, run_one(nb, seed, out, full, timeout), ""
    except Exception as err:  # noqa: BLE001 (reported, the sweep goes on)
        text = "".join(traceback.format_exception(err))
        err_file = Path(out) / str(seed) / f"{Path(nb).stem}.error.txt"
        try:
            atomic_write_bytes(err_file, text.encode())
        except OSError:
            pass
        return Path(nb).stem, seed, None, f"{type(err).__name__}: {str(err)[-600:]}"


@dataclass
class SweepResult:
    ran: list[tuple[str, int, float]]
    skipped: list[tuple[str, int]]
    failed: list[tuple[str, int, str]]
    summary: Path | None
    out: Path


def default_workers() -> int:
    """Worker processes when none are asked for: the CPU count."""
    return max(1, os.cpu_count() or 1)


def sweep(
    notebooks: Sequence[str | Path] | None = None,
    seeds: int | Iterable[int] = 10,
    workers: int | None = None,
    out: str | Path | None = None,
    full: bool | None = None,
    timeout: int = CELL_TIMEOUT_S,
    progress: bool = True,
) -> SweepResult:
    """Run every notebook x seed not yet done, then write the summary table.

    Parameters
    ----------
    notebooks : notebook stems, patterns or paths (default every ``notebooks/week*.ipynb``).
    seeds : a count ``N`` (seeds ``0 .. N-1``) or the seeds themselves.
    workers : parallel processes (default :func:`default_workers`); 1 runs in this process.
    out : the sweep folder (default :func:`seeds_dir`).
    full : ``MLPC_FULL`` for the runs (default: the current setting).
    timeout : seconds per cell.
    progress : show a tqdm bar (``TQDM_DISABLE=1`` silences it).
    """
    nbs = (resolve_notebooks([str(n) for n in notebooks]) if notebooks
           else resolve_notebooks(None))
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    out = Path(out) if out is not None else seeds_dir()
    out = out.resolve()
    full = _full() if full is None else bool(full)
    workers = default_workers() if not workers else int(workers)
    jobs, skipped = [], []
    for seed in seed_list:  # seed-major: every notebook gets its first seeds early
        for nb in nbs:
            if is_done(out, nb.stem, seed, full):
                skipped.append((nb.stem, seed))
            else:
                jobs.append(Job(Path(nb), seed))
    ran: list[tuple[str, int, float]] = []
    failed: list[tuple[str, int, str]] = []
    bar = _progress(len(jobs), progress, len(skipped))
    args = [(str(j.notebook), j.seed, str(out), full, timeout) for j in jobs]

    def take(result: tuple[str, int, float | None, str]) -> None:
        name, seed, sec, err = result
        if sec is None:
            failed.append((name, seed, err))
            if bar is not None:
                bar.write(f"FAILED {name} seed {seed}: {err.splitlines()[0] if err else ''}")
        else:
            ran.append((name, seed, sec))
        if bar is not None:
            bar.set_postfix_str(f"{name} seed {seed}", refresh=False)
            bar.update(1)

    try:
        if workers == 1 or len(args) <= 1:
            for a in args:
                take(_run_job(a))
        else:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = mp.get_context("spawn")  # no forked zmq/asyncio state in the workers
            with ProcessPoolExecutor(min(workers, len(args)), mp_context=ctx) as pool:
                futures = [pool.submit(_run_job, a) for a in args]
                for fut in as_completed(futures):
                    take(fut.result())
    finally:
        if bar is not None:
            bar.close()
    summary = write_summary(out) if any(out.glob("*/*.done.json")) else None
    return SweepResult(ran, skipped, failed, summary, out)


def _progress(total: int, enabled: bool, skipped: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    desc = "notebook x seed" + (f" ({skipped} done before)" if skipped else "")
    return tqdm(total=total, desc=desc, unit="run", dynamic_ncols=True)


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
    rows = []
    for (name, key), by_seed in sorted(collect(out).items()):
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

    fulls = set()
    for marker in out.glob("*/*.done.json"):
        try:
            fulls.add(bool(json.loads(marker.read_text()).get("full")))
        except (OSError, ValueError):
            continue
    size = {frozenset({False}): "reduced (CPU) size", frozenset({True}): "full size (MLPC_FULL=1)"
            }.get(frozenset(fulls), "mixed reduced and full sizes")
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


def publish(out: str | Path | None = None, dest: str | Path | None = None) -> Path:
    """Copy ``summary.csv``/``summary.md`` of the sweep in ``out`` to ``dest`` (default
    ``results/seeds/``, the committed snapshot) and write ``sweep.json`` beside them.

    ``sweep.json`` holds the date, the git commit the notebooks ran at, per notebook the
    seeds and the median/total run seconds, and the span from the first run's start to
    the last run's end. Raises FileNotFoundError when ``out`` has no finished run.
    """
    import subprocess

    out = Path(out) if out is not None else seeds_dir()
    if not any(out.glob("*/*.done.json")):
        raise FileNotFoundError(f"no finished seed runs in {out}: run `make seeds` first")
    write_summary(out)
    dest = Path(dest) if dest is not None else project_root() / "results" / "seeds"
    dest.mkdir(parents=True, exist_ok=True)
    runs: dict[str, dict[str, Any]] = {}
    starts, ends = [], []
    for marker in sorted(out.glob("*/*.done.json")):
        info = json.loads(marker.read_text())
        r = runs.setdefault(info["notebook"], {"seeds": [], "seconds": []})
        r["seeds"].append(int(info["seed"]))
        r["seconds"].append(float(info["seconds"]))
        end = datetime.fromisoformat(info["finished"])
        ends.append(end)
        starts.append(end.timestamp() - float(info["seconds"]))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project_root(),
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    meta = {
        "date": max(ends).strftime("%Y-%m-%d"),
        "commit": commit,
        "size": "full" if _full() else "reduced",
        "span_minutes": round((max(ends).timestamp() - min(starts)) / 60, 1),
        "notebooks": {
            nb: {"seeds": sorted(r["seeds"]),
                 "median_seconds": round(statistics.median(r["seconds"]), 1),
                 "total_seconds": round(sum(r["seconds"]), 1)}
            for nb, r in sorted(runs.items())
        },
    }
    for name in ("summary.csv", "summary.md"):
        atomic_write_bytes(dest / name, (out / name).read_bytes())
    atomic_write_bytes(dest / "sweep.json", (json.dumps(meta, indent=1) + "\n").encode())
    return dest
