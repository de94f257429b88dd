"""Building the student edition from a source notebook, validating it, and writing the editions
and their Colab pages (``make student``). Rules: :mod:`mlpc_course.editions`.
"""

from __future__ import annotations

import copy
import html
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlpc_helpers.exercise import MAGIC, run_check  # noqa: F401  (re-exported)
from mlpc_helpers.paths import project_root

from .analysis import (  # noqa: F401
    _LOAD_EXT,
    _MUTATORS,
    CHECK,
    COLAB_BRANCH,
    EXERCISE,
    EXTENSION,
    GRADING_ONLY,
    HIDDEN,
    NBVAL_SKIP,
    RAISES,
    SOLUTION,
    STUB_PREFIX,
    STUDENT_DIR,
    WRONG,
    Analysis,
    CellPlan,
    EditionError,
    Flow,
    _code_after_task,
    _loads,
    _mutated_by_calls,
    _root_name,
    _scoped_locals,
    _source,
    _tags,
    _to_python,
    _walk_body,
    _walk_stmt,
    analyse,
    cell_flow,
    exercise_title,
    stub_message,
    stub_source,
    task_lines,
)

# --- the student edition --------------------------------------------------------------------

def _new_cell(cell_type: str, source: str, cell_id: str, tags: Sequence[str] = ()) -> Any:
    import nbformat

    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.id = cell_id
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def exercise_label(title: str) -> str:
    """Short name of an exercise: ``"Exercise 2"`` from ``"Exercise 2: cluster with k = 4"``."""
    head = title.split(":", 1)[0].strip()
    return head if ":" in title and 0 < len(head) <= 30 else title


def check_magic_line(exercise: str, needs: Sequence[str], hidden_points: float = 0) -> str:
    """First line of a check cell in the student edition."""
    parts = [f"%%{MAGIC}"]
    if needs:
        parts.append("--needs " + ",".join(needs))
    if hidden_points:
        parts.append(f"--hidden-points {hidden_points:g}")
    parts.append(shlex.quote(exercise_label(exercise) or "the exercise above"))
    return " ".join(parts)


def student_check_source(source: str, exercise: str, needs: Sequence[str],
                         hidden_points: float = 0) -> str:
    """A check cell as the student edition has it: the cell magic line, then the cell unchanged."""
    return check_magic_line(exercise, needs, hidden_points) + "\n" + source


def exercise_points(plan: Analysis) -> dict[str, tuple[float, float]]:
    """Exercise title -> (public points, hidden points) of a notebook's graded exercises."""
    return {e.title: (e.public_points, e.hidden_points) for e in plan.exercise_plans}


GET_STARTED = "get_started.html"  # the site's page made from get_started.qmd


def banner_markdown(name: str, site: str | None = None) -> str:
    """The note at the top of a student edition; links the site's *Get started* page."""
    page = (f"[Get started]({site}/{GET_STARTED})" if site else
            "*Get started* on the course site (`get_started.qmd` in the repository)")
    return (
        "> **Student edition.** The answers are taken out. Each exercise cell states its task in "
        "comments and stops with `NotImplementedError` until you replace its `raise` line with "
        f"your code. Cells that begin with `%%{MAGIC}` test your answer; they print *not done "
        "yet* until you have solved the exercise above them. *Run All* stops at the first "
        "exercise you have not done yet.\n>\n"
        "> **Before anything else, run the first code cell** (*course setup*): where the course "
        "package is missing (Google Colab, a plain Jupyter) it downloads the course, installs it "
        "and moves into its folder; where it is installed it does nothing. How to run the "
        f"notebooks on a laptop or on Colab: {page}. "
        f"(Instructor edition: `notebooks/{name}.ipynb`.)"
    )


BOOTSTRAP_ID = "mlpc-bootstrap"
# Where a written answer (a markdown cell tagged `solution`) was: the student's place for it.
ANSWER_PLACEHOLDER = "**Your answer.** *(Double-click this cell and write your answer here.)*"


