"""Run the jobs of a seed sweep through submitit: on this machine or on a SLURM cluster.

Every notebook x seed is one submitit job (a pickled call of
:func:`mlpc_course.seeds.run_job`); this module only decides *where* it runs and retries
what fails. Two executors (``--executor`` / ``EXECUTOR=``):

``local``
    submitit's ``LocalExecutor``: each job in its own process on this machine, at most
    ``workers`` at a time (default: the CPU count), each kernel with one thread. What
    ``make seeds`` did before, with per-job logs in ``<sweep>/_jobs/``.
``slurm``
    submitit's ``SlurmExecutor``: one ``sbatch`` job array per submission round, at most
    ``workers`` array tasks running at a time (``--array=0-N%workers``), with the partition,
    GPUs, CPUs, memory, time limit, further ``#SBATCH`` flags and shell setup lines given.
    The process that submits waits for the jobs (run it in ``tmux``/``screen`` on the login
    node, or itself as a small CPU job); the jobs need the sweep folder and the Python
    environment on a filesystem the nodes share.

A job that fails (the notebook raised, the node died, the time limit was hit) is submitted
again up to ``retries`` times; what still fails is reported and the sweep goes on. Why
submitit rather than Dask's jobqueue: one job per notebook x seed is exactly submitit's
model (a pickled call, a result or a traceback per job, SLURM arrays with a concurrency
limit), with no scheduler process or worker pool to keep alive on the login node; its
local executor runs the same code path without SLURM, which is how CI tests it.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

EXECUTORS = ("local", "slurm")
#: seconds between two looks at the running jobs
POLL_S = {"local": 0.5, "slurm": 20.0}
#: per-job wall-clock limit of local jobs when none is given (submitit's default is 2 min)
LOCAL_TIME_MIN = 7 * 24 * 60


class ClusterError(ValueError):
    """Options that cannot work (an unknown executor, SLURM asked where there is none)."""


def parse_key_values(items: Sequence[str] | str | None) -> dict[str, str]:
    """``["account=abc", "qos=normal"]`` (or one space-separated string) -> dict.

    Raises :class:`ClusterError` for an item without ``=``.
    """
    if not items:
        return {}
    if isinstance(items, str):
        items = items.split()
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ClusterError(
                f"SLURM flag {item!r}: write KEY=VALUE, e.g. account=mlpc or qos=normal "
                "(they become #SBATCH --account=mlpc ...)."
            )
        out[key.strip().lstrip("-")] = value.strip()
    return out


@dataclass
class ClusterOptions:
    """Where and how the jobs of a sweep run.

    Parameters
    ----------
    executor : ``"local"`` or ``"slurm"``.
    workers : jobs running at a time. Local: processes (default: the CPU count). SLURM: the
        array's concurrency limit ``%N`` (default: every job of the round).
    partition : SLURM partition (``--partition``); None: the cluster's default.
    gpus : GPUs per job (SLURM ``--gpus-per-node``). Local: None keeps the GPUs this machine
        shows (``CUDA_VISIBLE_DEVICES`` as it is), 0 hides them, N shows the first N.
    cpus : CPUs per job (SLURM ``--cpus-per-task``); also the kernel's BLAS/torch threads.
        Default 1 (local, many jobs share the CPU) or SLURM's default allocation.
    mem_gb : memory per job in GB (SLURM ``--mem``).
    time_min : wall-clock limit per job in minutes (SLURM ``--time``; default 180 on SLURM,
        7 days locally). A job killed at its limit counts as failed and is retried.
    slurm_args : further ``#SBATCH`` flags, e.g. ``{"account": "mlpc", "qos": "normal"}``.
    setup : shell lines run before each job (``module load cuda``, ``source venv/bin/activate``).
    retries : how many times a failed job is submitted again (default 1).
    poll_s : seconds between looks at running jobs (default 0.5 local, 20 SLURM).
    job_python : the command that runs Python in a job (default: this interpreter), e.g.
        ``"apptainer exec --nv /scratch/pytorch.sif /scratch/gpu-kit/venv/bin/python"``
        where the nodes run the course inside a container image.
    """

    executor: str = "local"
    workers: int | None = None
    partition: str | None = None
    gpus: int | None = None
    cpus: int | None = None
    mem_gb: float | None = None
    time_min: int | None = None
    slurm_args: dict[str, str] = field(default_factory=dict)
    setup: list[str] = field(default_factory=list)
    retries: int = 1
    poll_s: float | None = None
    job_python: str | None = None
    job_name: str = "mlpc-seeds"

    def __post_init__(self) -> None:
        self.executor = (self.executor or "local").strip().lower()
        if self.executor not in EXECUTORS:
            raise ClusterError(
                f"Executor {self.executor!r} is unknown: use one of {', '.join(EXECUTORS)} "
                "(EXECUTOR=slurm make seeds ..., or mlpc seeds --executor slurm)."
            )
        for name in ("workers", "gpus", "cpus", "time_min", "retries"):
            value = getattr(self, name)
            if value is not None and int(value) < 0:
                raise ClusterError(f"{name} = {value}: give a count >= 0.")
        if self.workers == 0:
            self.workers = None
        if self.time_min == 0:
            self.time_min = None

    @property
    def threads(self) -> int:
        """BLAS/torch threads of each kernel: the job's CPUs, else 1."""
        return max(1, int(self.cpus or 1))

    def describe(self) -> dict[str, Any]:
        """The options as plain JSON (recorded with the sweep)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], {})}


def default_workers() -> int:
    """Local jobs at a time when none are asked for: the CPU count."""
    return max(1, os.cpu_count() or 1)


def make_executor(opts: ClusterOptions, folder: str | Path) -> Any:
    """The submitit executor of ``opts`` writing its pickles and logs in ``folder``.

    Raises :class:`ClusterError` when SLURM is asked for on a machine without ``srun``
    (submitit's own check) and when submitit is not installed.
    """
    try:
        import submitit
    except ImportError as err:  # pragma: no cover - submitit is a dependency of [test]/[cluster]
        raise ClusterError(
            "The seed sweep runs its jobs through submitit, which is not installed: "
            "pip install submitit (or pip install -e '.[cluster]')."
        ) from err
    folder = Path(folder)
    if opts.executor == "local":
        ex = submitit.LocalExecutor(folder=folder, python=opts.job_python)
        params: dict[str, Any] = {"timeout_min": opts.time_min or LOCAL_TIME_MIN}
        if opts.gpus is not None:
            params["gpus_per_node"] = int(opts.gpus)
        if opts.setup:
            params["setup"] = list(opts.setup)
        ex.update_parameters(**params)
        return ex
    try:
        ex = submitit.SlurmExecutor(folder=folder, python=opts.job_python)
    except RuntimeError as err:
        raise ClusterError(
            f"{err} EXECUTOR=slurm runs on a SLURM login node (where sbatch and srun exist); "
            "on this machine use EXECUTOR=local."
        ) from err
    params = {"job_name": opts.job_name, "time": int(opts.time_min or 180),
              "stderr_to_stdout": True}
    if opts.partition:
        params["partition"] = opts.partition
    if opts.gpus:
        params["gpus_per_node"] = int(opts.gpus)
    if opts.cpus:
        params["cpus_per_task"] = int(opts.cpus)
    if opts.mem_gb:
        mem = float(opts.mem_gb)
        params["mem"] = f"{int(mem)}GB" if mem.is_integer() else f"{int(mem * 1024)}MB"
    if opts.workers:
        params["array_parallelism"] = int(opts.workers)
    if opts.slurm_args:
        params["additional_parameters"] = dict(opts.slurm_args)
    if opts.setup:
        params["setup"] = list(opts.setup)
    ex.update_parameters(**params)
    return ex


@dataclass
class Outcome:
    """What became of one item: its result, or the error of its last attempt."""

    item: Any
    result: Any = None
    error: str = ""
    attempt: int = 1
    job_id: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _error_text(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return f"{type(err).__name__}: {text}"


def run(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    opts: ClusterOptions,
    folder: str | Path,
    *,
    arg: Callable[[Any, int], Any] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_retry: Callable[[Outcome], None] | None = None,
    executor: Any = None,
) -> list[Outcome]:
    """Run ``fn(arg(item, attempt))`` as one job per item; retry failures; return outcomes.

    Parameters
    ----------
    fn : a picklable, importable function (submitit pickles the call).
    items : what to run, one job each.
    opts : executor and resources.
    folder : submitit's folder (pickles, logs ``<job id>_0_log.out``).
    arg : the argument of ``fn`` for an item and its attempt number (default: the item).
    on_outcome : called once per item when it succeeded or failed for good.
    on_retry : called when a failed attempt is submitted again.
    executor : an executor from :func:`make_executor` (default: made here).

    Interrupting (Ctrl-C) cancels the jobs still running, then re-raises.
    """
    arg = arg or (lambda item, attempt: item)
    ex = executor if executor is not None else make_executor(opts, folder)
    poll = opts.poll_s if opts.poll_s is not None else POLL_S[opts.executor]
    # local: a window of `workers` processes; SLURM: every job of a round in one array,
    # the array's %N limit does the windowing
    window = (opts.workers or default_workers()) if opts.executor == "local" else None
    queue: deque[tuple[Any, int]] = deque((item, 1) for item in items)
    running: dict[Any, tuple[Any, int]] = {}
    outcomes: list[Outcome] = []
    try:
        while queue or running:
            free = len(queue) if window is None else max(0, window - len(running))
            batch = [queue.popleft() for _ in range(min(free, len(queue)))]
            if batch:
                jobs = ex.map_array(fn, [arg(item, attempt) for item, attempt in batch])
                running.update(zip(jobs, batch, strict=True))
            finished = [job for job in list(running) if job.done()]
            for job in finished:
                item, attempt = running.pop(job)
                try:
                    out = Outcome(item, job.result(), "", attempt, str(job.job_id))
                except Exception as err:  # noqa: BLE001 (the job failed: retry or report)
                    out = Outcome(item, None, _error_text(err), attempt, str(job.job_id))
                    if attempt <= opts.retries:
                        if on_retry:
                            on_retry(out)
                        queue.append((item, attempt + 1))
                        continue
                outcomes.append(out)
                if on_outcome:
                    on_outcome(out)
            if running and not finished:
                time.sleep(poll)
    except BaseException:
        for job in running:
            try:
                job.cancel(check=False)
            except Exception:  # noqa: BLE001 (best effort while interrupting)
                pass
        raise
    return outcomes
