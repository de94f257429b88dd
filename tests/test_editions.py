"""Student and instructor editions (mlpc_course.editions): stubs, checks, validation, links.

Fixture notebooks are built in tmp_path; the last tests apply the same checks to every notebook
in notebooks/ (static, under a second in total) and run the nbval plugin on a fixture.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlpc_course import editions, site
from mlpc_helpers import exercise

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TASK = "# Exercise 1: compute the mean of `x` and store it in `m`."


def _cell(kind, src, *tags):
    c = new_code_cell(src) if kind == "code" else new_markdown_cell(src)
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def _nb(*cells):
    return new_notebook(cells=list(cells), metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})


def fixture_nb(later="y = x * 2\nprint(y.sum())"):
    """A small source notebook with one exercise, a written answer and a check."""
    return _nb(
        _cell("markdown", "# Fixture\nA notebook with one exercise."),
        _cell("code", "import numpy as np\nfrom mlpc_helpers import runtime\n"
                      "ctx = runtime.start('fixture')\nx = np.arange(10)"),
        _cell("markdown", "**Exercise 1.** The mean of `x`."),
        _cell("code", f"#| label: fig-fixture\n{TASK}\n# Hint: np.mean.\nm = np.mean(x)\nprint(m)",
              "solution"),
        _cell("markdown", "The mean is 4.5.", "solution"),
        _cell("code", "assert abs(m - 4.5) < 1e-12\nm", "check"),
        _cell("code", later),
    )


# --- stubs and the student edition ---------------------------------------------------------

def test_stub_keeps_the_task_and_raises():
    src = f"#| label: fig-a\n\n{TASK}\n# Hint: np.mean.\nm = 1"
    assert editions.task_lines(src) == [TASK, "# Hint: np.mean."]
    assert editions.exercise_title(src) == TASK[2:]
    stub = editions.stub_source(src)
    assert stub.startswith(TASK + "\n# Hint: np.mean.\n") and "m = 1" not in stub
    with pytest.raises(NotImplementedError, match=r"^Exercise 1: compute the mean"):
        exec(stub, {})
    assert editions.stub_message("plot the map") == "Exercise: plot the map"
    with pytest.raises(editions.EditionError, match="comment"):
        editions.stub_source("m = 1")


def test_student_edition_of_the_fixture():
    src = fixture_nb()
    out = editions.student_edition(src, "fixture")
    nbformat.validate(out)
    texts = [c.source for c in out.cells]
    assert texts[0].startswith("# Fixture") and "Student edition" in texts[1]
    assert "`notebooks/fixture.ipynb`" in texts[1]
    assert not any("The mean is 4.5" in t or "np.mean(x)" in t for t in texts)  # answers gone
    (i, stub), = editions.stubs(out)
    assert set(out.cells[i].metadata.tags) == {"exercise", "raises-exception"}
    assert out.cells[i - 1].source == "**Exercise 1.** The mean of `x`."  # task text stays
    check = out.cells[i + 1].source
    assert check.splitlines()[0] == "%%exercise_check --needs m 'Exercise 1'"
    assert check.endswith("assert abs(m - 4.5) < 1e-12\nm")
    assert "%load_ext mlpc_helpers.exercise" in texts[3]  # right after the first code cell
    assert texts[-1] == src.cells[-1].source and out.metadata["mlpc_edition"] == "student"
    assert src.cells[3].metadata.tags == ["solution"]  # the source is not changed
    assert editions.validate(src, name="fixture") == []
    assert editions.validate(src, out, "fixture") == []


def test_preprocessor_works_with_nbconvert_exporters():
    from nbconvert import NotebookExporter

    exporter = NotebookExporter()
    exporter.register_preprocessor(editions.StudentEditionPreprocessor(notebook_name="fx"),
                                   enabled=True)
    body, _ = exporter.from_notebook_node(fixture_nb())
    assert "raise NotImplementedError" in body and "np.mean(x)" not in body


# --- the rules for authors -------------------------------------------------------------------

@pytest.mark.parametrize(("later", "message"), [
    ("print(m)", "reads `m`, which only the answer to 'Exercise 1"),
    ("for i in range(3):\n    print(i, m)", "reads `m`"),
    ("def f():\n    return m\nf()", "reads `m`"),
])
def test_later_cells_must_not_need_the_answer(later, message):
    problems = editions.validate(fixture_nb(later), name="fx")
    assert len(problems) == 1 and message in problems[0]
    with pytest.raises(editions.EditionError, match="cannot be built"):
        editions.student_edition(fixture_nb(later), "fx")


@pytest.mark.parametrize("later", [
    "m = 3\nprint(m)",  # binds it first
    "print([m for m in range(3)])",  # a comprehension's own m
    "m2 = globals().get('m', 4.5)",  # the documented fallback
    "%matplotlib inline\nprint(x.mean())",  # magics are parsed
])
def test_later_cells_that_do_not_need_the_answer(later):
    assert editions.validate(fixture_nb(later), name="fx") == []


def test_solution_must_not_change_names_later_cells_read():
    nb = fixture_nb("print(x.sum())")
    nb.cells[3].source = f"{TASK}\nx = x[::2]\nm = x.mean()"  # re-binds x
    assert "re-binds or changes in place" in " ".join(editions.validate(nb, name="fx"))
    nb.cells[3].source = f"{TASK}\nx.sort()\nm = x.mean()"  # changes x in place
    assert "re-binds or changes in place" in " ".join(editions.validate(nb, name="fx"))
    nb.cells[-1].source = "x = np.arange(3)\nprint(x)"  # later cell binds x again: fine
    assert editions.validate(nb, name="fx") == []


def test_authoring_mistakes_are_named():
    nb = fixture_nb()
    nb.cells[3].source = "m = np.mean(x)"
    assert "must begin with comment lines" in editions.validate(nb, name="fx")[0]
    nb.cells[3].source = TASK
    assert "has no code after the task" in editions.validate(nb, name="fx")[0]
    nb = fixture_nb()
    nb.cells.insert(2, _cell("code", "print(x)", "check"))
    assert "must follow a `solution` cell" in editions.validate(nb, name="fx")[0]


def test_every_stub_needs_its_solution():
    src = fixture_nb()
    student = editions.student_edition(src, "fx")
    extra = nbformat.from_dict(student)
    extra.cells.append(_cell("code", "# Exercise 9: made up.\nraise NotImplementedError('x')",
                             "exercise"))
    problems = editions.validate(src, extra, "fx")
    assert any("'Exercise 9: made up.' has no matching solution" in p for p in problems)
    edited = nbformat.from_dict(student)
    i = editions.stubs(edited)[0][0]
    edited.cells[i].source = "# Exercise 1: something else.\nraise NotImplementedError('x')"
    assert any("does not match" in p for p in editions.validate(src, edited, "fx"))
    missing = nbformat.from_dict(student)
    del missing.cells[i]
    assert any("has no stub" in p for p in editions.validate(src, missing, "fx"))
    leaked = nbformat.from_dict(student)
    leaked.cells.append(_cell("code", "m = np.mean(x)", "solution"))
    assert any("still holds a cell tagged `solution`" in p
               for p in editions.validate(src, leaked, "fx"))


def test_cell_flow():
    f = editions.cell_flow("import numpy as np\nfrom a import b as c\nx = np.f(y)\nz += 1\n"
                           "df['a'] = w\nmodel.fit(x)\nq = [k for k in v]\ndef g(p):\n"
                           "    return p + r\n")
    assert f.binds >= {"np", "c", "x", "z", "q", "g"}
    assert f.reads == {"y", "z", "w", "df", "model", "v", "r"}
    assert f.mutates == {"z", "df", "model"}
    assert editions.cell_flow("%%time\nmodel = fit(X)").binds == {"model"}
    assert editions.cell_flow("%%bash\nls -l").binds == set()


# --- the %%exercise_check magic ----------------------------------------------------------------

def test_run_check(capsys):
    ns = {}
    assert exercise.run_check("m + 1", "Exercise 1", ["m"], ns) is None
    assert "Exercise 1: not done yet" in capsys.readouterr().out
    ns["m"] = 4.5
    assert exercise.run_check("k = m * 2\nk + 1", "Exercise 1", ["m"], ns) == 10.0
    assert ns["k"] == 9.0
    assert exercise.run_check("print(undefined_name)", "Exercise 1", [], ns) is None
    assert "NameError" in capsys.readouterr().out
    with pytest.raises(AssertionError):  # a wrong answer is a real error
        exercise.run_check("assert m == 0", "Exercise 1", ["m"], ns)


def test_student_edition_runs_in_a_kernel(tmp_path, monkeypatch):
    """The student edition of the fixture, executed top to bottom with nbclient: the stub's
    NotImplementedError is expected, the check says 'not done yet', the rest runs. Filling the
    stub makes the check run for real."""
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    student = editions.student_edition(fixture_nb(), "fixture")
    i = editions.stubs(student)[0][0]
    filled = nbformat.from_dict(student)
    filled.cells[i].source = "m = x.mean()"
    filled.cells[i].metadata.tags = []
    filled.cells.append(_cell("code", "%%exercise_check --needs m 'Exercise 1'\nassert m == 0"))
    filled.cells[-1].metadata.tags = ["raises-exception"]
    for nb in (student, filled):
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()

    def outputs(nb, k):
        return " ".join(o.get("text", "") + o.get("ename", "") + o.get("evalue", "")
                        + str(o.get("data", {}).get("text/plain", "")) for o in nb.cells[k].outputs)

    assert outputs(student, i).startswith("NotImplementedErrorExercise 1: compute the mean")
    assert "Exercise 1: not done yet" in outputs(student, i + 1)
    assert outputs(student, len(student.cells) - 1).strip() == "90"
    assert "4.5" in outputs(filled, i + 1) and "not done" not in outputs(filled, i + 1)
    assert "AssertionError" in outputs(filled, len(filled.cells) - 1)


# --- writing, Colab pages, site links ------------------------------------------------------

def _repo(tmp_path, url=None):
    (tmp_path / "notebooks").mkdir()
    nbformat.write(fixture_nb(), tmp_path / "notebooks" / "week09_fixture.ipynb")
    cfg = "project:\n  type: website\nwebsite:\n  title: t\n"
    if url:
        cfg += f"  repo-url: {url}\n"
    (tmp_path / "_quarto.yml").write_text(cfg)
    return tmp_path


def test_write_student_editions_and_colab_pages(tmp_path, monkeypatch):
    monkeypatch.delenv("MLPC_REPO_URL", raising=False)
    monkeypatch.delenv("MLPC_STUDENT_BRANCH", raising=False)
    root = _repo(tmp_path, "https://github.com/someone/course")
    written = editions.write_student_editions(root=root)
    assert [p.relative_to(root).as_posix() for p in written] == ["student/week09_fixture.ipynb"]
    page = (root / "student" / "colab" / "week09_fixture.html").read_text()
    assert ("https://colab.research.google.com/github/someone/course/blob/gh-pages/student/"
            "week09_fixture.ipynb") in page
    assert editions.check_written(root=root) == []
    # stale: the source changed after `make student`
    nb = nbformat.read(root / "notebooks" / "week09_fixture.ipynb", 4)
    nb.cells.append(_cell("code", "print(1)"))
    nbformat.write(nb, root / "notebooks" / "week09_fixture.ipynb")
    assert "rebuild it with `make student`" in " ".join(editions.check_written(root=root))
    with pytest.raises(ValueError, match="no notebooks/nope.ipynb"):
        editions.write_student_editions(root=root, names=["nope"])


def test_colab_url_comes_from_one_place(tmp_path, monkeypatch):
    monkeypatch.delenv("MLPC_REPO_URL", raising=False)
    root = _repo(tmp_path)
    assert editions.repo_url(root) is None
    assert "not set up yet" in editions.colab_page("week09_fixture", None)
    monkeypatch.setenv("MLPC_REPO_URL", "https://github.com/a/b.git/")
    assert editions.colab_url("n", editions.repo_url(root), "main") == \
        "https://colab.research.google.com/github/a/b/blob/main/student/n.ipynb"
    with pytest.raises(ValueError, match="GitHub"):
        editions.colab_url("n", "https://gitlab.com/a/b")


def test_a_broken_notebook_stops_the_build_with_every_problem(tmp_path):
    root = _repo(tmp_path)
    nbformat.write(fixture_nb("print(m)"), root / "notebooks" / "week10_bad.ipynb")
    with pytest.raises(editions.EditionError, match="week10_bad cell 6"):
        editions.write_student_editions(root=root)
    assert not (root / "student" / "week09_fixture.ipynb").exists()


def test_cli_student(tmp_path, monkeypatch):
    from mlpc_course import cli

    root = _repo(tmp_path)
    monkeypatch.setenv("MLPC_ROOT", str(root))
    assert cli.main(["student", "--check"]) == 1
    assert cli.main(["student"]) == 0
    assert cli.main(["student", "--check"]) == 0


def test_nbconvert_site_links_both_editions(tmp_path, monkeypatch):
    root = _repo(tmp_path)
    monkeypatch.setenv("MLPC_ROOT", str(root))
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path / "metrics"))
    executed = tmp_path / "executed"
    executed.mkdir()
    nbformat.write(fixture_nb(), executed / "week09_fixture.ipynb")
    index = site.build_site(executed, tmp_path / "_site").read_text()
    assert "student/week09_fixture.ipynb' download" in index
    assert "student/colab/week09_fixture.html" in index
    page = (tmp_path / "_site" / "notebooks" / "week09_fixture.html").read_text()
    assert "Instructor edition" in page and "../student/week09_fixture.ipynb" in page
    assert (tmp_path / "_site" / "student" / "week09_fixture.ipynb").exists()


@pytest.mark.parametrize("page", ["syllabus.qmd", "index.qmd"])
def test_pages_link_both_editions_of_every_notebook(page):
    text = (ROOT / page).read_text()
    # index.qmd includes its week table, written by tools/render.py before Quarto runs
    if "weeks.weeks_markdown()" in text or "_generated/weeks.md" in text:
        from mlpc_course import weeks

        text += weeks.weeks_markdown()
    linked = set(re.findall(r"\(notebooks/(\w+)\.ipynb\)", text))
    assert {p.stem for p in NOTEBOOKS} <= linked
    for stem in linked:
        assert f'href="student/{stem}.ipynb" download' in text, f"{page}: no download of {stem}"
        assert f'href="student/colab/{stem}.html"' in text, f"{page}: no Colab link of {stem}"


# --- every notebook of the course --------------------------------------------------------------

@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_of_every_notebook(nb, tmp_path):
    """Static: the authoring rules hold, the edition builds, every stub has its solution."""
    source = nbformat.read(nb, as_version=4)
    assert editions.validate(source, name=nb.stem) == []
    student = editions.student_edition(source, nb.stem)
    nbformat.validate(student)
    assert editions.validate(source, student, nb.stem) == []
    n_solutions = sum(c.cell_type == "code" and "solution" in c.metadata.get("tags", [])
                      for c in source.cells)
    assert len(editions.stubs(student)) == n_solutions


def test_written_student_editions_are_current(tmp_path):
    """`make student` output, generated here into tmp_path, passes the on-disk check."""
    editions.write_student_editions(tmp_path / "student")
    assert editions.check_written(tmp_path / "student") == []


def test_nbval_plugin_runs_stubs_and_checks(tmp_path):
    """The plugin of `make test` adds a stub item before the solution and a student-check item
    before the check, in the source's kernel; a check that fails without the answer fails."""
    good = tmp_path / "good.ipynb"
    nbformat.write(fixture_nb(), good)
    bad = tmp_path / "bad.ipynb"
    nb = fixture_nb()
    nb.cells[5].source = "assert 'm' in globals()"  # passes only with the answer
    nbformat.write(nb, bad)
    env = {**os.environ, "MLPC_METRICS_DIR": str(tmp_path / "metrics"), "MPLBACKEND": "Agg"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "mlpc_course.nbval_editions", "--nbval-lax",
         "-v", "-p", "no:cacheprovider", str(good), str(bad)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    out = run.stdout
    assert re.search(r"good.ipynb::Cell 1 student stub PASSED", out), out
    assert re.search(r"good.ipynb::Cell 2 student check PASSED", out), out
    assert re.search(r"bad.ipynb::Cell 2 student check FAILED", out), out
    assert "1 failed, 11 passed" in out, out
