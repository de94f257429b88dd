"""Grading submitted student editions on the instructor's machine (``make grade``).

    mlpc grade SUBMISSIONS/ [--out build/grades] [--workers N] [--timeout S]

Every ``.ipynb`` below ``SUBMISSIONS/`` is a student's copy of a student edition
(``folder/<student>/<any name>.ipynb``, ``folder/<student>.ipynb`` or
``folder/<student>_<notebook>.ipynb``). Its notebook is recognised by the edition's metadata
(``mlpc_notebook``), else by the file name. The exercises, their public and hidden tests and
their points come from the instructor's source notebook ``notebooks/<notebook>.ipynb`` (the
format: the README's "Running the semester", :mod:`mlpc_helpers.exercise`).

Each submission runs top to bottom in a fresh kernel of this environment (nbclient, errors
allowed, working folder ``notebooks/``, metrics to a temporary folder) with two cells added per
graded exercise: before the student's answer cell the solution runs and its values are kept as
``ref`` (then its names are removed again), and after the student's check cell every public and
hidden test runs (:func:`mlpc_helpers.exercise.grade`). The student's cells are found by cell
id (editions keep the source's ids), else by the task line / the check's magic line.

Written to ``--out``: ``grades.csv`` (student × exercise points, total, max),
``grades_long.csv`` (one row per test) and ``feedback/<student>.md``.

A submission runs with the instructor's rights, as with nbgrader or ``otter run`` without
containers: look at what you grade, or run ``make grade`` in a throw-away account or VM.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlpc_helpers.paths import project_root

from . import editions

GRADING_TAG = "mlpc-grading"  # cells the grader adds (left out of the feedback)
CELL_TIMEOUT_S = 900
_EXERCISE = '__import__("mlpc_helpers.exercise", fromlist=["exercise"])'


class GradingError(ValueError):
    """A submission or a folder that cannot be graded (the message says why and what to do)."""


@dataclass
class Submission:
    student: str
    path: Path
    notebook: str | None = None  # source stem; None: not recognised


@dataclass
class ExerciseGrade:
    notebook: str
    exercise: str  # "Exercise 2"
    max_points: float
    tests: list[dict] = field(default_factory=list)  # Result dicts of mlpc_helpers.exercise
    error: str = ""

    @property
    def points(self) -> float:
        return sum(t["points"] for t in self.tests if t["passed"])


@dataclass
class SubmissionGrade:
    student: str
    notebook: str
    path: Path
    exercises: list[ExerciseGrade] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)  # errors of the student's cells
    error: str = ""  # the submission could not be graded at all

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(e.max_points for e in self.exercises)


# --- finding submissions ---------------------------------------------------------------------

def _sources(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((root / "notebooks").glob("*.ipynb"))}


def identify(nb: Any, path: Path, stems: Sequence[str]) -> str | None:
    """The source notebook of a submission: metadata ``mlpc_notebook``, else the longest
    notebook name contained in the file name."""
    meta = nb.get("metadata", {}).get("mlpc_notebook")
    if meta in stems:
        return meta
    hits = [s for s in stems if s in path.stem]
    return max(hits, key=len) if hits else None


def find_submissions(folder: Path, root: Path | None = None) -> list[Submission]:
    """Every ``.ipynb`` below ``folder`` (checkpoints skipped), with student and notebook.

    Raises
    ------
    GradingError
        ``folder`` is missing or holds no notebook.
    """
    import nbformat

    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(f"SUBMISSIONS={folder}: no such folder; give the folder that holds the "
                           "submitted notebooks, e.g. make grade SUBMISSIONS=submissions/week03/")
    stems = list(_sources(root or project_root()))
    out = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(folder)
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - reported as ungradable below
            nb = {}
        notebook = identify(nb, path, stems)
        if len(rel.parts) > 1:
            student = rel.parts[0]
        else:
            student = path.stem
            if notebook and notebook in student and student != notebook:
                student = student.replace(notebook, "").strip("_- .") or student
        out.append(Submission(student, path, notebook))
    if not out:
        raise GradingError(f"{folder} holds no .ipynb file: put each student's notebook in it "
                           "(folder/<student>/<notebook>.ipynb or folder/<student>.ipynb)")
    return out


# --- the notebook that is executed ---------------------------------------------------------

def _first_task_line(source: str) -> str:
    lines = editions.task_lines(source)
    return lines[0] if lines else ""


def _find(cells: list, cell_id: str | None, match: Any) -> int | None:
    for k, c in enumerate(cells):
        if cell_id and c.get("id") == cell_id and c.cell_type == "code":
            return k
    for k, c in enumerate(cells):
        if c.cell_type == "code" and match(editions._source(c)):
            return k
    return None


def _code_cell(source: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [GRADING_TAG]
    return cell


def grading_notebook(submission: Any, source: Any, notebook: str, results: str | Path) -> Any:
    """The submission with the grader's cells added (see the module docstring).

    Returns a copy; ``results`` is the JSON-lines file the kernel appends test results to.
    """
    nb = copy.deepcopy(submission)
    plan = editions.analyse(source, notebook)
    cells = list(nb.cells)
    before: dict[int, list] = {}
    after: dict[int, list] = {}
    at_end = []
    for ex in plan.graded:
        sol = editions._source(source.cells[ex.solution])
        task = _first_task_line(sol)
        label = ex.label
        answer_at = _find(cells, source.cells[ex.solution].get("id"),
                          lambda s, task=task: bool(task) and _first_task_line(s) == task)
        check_ids = [source.cells[i].get("id") for i in ex.checks]
        check_at = _find(cells, check_ids[0] if check_ids else None,
                         lambda s, label=label: s.startswith(f"%%{editions.MAGIC}")
                         and s.splitlines()[0].rstrip().endswith((f"'{label}'", label)))
        ref_code = (f"{_EXERCISE}.reference(\n    {label!r}, {sol!r},\n    {ex.answer!r}, "
                    "globals(), get_ipython())")
        grade_code = (f"{_EXERCISE}.grade(\n    {label!r}, {ex.test_sources(source)!r},\n"
                      f"    globals(), {str(results)!r}, {notebook!r}, get_ipython());")
        first = answer_at if answer_at is not None else check_at
        last = check_at if check_at is not None else answer_at
        if first is None:
            at_end += [_code_cell(ref_code), _code_cell(grade_code)]
            continue
        before.setdefault(first, []).append(_code_cell(ref_code))
        after.setdefault(last, []).append(_code_cell(grade_code))
    out = []
    for k, c in enumerate(cells):
        out += before.get(k, [])
        out.append(c)
        out += after.get(k, [])
    nb.cells = out + at_end
    return nb


# --- executing and grading one submission -------------------------------------------------

def _cell_errors(nb: Any) -> list[str]:
    out = []
    code_no = 0
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        if GRADING_TAG in c.get("metadata", {}).get("tags", []):
            continue
        code_no += 1
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                src = editions._source(c)
                first = (f"check of {shlex.split(src.splitlines()[0])[-1]}"
                         if src.startswith(f"%%{editions.MAGIC}") else
                         _first_task_line(src) or src[:60])
                if o.get("ename") == "NotImplementedError":  # a stub left as handed out
                    out.append(f"code cell {code_no} ({first.strip()}): not attempted (the "
                               "stub still raises NotImplementedError; fine where the "
                               "exercise is optional)")
                    continue
                out.append(f"code cell {code_no} ({first.strip()}): {o.get('ename')}: "
                           f"{str(o.get('evalue', ''))[:200]}")
    return out


def grade_submission(sub: Submission, root: Path | None = None,
                     timeout: int = CELL_TIMEOUT_S) -> SubmissionGrade:
    """Execute one submission with the grader's cells; its :class:`SubmissionGrade`."""
    import nbformat
    from nbclient import NotebookClient

    root = Path(root or project_root())
    grade = SubmissionGrade(sub.student, sub.notebook or "?", sub.path)
    if sub.notebook is None:
        grade.error = ("not recognised as a student edition of a course notebook: name the "
                       "file after the notebook (e.g. alice_week03_leakage.ipynb)")
        return grade
    source = nbformat.read(_sources(root)[sub.notebook], as_version=4)
    plan = editions.analyse(source, sub.notebook)
    grade.exercises = [ExerciseGrade(sub.notebook, ex.label, ex.points) for ex in plan.graded]
    if not plan.graded:
        return grade
    try:
        submission = nbformat.read(sub.path, as_version=4)
    except Exception as err:  # noqa: BLE001
        grade.error = f"cannot be read as a notebook: {err}"
        return grade
    with tempfile.TemporaryDirectory(prefix="mlpc-grade-") as tmp:
        results = Path(tmp) / "results.jsonl"
        nb = grading_notebook(submission, source, sub.notebook, results)
        env = {**os.environ, "MLPC_METRICS_DIR": str(Path(tmp) / "metrics"),
               "MPLBACKEND": "Agg", "TQDM_DISABLE": "1"}
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(root / "notebooks")}})
        try:
            client.execute(env=env, stderr=subprocess.DEVNULL)  # no kernel warnings
        except Exception as err:  # noqa: BLE001 - a timeout or a dead kernel
            grade.error = f"execution stopped: {type(err).__name__}: {str(err)[:300]}"
        grade.cell_errors = _cell_errors(nb)
        lines = results.read_text().splitlines() if results.exists() else []
    by_label = {e.exercise: e for e in grade.exercises}
    for line in lines:
        row = json.loads(line)
        ex = by_label.get(row.get("exercise"))
        if ex is None:
            continue
        if "error" in row:
            ex.error = row["error"]
        else:
            ex.tests.append(row)
    for ex in grade.exercises:
        if not ex.tests and not ex.error:
            ex.error = grade.error or "the tests did not run (the notebook stopped before them)"
    return grade


