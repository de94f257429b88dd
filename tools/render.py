#!/usr/bin/env python3
"""Render the Quarto site (or a profile) from the executed notebooks, and fail on what Quarto reports.

    python tools/render.py                     # website + decks -> _site/
    python tools/render.py --profile handout   # typst PDF handouts -> _handouts/
    python tools/render.py --out-root build/me --executed build/me/executed --allow-missing \
        --only index.qmd notebooks/week06_transfer_learning.ipynb slides/week11_uncertainty.qmd
                                               # only these, staged and written under build/me

The notebooks in ``notebooks/`` are committed without outputs; ``make test`` executes each one
once under nbval and ``mlpc_course.nbval_executed`` writes the executed copy to
``build/executed/`` (``make execute`` runs the same executor, :mod:`mlpc_course.execute`). This script stages
the Quarto project in ``build/render/`` -- every file Quarto reads, with the executed copies in
place of ``notebooks/*.ipynb`` -- renders it there, and moves the output to ``_site/`` or
``_handouts/``. Sources are never modified and no notebook runs twice.

It fails (exit 1) on any Quarto ``ERROR`` and on warnings about unresolved links or crossrefs,
missing embeds, citations not found, unknown shortcodes and metrics not recorded, and then on
left-overs of the same problems in the written pages (``?@fig-...``, ``{{<``, "not recorded
yet"). Other warnings are printed and counted. The whole log is in ``build/render-<name>.log``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Top-level entries that Quarto does not need (never staged).
SKIP = {".git", ".venv", "data", "build", "_site", "_handouts", ".quarto", ".quarto-cli",
        "_freeze", "notebooks", "mlpc_helpers", "mlpc_course", "tests", "tools", "conftest.py",
        ".pytest_cache", ".ruff_cache", "__pycache__", ".ipynb_checkpoints", ".github", ".ci"}

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ERROR = re.compile(r"^\s*(ERROR\b|\[ERROR\]|error:|Error:)|\bERROR:")
WARNING = re.compile(r"^\s*(WARN(ING)?\b|\[WARNING\])")
# Warnings that mean a broken page: fatal.
FATAL_WARNING = re.compile(
    r"Unable to resolve|unresolved|could not (be )?resolve|link target|crossref"
    r"|[Cc]itation|[Cc]iteproc|not found|doesn't contain|embed|[Ss]hortcode"
    r"|not recorded|[Mm]issing|[Uu]nknown|does not exist", re.I)
# Left-overs of the same problems in written HTML.
HTML_PROBLEMS = {
    "unresolved crossref": re.compile(r"\?@(fig|tbl|sec|eq|lst)-"),
    "shortcode left as text": re.compile(r"\{\{(&lt;|<)\s*(metric|embed)"),
    "metric not recorded": re.compile(r"not recorded yet"),
    "citation not found": re.compile(r'class="citation"[^>]*>\s*<strong>\?|\(\?\?\)|\?\?\s*\)'),
}


def quarto_exe() -> str:
    """``$QUARTO`` (the Makefile sets it), else ``.quarto-cli/`` (``make quarto``), else PATH."""
    if os.environ.get("QUARTO"):
        return os.environ["QUARTO"]
    local = ROOT / ".quarto-cli" / "bin" / "quarto"
    if local.exists():
        return str(local)
    found = shutil.which("quarto")
    if not found:
        sys.exit("render: quarto not found: run `make quarto` (installs it into .quarto-cli/)")
    return found


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=False,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    else:
        shutil.copy2(src, dst)


def stage(stage_dir: Path, executed: Path, allow_missing: bool = False,
          profile: str | None = None, only: list[str] | None = None) -> list[str]:
    """Copy the Quarto project into ``stage_dir`` with executed notebooks; return problems.

    With a ``profile`` whose ``_quarto-<profile>.yml`` lists ``project.render``, that list
    replaces the main one in the staged ``_quarto.yml`` (Quarto itself would render the union
    of both lists: the website's pages would become handouts too).
    """
    problems = []
    stage_dir.mkdir(parents=True, exist_ok=True)
    for old in stage_dir.iterdir():  # keep Quarto's caches, replace the sources
        if old.name in {".quarto", "_freeze"}:
            continue
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    for src in ROOT.iterdir():
        if src.name in SKIP or src.name.endswith(".egg-info"):
            continue
        _copy(src, stage_dir / src.name)
    render_list, why = None, ""
    if profile:
        import yaml

        prof = yaml.safe_load((ROOT / f"_quarto-{profile}.yml").read_text()) or {}
        render_list = (prof.get("project") or {}).get("render")
        why = f"project.render of _quarto-{profile}.yml"
    if only:  # `--only`: these files (paths or globs), rendered as the project
        render_list, why = list(only), "--only"
    if render_list:
        import yaml

        main_cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
        main_cfg["project"]["render"] = render_list
        (stage_dir / "_quarto.yml").write_text(
            f"# staged by tools/render.py: {why}\n"
            + yaml.safe_dump(main_cfg, sort_keys=False, allow_unicode=True))
    nb_dir = stage_dir / "notebooks"
    nb_dir.mkdir()
    for src in sorted((ROOT / "notebooks").iterdir()):
        if src.name in {"__pycache__", ".ipynb_checkpoints"}:
            continue
        if src.suffix != ".ipynb":
            _copy(src, nb_dir / src.name)
            continue
        done = executed / src.name
        if not done.exists():
            problems.append(f"{src.name}: no executed copy in {executed} (run `make test` or "
                            "`make execute` first)")
            continue  # with --allow-missing: left out of the render
        if done.stat().st_mtime < src.stat().st_mtime:
            problems.append(f"{src.name}: the executed copy in {executed} is older than the "
                            "notebook (run `make test` or `make execute` again)")
        _copy_clean(done, nb_dir / src.name)
    # The exam question bank (exam/, issue 41): its executed copies where `make test` wrote
    # them (with the computed answers), else the staged source (answers as text, no outputs).
    for src in sorted((ROOT / "exam").glob("*.ipynb")):
        done = executed / src.name
        if done.exists():
            _copy_clean(done, stage_dir / "exam" / src.name)
    write_generated(stage_dir)
    return problems


def write_generated(stage_dir: Path) -> None:
    """Write the Markdown that pages include from ``_generated/`` (the weeks table of the
    index, the reproduction table, the exam bank's table): computed here, before Quarto
    runs, so that no page needs a Jupyter kernel of its own (faster, and no kernel messages
    in the render's output)."""
    sys.path.insert(0, str(ROOT))
    from mlpc_course import exam, site, weeks

    out = stage_dir / "_generated"
    out.mkdir(exist_ok=True)
    (out / "weeks.md").write_text(weeks.weeks_markdown() + "\n")
    (out / "exam.md").write_text(exam.bank_markdown() + "\n")  # exam/index.qmd
    (out / "reproduction.md").write_text(
        site.seed_sweep_sentence() + "\n\n" + site.reproduction_rows_markdown() + "\n")


def _copy_clean(src: Path, dst: Path) -> None:
    """Copy an executed notebook without progress-bar text in its outputs and without the
    planted wrong answers of its exercises."""
    import json

    sys.path.insert(0, str(ROOT))
    from mlpc_course.nbval_executed import clean_outputs

    nb = json.loads(src.read_text())
    # Planted wrong answers (tag `wrong`, see mlpc_course/editions) test the checks in CI;
    # they are not part of any page a reader sees.
    nb["cells"] = [c for c in nb.get("cells", [])
                   if "wrong" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = clean_outputs(cell.get("outputs", []))
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False))


def scan_log(lines: list[str]) -> tuple[list[str], list[str]]:
    """(fatal lines, other warnings) of a Quarto log."""
    fatal, other = [], []
    for raw in lines:
        line = ANSI.sub("", raw).rstrip()
        if ERROR.search(line):
            fatal.append(line)
        elif WARNING.search(line):
            (fatal if FATAL_WARNING.search(line) else other).append(line)
    return fatal, other


def scan_html(out_dir: Path) -> list[str]:
    """Problems left as text in the written HTML pages."""
    found = []
    for page in sorted(out_dir.rglob("*.html")):
        if "site_libs" in page.parts or page.parts[-2:-1] == ("colab",):
            continue
        text = page.read_text(errors="replace")
        for what, pat in HTML_PROBLEMS.items():
            m = pat.search(text)
            if m:
                ctx = text[max(0, m.start() - 60): m.end() + 60].replace("\n", " ")
                found.append(f"{page.relative_to(out_dir)}: {what}: ...{ctx}...")
    return found


def _publish_handouts(out_root: Path = ROOT) -> None:
    """Copy the PDF handouts into the site (``_site/handouts/``), which links them."""
    site, handouts = out_root / "_site", out_root / "_handouts"
    if not (site.is_dir() and handouts.is_dir()):
        return
    dest = site / "handouts"
    if dest.exists():
        shutil.rmtree(dest)
    for pdf in handouts.rglob("*.pdf"):
        target = dest / pdf.relative_to(handouts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pdf, target)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", default=None, help="Quarto profile (handout: the PDF handouts)")
    p.add_argument("--executed", default=str(ROOT / "build" / "executed"),
                   help="folder of executed notebooks (default build/executed)")
    p.add_argument("--allow-missing", action="store_true",
                   help="leave out notebooks without an executed copy (instead of failing)")
    p.add_argument("--no-fail", action="store_true", help="report problems, exit 0")
    p.add_argument("--no-stage", action="store_true",
                   help="render build/render/ as it is (debugging a staged tree)")
    p.add_argument("--out-root", default=None,
                   help="stage in OUT_ROOT/render/, write OUT_ROOT/_site/ or _handouts/ and "
                        "the log there (default: build/render/, _site/, _handouts/, build/): "
                        "a render that leaves the checkout's outputs alone")
    p.add_argument("--only", nargs="+", default=None, metavar="FILE",
                   help="render only these files (paths or globs as in project.render, e.g. "
                        "index.qmd notebooks/week06_*.ipynb slides/week11_uncertainty.qmd)")
    p.add_argument("quarto_args", nargs="*", help="passed on to quarto render (after --)")
    args = p.parse_args(argv)

    name = args.profile or "site"
    out_name = "_handouts" if args.profile == "handout" else "_site"
    out_root = Path(args.out_root).resolve() if args.out_root else ROOT
    stage_dir = out_root / "render" if args.out_root else ROOT / "build" / "render"
    log_dir = out_root if args.out_root else ROOT / "build"
    t0 = time.perf_counter()
    problems = [] if args.no_stage else stage(stage_dir, Path(args.executed),
                                                  args.allow_missing, args.profile, args.only)
    for msg in problems:
        print(f"render: {msg}", file=sys.stderr)
    if problems and not args.allow_missing:
        return 1

    cmd = [quarto_exe(), "render", *args.quarto_args]  # an input file must come first
    if args.profile:
        cmd += ["--profile", args.profile]
    if args.profile == "handout":
        cmd += ["--to", "typst"]
    env = dict(os.environ)
    env.setdefault("QUARTO_PYTHON", sys.executable)
    env.setdefault("MLPC_METRICS_DIR", str(ROOT / "build" / "metrics"))
    env.setdefault("MLPC_ROOT", str(ROOT))
    env["TQDM_DISABLE"] = "1"
    env["NO_COLOR"] = "1"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"render-{name}.log"
    print(f"render: {' '.join(cmd)}  (in {stage_dir}, log {log_path})", flush=True)
    lines = []
    with subprocess.Popen(cmd, cwd=stage_dir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not line.startswith(("  ", "\t")) or "WARN" in line or "ERROR" in line:
                sys.stdout.write(line)  # the per-file progress and problems, not YAML dumps
        rc = proc.wait()
    log_path.write_text("".join(lines))

    fatal, other = scan_log(lines)
    staged_out = stage_dir / out_name
    if rc == 0 and staged_out.is_dir():
        dest = out_root / out_name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(staged_out), dest)
        fatal += scan_html(dest) if out_name == "_site" else []
    elif rc == 0:
        fatal.append(f"quarto wrote no {out_name}/")
    if rc == 0:
        _publish_handouts(out_root)
    secs = time.perf_counter() - t0
    for line in other:
        print(f"render: warning (not fatal): {line}")
    if rc != 0:
        fatal.insert(0, f"quarto render exited with {rc}")
    if fatal:
        print(f"\nrender {name}: FAILED, {len(fatal)} problem(s) (log: {log_path}):",
              file=sys.stderr)
        for line in fatal:
            print(f"  {line}", file=sys.stderr)
        return 0 if args.no_fail else 1
    print(f"render {name}: OK in {secs:.0f} s -> {out_name}/ ({len(other)} other warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
