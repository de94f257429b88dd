"""Graded exercises (issue 36): the format's rules, the tests' runtime, the CI items inside the
nbval kernel, `make grade` and `make release`.

The fixture `tests/fixtures/graded_exercises.json` (stored as .json so nbval does not collect
it) is a source notebook with two graded exercises in the format of GRADING.md: 3 and 2 points,
public and hidden tests, two planted wrong answers each. Kernels start only where a test says
so (the nbval plugin run, the grading run, the render).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlpc_course import editions, grading, release
from mlpc_helpers import exercise

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "graded_exercises.json"
NAME = "week01_graded"
SOLUTION_LINES = ["sd_x = float(np.std(x))", "z = (x - x.mean()) / sd_x",
                  "cv_groups = LeaveOneGroupOut()"]
ANSWER_TEXT = "The SD is close to the 2.0 the data were drawn with"
HIDDEN_LINES = ["assert_close(sd_x, ref.sd_x, rtol=1e-9", "assert n_folds == ref.n_folds"]
WRONG_LINES = ["sd_x = float(np.var(x))", "cv_groups = KFold(8, shuffle=True, random_state=0)"]


def source():
    return nbformat.read(FIXTURE, as_version=4)


def cell_by_id(nb, cid):
    return next(c for c in nb.cells if c.get("id") == cid)


def run_cells(nb, skip=("wrong",)):
    """Execute the fixture's code cells in a dict (no kernel), as nbval would."""
    ns: dict = {}
    for c in nb.cells:
        if c.cell_type == "code" and not set(c.metadata.get("tags", [])) & set(skip):
            exec(compile(c.source, "<cell>", "exec"), ns)
    return ns


# --- the format: static rules ------------------------------------------------------------

def test_the_fixture_follows_the_rules():
    nb = source()
    assert editions.validate(nb, name=NAME) == []
    ex1, ex2 = editions.analyse(nb, NAME).graded
    assert (ex1.label, ex1.public_points, ex1.hidden_points, len(ex1.wrong)) == \
        ("Exercise 1", 1, 2, 2)
    assert (ex2.label, ex2.points, ex2.answer) == ("Exercise 2", 2, ["cv_groups", "n_folds"])


def test_student_edition_has_no_hidden_tests_nor_planted_answers():
    student = editions.student_edition(source(), NAME, release="2026-w01")
    text = "\n".join(c.source for c in student.cells)
    for line in SOLUTION_LINES + HIDDEN_LINES + WRONG_LINES + [ANSWER_TEXT]:
        assert line not in text
    check = cell_by_id(student, "ex1-check").source
    assert check.splitlines()[0] == \
        "%%exercise_check --needs z --hidden-points 2 'Exercise 1'"
    assert student.metadata["mlpc_notebook"] == NAME
    assert "--branch 2026-w01" in text  # the setup cell clones the release's tag
    assert editions.validate(source(), student, NAME) == []


def test_solutions_edition_keeps_the_answers_but_not_the_grading_cells():
    sol = editions.solutions_edition(source(), NAME, release="2026-w01")
    text = "\n".join(c.source for c in sol.cells)
    assert all(line in text for line in SOLUTION_LINES) and ANSWER_TEXT in text
    assert not any(line in text for line in HIDDEN_LINES + WRONG_LINES)
    assert sol.metadata["mlpc_edition"] == "solutions"


def _mutate(cid, new=None, tags=None, drop=False):
    nb = source()
    if drop:
        nb.cells = [c for c in nb.cells if c.get("id") != cid]
        return nb
    cell = cell_by_id(nb, cid)
    if new is not None:
        cell.source = new
    if tags is not None:
        cell.metadata["tags"] = tags
    return nb


