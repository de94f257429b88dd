"""Releasing the course on the instructor's schedule (``make release``).

    mlpc release [--week N] [--solutions M] --tag TAG [--out build/release] [--site] [--at DATE]

Builds ``OUT/public/``: the tree to commit to the course's **public** repository (``repo-url``
in ``_variables.yml``) and to tag ``TAG`` there:

- the course package (``pyproject.toml``, ``mlpc_helpers/``, ``mlpc_course/``, ``course.yml``,
  ``_variables.yml``, licence/citation files where present), so the student setup cell can
  install it; no source notebook (``notebooks/`` holds the answers);
- ``student/<notebook>.ipynb`` of weeks <= N and their Colab pages ``student/colab/``; the
  setup cell clones ``--branch TAG`` and the Colab pages open the notebooks at ``TAG``: what a
  student installs is the release they read (d2l's habit), not the latest commit;
- ``solutions/<notebook>.ipynb`` of weeks <= M (answers shown; hidden tests and planted wrong
  answers stay private);
- from the review week on (:func:`practice_week`, week 14: course.yml's first buffer week)
  the exam practice set, ``student/exam_*.ipynb``: the student edition of the question bank
  ``exam/`` (questions, answer cells, public checks); its answers are never released;
- ``README.md`` (what is released, links) and ``release.json`` (weeks, tag, source commit);
- with ``--site``: ``docs/``, the site rendered in student mode (notebook pages of weeks <= N
  without solution cells, answer text, check outputs, hidden tests; weeks <= M with solutions;
  later weeks and their decks replaced by a "not released yet" page), with the PDF handouts in
  ``docs/handouts/``; GitHub Pages serves it "from the /docs folder".

N and M default to the course config's schedule at ``--at`` (default now):
``course_config.load().released()``. Before anything is written, and again at the end, every
file of the tree is searched for the code of unreleased solution cells, their answer text, and
every hidden test and planted wrong answer (:func:`find_leaks`; PDFs through ``pdftotext``
or PDFium); a hit stops the release.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlpc_helpers.paths import project_root

from . import editions
from .course_config import practice_week

# results/: the committed seed-sweep snapshot the notebooks' seed ranges read.
PUBLIC_FILES = ("pyproject.toml", "mlpc_helpers", "mlpc_course", "course.yml", "_variables.yml",
                "LICENSE", "LICENSE-CONTENT.md", "CITATION.cff", "environment.yml", "requirements",
                "results")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
TEXT_SUFFIXES = {".ipynb", ".html", ".md", ".qmd", ".py", ".json", ".txt", ".yml", ".yaml",
                 ".js", ".csv", ".xml", ".typ"}
MIN_NEEDLE = 24  # characters of a code line: shorter lines are too common to mean a leak
MIN_TEXT_NEEDLE = 40  # characters of a line of answer text
# What the release writes (searched for answers); the package copies are the repository's.
RELEASED = ("student", "solutions", "docs", "README.md", "release.json")


class ReleaseError(ValueError):
    """The release cannot be built (the message says why and what to do)."""


def week_of(stem: str) -> int | None:
    """``3`` for ``week03_leakage``; None for names without a week."""
    m = re.match(r"week(\d+)_", stem)
    return int(m.group(1)) if m else None


def deck_week(deck: Path) -> int | None:
    """The week of a deck: the latest week of the notebooks it embeds, else its name's number
    (``week07_...``, ``unit05_...``)."""
    weeks = [int(w) for w in re.findall(r"notebooks/week(\d+)_\w+\.ipynb", deck.read_text())]
    if weeks:
        return max(weeks)
    m = re.match(r"(?:week|unit)(\d+)_", deck.name)
    return int(m.group(1)) if m else None


def schedule(at: dt.datetime | None = None) -> tuple[int, int]:
    """``(N, M)`` from the course config (``course.yml``) at ``at`` (default now)."""
    from . import course_config

    return course_config.load().released(at)


# The exam question bank (issue 41): one notebook per unit in exam/. Its student edition, the
# practice set, is released with the review week; its answers (solutions, model answers,
# hidden tests, planted wrong answers) are never released.
PRACTICE_DIR = "exam"


def practice_stems(root: Path) -> list[str]:
    """Stems of the exam question bank's notebooks (``exam/*.ipynb``)."""
    return [p.stem for p in sorted((Path(root) / PRACTICE_DIR).glob("*.ipynb"))]


