"""The week table of the site's home page, derived from the files (no list to keep by hand).

``index.qmd`` prints :func:`weeks_markdown`: one row per syllabus week (titles from the
``### Week N — ...`` headings of ``syllabus.qmd``), and for each week its notebooks
(``notebooks/weekNN_*.ipynb``), their student editions (download and Colab page), the decks that
embed them (``slides/*.qmd`` naming ``notebooks/<name>.ipynb``) and the PDF handouts
(``handouts/``: ``tools/render.py`` copies ``_handouts/`` into the site). A week without a
notebook says so. A last row links the exam question bank (``exam/``) and its practice set.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mlpc_helpers.paths import project_root

_WEEK = re.compile(r"^###\s+Week\s+(\d+)\s*[—–-]\s*(.+?)\s*$", re.M)


def syllabus_weeks(root: Path) -> dict[int, str]:
    """Week number -> title, from the ``### Week N — title`` headings of ``syllabus.qmd``."""
    path = root / "syllabus.qmd"
    text = path.read_text() if path.exists() else ""
    return {int(n): title for n, title in _WEEK.findall(text)}


def _title(nb: Path) -> str:
    for cell in json.loads(nb.read_text()).get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):  # "Week 4 — Title" -> "Title"
                    return re.sub(r"^Week\s+\d+\s*(§\w+\s*)?[—–-]\s*", "", line[2:].strip())
    return nb.stem


def _deck_title(deck: Path) -> str:
    m = re.search(r'^title:\s*"?(.+?)"?\s*$', deck.read_text(), re.M)
    return m.group(1).split(" — ")[0] if m else deck.stem


def weeks_markdown(root: Path | None = None) -> str:
    """A Markdown table: week, topic, notebooks, student editions, decks, handouts."""
    root = Path(root or project_root())
    weeks = syllabus_weeks(root)
    notebooks: dict[int, list[Path]] = {}
    for nb in sorted((root / "notebooks").glob("week*.ipynb")):
        m = re.match(r"week(\d+)_", nb.name)
        if m:
            notebooks.setdefault(int(m.group(1)), []).append(nb)
    decks = [d for d in sorted((root / "slides").glob("*.qmd")) if d.stem != "index"]
    deck_text = {d: d.read_text() for d in decks}
    rows = ["| week | topic | notebook (instructor edition) | student edition | deck | "
            "handout (PDF) |", "|---|---|---|---|---|---|"]
    for week in sorted(set(weeks) | set(notebooks)):
        topic = weeks.get(week, "setup" if week == 0 else "")
        nbs = notebooks.get(week, [])
        if not nbs:
            rows.append(f"| {week} | {topic} | *no notebook yet* | | | |")
            continue
        for nb in nbs:
            name = nb.stem
            used_by = [d for d in decks if f"notebooks/{nb.name}" in deck_text[d]]
            deck_links = " · ".join(f"[{_deck_title(d)}](slides/{d.name})" for d in used_by)
            handouts = [f"[notebook](handouts/notebooks/{name}.pdf)"] + [
                f"[{_deck_title(d).lower()}](handouts/slides/{d.stem}.pdf)" for d in used_by]
            student = (f'<a href="student/{name}.ipynb" download>download</a> · '
                       f'<a href="student/colab/{name}.html">Colab</a>')
            rows.append(f"| {week} | {topic} | [{_title(nb)}](notebooks/{nb.name}) | {student} "
                        f"| {deck_links or '—'} | {' · '.join(handouts)} |")
            topic = ""  # once per week
    bank = sorted((root / "exam").glob("*.ipynb"))
    if bank:  # the exam question bank (issue 41): its practice set comes with the review week
        from .course_config import practice_week

        units = [(nb, (re.search(r"Unit (\w+)", _title(nb)) or re.search(r"(.+)", nb.stem))
                  .group(1)) for nb in bank]
        pages = " · ".join(f"[{u}](exam/{nb.name})" for nb, u in units)
        downloads = " · ".join(f'<a href="student/{nb.name}" download>{u}</a>'
                               for nb, u in units)
        rows.append(f"| {practice_week()} | exam practice | [question bank](exam/index.qmd): "
                    f"units {pages} | practice set: {downloads} | | |")
    return "\n".join(rows)