@pytest.mark.parametrize(("nb", "message"), [
    (_mutate("ex1-check", "@points(1)\ndef t(x):\n    assert x.size, 'no x'\n    return 'ok'"),
     "takes none of the names the solution"),
    (_mutate("ex1-check", "@points(1)\ndef t(z, ref):\n    assert z is not None, 'no z'"),
     "only `hidden` tests may take `ref`"),
    (_mutate("ex1-check", "@points(1)\ndef t(z):\n    assert z is not None"),
     "needs a message"),
    (_mutate("ex1-check", "print('hi')\n@points(1)\ndef t(z):\n    assert z is not None, 'z'"),
     "holds only imports and test functions"),
    (_mutate("ex1-wrong-var", tags=["wrong"]), "also needs the tag `nbval-skip`"),
    (_mutate("ex1-wrong-var", drop=True), "1 planted wrong answer(s)"),
    (_mutate("later", "points = 3\nprint(x.sum())"), "re-binds `points`"),
    (_mutate("later", "print(z_is_standardised)"), "which only the answer"),
    (_mutate("ex1-hidden", tags=["hidden", "check"]), "a cell has one of the tags"),
    (_mutate("ex2-solution", "# Exercise 2: folds.\ncv_groups = LeaveOneGroupOut()\n"
             "n_folds = cv_groups.get_n_splits(z, groups=groups)"), "reads `z`, which only"),
])
def test_broken_rules_are_named(nb, message):
    problems = editions.validate(nb, name=NAME)
    assert any(message in p for p in problems), problems


# --- the tests' runtime (no kernel) ------------------------------------------------------

def test_points_runs_the_test_at_once_in_the_instructor_edition(capsys):
    ns = {"points": exercise.points, "a": 1}
    exec("@points(1)\ndef a_is_one(a):\n    assert a == 1, f'a is {a}'\n    return 'a is one'", ns)
    assert capsys.readouterr().out.strip() == "✓ a is one"
    ns["a"] = 2
    with pytest.raises(exercise.ExerciseTestFailed, match="a_is_one: a is 2"):
        exec("@points(1)\ndef a_is_one(a):\n    assert a == 1, f'a is {a}'", ns)
    with pytest.raises(ValueError, match="positive number"):
        exercise.points(0)


def test_assert_close_states_the_tolerance_not_the_solution():
    exercise.assert_close(0.731, 0.735, atol=0.005)
    with pytest.raises(AssertionError) as err:
        exercise.assert_close(0.5, 0.73519, atol=0.01, what="the accuracy")
    assert "the accuracy differs from the solution's value" in str(err.value)
    assert "±0.01" in str(err.value) and "0.735" not in str(err.value)
    with pytest.raises(AssertionError, match=r"should have shape \(3,\)"):
        exercise.assert_close([1, 2], [1, 2, 3], rtol=1e-6)
    with pytest.raises(AssertionError, match="should be a number"):
        exercise.assert_close("high", 1.0, atol=1)


def test_the_student_check_waits_then_reports_every_public_test(capsys):
    nb = source()
    ns = run_cells(nb)
    check = cell_by_id(nb, "ex1-check").source
    answer = ns.pop("z")
    exercise.run_check(check, "Exercise 1", ["z"], ns, hidden_points=2)
    assert "Exercise 1: not done yet" in capsys.readouterr().out
    ns["z"] = ns["x"] - ns["x"].mean()  # centred, not scaled
    with pytest.raises(exercise.ExerciseTestFailed, match="1 of 1 public tests failed"):
        exercise.run_check(check, "Exercise 1", ["z"], ns, hidden_points=2)
    out = capsys.readouterr().out
    assert "✗ `z` has mean" in out and "divide by the SD" in out
    ns["z"] = answer
    exercise.run_check(check, "Exercise 1", ["z"], ns, hidden_points=2)
    out = capsys.readouterr().out
    assert "✓ `z` has mean 0 and SD 1 over its 200 values" in out
    assert "Exercise 1: 1 of 1 public tests pass (1 point); 2 points more from hidden " \
        "tests at grading." in out


def test_the_magic_line_of_a_student_check():
    line = editions.check_magic_line("Exercise 2: split by group", ["cv_groups", "n"], 3)
    assert line == "%%exercise_check --needs cv_groups,n --hidden-points 3 'Exercise 2'"
    assert exercise.parse_magic_line(line.split(" ", 1)[1]) == (["cv_groups", "n"], 3.0,
                                                                "Exercise 2")
    assert exercise.parse_magic_line("--needs m 'Exercise 1'") == (["m"], 0.0, "Exercise 1")


