"""The exam question bank (exam/, issue 41) and the week 14 review (static, a few seconds).

- at least five questions for every teaching week (1-13), with at least one computational;
- every question has its answer in the instructor edition (a model answer with grading notes,
  or a graded exercise in the format of GRADING.md whose tests add up to the heading's
  points) and none in the student edition (the practice set) or on its public page;
- the bank follows the editions' rules and the notebook standards of notebooks/;
- `make test` runs the bank (execute.default_paths), and the release of week 14 — not 13 —
  carries the practice set, never its answers;
- the review notebook and deck read only numbers that the committed seed sweep holds.

The planted wrong answers and the untouched stubs run in the nbval kernel of each notebook
(`make test`: mlpc_course.nbval_editions), not here.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest

from mlpc_course import editions, exam, execute, release

ROOT = Path(__file__).resolve().parents[1]
BANK = exam.notebooks(ROOT)
QUESTIONS = exam.bank(ROOT)
REVIEW = ROOT / "notebooks" / "week14_review.ipynb"


def test_the_bank_has_one_notebook_per_unit():
    assert [p.stem.split("_")[1] for p in BANK] == [f"unit{i}" for i in range(1, 6)]


def test_at_least_five_questions_per_teaching_week():
    weeks = exam.per_week(QUESTIONS)
    assert sorted(weeks) == list(range(1, 14)), f"weeks with questions: {sorted(weeks)}"
    for week, row in weeks.items():
        assert row["conceptual"] + row["computational"] >= 5, (week, row)
        assert row["computational"] >= 1, f"week {week} has no computational question"


def test_question_numbers_follow_their_weeks():
    numbers = [q.number for q in QUESTIONS]
    assert len(numbers) == len(set(numbers)), "question numbers repeat"
    for q in QUESTIONS:
        assert q.number.split(".")[0] == str(q.week), f"Q{q.number} is filed under week {q.week}"
        assert q.title, f"Q{q.number}: give the question a bold title"


@pytest.mark.parametrize("path", BANK, ids=lambda p: p.stem)
def test_every_question_has_its_answer_in_the_instructor_edition(path):
    nb = nbformat.read(path, as_version=4)
    plan = editions.analyse(nb, path.stem)
    graded = {e.label: e for e in plan.graded}
    for q in exam.questions(nb, path.stem):
        assert q.answers, f"Q{q.number} has no cell tagged `solution`"
        texts = [nb.cells[i].source for i in q.answers if nb.cells[i].cell_type == "markdown"]
        codes = [i for i in q.answers if nb.cells[i].cell_type == "code"]
        if q.kind == "conceptual":
            assert not codes and len(texts) == 1, f"Q{q.number}: one written model answer"
            assert texts[0].startswith("**Model answer.** ")
            m = re.search(r"\*\*Grading \((\d+) points\)\.\*\* (.+)", texts[0], re.S)
            assert m and int(m.group(1)) == q.points, f"Q{q.number}: grading notes and points"
            # the notes say what earns each point and add up to the question's points
            assert sum(map(int, re.findall(r"(?:^|; )(\d+) —", m.group(2)))) == q.points, \
                f"Q{q.number}: the grading notes' points do not add up to {q.points}"
        else:
            assert len(codes) == 1, f"Q{q.number}: one solution code cell"
            ex = graded.get(q.label)
            assert ex is not None and ex.solution == codes[0], \
                f"Q{q.number}: its solution starts with '# {q.label}: ...' and has tests"
            assert ex.public_points > 0 and ex.hidden_points > 0, \
                f"Q{q.number}: public and hidden tests"
            assert ex.points == q.points, \
                f"Q{q.number}: the heading says {q.points} points, the tests give {ex.points:g}"
            assert len(ex.wrong) >= 2, f"Q{q.number}: at least two planted wrong answers"


@pytest.mark.parametrize("path", BANK, ids=lambda p: p.stem)
def test_the_practice_set_carries_no_answer(path, monkeypatch):
    monkeypatch.setenv("MLPC_REPO_URL", "https://github.com/someone/mlpc-public")
    src = nbformat.read(path, as_version=4)
    assert editions.validate(src, name=path.stem) == []
    student = editions.student_edition(src, path.stem)
    assert editions.validate(src, student, path.stem) == []
    needles = release.secrets({path.stem: src}, solutions_to=99)
    assert needles, "the search needs the answers' lines"
    for edition in (student, release.public_page(src, path.stem)):
        assert not any(set(c.metadata.get("tags", [])) & {"solution", "hidden", "wrong"}
                       for c in edition.cells)
        text = release._norm("\n".join(c.source for c in edition.cells))
        assert [n for n in needles if n in text] == []
        # every question is there, with a place for its answer
        assert [q.number for q in exam.questions(edition, path.stem)] == \
            [q.number for q in exam.questions(src, path.stem)]
    assert "Your answer" in "\n".join(c.source for c in student.cells)
    assert len(editions.stubs(student)) == sum(q.kind == "computational"
                                               for q in exam.questions(src))


@pytest.mark.parametrize("path", BANK, ids=lambda p: p.stem)
def test_the_bank_meets_the_notebook_standards(path):
    from test_figures_a11y import alt_problems, cmap_problems
    from test_notebook_standards import problems
    from test_repository import KNOWN_TAGS

    data = json.loads(path.read_text())
    assert problems(path) == []
    assert alt_problems(data["cells"]) == []
    for cell in data["cells"]:
        assert set(cell.get("metadata", {}).get("tags", [])) <= KNOWN_TAGS
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
            assert cmap_problems("".join(cell["source"])) == []
    code = "\n".join("".join(c["source"]) for c in data["cells"] if c["cell_type"] == "code")
    assert f'runtime.start("{path.stem}")' in code


def test_make_test_and_make_execute_run_the_bank():
    assert ROOT / "exam" in execute.default_paths(ROOT)
    assert execute.resolve([BANK[0].stem], ROOT) == [BANK[0]]


def test_the_bank_page_counts_every_week():
    table = exam.bank_markdown(ROOT)
    weeks = [int(w) for w in re.findall(r"^\| (\d+) \|", table, re.M)]
    assert weeks == list(range(1, 14))
    total = re.search(r"\*\*all\*\* \| \| \*\*(\d+)\*\* \| \*\*(\d+)\*\*", table)
    assert total and int(total.group(1)) + int(total.group(2)) == len(QUESTIONS)
    page = (ROOT / "exam" / "index.qmd").read_text()
    assert "{{< include ../_generated/exam.md >}}" in page
    cfg = (ROOT / "_quarto.yml").read_text()
    assert "exam/*.ipynb" in cfg and "exam/index.qmd" in cfg


def test_the_practice_set_comes_with_week_14_and_never_its_answers(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_REPO_URL", "https://github.com/someone/mlpc-public")
    assert release.practice_week() == 14
    stems = [p.stem for p in editions.source_notebooks(ROOT)]
    bank = [p.stem for p in BANK]
    for week, solutions in ((13, 12), (13, 13), (14, 13), (14, 14)):
        students, answers, practice = release.selection(stems, week, solutions, ROOT)
        assert practice == (bank if week >= 14 else []), (week, solutions)
        assert set(practice) <= set(students) and not set(bank) & set(answers)
        assert ("week14_review" in answers) == (solutions >= 14)
    rel = release.build_release(14, 14, "t14", tmp_path / "w14", ROOT)
    assert rel.practice == [p.stem for p in BANK]
    assert sorted(p.stem for p in (rel.public / "student").glob("exam_*.ipynb")) == \
        rel.practice
    assert not list((rel.public / "solutions").glob("exam_*"))  # answers stay private
    assert (rel.public / "solutions" / "week13_explainability.ipynb").exists()
    manifest = json.loads((rel.public / "release.json").read_text())
    assert manifest["exam_practice"] == rel.practice
    assert "exam practice: no solutions released" in (rel.public / "README.md").read_text()
    # build_release searched the tree for the bank's answers and found none; dropping the
    # instructor's notebook in is found
    sources = {p.stem: nbformat.read(p, 4) for p in BANK}
    needles = release.secrets(sources, 14)
    (rel.public / "student" / "leak.ipynb").write_text(BANK[0].read_text())
    assert release.find_leaks(rel.public, needles, only=["student"])


def test_public_pages_of_the_bank(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for week, placeholder in ((13, True), (14, False)):
        rel = release.Release(week, week - 1, "t", tmp_path / "public")
        release.public_pages(pages, rel, ROOT, tmp_path / "no-executed-copies")
        for path in BANK:
            text = (pages / path.name).read_text()
            assert ("not released yet" in text) == placeholder, (week, path.name)
            needles = release.secrets({path.stem: nbformat.read(path, 4)}, 99)
            flat = release._norm("\n".join(
                c.source for c in nbformat.read(pages / path.name, 4).cells))
            assert [n for n in needles if n in flat] == []


def _sweep_keys():
    with (ROOT / "results" / "seeds" / "summary.csv").open(newline="") as fh:
        return {r["key"] for r in csv.DictReader(fh)}


def test_the_review_reads_only_numbers_of_the_committed_sweep():
    keys = _sweep_keys()
    code = "\n".join("".join(c["source"]) for c in json.loads(REVIEW.read_text())["cells"]
                     if c["cell_type"] == "code")
    used = set(re.findall(r"""["'](w\d\d\.[\w.]+)["']""", code))
    assert len(used) >= 25 and used <= keys, f"not in the sweep: {sorted(used - keys)}"
    deck = (ROOT / "slides" / "week14_review.qmd").read_text()
    shown = set(re.findall(r"\{\{< metric (\S+) stat=(?:median|range)", deck))
    assert len(shown) >= 25 and shown <= keys, f"not in the sweep: {sorted(shown - keys)}"
    assert not re.search(r"\{\{< metric \S+ (?!stat=)", deck), "the deck shows sweep numbers"
    # the notebook names the sweep it reads (its date and commit are printed, not typed)
    assert "report.sweep_info()" in code and "results/seeds/summary.csv" in \
        REVIEW.read_text()


def test_week_14_is_published_everywhere():
    for f in ("_quarto.yml", "_quarto-handout.yml", "syllabus.qmd"):
        assert "week14_review" in (ROOT / f).read_text(), f
    syllabus = (ROOT / "syllabus.qmd").read_text()
    week14 = syllabus.split("### Week 14")[1].split("\n## ")[0]
    assert "notebooks/week14_review.ipynb" in week14 and "exam/index.qmd" in week14