def bootstrap_source(url: str | None, ref: str | None = None) -> str:
    """The course-setup cell, the first code cell of every student edition (one source).

    Does nothing where ``mlpc_helpers`` imports (``make lab``, an installed course). Elsewhere
    (Colab, plain Jupyter) it clones the repository ``url`` into ``mlpc-course/`` (unless that
    folder is there already), enters it with ``%cd`` -- the datasets are then downloaded into
    its ``data/`` on first use -- and installs the package with ``%pip``. Without a configured
    URL the cell says where to set it instead. With ``ref`` (a release tag, ``make release``)
    it clones that tag, so the installed course is the release being read (d2l's habit), not
    the repository's latest commit.
    """
    repo = url or PLACEHOLDER_URL
    clone = (f"        !git clone --depth 1 --branch {shlex.quote(ref)} -q {{REPO}} mlpc-course"
             if ref else "        !git clone --depth 1 -q {REPO} mlpc-course")
    return "\n".join([
        "# Course setup (run first). Does nothing where the course package is installed.",
        "# On Colab or a plain Jupyter: downloads the course, enters its folder, installs it.",
        "try:",
        "    import mlpc_helpers  # noqa: F401",
        "except ImportError:",
        f'    REPO = "{repo}"',
        '    if "OWNER/REPO" in REPO:',
        "        raise RuntimeError(\"The course's repository URL is not set: ask your \"",
        '                           "instructor, or see Get started on the course site.")',
        "    import os",
        "",
        '    if not os.path.isdir("mlpc-course"):',
        clone,
        "    %cd mlpc-course",
        "    %pip install -q -e .",
    ])


def _preprocessor_class() -> type:
    """Define the nbconvert preprocessor on first use (nbconvert is slow to import)."""
    global _PREPROCESSOR
    if _PREPROCESSOR is not None:
        return _PREPROCESSOR
    from nbconvert.preprocessors import Preprocessor
    from traitlets import Bool, Unicode

    class StudentEditionPreprocessor(Preprocessor):
        """nbconvert preprocessor: the instructor (source) notebook -> the student edition.

        Solution code cells become stubs (tags ``exercise`` and ``raises-exception``), solution
        markdown/raw cells are dropped, check cells get the ``%%exercise_check`` guard, outputs are
        cleared, and a banner plus a ``%load_ext`` cell are added. Raises :class:`EditionError`
        listing every broken rule unless ``strict=False``.
        """

        strict = Bool(True, help="raise EditionError when the source breaks a rule").tag(
            config=True)
        notebook_name = Unicode("notebook", help="name used in messages and the banner").tag(
            config=True)
        repo = Unicode("", help="repository URL for the course-setup cell ('' = not set)").tag(
            config=True)
        site = Unicode("", help="site URL for the banner's Get-started link ('' = not set)").tag(
            config=True)
        release = Unicode("", help="release tag the setup cell clones ('' = latest commit)").tag(
            config=True)

        def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
            name = (resources or {}).get("metadata", {}).get("name") or self.notebook_name
            plan = analyse(nb, name)
            if plan.problems and self.strict:
                raise EditionError(f"{name}: the student edition cannot be built:\n  "
                                   + "\n  ".join(plan.problems))
            out = copy.deepcopy(nb)
            pts = exercise_points(plan)
            cells, answer_due = [], False
            for k, (p, cell) in enumerate(zip(plan.cells, out.cells, strict=True)):
                if p.kind in GRADING_ONLY:  # hidden tests, planted wrong answers
                    continue
                if p.kind == "solution-text":
                    answer_due = True  # its place: after the checks that follow it
                    continue
                if answer_due and p.kind != "check":
                    cells.append(_new_cell("markdown", ANSWER_PLACEHOLDER, f"mlpc-answer-{k}"))
                    answer_due = False
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
                    if p.kind == "solution":
                        cell.source = stub_source(_source(cell))
                        keep = [t for t in cell.metadata.get("tags", []) if t != SOLUTION]
                        cell.metadata["tags"] = keep + [
                            t for t in (EXERCISE, RAISES) if t not in keep]
                    elif p.kind == "check":
                        cell.source = student_check_source(_source(cell), p.exercise, p.needs,
                                                           pts.get(p.exercise, (0, 0))[1])
                cells.append(cell)
            if answer_due:
                cells.append(_new_cell("markdown", ANSWER_PLACEHOLDER, "mlpc-answer-end"))
            at = 1 if cells and cells[0].cell_type == "markdown" else 0
            cells.insert(at, _new_cell("markdown", banner_markdown(name, self.site or None),
                                       "mlpc-student-banner"))
            first_code = next((k for k, c in enumerate(cells) if c.cell_type == "code"),
                              len(cells))
            if any(p.kind == "check" for p in plan.cells):
                cells.insert(first_code, _new_cell("code", _LOAD_EXT, "mlpc-load-ext"))
            cells.insert(first_code, _new_cell(
                "code", bootstrap_source(self.repo or None, self.release or None), BOOTSTRAP_ID))
            out.cells = cells
            out.metadata["mlpc_edition"] = "student"
            out.metadata["mlpc_notebook"] = name
            if self.release:
                out.metadata["mlpc_release"] = self.release
            return out, resources

    _PREPROCESSOR = StudentEditionPreprocessor
    return _PREPROCESSOR