@pytest.mark.filterwarnings("ignore:The groups parameter is ignored by KFold")
def test_untouched_stubs_score_zero_and_planted_answers_lose_points(capsys):
    nb = source()
    ns = run_cells(nb)
    solution_z = ns["z"]
    for ex in editions.analyse(nb, NAME).graded:
        sources = ex.test_sources(nb)
        exercise.untouched_stub(ex.label, sources, ex.answer, ns)
        for i in ex.wrong:
            code = nb.cells[i].source
            binds = sorted(editions.cell_flow(code).binds)
            results = exercise.planted_wrong_answer(ex.label, "w", code, sources, ex.answer,
                                                    binds, ns)
            assert 0 < sum(not r.passed for r in results) < len(results)
    assert ns["z"] is solution_z  # the solution's names are back
    out = capsys.readouterr().out
    assert "caught by sd_is_the_standard_deviation [hidden]: loses 2 of 3 points" in out
    assert "caught by no_group_on_both_sides [public]: loses 1 of 2 points" in out
    ex1 = editions.analyse(nb, NAME).graded[0]
    with pytest.raises(exercise.ExerciseTestFailed, match="passes every test"):
        exercise.planted_wrong_answer(ex1.label, "the solution itself",
                                      nb.cells[ex1.solution].source, ex1.test_sources(nb),
                                      ex1.answer, ex1.answer, ns)


def test_reference_and_grade_write_the_results(tmp_path, capsys):
    nb = source()
    ns = run_cells(nb, skip=("wrong", "solution", "check", "hidden"))
    ex1 = editions.analyse(nb, NAME).graded[0]
    exercise.reference(ex1.label, nb.cells[ex1.solution].source, ex1.answer, ns)
    assert "sd_x" not in ns and "z" not in ns  # the student never gets the solution's names
    exec(nb.cells[ex1.wrong[0]].source, ns)  # the variance as the SD
    out = tmp_path / "results.jsonl"
    results = exercise.grade(ex1.label, ex1.test_sources(nb), ns, str(out), NAME)
    assert [r.passed for r in results] == [True, False]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["name"], r["hidden"], r["passed"]) for r in rows] == [
        ("z_is_standardised", False, True), ("sd_is_the_standard_deviation", True, False)]
    assert "Exercise 1: 1 of 3 points" in capsys.readouterr().out


# --- CI: the plugin inside the nbval kernel ---------------------------------------------

def test_nbval_plugin_runs_untouched_stubs_and_planted_answers(tmp_path):
    """Each planted answer and each untouched stub is a test item in the source's kernel; a
    planted answer that passes every test fails its item (here: the second of Exercise 2
    replaced by the solution). One notebook, one kernel."""
    nb = source()
    cell_by_id(nb, "ex2-wrong-groupkfold").source = (
        "# Wrong: not wrong at all (the solution).\ncv_groups = LeaveOneGroupOut()\n"
        "n_folds = cv_groups.get_n_splits(x, groups=groups)")
    path = tmp_path / "week01_graded.ipynb"
    nbformat.write(nb, path)
    env = {**os.environ, "MLPC_METRICS_DIR": str(tmp_path / "metrics"), "MPLBACKEND": "Agg",
           "PYTHONWARNINGS": "ignore"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "mlpc_course.nbval_editions", "--nbval-lax",
         "-v", "-p", "no:cacheprovider", str(path)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    out = run.stdout
    for item in ("Cell 4 untouched stub of Exercise 1 scores 0",
                 "Cell 4 planted wrong answer: the variance stored as the SD",
                 "Cell 5 planted wrong answer: `x` centred but not scaled",
                 "Cell 9 untouched stub of Exercise 2 scores 0",
                 "Cell 9 planted wrong answer: a shuffled K-fold instead of leave-one-group-out"):
        assert re.search(rf"week01_graded.ipynb::{re.escape(item)} PASSED", out), out
    assert re.search(r"week01_graded.ipynb::Cell 10 planted wrong answer: not wrong at all "
                     r"\(the solution\) FAILED", out), out
    assert "passes every test (2 points): add a test that catches it" in out
    assert re.search(r"1 failed, 17 passed, 4 skipped", out), out


# --- grading -------------------------------------------------------------------------------

def _course(tmp_path, names=(NAME,), url="https://github.com/someone/mlpc-public"):
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "mlpc_helpers").mkdir()
    (root / "mlpc_helpers" / "__init__.py").write_text('"""stub package of the fixture"""\n')
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n")
    (root / "_variables.yml").write_text(f"repo-url: {url}\n")
    for name in names:
        nbformat.write(source(), root / "notebooks" / f"{name}.ipynb")
    return root