def release_tag(root: Path) -> str | None:
    """The tag of the checkout's HEAD (``git describe --tags --exact-match``), if any."""
    try:
        out = subprocess.run(["git", "describe", "--tags", "--exact-match", "HEAD"], cwd=root,
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


# --- public pages of the site -------------------------------------------------------------

def public_page(nb: Any, name: str = "notebook", solutions: bool = False) -> Any:
    """A (possibly executed) source notebook as the public site shows it.

    ``solutions=False`` (student mode): solution code cells become their stub (task lines and
    ``raise NotImplementedError``) without output, written answers are dropped, check cells
    keep their code but lose their output (it was computed from the solution). Always: hidden
    tests and planted wrong answers are dropped. ``solutions=True``: only the last.
    """
    out = editions.without_grading_cells(nb)
    if solutions:
        out.metadata["mlpc_edition"] = "solutions"
        return out
    plan = editions.analyse(out, name)
    cells = []
    for p, cell in zip(plan.cells, out.cells, strict=True):
        if p.kind == "solution-text":
            continue
        if p.kind == "solution":
            cell = copy.deepcopy(cell)
            cell.source = editions.stub_source(editions._source(cell))
            cell.outputs = []
            cell.execution_count = None
            cell.metadata["tags"] = [t for t in cell.metadata.get("tags", [])
                                     if t != editions.SOLUTION] + [editions.EXERCISE]
        elif p.kind == "check":
            cell = copy.deepcopy(cell)
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    out.cells = cells
    out.metadata["mlpc_edition"] = "student"
    return out


def placeholder_notebook(title: str, week: int) -> Any:
    """The page of a notebook that is not released yet."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        f"# {title}\n\nThis week's material (week {week}) is not released yet: it appears here "
        "on the release date of the course schedule.")]
    nb.cells[0].id = "mlpc-not-released"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def placeholder_deck(deck: Path, week: int) -> str:
    """A deck that is not released yet: its YAML header, then one slide saying so."""
    text = deck.read_text()
    m = re.match(r"---\n.*?\n---\n", text, re.S)
    head = m.group(0) if m else "---\ntitle: \"Not released yet\"\n---\n"
    return head + f"\n## Not released yet\n\nThe deck of week {week} appears on its release date.\n"


# --- leak search ---------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Text for searching: HTML tags and entities, Markdown emphasis, backticks and all
    whitespace runs reduced, so that a line of code or answer text is found in a notebook,
    an HTML page (code highlighted token by token) or a PDF's text."""
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    text = re.sub(r"[`*_$\\]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _lines(source: str) -> list[str]:
    return [ln.strip() for ln in source.splitlines() if ln.strip()]


def secrets(sources: dict[str, Any], solutions_to: int,
            public_sources: Iterable[Any] = ()) -> dict[str, str]:
    """What must not be public: ``needle -> where`` for every notebook in ``sources``.

    Needles: lines (>= 24 characters, not comments) of solution cells of notebooks of weeks >
    ``solutions_to`` and of every hidden-test and planted-wrong-answer cell, and the lines
    (>= 40 characters) of their written answers; lines that also occur in (or inside a line of)
    a public cell or a released solution of any notebook, or in any cell of
    ``public_sources`` (notebooks public as a whole: the mini-project's template and
    starters), are left out.
    """
    public: set[str] = {_norm(ln) for nb in public_sources for cell in nb.cells
                        for ln in _lines(editions._source(cell))}
    secret: dict[str, str] = {}
    for name, nb in sources.items():
        week = week_of(name)
        released = week is not None and week <= solutions_to
        for i, cell in enumerate(nb.cells):
            tags = editions._tags(cell)
            src = editions._source(cell)
            grading_only = cell.cell_type == "code" and bool(tags & editions.GRADING_ONLY)
            is_solution = editions.SOLUTION in tags
            if grading_only or (is_solution and not released):
                shortest = MIN_NEEDLE if cell.cell_type == "code" else MIN_TEXT_NEEDLE
                for ln in _lines(src):
                    if ln.startswith("#") and cell.cell_type == "code":
                        continue  # task lines are public (the stub keeps them)
                    needle = _norm(ln)
                    if len(needle) >= shortest:
                        secret.setdefault(needle, f"{name} cell {i}")
            else:  # a public cell, or a released solution
                public |= {_norm(ln) for ln in _lines(src)}
    text = "\n".join(public)  # a needle inside a public line is no leak ("hm = f(" vs "m = f(")
    return {k: v for k, v in secret.items() if k not in public and k not in text}


def _pdf_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe:
        run = subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, text=True,
                             timeout=120)
        if run.returncode == 0:
            return run.stdout
    try:  # PDFium, in the course's locked environment (the handout checks read PDFs with it)
        import pypdfium2 as pdfium
    except ImportError as err:
        raise ReleaseError(f"cannot search {path} for answers: install poppler-utils "
                           "(pdftotext) or pypdfium2 (pip install -e '.[test]')") from err
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def find_leaks(folder: Path, needles: dict[str, str],
               only: Iterable[str] | None = None) -> list[str]:
    """``"file: 'needle…' (from notebook cell k)"`` for every secret found under ``folder``
    (or only under its entries ``only``).

    Text files (notebooks, HTML, Markdown, code, JSON) and PDFs (``pdftotext``) are searched.
    """
    found = []
    folder = Path(folder)
    roots = [folder / name for name in only] if only is not None else [folder]
    paths = sorted(p for r in roots if r.exists()
                   for p in ([r] if r.is_file() else r.rglob("*")))
    for path in paths:
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            text = _pdf_text(path)
        elif path.suffix in TEXT_SUFFIXES:
            text = path.read_text(errors="replace")
            if path.suffix == ".ipynb":  # JSON strings: unescape them
                try:
                    text = "\n".join(_json_strings(json.loads(text)))
                except json.JSONDecodeError:
                    pass
        else:
            continue
        flat = _norm(text)
        for needle, where in needles.items():
            if needle in flat:
                found.append(f"{path.relative_to(folder)}: '{needle[:70]}' (from {where})")
    return found


def _json_strings(obj: Any) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        parts = [x for x in obj if isinstance(x, str)]
        if parts and len(parts) == len(obj):
            yield "".join(parts)  # a notebook cell's source / text lines
        else:
            for x in obj:
                yield from _json_strings(x)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _json_strings(v)


# --- the release -----------------------------------------------------------------------------

@dataclass
class Release:
    week: int
    solutions: int
    tag: str
    public: Path
    students: list[str] = field(default_factory=list)
    solution_notebooks: list[str] = field(default_factory=list)
    site: Path | None = None
    practice: list[str] = field(default_factory=list)  # exam practice set in this release


def _readme(rel: Release, url: str, title: str) -> str:
    lines = [f"# {title} — public material (release `{rel.tag}`)", "",
             "Student editions of the released weeks, their solutions once released, and the "
             "course package that the notebooks install. Open a notebook in Google Colab from "
             "the table, or clone this repository and run `pip install -e .`.", "",
             "| notebook | week | student edition | solutions |", "|---|---|---|---|"]
    for stem in rel.students:
        colab = editions.colab_url(stem, url, rel.tag) if url else None
        sol = f"[solutions/{stem}.ipynb](solutions/{stem}.ipynb)" \
            if stem in rel.solution_notebooks else "not yet"
        wk = week_of(stem)
        if stem in rel.practice:  # the exam practice set: answers stay with the instructor
            sol, wk = "exam practice: no solutions released", practice_week()
        link = f"[Colab]({colab}) · " if colab else ""
        lines.append(f"| {stem} | {wk} | {link}[student/{stem}.ipynb]"
                     f"(student/{stem}.ipynb) | {sol} |")
    lines += ["", "Built by `make release` (mlpc_course/release.py) from the instructor's "
              "repository; do not edit by hand."]
    return "\n".join(lines) + "\n"


def selection(stems: Sequence[str], week: int, solutions: int,
              root: Path) -> tuple[list[str], list[str], list[str]]:
    """What a release of weeks <= ``week`` (solutions <= ``solutions``) publishes, of the
    source notebooks ``stems``: (student editions, solutions editions, exam practice set).

    A week notebook counts by its week (``week00_setup``: 0); the exam bank's notebooks
    (``exam/``) by :func:`practice_week` — and never get a solutions edition.
    """
    practice = set(practice_stems(root))
    at_week = {s: practice_week() if s in practice else (week_of(s) or 0) for s in stems}
    released = [s for s in stems if at_week[s] <= week]
    # the practice set's answers stay the instructor's: it never gets a solutions edition
    with_solutions = [s for s in released if s not in practice and at_week[s] <= solutions]
    return released, with_solutions, [s for s in released if s in practice]


def build_release(week: int, solutions: int, tag: str, out: Path | None = None,
                  root: Path | None = None, site: bool = False,
                  executed: Path | None = None, only: Sequence[str] = (),
                  handouts: bool = True) -> Release:
    """Write ``out/public/`` (see the module docstring) and return what was released.

    Raises
    ------
    ReleaseError
        Bad weeks or tag, no repository URL, a notebook that breaks the editions' rules, or
        answers found in the public tree.
    """
    import nbformat

    root = Path(root or project_root())
    out = Path(out) if out else root / "build" / "release"
    if week < 0:
        raise ReleaseError(f"WEEK={week}: nothing to release; give the last week whose material "
                           "is public (0 = the setup notebook)")
    if solutions > week:
        raise ReleaseError(f"SOLUTIONS={solutions} > WEEK={week}: solutions are released at the "
                           "earliest with their week's material")
    if not tag or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", tag):
        raise ReleaseError(f"TAG={tag!r}: give the tag the public repository will carry, e.g. "
                           "TAG=2026-w03 (letters, digits, . _ - /)")
    url = editions.repo_url(root)
    if not url:
        raise ReleaseError("the public repository's URL is not set: set repo-url in "
                           "_variables.yml (or MLPC_REPO_URL); the student setup cell clones it")
    # the week notebooks and the exam bank (exam/: its student edition is the practice set)
    sources = {p.stem: nbformat.read(p, as_version=4) for p in editions.source_notebooks(root)}
    released, with_solutions, practice = selection(list(sources), week, solutions, root)
    rel = Release(week, solutions, tag, out / "public", released, with_solutions,
                  practice=practice)

    public = rel.public
    if public.exists():
        shutil.rmtree(public)
    public.mkdir(parents=True)
    for name in PUBLIC_FILES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, public / name, ignore=_IGNORE)
        elif src.is_file():
            shutil.copy2(src, public / name)
    try:
        editions.write_student_editions(public / editions.STUDENT_DIR, released, root=root,
                                        release=tag)
    except editions.EditionError as err:
        raise ReleaseError(str(err)) from err
    (public / "solutions").mkdir()
    for stem in with_solutions:
        nbformat.write(editions.solutions_edition(sources[stem], stem, root, tag),
                       public / "solutions" / f"{stem}.ipynb")
    title = editions.course_variables(root).get("title") or \
        "Machine Learning in Materials Processing & Characterization"
    (public / "README.md").write_text(_readme(rel, url, title))
    (public / "release.json").write_text(json.dumps({
        "tag": tag, "week": week, "solutions": solutions, "repo_url": url,
        "source_commit": _commit(root), "built": dt.datetime.now(dt.UTC).isoformat(
            timespec="seconds"),
        "student": released, "solutions_notebooks": with_solutions,
        "exam_practice": rel.practice}, indent=1) + "\n")
    project = [nbformat.read(p, as_version=4)
               for p in sorted((root / "project").rglob("*.ipynb"))]
    needles = secrets(sources, solutions, public_sources=project)
    if site:
        rel.site = render_public_site(rel, root, executed or root / "build" / "executed", out,
                                      only, handouts)
        staged = find_leaks(out / "stage" / "render", needles,
                            only=["notebooks", "slides", PRACTICE_DIR, editions.STUDENT_DIR])
        if staged:
            raise ReleaseError("answers found in the staged site sources:\n  "
                               + "\n  ".join(staged[:30]))
    leaks = find_leaks(public, needles, only=RELEASED)
    if leaks:
        raise ReleaseError("answers found in the public tree (nothing may be published):\n  "
                           + "\n  ".join(leaks[:30]))
    return rel


