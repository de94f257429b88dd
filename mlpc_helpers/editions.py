"""Student and instructor editions of the course notebooks, built from one source.

The source notebook in ``notebooks/`` is the **instructor edition**: it carries the answers.
Cell tags (set them in jupytext with ``# %% tags=["solution"]``):

``solution`` (code)
    An exercise answer. Its first comment lines state the task (``# Exercise 2: ...``), the
    rest is the runnable answer. In the student edition it becomes a *stub*: the task comments
    and ``raise NotImplementedError("Exercise ...")``.
``solution`` (markdown or raw)
    A written answer or discussion of the answer: dropped from the student edition.
``check`` (code)
    Verifies the answer of the exercise above it (the most recent ``solution`` cell). It runs
    as written in the instructor edition. In the student edition it starts with the cell magic
    ``%%exercise_check``, which skips the cell with the message "... not done yet" while the
    names the answer defines (found by static analysis, listed after ``--needs``) are missing,
    and also when the cell stops on ``NameError`` or ``NotImplementedError`` from an unfilled
    exercise. Any other error of a check is a real error (a wrong answer) and is shown.

Rules for authors, enforced by :func:`validate` (and so by ``make test``): every solution code
cell starts with a comment stating the task and has code after it; cells after an exercise
that are not ``check`` cells must not read names that only a solution (or check) cell defines,
nor names that a solution re-binds or changes in place (give the answer its own name, or give
the later cell a fallback such as ``globals().get("labels4", labels)``).

Build the student editions with ``make student`` (``mlpc student``): ``student/<name>.ipynb``
and ``student/colab/<name>.html``, a page that forwards to Google Colab (the repository's
public URL comes from ``MLPC_REPO_URL`` or ``website.repo-url`` in ``_quarto.yml``).
"""

from __future__ import annotations

import ast
import copy
import html
import linecache
import os
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import project_root

SOLUTION = "solution"
CHECK = "check"
EXERCISE = "exercise"  # tag of a stub in the student edition
RAISES = "raises-exception"  # nbval/nbclient: an error in this cell is expected
STUDENT_DIR = "student"
STUB_PREFIX = "Exercise"
COLAB_BRANCH = "gh-pages"  # branch that holds the published site, student/ included
MAGIC = "exercise_check"
_LOAD_EXT = f"# Lets the %%{MAGIC} cells wait for your answers.\n%load_ext mlpc_helpers.editions"

# Method calls that change their object in place (a solution must not do this to a name that
# later cells read: the student edition would see the unchanged object).
_MUTATORS = frozenset({
    "fit", "partial_fit", "fit_transform", "fit_predict", "append", "extend", "insert",
    "update", "pop", "popitem", "remove", "clear", "sort", "reverse", "setdefault", "add",
    "discard", "load_state_dict", "set_params",
})


class EditionError(ValueError):
    """A source notebook's exercises break the rules of the student edition."""


# --- parsing cells -----------------------------------------------------------------------------

def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def task_lines(source: str) -> list[str]:
    """The leading comment lines of a solution cell (the task), without Quarto ``#|`` options.

    Blank lines and ``#|`` option lines before the comment are skipped; the block ends at the
    first line that is not a comment.
    """
    lines = source.splitlines()
    i = 0
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#|")):
        i += 1
    out = []
    while i < len(lines) and lines[i].lstrip().startswith("#"):
        out.append(lines[i].rstrip())
        i += 1
    return out


def _code_after_task(source: str) -> str:
    lines = source.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        lines.pop(0)
    return "\n".join(lines).strip()


def exercise_title(source: str) -> str:
    """The first task comment line without its ``#``: ``"Exercise 2: cluster with k = 4"``."""
    lines = task_lines(source)
    return lines[0].lstrip("#").strip() if lines else ""


