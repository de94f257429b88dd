"""Command line of the course (``python -m mlpc_course.cli`` or ``mlpc``), used by the Makefile.

    mlpc fetch [NAME ...]          download/verify datasets (all by default)
    mlpc execute [--out DIR] [--workers N] [NB] [-- PYTEST ARGS]
                                   run notebooks (nbval, figures inline), write executed copies
    mlpc site [--executed DIR] [--out DIR]   build _site/ with nbconvert (no Quarto)
    mlpc check                     fail when a recorded metric misses its published value
    mlpc student [--out DIR] [--check] [NB]  write (or check) the student editions
    mlpc info                      versions, seed, device
    mlpc seeds [--seeds N] [--workers W] [--summary-only|--publish] [NB]  seed sweep
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
                    help="parallel notebook runs (default: the CPU count)")
    sd.add_argument("--out", default=None, help="folder (default build/seeds)")
    sd.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    sd.add_argument("--summary-only", action="store_true",
                    help="run nothing; rewrite summary.csv/.md from the finished runs")
    sd.add_argument("--publish", action="store_true",
                    help="run nothing; copy the table to results/seeds/ (committed snapshot "
                         "that notebooks and the site read) with date, commit and times")
    sd.add_argument("names", nargs="*",
                    help="notebook stems, patterns or paths (default notebooks/week*.ipynb)")
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
        from . import seeds

        if args.publish:
            out = Path(args.out) if args.out else seeds.seeds_dir()
            try:
                dest = seeds.publish(out)
            except FileNotFoundError as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            print(f"Published the seed table to {dest}/ (commit it)")
            return 0
        if args.summary_only:
            out = Path(args.out) if args.out else seeds.seeds_dir()
            print(f"Seed table: {seeds.write_summary(out)} and summary.md")
            return 0
        try:
            res = seeds.sweep(args.names or None,
                              range(args.first, args.first + args.seeds),
                              workers=args.workers or None, out=args.out, timeout=args.timeout)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for name, seed, err in res.failed:
            print(f"FAILED {name} seed {seed} (see {res.out / str(seed) / name}.error.txt): "
                  f"{err.splitlines()[0] if err else ''}", file=sys.stderr)
        print(f"{len(res.ran)} runs done, {len(res.skipped)} done before, "
              f"{len(res.failed)} failed; table: "
              f"{res.summary if res.summary else 'none (no finished run)'}")
        return 1 if res.failed else 0
    if args.cmd == "info":
        from mlpc_helpers import runtime

        for k, v in runtime.describe().items():
            print(f"{k:>14}: {v}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