# --- the student-mode site ---------------------------------------------------------------

def render_public_site(rel: Release, root: Path, executed: Path, out: Path,
                       only: Sequence[str] = (), handouts: bool = True) -> Path:
    """Render the student-mode site and handouts into ``rel.public / "docs"``.

    Uses ``tools/render.py`` (its staging, its Quarto call, its log checks) with
    ``--out-root``, on executed copies turned into public pages first. ``only``: render just
    these project files (e.g. ``notebooks/week03_leakage.ipynb``; a quick check);
    ``handouts=False``: no PDF handouts.
    """
    import importlib.util

    spec = importlib.util.spec_from_file_location("mlpc_render", root / "tools" / "render.py")
    if spec is None or spec.loader is None:
        raise ReleaseError("tools/render.py is missing: --site needs it")
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    pages = out / "executed-public"
    if pages.exists():
        shutil.rmtree(pages)
    pages.mkdir(parents=True)
    # The executed copies as the public sees them; tools/render.py stages them as usual.
    stage = out / "stage"
    missing = public_pages(pages, rel, root, executed)
    if missing:
        raise ReleaseError(f"no executed copy of {', '.join(missing)} in {executed}: run "
                           "`make execute` (or `make test`) first")
    docs = rel.public / "docs"
    for profile in (("handout",) if handouts else ()) + (None,):
        argv = ["--executed", str(pages), "--out-root", str(stage)]
        if profile:
            argv += ["--profile", profile]
        if only:  # tools/render.py --only: these files, rendered as the project
            argv += ["--only", *only]
        _patch_decks(render, rel)
        if render.main(argv) != 0:
            raise ReleaseError(f"the {'handout' if profile else 'site'} render failed: see "
                               f"{stage}/render-{profile or 'site'}.log")
    if docs.exists():
        shutil.rmtree(docs)
    shutil.copytree(stage / "_site", docs)
    handouts = stage / "_handouts"
    if handouts.is_dir() and not (docs / "handouts").exists():
        shutil.copytree(handouts, docs / "handouts")
    return docs