def _with_code(student, src, pick):
    """A student edition whose stubs hold code of the source: pick(exercise) -> cell index."""
    nb = nbformat.from_dict(student)
    for ex in editions.analyse(src, NAME).graded:
        cell_by_id(nb, src.cells[ex.solution].id).source = src.cells[pick(ex)].source
    return nb


def test_submissions_are_found_by_folder_file_name_or_metadata(tmp_path):
    root = _course(tmp_path)
    subs = tmp_path / "subs"
    (subs / "dana").mkdir(parents=True)
    student = editions.student_edition(source(), NAME, root=root)
    nbformat.write(student, subs / "dana" / "anything.ipynb")  # folder = student, metadata
    nbformat.write(source(), subs / f"erik_{NAME}.ipynb")  # file name
    (subs / "nobody.ipynb").write_text("{}")
    found = {s.student: s.notebook for s in grading.find_submissions(subs, root)}
    assert found == {"dana": NAME, "erik": NAME, "nobody": None}
    with pytest.raises(grading.GradingError, match="no such folder"):
        grading.find_submissions(tmp_path / "missing", root)


def test_make_grade_gives_full_zero_and_partial_marks(tmp_path, monkeypatch):
    """`mlpc grade` (what `make grade SUBMISSIONS=...` runs) on a solution, an untouched
    student edition and one with planted wrong answers: 5, 0 and 2 of 5 points."""
    root = _course(tmp_path)
    monkeypatch.setenv("MLPC_ROOT", str(root))
    src = source()
    student = editions.student_edition(src, NAME, root=root)
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(_with_code(student, src, lambda ex: ex.solution),
                   subs / f"ada_{NAME}.ipynb")
    nbformat.write(student, subs / f"bob_{NAME}.ipynb")
    nbformat.write(_with_code(student, src, lambda ex: ex.wrong[0]),
                   subs / f"carol_{NAME}.ipynb")
    from mlpc_course import cli

    t0 = time.perf_counter()
    assert cli.main(["grade", str(subs), "--out", str(tmp_path / "grades"),
                     "--workers", "2"]) == 0
    seconds = time.perf_counter() - t0
    with (tmp_path / "grades" / "grades.csv").open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    marks = {s: (r[f"{NAME}:Exercise 1"], r[f"{NAME}:Exercise 2"], r["total"], r["max"])
             for s, r in rows.items()}
    assert marks == {"ada": ("3", "2", "5", "5"), "bob": ("0", "0", "0", "5"),
                     "carol": ("1", "1", "2", "5")}, marks
    feedback = (tmp_path / "grades" / "feedback" / "carol.md").read_text()
    assert "### Exercise 1 — 1 of 3 points" in feedback
    assert "✗ `sd_x` differs from the solution's value by more than the tolerance" in feedback
    assert "✗ in 8 of 8 folds a group is on both sides: split by group" in feedback
    long = (tmp_path / "grades" / "grades_long.csv").read_text()
    assert long.count("\n") == 1 + 3 * 4  # header + 3 students x 4 tests
    print(f"graded 3 submissions in {seconds:.1f} s")


# --- release -------------------------------------------------------------------------------