_PREPROCESSOR: type | None = None


def __getattr__(name: str) -> Any:
    if name == "StudentEditionPreprocessor":
        return _preprocessor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def student_edition(nb: Any, name: str = "notebook", strict: bool = True,
                    root: Path | None = None, release: str | None = None) -> Any:
    """The student edition of a source notebook (an nbformat NotebookNode).

    ``root`` is the repository whose ``_variables.yml`` gives the URLs (default: this one);
    ``release`` is the tag the setup cell clones (default: the latest commit).
    """
    pp = _preprocessor_class()(strict=strict, notebook_name=name,
                               repo=repo_url(root) or "", site=site_url(root) or "",
                               release=release or "")
    out, _ = pp.preprocess(nb, {"metadata": {"name": name}})
    return out


def without_grading_cells(nb: Any) -> Any:
    """A copy of ``nb`` without its `hidden` and `wrong` cells (hidden tests, planted answers)."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not (c.cell_type == "code" and _tags(c) & GRADING_ONLY)]
    return out


def solutions_edition(nb: Any, name: str = "notebook", root: Path | None = None,
                      release: str | None = None) -> Any:
    """The solutions edition (released after the exercise session, ``make release``).

    The source notebook with its answers, without hidden tests and planted wrong answers, no
    outputs, with a banner and the course-setup cell (pinned to ``release``) like the student
    edition. Its check cells run the public tests directly (``@points`` prints ✓ lines).
    """
    out = without_grading_cells(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    at = 1 if out.cells and out.cells[0].cell_type == "markdown" else 0
    out.cells.insert(at, _new_cell("markdown", (
        "> **Solutions edition.** The answers of the exercises are shown; run the first code "
        "cell (*course setup*) first, as in the student edition."), "mlpc-solutions-banner"))
    first_code = next((k for k, c in enumerate(out.cells) if c.cell_type == "code"),
                      len(out.cells))
    out.cells.insert(first_code, _new_cell(
        "code", bootstrap_source(repo_url(root), release), BOOTSTRAP_ID))
    out.metadata["mlpc_edition"] = "solutions"
    out.metadata["mlpc_notebook"] = name
    if release:
        out.metadata["mlpc_release"] = release
    return out


# --- validation ------------------------------------------------------------------------------

def stubs(nb: Any) -> list[tuple[int, str]]:
    """(cell index, source) of every stub in a student edition: code cells tagged ``exercise``
    or raising ``NotImplementedError("Exercise ...")``."""
    out = []
    for i, c in enumerate(nb.cells):
        src = _source(c)
        if c.cell_type == "code" and (EXERCISE in _tags(c) or "raise NotImplementedError(" in src):
            out.append((i, src))
    return out


def validate(source: Any, student: Any | None = None, name: str = "notebook",
             root: Path | None = None) -> list[str]:
    """Every problem of a source notebook and of its student edition (empty list: all good).

    Checks the authoring rules (:func:`analyse`), then that ``student`` (default: built from
    ``source``) is exactly the student edition of ``source``: every stub has a matching solution
    in the source (same task comments, in the same order, raising the right message), no
    solution code or solution text is left in it, and every other cell is the source's.
    """
    plan = analyse(source, name)
    problems = list(plan.problems)
    if plan.problems and student is None:
        return problems
    tag = student.metadata.get("mlpc_release") if student is not None else None
    expected = student_edition(source, name, strict=False, root=root, release=tag)
    student = expected if student is None else student
    solutions = [(p.index, _source(source.cells[p.index])) for p in plan.cells
                 if p.kind == "solution"]
    found = stubs(student)
    for k, (i, src) in enumerate(found):
        if k >= len(solutions):
            problems.append(f"{name} student cell {i}: stub '{exercise_title(src)}' has no "
                            "matching solution cell in the source")
            continue
        j, sol = solutions[k]
        if task_lines(src)[: len(task_lines(sol))] != task_lines(sol):
            problems.append(f"{name} student cell {i}: stub '{exercise_title(src)}' does not "
                            f"match the source's solution in cell {j} ('{exercise_title(sol)}')")
        elif src != stub_source(sol):
            problems.append(f"{name} student cell {i}: stub of '{exercise_title(sol)}' is not "
                            "the generated stub (task comments + raise NotImplementedError)")
    for j, sol in solutions[len(found):]:
        problems.append(f"{name}: the solution in source cell {j} ('{exercise_title(sol)}') has "
                        "no stub in the student edition")
    want = [(c.cell_type, _source(c)) for c in expected.cells]
    got = [(c.cell_type, _source(c)) for c in student.cells]
    if want != got:
        diff = next((k for k, (a, b) in enumerate(zip(want, got, strict=False)) if a != b),
                    min(len(want), len(got)))
        problems.append(f"{name}: the student edition differs from the one built from the "
                        f"source from cell {diff} on: rebuild it with `make student`")
    for c in student.cells:
        if SOLUTION in _tags(c):
            problems.append(f"{name}: the student edition still holds a cell tagged `solution`")
            break
    for c in student.cells:
        if _tags(c) & GRADING_ONLY:
            problems.append(f"{name}: the student edition still holds a hidden test or a planted "
                            "wrong answer")
            break
    return problems


# --- writing the editions and the Colab pages ---------------------------------------------

VARIABLES = "_variables.yml"  # the ONE place of the course's public URLs (also Quarto's {{< var >}})
PLACEHOLDER_URL = "https://github.com/OWNER/REPO"


def _is_set(url: object) -> bool:
    return bool(url) and "OWNER/REPO" not in str(url) and "OWNER.github.io" not in str(url)


def course_variables(root: Path | None = None) -> dict:
    """The keys of ``_variables.yml`` (``repo-url``, ``site-url``); {} when it is missing."""
    path = (root or project_root()) / VARIABLES
    if not path.is_file():
        return {}
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def repo_url(root: Path | None = None) -> str | None:
    """The repository's public URL: ``MLPC_REPO_URL``, else ``repo-url`` in ``_variables.yml``
    (else, for older checkouts, ``website.repo-url`` in ``_quarto.yml``); None while it is
    unset or still the placeholder ``https://github.com/OWNER/REPO`` (then no Colab links)."""
    env = os.environ.get("MLPC_REPO_URL", "").strip()
    if env:
        return env.rstrip("/")
    root = root or project_root()
    url = course_variables(root).get("repo-url")
    if not url:
        cfg = root / "_quarto.yml"
        if cfg.is_file():
            import yaml

            url = ((yaml.safe_load(cfg.read_text()) or {}).get("website") or {}).get("repo-url")
    return str(url).strip().rstrip("/") if _is_set(url) else None