def public_pages(pages: Path, rel: Release, root: Path, executed: Path) -> list[str]:
    """Write the public page of every notebook into ``pages``: weeks <= M with solutions,
    weeks <= N in student mode (:func:`public_page`), later weeks a placeholder; the exam
    bank (``exam/``) in student mode from :func:`practice_week` on, a placeholder before.
    Returns the released week notebooks without an executed copy in ``executed``."""
    import nbformat

    missing = []
    for src in sorted((root / PRACTICE_DIR).glob("*.ipynb")):
        # The exam bank: the practice set (student mode) once released, else a placeholder;
        # from the executed copy where there is one, else from the source (no outputs).
        # Every exam page is written here, so that no instructor page reaches the stage.
        week = practice_week()
        if week > rel.week:
            nbformat.write(placeholder_notebook(
                f"Exam practice: {src.stem.replace('_', ' ')}", week), pages / src.name)
            continue
        done = executed / src.name
        nb = nbformat.read(done if done.exists() else src, as_version=4)
        nbformat.write(public_page(nb, src.stem), pages / src.name)
    for src in sorted((root / "notebooks").glob("*.ipynb")):
        stem, week = src.stem, week_of(src.stem) or 0
        if week > rel.week:
            from .weeks import _title

            nbformat.write(placeholder_notebook(f"Week {week} — {_title(src)}", week),
                           pages / src.name)
            continue
        done = executed / src.name
        if not done.exists():
            missing.append(stem)
            continue
        nb = nbformat.read(done, as_version=4)
        nbformat.write(public_page(nb, stem, solutions=week <= rel.solutions), pages / src.name)
    return missing