def test_release_builds_the_public_tree_pinned_to_the_tag(tmp_path, monkeypatch):
    monkeypatch.delenv("MLPC_REPO_URL", raising=False)
    root = _course(tmp_path, names=("week01_graded", "week02_graded", "week03_graded"))
    for name in ("LICENSE", "LICENSE-CONTENT.md", "results/seeds/summary.csv"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    rel = release.build_release(2, 1, "2026-w02", tmp_path / "out", root)
    public = rel.public
    # both licences and the seed-sweep snapshot the notebooks' seed ranges read
    for name in ("LICENSE", "LICENSE-CONTENT.md", "results/seeds/summary.csv"):
        assert (public / name).is_file(), name
    assert sorted(p.name for p in (public / "student").glob("*.ipynb")) == [
        "week01_graded.ipynb", "week02_graded.ipynb"]
    assert sorted(p.name for p in (public / "solutions").glob("*.ipynb")) == [
        "week01_graded.ipynb"]
    assert not (public / "notebooks").exists() and (public / "pyproject.toml").exists()
    week2 = (public / "student" / "week02_graded.ipynb").read_text()
    assert "--branch 2026-w02" in week2
    assert "someone/mlpc-public/blob/2026-w02/student/week02_graded.ipynb" in \
        (public / "student" / "colab" / "week02_graded.html").read_text()
    manifest = json.loads((public / "release.json").read_text())
    assert (manifest["week"], manifest["solutions"], manifest["tag"]) == (2, 1, "2026-w02")
    # the leak search: nothing now; the instructor's notebook dropped in is found
    sources = {p.stem: nbformat.read(p, 4) for p in (root / "notebooks").glob("*.ipynb")}
    needles = release.secrets(sources, 1)
    assert release.find_leaks(public, needles, only=release.RELEASED) == []
    shutil.copy(root / "notebooks" / "week02_graded.ipynb", public / "student" / "leak.ipynb")
    leaks = release.find_leaks(public, needles, only=release.RELEASED)
    assert any(x.startswith("student/leak.ipynb: ") for x in leaks), leaks


def test_lines_of_public_notebooks_are_no_secrets():
    """A solution line that the mini-project starters (public as a whole) also hold is no
    leak: `cv = GroupKFold(n_splits=5)` is in both."""
    src = source()
    sol = next(c for c in src.cells if "solution" in c.metadata.get("tags", []))
    line = next(ln for ln in sol.source.splitlines()
                if len(ln) >= release.MIN_NEEDLE and not ln.startswith("#"))
    assert release._norm(line) in release.secrets({NAME: src}, solutions_to=-1)
    starter = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(line)])
    assert release._norm(line) not in release.secrets({NAME: src}, solutions_to=-1,
                                                      public_sources=[starter])


@pytest.mark.parametrize(("args", "message"), [
    ((2, 3, "t"), "SOLUTIONS=3 > WEEK=2"),
    ((-1, -1, "t"), "nothing to release"),
    ((2, 1, "bad tag!"), "give the tag"),
])
def test_release_refuses_bad_arguments(tmp_path, args, message):
    root = _course(tmp_path)
    with pytest.raises(release.ReleaseError, match=re.escape(message)):
        release.build_release(*args, out=tmp_path / "out", root=root)


def test_release_needs_the_public_repository_url(tmp_path, monkeypatch):
    monkeypatch.delenv("MLPC_REPO_URL", raising=False)
    root = _course(tmp_path, url="https://github.com/OWNER/REPO")
    with pytest.raises(release.ReleaseError, match="repo-url"):
        release.build_release(1, 0, "t", tmp_path / "out", root)


def test_release_commits_and_tags_a_clone_of_the_public_repository(tmp_path, monkeypatch):
    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                 "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}.items():
        monkeypatch.setenv(k, v)
    root = _course(tmp_path)
    rel = release.build_release(1, -1, "2026-w01", tmp_path / "out", root)
    clone = tmp_path / "public-clone"
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    push = release.commit_release(rel, clone)
    tags = subprocess.run(["git", "-C", str(clone), "tag"], capture_output=True, text=True)
    assert tags.stdout.split() == ["2026-w01"] and push[-3:] == ["--follow-tags", "origin",
                                                                  "HEAD"]
    assert (clone / "student" / f"{NAME}.ipynb").exists()


def test_release_weeks_come_from_the_course_schedule():
    import datetime as dt

    from mlpc_course import course_config

    at = dt.datetime(2026, 5, 20, 12, 0)
    n, m = course_config.load().released(at)
    assert release.resolve_weeks(None, None, at) == (n, m, "course.yml")
    assert release.resolve_weeks(4, 2, at) == (4, 2, "given")


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_public_page_of_every_notebook_has_no_answer(nb):
    """Static, every course notebook: the student-mode page (what the public site renders)
    holds no line of a solution cell, of a written answer, of a hidden test or planted answer."""
    src = nbformat.read(nb, as_version=4)
    page = release.public_page(src, nb.stem)
    needles = release.secrets({nb.stem: src}, solutions_to=-1)
    text = release._norm("\n".join(c.source for c in page.cells))
    assert [n for n in needles if n in text] == []


def _quarto():
    exe = os.environ.get("QUARTO") or str(ROOT / ".quarto-cli" / "bin" / "quarto")
    return exe if Path(exe).exists() else shutil.which("quarto")


