"""The exam question bank (issue 41): ``exam/exam_unit<N>_*.ipynb``, one notebook per unit.

Each question starts with a Markdown heading of one fixed form::

    ### Q3.4 · Week 3 · computational · 5 points {#q3-4}

followed by its task. A **conceptual** question's answer is a Markdown cell tagged
``solution`` (a model answer and the grading notes: the points a grader gives); a
**computational** one is an exercise in the format of the README's "Running the semester" — a
``solution`` code cell, public ``check`` tests, ``hidden`` tests, at least two planted
``wrong`` answers — graded by the same machinery as the weekly exercises, its heading's
points being the sum of its tests' points.

The source notebooks are the **instructor edition** (the question bank, rendered on the
instructor's site); their student edition (:func:`mlpc_course.editions.student_edition`) is
the **practice set**, released with the review week by :mod:`mlpc_course.release` (its answers
never). ``make test`` runs the bank under nbval with the editions plugin (``exam/`` is one of
:func:`mlpc_course.execute.default_paths`); ``tests/test_exam.py`` checks the rules below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlpc_helpers.paths import project_root

EXAM_DIR = "exam"
KINDS = ("conceptual", "computational")
HEADING = re.compile(r"^### Q(\d+)\.(\d+) · Week (\d+) · (conceptual|computational) · "
                     r"(\d+) points\b", re.M)
_SECTION = re.compile(r"^#{1,3} ", re.M)  # a heading that ends a question's cells


@dataclass
class Question:
    """One question of the bank, read from its notebook."""

    notebook: str
    number: str  # "3.4"
    week: int
    kind: str  # "conceptual" | "computational"
    points: int
    title: str  # the bold title after the heading
    cells: list[int] = field(default_factory=list)  # indices: heading cell to the last one
    answers: list[int] = field(default_factory=list)  # cells tagged `solution`

    @property
    def label(self) -> str:
        """``"Question 3.4"``: the label of a computational question's exercise."""
        return f"Question {self.number}"


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def notebooks(root: Path | None = None) -> list[Path]:
    """The bank's notebooks, ``exam/*.ipynb``, in unit order."""
    return sorted((Path(root or project_root()) / EXAM_DIR).glob("*.ipynb"))


def questions(nb: Any, name: str = "notebook") -> list[Question]:
    """Every question of a notebook (an nbformat node or its JSON dict), in order.

    A question's cells run from its heading to the cell before the next Markdown heading of
    level 1-3 (the next question, or the next week's section).
    """
    cells = nb["cells"] if isinstance(nb, dict) else nb.cells
    out: list[Question] = []
    current: Question | None = None
    for i, cell in enumerate(cells):
        src = _source(cell)
        m = HEADING.search(src) if cell.get("cell_type") == "markdown" else None
        if m:
            title = re.search(r"\*\*(.+?)\.\*\*", src[m.end():])
            current = Question(name, f"{m.group(1)}.{m.group(2)}", int(m.group(3)),
                               m.group(4), int(m.group(5)), title.group(1) if title else "",
                               [i])
            out.append(current)
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if (cell.get("cell_type") == "markdown" and _SECTION.search(src)
                and "solution" not in tags):
            current = None
            continue
        if current is not None:
            current.cells.append(i)
            if "solution" in tags:
                current.answers.append(i)
    return out


def bank(root: Path | None = None) -> list[Question]:
    """Every question of every notebook of the bank."""
    import nbformat

    return [q for path in notebooks(root)
            for q in questions(nbformat.read(path, as_version=4), path.stem)]


def per_week(qs: list[Question]) -> dict[int, dict[str, int]]:
    """``{week: {"conceptual": n, "computational": n, "points": p}}``."""
    out: dict[int, dict[str, int]] = {}
    for q in qs:
        row = out.setdefault(q.week, {"conceptual": 0, "computational": 0, "points": 0})
        row[q.kind] += 1
        row["points"] += q.points
    return dict(sorted(out.items()))


def bank_markdown(root: Path | None = None) -> str:
    """The bank's overview table (``_generated/exam.md``, written by ``tools/render.py``):
    one row per week with its notebook, the number of conceptual and computational questions
    and their points, and a total row."""
    import nbformat

    rows = ["| week | notebook (unit) | conceptual | computational | points |",
            "|---:|---|---:|---:|---:|"]
    total = {"conceptual": 0, "computational": 0, "points": 0}
    for path in notebooks(root):
        nb = nbformat.read(path, as_version=4)
        head = next((ln[2:].strip() for c in nb.cells if c.cell_type == "markdown"
                     for ln in _source(c).splitlines() if ln.startswith("# ")), path.stem)
        title = head.split(":")[0].removeprefix("Exam practice, ")  # "Unit I (weeks 1–3)"
        for week, row in per_week(questions(nb, path.stem)).items():
            rows.append(f"| {week} | [{title}]({path.name}) | {row['conceptual']} | "
                        f"{row['computational']} | {row['points']} |")
            for k in total:
                total[k] += row[k]
    rows.append(f"| **all** | | **{total['conceptual']}** | **{total['computational']}** | "
                f"**{total['points']}** |")
    return "\n".join(rows)