def _patch_decks(render: Any, rel: Release) -> None:
    """Make ``render.stage`` replace decks of unreleased weeks and ``student/`` after copying."""
    original = getattr(render, "_mlpc_original_stage", None) or render.stage
    render._mlpc_original_stage = original

    def stage(stage_dir: Path, executed: Path, *args: Any, **kwargs: Any) -> list[str]:
        problems = original(stage_dir, executed, *args, **kwargs)
        # The exam bank's pages as the public sees them (public_pages wrote one for each):
        # never the instructor's source, which the stage copies with the rest of the tree.
        for page in sorted((stage_dir / PRACTICE_DIR).glob("*.ipynb")):
            public = Path(executed) / page.name
            if public.exists():
                shutil.copy2(public, page)
            else:
                page.unlink()
        for deck in sorted((stage_dir / "slides").glob("*.qmd")):
            w = deck_week(deck)
            if w is not None and w > rel.week:
                deck.write_text(placeholder_deck(deck, w))
        student = stage_dir / editions.STUDENT_DIR
        if student.exists():
            shutil.rmtree(student)
        shutil.copytree(rel.public / editions.STUDENT_DIR, student)
        return problems

    render.stage = stage


def commit_release(rel: Release, target: Path) -> list[str]:
    """Copy ``rel.public`` into the git working copy ``target`` (the public repository),
    commit and tag it. Returns the command to push. Nothing is pushed."""
    target = Path(target)
    if not (target / ".git").exists():
        raise ReleaseError(f"{target} is not a git working copy: clone the public repository "
                           "there first (git clone <repo-url> <folder>)")
    for old in target.iterdir():
        if old.name != ".git":
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    for item in rel.public.iterdir():
        dest = target / item.name
        shutil.copytree(item, dest) if item.is_dir() else shutil.copy2(item, dest)

    def git(*args: str) -> None:
        run = subprocess.run(["git", "-C", str(target), *args], capture_output=True, text=True)
        if run.returncode != 0:
            raise ReleaseError(f"git {' '.join(args)} failed in {target}: {run.stderr.strip()}")

    git("add", "-A")
    git("commit", "-q", "-m", f"Release {rel.tag}: material of weeks <= {rel.week}, "
        f"solutions of weeks <= {rel.solutions}")
    git("tag", rel.tag)
    return ["git", "-C", str(target), "push", "--follow-tags", "origin", "HEAD"]