def site_url(root: Path | None = None) -> str | None:
    """The published site: ``MLPC_SITE_URL``, else ``site-url`` in ``_variables.yml``, else
    the GitHub Pages address of :func:`repo_url` (``https://OWNER.github.io/REPO``)."""
    env = os.environ.get("MLPC_SITE_URL", "").strip()
    if env:
        return env.rstrip("/")
    url = course_variables(root).get("site-url")
    if _is_set(url):
        return str(url).strip().rstrip("/")
    repo = repo_url(root)
    prefix = "https://github.com/"
    if repo and repo.startswith(prefix) and repo[len(prefix):].count("/") == 1:
        owner, name = repo[len(prefix):].removesuffix(".git").split("/")
        return f"https://{owner.lower()}.github.io/{name}"
    return None


def colab_url(name: str, url: str | None, branch: str | None = None) -> str | None:
    """Open-in-Colab address of ``student/<name>.ipynb`` on the site branch of a GitHub repo.

    ``branch`` defaults to ``MLPC_STUDENT_BRANCH`` or ``gh-pages`` (where ``quarto publish
    gh-pages`` puts ``_site/``, student editions included). None when ``url`` is None.
    """
    if not url:
        return None
    prefix = "https://github.com/"
    if not url.startswith(prefix):
        raise ValueError(f"repository URL {url!r}: Colab opens notebooks from GitHub only; set "
                         "website.repo-url (or MLPC_REPO_URL) to https://github.com/OWNER/REPO")
    branch = branch or os.environ.get("MLPC_STUDENT_BRANCH", "").strip() or COLAB_BRANCH
    path = url[len(prefix):].removesuffix(".git")
    return (f"https://colab.research.google.com/github/{path}/blob/{branch}/"
            f"{STUDENT_DIR}/{name}.ipynb")