@pytest.mark.skipif(not _quarto(), reason="Quarto is not installed (make quarto)")
def test_student_mode_render_carries_no_answers(tmp_path):
    """One page rendered by Quarto as the public site and handout do (HTML and Typst PDF),
    from the fixture with the outputs of an executed copy (check cells print ✓ lines): no solution code, answer text, check
    output, hidden test or planted answer in either. The instructor's page, rendered the same
    way, holds them (the search works)."""
    ns = run_cells(source())  # the outputs an executed copy carries (no kernel needed)
    executed = nbformat.from_dict(source())
    executed.cells = [c for c in executed.cells if "wrong" not in c.metadata.get("tags", [])]
    outputs = {"ex1-solution": f"SD of x: {ns['sd_x']:.3f}\n",
               "ex1-check": "✓ `z` has mean 0 and SD 1 over its 200 values\n",
               "ex1-hidden": "✓ `sd_x` is the standard deviation of `x`\n"}
    for cid, text in outputs.items():
        cell_by_id(executed, cid).outputs = [nbformat.v4.new_output("stream", text=text)]
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "_quarto.yml").write_text("project:\n  type: default\n")
    nbformat.write(release.public_page(executed, NAME), proj / "student.ipynb")
    nbformat.write(executed, proj / "instructor.ipynb")
    t0 = time.perf_counter()
    for fmt in ("html", "typst"):
        run = subprocess.run([_quarto(), "render", "student.ipynb", "instructor.ipynb",
                              "--to", fmt], cwd=proj, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
    seconds = time.perf_counter() - t0
    needles = release.secrets({NAME: source()}, solutions_to=-1)
    needles[release._norm("has mean 0 and SD 1 over its 200 values")] = "check output"
    out = {p.name: p for p in proj.iterdir() if p.suffix in (".html", ".pdf")}
    assert set(out) == {"student.html", "student.pdf", "instructor.html", "instructor.pdf"}
    for name in ("student.html", "student.pdf"):
        single = tmp_path / name
        single.mkdir()
        shutil.copy(out[name], single)
        assert release.find_leaks(single, needles) == [], name
    for name in ("instructor.html", "instructor.pdf"):
        single = tmp_path / f"i-{name}"
        single.mkdir()
        shutil.copy(out[name], single)
        found = release.find_leaks(single, needles)
        assert any("check output" in x for x in found) and \
            any(release._norm(SOLUTION_LINES[1]) in x for x in found), (name, found)
    print(f"rendered 2 pages to HTML and Typst PDF in {seconds:.1f} s")


def test_makefile_has_the_grade_and_release_targets():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^grade:.*\n(\t.*\n)*\t.*mlpc_course\.cli grade", makefile, re.M)
    assert re.search(r"^release:.*\n(\t.*\n)*\t.*mlpc_course\.cli release", makefile, re.M)


@pytest.mark.after_notebooks
@pytest.mark.skipif(not _quarto(), reason="Quarto is not installed (make quarto)")
def test_student_mode_site_of_the_course_carries_no_answers(tmp_path, monkeypatch):
    """The course itself, from the executed copies of this `make test` run: the public site of
    a release of weeks <= 3 (solutions <= 2) is staged (every notebook page in student mode,
    later weeks and decks as placeholders), the staged sources and one rendered page (week 3,
    student mode) are searched for solution code and answer text (build_release does it and
    raises on a hit)."""
    executed = Path(os.environ.get("MLPC_EXECUTED_DIR", ROOT / "build" / "executed"))
    page = "notebooks/week03_leakage.ipynb"
    if not (executed / Path(page).name).exists():
        pytest.skip("no executed copies in build/executed (make test or make execute)")
    monkeypatch.setenv("MLPC_REPO_URL", "https://github.com/someone/mlpc-public")
    t0 = time.perf_counter()
    rel = release.build_release(3, 2, "ci", tmp_path, ROOT, site=True, executed=executed,
                                only=[page], handouts=False)
    seconds = time.perf_counter() - t0
    html = (rel.site / "notebooks" / "week03_leakage.html").read_text()
    assert "NotImplementedError" in html  # the stubs are there, the answers are not
    staged = (tmp_path / "stage" / "render" / "notebooks" / "week05_hyperspectral.ipynb")
    assert "not released yet" in staged.read_text()
    print(f"staged the public site and rendered {page} in {seconds:.0f} s")