def stub_message(title: str) -> str:
    """The stub's error message: ``title`` if it starts with "Exercise", else "Exercise: title"."""
    return title if title.lower().startswith(STUB_PREFIX.lower()) else f"{STUB_PREFIX}: {title}"


def stub_source(source: str) -> str:
    """The student stub of a solution cell: its task comments, then raise NotImplementedError."""
    lines = task_lines(source)
    if not lines:
        raise EditionError("a solution cell must begin with comment lines that state the task")
    msg = stub_message(exercise_title(source))
    return "\n".join([
        *lines,
        "# Write your answer here, then delete the `raise` line below.",
        f"raise NotImplementedError({msg!r})",
    ])


# --- which names a cell reads, binds and changes in place -----------------------------------

def _to_python(source: str) -> str:
    """Cell source with IPython magics turned into Python (so that ``ast`` can parse it)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with jupyter
        return source
    return TransformerManager().transform_cell(source)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _scoped_locals(node: ast.AST) -> set[str]:
    """Names bound inside nested scopes (functions, lambdas, comprehensions) of ``node``."""
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            a = n.args
            out |= {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
            out |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
            if not isinstance(n, ast.Lambda):
                for stmt in n.body:
                    for m in ast.walk(stmt):
                        if isinstance(m, ast.Name) and isinstance(m.ctx, ast.Store):
                            out.add(m.id)
                        elif isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                            out.add(m.name)
                        elif isinstance(m, ast.alias):
                            out.add((m.asname or m.name).split(".")[0])
        elif isinstance(n, ast.comprehension):
            out |= {m.id for m in ast.walk(n.target) if isinstance(m, ast.Name)}
    return out


def _loads(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    names = {n.id for n in ast.walk(node)
             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return names - _scoped_locals(node)


def _mutated_by_calls(node: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            inplace = any(k.arg == "inplace" and isinstance(k.value, ast.Constant)
                          and k.value.value is True for k in n.keywords)
            if n.func.attr in _MUTATORS or inplace:
                root = _root_name(n.func.value)
                if root:
                    out.add(root)
    return out


@dataclass
class Flow:
    """Module-level names of one cell: read before bound, bound, changed in place."""

    reads: set[str] = field(default_factory=set)
    binds: set[str] = field(default_factory=set)
    mutates: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)  # names bound by import statements

    def read(self, names: Iterable[str]) -> None:
        self.reads |= set(names) - self.binds

    def bind_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.binds.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for t in target.elts:
                self.bind_target(t)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)
        elif isinstance(target, ast.Attribute | ast.Subscript):
            self.read(_loads(target))
            root = _root_name(target)
            if root:
                self.mutates.add(root)


def _walk_body(flow: Flow, body: Sequence[ast.stmt]) -> None:
    for stmt in body:
        _walk_stmt(flow, stmt)


def _walk_stmt(flow: Flow, s: ast.stmt) -> None:
    flow.mutates |= _mutated_by_calls(s) if not isinstance(
        s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else set()
    if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        flow.read(_loads(s) - {s.name})
        flow.binds.add(s.name)
    elif isinstance(s, ast.Assign):
        flow.read(_loads(s.value))
        for t in s.targets:
            flow.bind_target(t)
    elif isinstance(s, ast.AugAssign):
        flow.read(_loads(s.value) | _loads(s.target) | ({s.target.id} if isinstance(
            s.target, ast.Name) else set()))
        flow.bind_target(s.target)
        root = _root_name(s.target)
        if root:
            flow.mutates.add(root)
    elif isinstance(s, ast.AnnAssign):
        flow.read(_loads(s.value) | _loads(s.annotation))
        if s.value is not None:
            flow.bind_target(s.target)
    elif isinstance(s, ast.For | ast.AsyncFor):
        flow.read(_loads(s.iter))
        flow.bind_target(s.target)
        _walk_body(flow, s.body)
        _walk_body(flow, s.orelse)
    elif isinstance(s, ast.While | ast.If):
        flow.read(_loads(s.test))
        _walk_body(flow, s.body)
        _walk_body(flow, s.orelse)
    elif isinstance(s, ast.With | ast.AsyncWith):
        for item in s.items:
            flow.read(_loads(item.context_expr))
            if item.optional_vars is not None:
                flow.bind_target(item.optional_vars)
        _walk_body(flow, s.body)
    elif isinstance(s, ast.Try | ast.TryStar):
        _walk_body(flow, s.body)
        for h in s.handlers:
            flow.read(_loads(h.type))
            if h.name:
                flow.binds.add(h.name)
            _walk_body(flow, h.body)
        _walk_body(flow, s.orelse)
        _walk_body(flow, s.finalbody)
    elif isinstance(s, ast.Import | ast.ImportFrom):
        for a in s.names:
            if a.name != "*":
                flow.binds.add(a.asname or a.name.split(".")[0])
                flow.modules.add(a.asname or a.name.split(".")[0])
    elif isinstance(s, ast.Delete):
        for t in s.targets:
            if isinstance(t, ast.Attribute | ast.Subscript):
                flow.bind_target(t)
    else:  # Expr, Return, Assert, Raise, Match, ...
        flow.read(_loads(s))
        flow.binds |= {n.id for n in ast.walk(s) if isinstance(n, ast.Name)
                       and isinstance(n.ctx, ast.Store)} - _scoped_locals(s)
        flow.binds |= {n.name for n in ast.walk(s) if isinstance(n, ast.MatchAs | ast.MatchStar)
                       and n.name}


def cell_flow(source: str) -> Flow:
    """Names a code cell reads before binding them, binds, and changes in place (module level).

    Static and approximate: ``globals()``, ``exec`` and star imports are not followed; free
    names inside a function body count as read where the function is defined.
    """
    lines = source.strip().splitlines()
    if lines and lines[0].startswith("%%"):  # a cell magic: Python inside only for these
        if lines[0][2:].split()[:1] not in (["time"], ["timeit"], ["capture"], ["prun"]):
            return Flow()
        source = "\n".join(lines[1:])
    tree = ast.parse(_to_python(source))
    flow = Flow()
    _walk_body(flow, tree.body)
    return flow


# --- analysis of a source notebook --------------------------------------------------------------

@dataclass
class CellPlan:
    """What the student edition does with one source cell."""

    index: int  # position in the source notebook
    kind: str  # "plain", "solution", "solution-text", "check"
    exercise: str = ""  # title of the exercise it belongs to (solutions and checks)
    needs: list[str] = field(default_factory=list)  # check cells: names only the answers define
    hidden: list[str] = field(default_factory=list)  # check cells: names the student lacks here


@dataclass
class Analysis:
    """The plan for every cell of a source notebook and the rule violations found."""

    cells: list[CellPlan]
    problems: list[str]

    @property
    def exercises(self) -> list[str]:
        return [c.exercise for c in self.cells if c.kind == "solution"]


def analyse(nb: Any, name: str = "notebook") -> Analysis:
    """Plan the student edition of ``nb`` and list every broken rule (see the module docstring)."""
    plans: list[CellPlan] = []
    problems: list[str] = []
    defined: set[str] = set()  # bound in the student edition so far
    only_answer: dict[str, str] = {}  # name -> exercise: bound by a solution/check cell only
    changed: dict[str, str] = {}  # name -> exercise: student-edition name a solution re-binds
    modules: set[str] = set()  # imported names: calls like plt.rcParams.update() are not answers
    current = ""
    code_no = -1
    for i, cell in enumerate(nb.cells):
        tags = _tags(cell)
        src = _source(cell)
        if cell.cell_type == "code":
            code_no += 1
        where = f"{name} cell {i} (code cell {code_no})" if cell.cell_type == "code" else \
            f"{name} cell {i}"
        if cell.cell_type != "code":
            kind = "solution-text" if SOLUTION in tags else "plain"
            plans.append(CellPlan(i, kind, current if kind != "plain" else ""))
            continue
        if SOLUTION in tags and CHECK in tags:
            problems.append(f"{where}: a cell is either `solution` or `check`, not both")
        try:
            flow = cell_flow(src)
        except SyntaxError as err:
            problems.append(f"{where}: cannot be parsed ({err.msg}, line {err.lineno})")
            flow = Flow()
        modules |= flow.modules
        if SOLUTION in tags:
            title = exercise_title(src)
            if not title:
                problems.append(f"{where}: a `solution` cell must begin with comment lines "
                                "stating the task, e.g. '# Exercise 2: cluster with k = 4'")
                title = f"exercise in code cell {code_no}"
            elif not _code_after_task(src):
                problems.append(f"{where}: the solution of '{title}' has no code after the task")
            current = title
            for n in flow.binds:
                (changed if n in defined else only_answer)[n] = title
            for n in (flow.mutates & defined) - modules:
                changed[n] = title
            plans.append(CellPlan(i, "solution", title))
            continue
        if CHECK in tags:
            if not current:
                problems.append(f"{where}: a `check` cell must follow a `solution` cell")
            needs = sorted(flow.reads & only_answer.keys())
            for n in sorted(flow.reads & changed.keys()):
                problems.append(
                    f"{where}: this check reads `{n}`, which the solution of '{changed[n]}' "
                    "re-binds or changes in place, so the student edition would check the old "
                    "value: let the answer define a new name")
            for n in flow.binds:
                if n not in defined:
                    only_answer[n] = current
            plans.append(CellPlan(i, "check", current, needs, sorted(only_answer)))
            continue
        for n in sorted(flow.reads & only_answer.keys()):
            problems.append(
                f"{where}: reads `{n}`, which only the answer to '{only_answer[n]}' defines, so "
                "the student edition stops here: define it before the exercise, give a fallback "
                f"(e.g. `globals().get({n!r}, default)`), or tag this cell `check`")
        for n in sorted(flow.reads & changed.keys()):
            problems.append(
                f"{where}: reads `{n}`, which the solution of '{changed[n]}' re-binds or "
                "changes in place, so the student edition would run on the old value: let the "
                "answer define a new name")
        defined |= flow.binds
        for n in flow.binds:
            only_answer.pop(n, None)
            changed.pop(n, None)
        plans.append(CellPlan(i, "plain"))
    return Analysis(plans, problems)


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


def check_magic_line(exercise: str, needs: Sequence[str]) -> str:
    """First line of a check cell in the student edition."""
    parts = [f"%%{MAGIC}"]
    if needs:
        parts.append("--needs " + ",".join(needs))
    parts.append(shlex.quote(exercise_label(exercise) or "the exercise above"))
    return " ".join(parts)


def student_check_source(source: str, exercise: str, needs: Sequence[str]) -> str:
    """A check cell as the student edition has it: the cell magic line, then the cell unchanged."""
    return check_magic_line(exercise, needs) + "\n" + source


def banner_markdown(name: str) -> str:
    return (
        "> **Student edition.** The answers are taken out. Each exercise cell states its task in "
        "comments and stops with `NotImplementedError` until you replace its `raise` line with "
        f"your code. Cells that begin with `%%{MAGIC}` test your answer; they print *not done "
        "yet* until you have solved the exercise above them. *Run All* stops at the first "
        f"exercise you have not done yet. On Google Colab, install the course package first, as "
        f"the course README says. (Instructor edition: `notebooks/{name}.ipynb`.)"
    )


def _preprocessor_class() -> type:
    """Define the nbconvert preprocessor on first use (nbconvert is slow to import: the
    ``%%exercise_check`` magic, which loads this module in every student kernel, needs none)."""
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

        def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
            name = (resources or {}).get("metadata", {}).get("name") or self.notebook_name
            plan = analyse(nb, name)
            if plan.problems and self.strict:
                raise EditionError(f"{name}: the student edition cannot be built:\n  "
                                   + "\n  ".join(plan.problems))
            out = copy.deepcopy(nb)
            cells = []
            for p, cell in zip(plan.cells, out.cells, strict=True):
                if p.kind == "solution-text":
                    continue
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
                    if p.kind == "solution":
                        cell.source = stub_source(_source(cell))
                        keep = [t for t in cell.metadata.get("tags", []) if t != SOLUTION]
                        cell.metadata["tags"] = keep + [
                            t for t in (EXERCISE, RAISES) if t not in keep]
                    elif p.kind == "check":
                        cell.source = student_check_source(_source(cell), p.exercise, p.needs)
                cells.append(cell)
            at = 1 if cells and cells[0].cell_type == "markdown" else 0
            cells.insert(at, _new_cell("markdown", banner_markdown(name), "mlpc-student-banner"))
            if any(p.kind == "check" for p in plan.cells):
                first_code = next(k for k, c in enumerate(cells) if c.cell_type == "code")
                cells.insert(first_code + 1, _new_cell("code", _LOAD_EXT, "mlpc-load-ext"))
            out.cells = cells
            out.metadata["mlpc_edition"] = "student"
            return out, resources

    _PREPROCESSOR = StudentEditionPreprocessor
    return _PREPROCESSOR


_PREPROCESSOR: type | None = None


def __getattr__(name: str) -> Any:
    if name == "StudentEditionPreprocessor":
        return _preprocessor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def student_edition(nb: Any, name: str = "notebook", strict: bool = True) -> Any:
    """The student edition of a source notebook (an nbformat NotebookNode)."""
    pp = _preprocessor_class()(strict=strict, notebook_name=name)
    out, _ = pp.preprocess(nb, {"metadata": {"name": name}})
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


def validate(source: Any, student: Any | None = None, name: str = "notebook") -> list[str]:
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
    expected = student_edition(source, name, strict=False)
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
    return problems


# --- writing the editions and the Colab pages ---------------------------------------------

def repo_url(root: Path | None = None) -> str | None:
    """The repository's public URL: ``MLPC_REPO_URL``, else ``website.repo-url`` in
    ``_quarto.yml``; None when neither is set (then no Colab links are made)."""
    env = os.environ.get("MLPC_REPO_URL", "").strip()
    if env:
        return env.rstrip("/")
    cfg = (root or project_root()) / "_quarto.yml"
    if cfg.is_file():
        import yaml

        url = ((yaml.safe_load(cfg.read_text()) or {}).get("website") or {}).get("repo-url")
        if url:
            return str(url).strip().rstrip("/")
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


def colab_page(name: str, url: str | None) -> str:
    """HTML page ``student/colab/<name>.html``: forwards to Colab, or says what to configure."""
    target = colab_url(name, url)
    if target:
        t = html.escape(target)
        head = f"<meta http-equiv='refresh' content='0; url={t}'>"
        body = f"<p>Opening <a href='{t}'>{html.escape(name)} (student edition) in Colab</a>…</p>"
    else:
        head = ""
        body = (f"<p>The Colab link of <code>{html.escape(name)}</code> is not set up yet: the "
                "instructor sets the repository's public GitHub URL as <code>website.repo-url"
                "</code> in <code>_quarto.yml</code> (or <code>MLPC_REPO_URL</code>) and runs "
                "<code>make student</code> again. Meanwhile, download the notebook: <a href='../"
                f"{html.escape(name)}.ipynb'>{html.escape(name)}.ipynb</a>.</p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}<title>{html.escape(name)}"
            f" in Colab</title></head><body>{body}</body></html>")


def write_student_editions(out_dir: Path | None = None, names: Sequence[str] | None = None,
                           root: Path | None = None) -> list[Path]:
    """Write ``student/<name>.ipynb`` and ``student/colab/<name>.html`` for every notebook.

    Raises :class:`EditionError` listing every problem of every notebook before writing any.
    """
    import nbformat

    root = root or project_root()
    out_dir = Path(out_dir) if out_dir else root / STUDENT_DIR
    sources = sorted((root / "notebooks").glob("*.ipynb"))
    if names:
        unknown = set(names) - {p.stem for p in sources}
        if unknown:
            raise ValueError(f"no notebooks/{sorted(unknown)[0]}.ipynb: give notebook stems, "
                             f"e.g. {sources[0].stem if sources else 'week00_setup'}")
        sources = [p for p in sources if p.stem in names]
    built, problems = [], []
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        found = validate(nb, name=path.stem)
        problems += found
        if not found:
            built.append((path.stem, student_edition(nb, path.stem)))
    if problems:
        raise EditionError("student editions not written:\n  " + "\n  ".join(problems))
    url = repo_url(root)
    (out_dir / "colab").mkdir(parents=True, exist_ok=True)
    written = []
    for stem, nb in built:
        nbformat.validate(nb)
        target = out_dir / f"{stem}.ipynb"
        nbformat.write(nb, target)
        (out_dir / "colab" / f"{stem}.html").write_text(colab_page(stem, url))
        written.append(target)
    return written


def check_written(out_dir: Path | None = None, root: Path | None = None) -> list[str]:
    """Problems of the student editions on disk: missing, stale, or a stub without a solution."""
    import nbformat

    root = root or project_root()
    out_dir = Path(out_dir) if out_dir else root / STUDENT_DIR
    problems = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        target = out_dir / path.name
        if not target.exists():
            problems.append(f"{target} is missing: run `make student`")
            continue
        problems += validate(nbformat.read(path, as_version=4),
                             nbformat.read(target, as_version=4), path.stem)
    return problems


# --- the %%exercise_check cell magic of the student edition -------------------------------

_n_checks = 0


def run_check(cell: str, exercise: str, needs: Sequence[str], namespace: dict,
              shell: Any = None) -> Any:
    """Run a check cell's code in ``namespace`` unless its exercise is not done yet.

    Returns the value of the cell's last expression (shown by IPython like a normal cell).
    Skips, printing "... not done yet", when a name in ``needs`` is missing or when the code
    stops on ``NameError`` or ``NotImplementedError``; every other error propagates.
    """
    missing = [n for n in needs if n not in namespace]
    if missing:
        print(f"{exercise}: not done yet — this check runs once your answer defines "
              + ", ".join(f"`{n}`" for n in missing) + ".")
        return None
    code = shell.transform_cell(cell) if shell is not None else cell
    global _n_checks
    _n_checks += 1
    fname = f"<{MAGIC} {_n_checks}>"
    linecache.cache[fname] = (len(code), None, code.splitlines(True), fname)  # for tracebacks
    tree = ast.parse(code, fname)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, fname, "exec"), namespace)
        if last is not None:
            return eval(compile(ast.Expression(last.value), fname, "eval"), namespace)
    except (NameError, NotImplementedError) as err:
        print(f"{exercise}: not done yet — this check stopped on "
              f"{type(err).__name__}: {err}")
    return None


def _magic(line: str, cell: str) -> Any:
    from IPython import get_ipython

    words = shlex.split(line)
    needs: list[str] = []
    if words[:1] == ["--needs"] and len(words) > 1:
        needs = [n for n in words[1].split(",") if n]
        words = words[2:]
    exercise = " ".join(words) or "the exercise above"
    shell = get_ipython()
    return run_check(cell, exercise, needs, shell.user_ns, shell)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlpc_helpers.editions``: registers the ``%%exercise_check`` cell magic."""
    ipython.register_magic_function(_magic, magic_kind="cell", magic_name=MAGIC)