def colab_page(name: str, url: str | None, branch: str | None = None) -> str:
    """HTML page ``student/colab/<name>.html``: forwards to Colab, or says what to configure.

    ``branch``: the branch or tag of ``url`` that holds ``student/`` (a release tag).
    """
    target = colab_url(name, url, branch)
    if target:
        t = html.escape(target)
        head = f"<meta http-equiv='refresh' content='0; url={t}'>"
        body = f"<p>Opening <a href='{t}'>{html.escape(name)} (student edition) in Colab</a>…</p>"
    else:
        head = ""
        body = (f"<p>The Colab link of <code>{html.escape(name)}</code> is not set up yet: the "
                "instructor sets the repository's public GitHub URL as <code>repo-url</code> "
                f"in <code>{VARIABLES}</code> (or <code>MLPC_REPO_URL</code>) and runs "
                "<code>make student</code> again. Meanwhile, download the notebook: <a href='../"
                f"{html.escape(name)}.ipynb'>{html.escape(name)}.ipynb</a>, and follow "
                f"<a href='../../{GET_STARTED}'>Get started</a> to run it on your laptop.</p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}<title>{html.escape(name)}"
            f" in Colab</title></head><body>{body}</body></html>")


# Folders whose notebooks have student editions: the week notebooks, and the exam question
# bank (exam/, issue 41), whose student edition is the practice set (released with the
# review week by mlpc_course/release.py).
SOURCE_DIRS = ("notebooks", "exam")


def source_notebooks(root: Path | None = None) -> list[Path]:
    """Every source notebook that has a student edition: ``notebooks/*.ipynb``, then
    ``exam/*.ipynb`` (see :data:`SOURCE_DIRS`)."""
    root = root or project_root()
    return [p for d in SOURCE_DIRS for p in sorted((root / d).glob("*.ipynb"))]


def write_student_editions(out_dir: Path | None = None, names: Sequence[str] | None = None,
                           root: Path | None = None, release: str | None = None) -> list[Path]:
    """Write ``student/<name>.ipynb`` and ``student/colab/<name>.html`` for every notebook
    (:func:`source_notebooks`: the week notebooks and the exam bank's practice set).

    ``release``: the tag the setup cell clones and the Colab pages open (``make release``);
    default: the latest commit, and Colab pages on the site branch.
    Raises :class:`EditionError` listing every problem of every notebook before writing any.
    """
    import nbformat

    root = root or project_root()
    out_dir = Path(out_dir) if out_dir else root / STUDENT_DIR
    sources = source_notebooks(root)
    if names:
        unknown = set(names) - {p.stem for p in sources}
        if unknown:
            raise ValueError(f"no notebooks/{sorted(unknown)[0]}.ipynb: give notebook stems, "
                             f"e.g. {sources[0].stem if sources else 'week00_setup'}")
        sources = [p for p in sources if p.stem in names]
    built, problems = [], []
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        found = validate(nb, name=path.stem, root=root)
        problems += found
        if not found:
            built.append((path.stem, student_edition(nb, path.stem, root=root,
                                                     release=release)))
    if problems:
        raise EditionError("student editions not written:\n  " + "\n  ".join(problems))
    url = repo_url(root)
    (out_dir / "colab").mkdir(parents=True, exist_ok=True)
    written = []
    for stem, nb in built:
        nbformat.validate(nb)
        target = out_dir / f"{stem}.ipynb"
        nbformat.write(nb, target)
        (out_dir / "colab" / f"{stem}.html").write_text(colab_page(stem, url, release))
        written.append(target)
    return written


def check_written(out_dir: Path | None = None, root: Path | None = None) -> list[str]:
    """Problems of the student editions on disk: missing, stale, or a stub without a solution."""
    import nbformat

    root = root or project_root()
    out_dir = Path(out_dir) if out_dir else root / STUDENT_DIR
    problems = []
    for path in source_notebooks(root):
        target = out_dir / path.name
        if not target.exists():
            problems.append(f"{target} is missing: run `make student`")
            continue
        problems += validate(nbformat.read(path, as_version=4),
                             nbformat.read(target, as_version=4), path.stem, root=root)
    return problems
