"""Command line of the course (``python -m mlpc_course.cli`` or ``mlpc``), used by the Makefile.

    mlpc fetch [NAME ...]          download/verify datasets (all by default)
    mlpc execute [--out DIR] [--workers N] [NB] [-- PYTEST ARGS]
                                   run notebooks (nbval, figures inline), write executed copies
    mlpc site [--executed DIR] [--out DIR]   build _site/ with nbconvert (no Quarto)
    mlpc check                     fail when a recorded metric misses its published value
    mlpc student [--out DIR] [--check] [NB]  write (or check) the student editions
    mlpc info                      versions, seed, device
    mlpc grade SUBMISSIONS [--out DIR] [--workers N]  grade submissions: grades.csv, feedback/
    mlpc release [--week N] [--solutions M] [--tag T] [--site]  public material, pinned to T
    mlpc seeds [--seeds N] [--workers W] [--executor local|slurm] [--partition P]
               [--gpus G] [--cpus C] [--mem-gb M] [--time-min T] [--slurm KEY=VALUE ...]
               [--setup LINE ...] [--job-python CMD] [--retries R] [--full]
               [--summary-only|--publish [--merge|--extend]] [NB]
                                   seed sweep (one job per notebook x seed, via submitit)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mlpc", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="download and verify datasets")
    f.add_argument("names", nargs="*")
    e = sub.add_parser("execute", help="execute notebooks")
    e.add_argument("--out", default="build/executed")
    e.add_argument("--workers", type=int, default=1, help="notebooks run in parallel")
    e.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    e.add_argument("names", nargs="*", help="notebook stems or paths (default: all)")
    s = sub.add_parser("site", help="build the nbconvert site")
    s.add_argument("--executed", default="build/executed")
    s.add_argument("--out", default="_site")
    sub.add_parser("check", help="check recorded metrics against published values")
    sub.add_parser("info", help="print versions and settings")
    st = sub.add_parser("student", help="write the student editions to student/")
    st.add_argument("--out", default=None, help="folder (default: student/ at the root)")
    st.add_argument("--check", action="store_true",
                    help="write nothing; fail when the editions on disk are missing or stale")
    st.add_argument("names", nargs="*", help="notebook stems (default: all)")
    sd = sub.add_parser("seeds", help="run notebooks for several seeds, tabulate the metrics")
    sd.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 (default 10)")
    sd.add_argument("--first", type=int, default=0, help="first seed (default 0)")
    sd.add_argument("--workers", type=int, default=0,
                    help="jobs at a time: local processes (default: the CPU count) or the "
                         "SLURM array's limit %%N (default: all)")
    sd.add_argument("--executor", default="local", choices=("local", "slurm"),
                    help="where the jobs run: this machine, or SLURM through submitit")
    sd.add_argument("--partition", default=None, help="SLURM partition")
    sd.add_argument("--gpus", type=int, default=None,
                    help="GPUs per job (SLURM --gpus-per-node; local: default keeps the "
                         "GPUs this machine shows, 0 hides them)")
    sd.add_argument("--cpus", type=int, default=None,
                    help="CPUs per job (SLURM --cpus-per-task) = the kernel's threads "
                         "(default 1)")
    sd.add_argument("--mem-gb", type=float, default=None, help="memory per job (SLURM --mem)")
    sd.add_argument("--time-min", type=int, default=None,
                    help="wall-clock limit per job in minutes (SLURM --time; default 180 "
                         "on SLURM, none locally)")
    sd.add_argument("--slurm", action="append", default=[], metavar="KEY=VALUE",
                    help="further #SBATCH flags, e.g. --slurm account=mlpc --slurm qos=normal")
    sd.add_argument("--setup", action="append", default=[], metavar="LINE",
                    help="shell line run before each job, e.g. 'module load cuda'")
    sd.add_argument("--job-python", default=None, metavar="CMD",
                    help="command that runs Python in a job (default: this one), e.g. "
                         "'apptainer exec --nv image.sif kit/venv/bin/python'")
    sd.add_argument("--retries", type=int, default=1,
                    help="times a failed job is submitted again (default 1)")
    sd.add_argument("--full", action="store_true",
                    help="full published sizes (MLPC_FULL=1); runs go to build/seeds-full")
    sd.add_argument("--out", default=None,
                    help="folder (default build/seeds, or build/seeds-full at full size)")
    sd.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    sd.add_argument("--summary-only", action="store_true",
                    help="run nothing; rewrite summary.csv/.md from the finished runs")
    sd.add_argument("--publish", action="store_true",
                    help="run nothing; copy the table to results/seeds/ (results/seeds-full/ "
                         "for --full: the committed snapshots the site reads) with sweep.json: "
                         "date, commit, device, versions, executor, times")
    sd.add_argument("--merge", action="store_true",
                    help="with --publish: replace only the rows of the notebooks swept in "
                         "--out, keep the snapshot's other notebooks")
    sd.add_argument("--extend", action="store_true",
                    help="with --publish: add the seeds in --out to the snapshot's rows of "
                         "the same notebooks (grow 5 seeds to 10); one seed run both times "
                         "must reproduce the snapshot")
    sd.add_argument("--across-devices", action="store_true",
                    help="with --extend: the new runs ran on another device; accept numbers "
                         "of the re-run seed that moved and record them in sweep.json")
    sd.add_argument("names", nargs="*",
                    help="notebook stems, patterns or paths (default notebooks/week*.ipynb)")
    from . import grading, release  # their subcommands (issue 36)

    grading.add_parser(sub)
    release.add_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)

    if args.cmd == "fetch":
        from mlpc_helpers import data

        try:
            data.fetch_all(args.names or None)
        except (data.DataError, KeyError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        return 0
    if args.cmd == "execute":
        from . import execute

        try:
            return execute.execute(args.names or None, args.out, workers=args.workers,
                                   cell_timeout=args.cell_timeout or execute.CELL_TIMEOUT_S,
                                   extra=extra)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if args.cmd == "site":
        from . import execute, site

        index = site.build_site(Path(args.executed), Path(args.out),
                                execute.seconds(args.executed))
        print(f"Site written: open {index.resolve()}")
        return 0
    if args.cmd == "check":
        from mlpc_helpers import report

        bad = report.failures()
        for r in bad:
            print(f"{r.notebook}: {r.key} = {r.value}, published {r.published} ± {r.tolerance}")
        print(f"{len(report.load_all())} metrics recorded, {len(bad)} outside tolerance")
        return 1 if bad else 0
    if args.cmd == "student":
        from . import editions

        out = Path(args.out) if args.out else None
        if args.check:
            problems = editions.check_written(out)
            for msg in problems:
                print(msg, file=sys.stderr)
            return 1 if problems else 0
        try:
            written = editions.write_student_editions(out, args.names or None)
        except (editions.EditionError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        url = editions.repo_url()
        print(f"{len(written)} student editions written to {written[0].parent if written else out}"
              + ("" if url else " (no Colab links: set repo-url in _variables.yml)"))
        return 0
    if args.cmd == "seeds":
        from . import cluster, seeds

        try:
            full = True if args.full else seeds._full()
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        out = Path(args.out) if args.out else seeds.default_out(full)
        if args.publish:
            try:
                dest = seeds.publish(out, merge=args.merge, extend=args.extend,
                                     across_devices=args.across_devices)
            except (FileNotFoundError, ValueError) as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            print(f"Published the seed table to {dest}/ (commit it)")
            return 0
        if args.summary_only:
            print(f"Seed table: {seeds.write_summary(out)} and summary.md")
            return 0
        try:
            opts = cluster.ClusterOptions(
                executor=args.executor, workers=args.workers or None,
                partition=args.partition, gpus=args.gpus, cpus=args.cpus,
                mem_gb=args.mem_gb, time_min=args.time_min,
                slurm_args=cluster.parse_key_values(args.slurm), setup=list(args.setup),
                retries=args.retries, job_python=args.job_python)
            res = seeds.sweep(args.names or None,
                              range(args.first, args.first + args.seeds),
                              out=out, full=full, timeout=args.timeout, cluster=opts)
        except ValueError as err:  # ClusterError is a ValueError
            print(f"error: {err}", file=sys.stderr)
            return 2
        for name, seed, err in res.failed:
            print(f"FAILED {name} seed {seed} (see {res.out / str(seed) / name}.error.txt): "
                  f"{err}", file=sys.stderr)
        print(f"{len(res.ran)} runs done, {len(res.skipped)} done before, "
              f"{len(res.failed)} failed ({len(res.retried)} retries, {args.executor}); "
              f"table: {res.summary if res.summary else 'none (no finished run)'}")
        return 1 if res.failed else 0
    if args.cmd == "grade":
        return grading.main_grade(args)
    if args.cmd == "release":
        return release.main_release(args)
    if args.cmd == "info":
        from mlpc_helpers import runtime

        for k, v in runtime.describe().items():
            print(f"{k:>14}: {v}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