def _grade_one(args: tuple[Submission, Path, int]) -> SubmissionGrade:
    return grade_submission(*args)


# --- tables and feedback -------------------------------------------------------------------

def _week_key(notebook: str) -> tuple:
    m = re.match(r"week(\d+)", notebook)
    return (int(m.group(1)) if m else 99, notebook)


def write_tables(grades: Sequence[SubmissionGrade], out: Path) -> tuple[Path, Path]:
    """``grades.csv`` (wide) and ``grades_long.csv`` (one row per test) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    columns: dict[str, float] = {}
    for g in sorted(grades, key=lambda g: _week_key(g.notebook)):
        for e in g.exercises:
            columns.setdefault(f"{e.notebook}:{e.exercise}", e.max_points)
    students = sorted({g.student for g in grades})
    wide = out / "grades.csv"
    with wide.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *columns, "total", "max"])
        for s in students:
            mine = {f"{e.notebook}:{e.exercise}": e.points
                    for g in grades if g.student == s for e in g.exercises}
            total = sum(mine.values())
            w.writerow([s, *(f"{mine[c]:g}" if c in mine else "" for c in columns),
                        f"{total:g}", f"{sum(columns.values()):g}"])
    long = out / "grades_long.csv"
    with long.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "notebook", "exercise", "test", "hidden", "points", "max_points",
                    "passed", "message"])
        for g in sorted(grades, key=lambda g: (g.student, _week_key(g.notebook))):
            for e in g.exercises:
                for t in e.tests:
                    w.writerow([g.student, g.notebook, e.exercise, t["name"], t["hidden"],
                                f"{t['points'] if t['passed'] else 0:g}", f"{t['points']:g}",
                                t["passed"], t["message"]])
                if not e.tests:
                    w.writerow([g.student, g.notebook, e.exercise, "", "", "0",
                                f"{e.max_points:g}", False, e.error])
    return wide, long


def feedback_markdown(student: str, grades: Sequence[SubmissionGrade]) -> str:
    """The feedback file of one student: per notebook and exercise, every test's result."""
    lines = [f"# Feedback for {student}", ""]
    for g in sorted(grades, key=lambda g: _week_key(g.notebook)):
        lines += [f"## {g.notebook} — {g.points:g} of {g.max_points:g} points",
                  "", f"Submitted file: `{g.path.name}`", ""]
        if g.error:
            lines += [f"**Not graded completely:** {g.error}", ""]
        for e in g.exercises:
            lines.append(f"### {e.exercise} — {e.points:g} of {e.max_points:g} points")
            lines.append("")
            for t in e.tests:
                mark = "✓" if t["passed"] else "✗"
                kind = "hidden test" if t["hidden"] else "public test"
                lines.append(f"- {mark} {t['message']} *({kind} `{t['name']}`, "
                             f"{t['points'] if t['passed'] else 0:g}/{t['points']:g})*")
            if e.error:
                lines.append(f"- ✗ {e.error}")
            lines.append("")
        if g.cell_errors:
            lines += ["### Cells that stopped (errors, exercises not attempted)", ""]
            lines += [f"- {msg}" for msg in g.cell_errors]
            lines.append("")
    return "\n".join(lines)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "student"