def parse_at(text: str | None) -> dt.datetime | None:
    """``--at 2026-05-04`` or ``2026-05-04T18:00`` (course time); None: now."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as err:
        raise ReleaseError(f"--at {text!r}: give a date like 2026-05-04 or 2026-05-04T18:00"
                           ) from err


def resolve_weeks(week: int | None, solutions: int | None,
                  at: dt.datetime | None = None) -> tuple[int, int, str]:
    """WEEK and SOLUTIONS: given, else from the course config's schedule; and where from."""
    if week is not None and solutions is not None:
        return week, solutions, "given"
    try:
        n, m = schedule(at)
    except Exception as err:  # noqa: BLE001 - no or a bad course.yml
        if week is None:
            raise ReleaseError(f"no WEEK given and the course schedule cannot be read ({err}): "
                               "give WEEK=N (and SOLUTIONS=M)") from err
        return week, -1 if solutions is None else solutions, "given"
    return (n if week is None else week), (min(m, n if week is None else week)
                                           if solutions is None else solutions), "course.yml"


def main_release(args: Any) -> int:
    """``mlpc release`` (see :mod:`mlpc_course.cli`)."""
    import sys

    root = project_root()
    try:
        week, sols, origin = resolve_weeks(args.week, args.solutions, parse_at(args.at))
        tag = args.tag or release_tag(root)
        if not tag:
            raise ReleaseError("no TAG given and HEAD carries no tag: give TAG=<name>, the tag "
                               "the public repository will carry (e.g. TAG=2026-w03)")
        rel = build_release(week, sols, tag, Path(args.out) if args.out else None, root,
                            site=args.site or bool(args.site_only),
                            executed=Path(args.executed) if args.executed else None,
                            only=args.site_only)
        push = commit_release(rel, Path(args.commit)) if args.commit else None
    except (ReleaseError, editions.EditionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Release {rel.tag} ({origin}): student material of weeks <= {rel.week} "
          f"({len(rel.students)} notebooks), solutions of weeks <= {rel.solutions} "
          f"({len(rel.solution_notebooks)}) in {rel.public}/"
          + (f", site in {rel.site}/" if rel.site else ""))
    if push:
        print("Committed and tagged; publish with:  " + " ".join(push))
    else:
        print(f"Next: copy {rel.public}/ into a clone of the public repository, commit, "
              f"`git tag {rel.tag}`, push with --follow-tags (or pass COMMIT=<clone>).")
    return 0


def add_parser(sub: Any) -> None:
    """The ``release`` subcommand of ``mlpc``."""
    r = sub.add_parser("release", help="build the public material of weeks <= N (and the "
                       "solutions of weeks <= M), pinned to a release tag")
    r.add_argument("--week", type=int, default=None,
                   help="last week whose student material is public (default: course.yml)")
    r.add_argument("--solutions", type=int, default=None,
                   help="last week whose solutions are public (default: course.yml; -1 none)")
    r.add_argument("--tag", default=None,
                   help="tag of the public repository that the setup cell clones "
                        "(default: HEAD's tag)")
    r.add_argument("--at", default=None,
                   help="date for the schedule in course.yml (default: now)")
    r.add_argument("--out", default=None, help="folder (default build/release)")
    r.add_argument("--site", action="store_true",
                   help="also render the student-mode site and handouts into public/docs/")
    r.add_argument("--site-only", nargs="*", default=[], metavar="FILE",
                   help="render only these project files (e.g. notebooks/week03_leakage.ipynb)")
    r.add_argument("--executed", default=None,
                   help="executed notebooks for --site (default build/executed)")
    r.add_argument("--commit", default=None, metavar="CLONE",
                   help="copy into this clone of the public repository, commit and tag there")