def grade_folder(folder: Path, out: Path | None = None, root: Path | None = None,
                 workers: int = 1, timeout: int = CELL_TIMEOUT_S) -> list[SubmissionGrade]:
    """Grade every submission below ``folder``; write the tables and the feedback files."""
    root = Path(root or project_root())
    out = Path(out) if out else root / "build" / "grades"
    subs = find_submissions(Path(folder), root)
    jobs = [(s, root, timeout) for s in subs]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            grades = list(pool.map(_grade_one, jobs))
    else:
        grades = [_grade_one(j) for j in jobs]
    write_tables(grades, out)
    fb = out / "feedback"
    fb.mkdir(parents=True, exist_ok=True)
    for student in sorted({g.student for g in grades}):
        mine = [g for g in grades if g.student == student]
        (fb / f"{_safe(student)}.md").write_text(feedback_markdown(student, mine))
    return grades


def main_grade(args: Any) -> int:
    """``mlpc grade`` (see :mod:`mlpc_course.cli`)."""
    import sys
    import time

    root = project_root()
    out = Path(args.out) if args.out else root / "build" / "grades"
    t0 = time.perf_counter()
    try:
        grades = grade_folder(Path(args.submissions), out, root, workers=args.workers,
                              timeout=args.timeout)
    except GradingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for g in sorted(grades, key=lambda g: (g.student, _week_key(g.notebook))):
        note = f"  ({g.error})" if g.error else ""
        print(f"{g.student:>20}  {g.notebook:<28} {g.points:g} / {g.max_points:g}{note}")
    print(f"{len(grades)} submissions graded in {time.perf_counter() - t0:.0f} s: "
          f"{out / 'grades.csv'}, {out / 'grades_long.csv'}, feedback in {out / 'feedback'}/")
    return 1 if any(g.error for g in grades) else 0


def add_parser(sub: Any) -> None:
    """The ``grade`` subcommand of ``mlpc``."""
    g = sub.add_parser("grade", help="grade submitted student editions (public + hidden tests)")
    g.add_argument("submissions", help="folder of submitted notebooks")
    g.add_argument("--out", default=None, help="folder (default build/grades)")
    g.add_argument("--workers", type=int, default=1, help="submissions graded in parallel")
    g.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell")


if __name__ == "__main__":  # `python -m mlpc_course.grading ...` = `mlpc grade ...`
    import argparse

    _sub = argparse.ArgumentParser(prog="python -m mlpc_course.grading").add_subparsers()
    add_parser(_sub)
    _grade = _sub.choices["grade"]
    _grade.prog = "python -m mlpc_course.grading"
    raise SystemExit(main_grade(_grade.parse_args()))
