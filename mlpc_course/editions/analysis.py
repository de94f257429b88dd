"""Analysis of a source notebook for its student edition: cell tags, exercise tasks, and which
names each cell reads, binds and changes in place (static, with :mod:`ast`).

The rules it checks are described in :mod:`mlpc_course.editions`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlpc_helpers.exercise import MAGIC, run_check  # noqa: F401  (re-exported)

SOLUTION = "solution"
CHECK = "check"  # public tests (kept in the student edition, behind %%exercise_check)
HIDDEN = "hidden"  # hidden tests: instructor edition only (grading, CI)
WRONG = "wrong"  # a planted wrong answer: instructor edition only (CI)
NBVAL_SKIP = "nbval-skip"  # a `wrong` cell carries it: nbval must not run it as a cell
GRADING_ONLY = frozenset({HIDDEN, WRONG})  # cells dropped from student and solutions editions
TEST_DECORATOR = "points"  # @points(n) marks a test (mlpc_helpers.exercise.points)
TEST_HELPERS = frozenset({"points", "assert_close"})
EXERCISE = "exercise"  # tag of a stub in the student edition
RAISES = "raises-exception"  # nbval/nbclient: an error in this cell is expected
STUDENT_DIR = "student"
STUB_PREFIX = "Exercise"
COLAB_BRANCH = "gh-pages"  # branch that holds the published site, student/ included
EXTENSION = "mlpc_helpers.exercise"  # the student kernel loads only this small module
_LOAD_EXT = f"# Lets the %%{MAGIC} cells wait for your answers.\n%load_ext {EXTENSION}"

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
    kind: str  # "plain", "solution", "solution-text", "check", "hidden", "wrong"
    exercise: str = ""  # title of the exercise it belongs to (solutions and checks)
    needs: list[str] = field(default_factory=list)  # check cells: names only the answers define
    hidden: list[str] = field(default_factory=list)  # check cells: names the student lacks here


@dataclass
class ExercisePlan:
    """One exercise of a source notebook: its cells, the names its solution binds, its tests."""

    title: str  # "Exercise 2: train on the first 70 % ..." (first task line)
    solution: int  # cell index of the solution
    answer: list[str] = field(default_factory=list)  # names the solution binds
    checks: list[int] = field(default_factory=list)  # cell indices of `check` cells
    hidden: list[int] = field(default_factory=list)  # cell indices of `hidden` cells
    wrong: list[int] = field(default_factory=list)  # cell indices of `wrong` cells
    public_points: float = 0.0  # sum of the @points of the public tests
    hidden_points: float = 0.0  # ... of the hidden tests
    tests: list[str] = field(default_factory=list)  # test function names, in order
    earlier: dict[str, str] = field(default_factory=dict)  # read names only earlier answers bind

    @property
    def label(self) -> str:
        """``"Exercise 2"`` (the grades table's column)."""
        head = self.title.split(":", 1)[0].strip()
        return head if ":" in self.title and 0 < len(head) <= 30 else self.title

    @property
    def graded(self) -> bool:
        return bool(self.tests)

    @property
    def points(self) -> float:
        return self.public_points + self.hidden_points

    def test_sources(self, nb: Any, hidden: bool = True) -> list[tuple[str, bool]]:
        """``(code, hidden)`` of its test cells in ``nb`` (the source notebook)."""
        cells = sorted(self.checks + (self.hidden if hidden else []))
        return [(_source(nb.cells[i]), i in self.hidden) for i in cells]


@dataclass
class Analysis:
    """The plan for every cell of a source notebook and the rule violations found."""

    cells: list[CellPlan]
    problems: list[str]
    exercise_plans: list[ExercisePlan] = field(default_factory=list)

    @property
    def exercises(self) -> list[str]:
        return [c.exercise for c in self.cells if c.kind == "solution"]

    @property
    def graded(self) -> list[ExercisePlan]:
        """The exercises with ``@points`` tests."""
        return [e for e in self.exercise_plans if e.graded]


@dataclass
class PointsFunction:
    """A ``@points(n)`` function of a test cell, read statically."""

    name: str
    arguments: list[str]
    points: float | None  # None: not a number literal
    asserts_without_message: int
    line: int


def _is_points_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == TEST_DECORATOR)
        or (isinstance(node.func, ast.Attribute) and node.func.attr == TEST_DECORATOR))


def points_functions(source: str) -> tuple[list[PointsFunction], list[int]]:
    """The ``@points`` functions of a test cell, and the lines of statements that are neither
    imports, function definitions nor a docstring (a test cell must hold only those)."""
    tree = ast.parse(_to_python(source))
    found, other = [], []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            deco = next((d for d in stmt.decorator_list if _is_points_call(d)), None)
            if deco is None:
                continue
            pts = None
            if deco.args:
                try:
                    value = ast.literal_eval(deco.args[0])
                    pts = float(value) if isinstance(value, int | float) else None
                except ValueError:
                    pts = None
            a = stmt.args
            args = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
            bare = sum(isinstance(n, ast.Assert) and n.msg is None for n in ast.walk(stmt))
            found.append(PointsFunction(stmt.name, args, pts, bare, stmt.lineno))
        elif not isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef) and not (
                isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            other.append(stmt.lineno)
    return found, other


def _test_rules(tests: list[PointsFunction], other: list[int], where: str, kind: str,
                ex: ExercisePlan) -> list[str]:
    problems = []
    if other:
        problems.append(f"{where}: a cell with @points tests holds only imports and test "
                        f"functions (line {other[0]} is something else): the tests are "
                        "re-run in CI and grading, so the cell must only define them")
    for t in tests:
        at = f"{where}: test `{t.name}` (line {t.line})"
        if t.points is None or t.points <= 0:
            problems.append(f"{at}: give its points as a positive number, e.g. @points(1)")
        if t.asserts_without_message:
            problems.append(f"{at}: every `assert` needs a message saying what is wrong "
                            "(without giving the answer away)")
        if kind == CHECK and REF_ARG in t.arguments:
            problems.append(f"{at}: only `hidden` tests may take `ref` (the student's kernel "
                            "has no solution)")
        if not set(t.arguments) & set(ex.answer):
            problems.append(f"{at}: takes none of the names the solution of '{ex.title}' "
                            f"binds ({', '.join(sorted(ex.answer)) or 'none'}), so an untouched "
                            "student edition would pass it: take the answer's names as "
                            "arguments")
    return problems


REF_ARG = "ref"


def analyse(nb: Any, name: str = "notebook") -> Analysis:
    """Plan the student edition of ``nb`` and list every broken rule (see the module docstring)."""
    plans: list[CellPlan] = []
    problems: list[str] = []
    exercises: list[ExercisePlan] = []
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
        roles = tags & {SOLUTION, CHECK, HIDDEN, WRONG}
        if len(roles) > 1:
            problems.append(f"{where}: a cell has one of the tags `solution`, `check`, `hidden`, "
                            f"`wrong`, not {', '.join(f'`{r}`' for r in sorted(roles))}")
        try:
            flow = cell_flow(src)
        except SyntaxError as err:
            problems.append(f"{where}: cannot be parsed ({err.msg}, line {err.lineno})")
            flow = Flow()
        modules |= flow.modules
        ex = exercises[-1] if exercises and current else None
        if SOLUTION in tags:
            title = exercise_title(src)
            if not title:
                problems.append(f"{where}: a `solution` cell must begin with comment lines "
                                "stating the task, e.g. '# Exercise 2: cluster with k = 4'")
                title = f"exercise in code cell {code_no}"
            elif not _code_after_task(src):
                problems.append(f"{where}: the solution of '{title}' has no code after the task")
            current = title
            exercises.append(ExercisePlan(title, i, sorted(flow.binds), earlier={
                n: only_answer[n] for n in flow.reads if n in only_answer}))
            for n in flow.binds:
                (changed if n in defined else only_answer)[n] = title
            for n in (flow.mutates & defined) - modules:
                changed[n] = title
            plans.append(CellPlan(i, "solution", title))
            continue
        if roles & {CHECK, HIDDEN, WRONG}:
            kind = next(r for r in (CHECK, HIDDEN, WRONG) if r in roles)
            if not current or ex is None:
                problems.append(f"{where}: a `{kind}` cell must follow a `solution` cell")
                plans.append(CellPlan(i, kind))
                continue
            tests: list[PointsFunction] = []
            if kind in (CHECK, HIDDEN):
                try:
                    tests, other = points_functions(src)
                except SyntaxError:
                    tests, other = [], []
                if tests:
                    problems += _test_rules(tests, other, where, kind, ex)
                    pts = sum(t.points or 0 for t in tests)
                    if kind == CHECK:
                        ex.public_points += pts
                    else:
                        ex.hidden_points += pts
                    ex.tests += [t.name for t in tests]
                (ex.checks if kind == CHECK else ex.hidden).append(i)
            else:  # a planted wrong answer
                ex.wrong.append(i)
                if NBVAL_SKIP not in tags:
                    problems.append(f"{where}: a `wrong` cell also needs the tag `nbval-skip` "
                                    "(nbval must not run it as an ordinary cell)")
                if not task_lines(src):
                    problems.append(f"{where}: a `wrong` cell starts with a comment naming the "
                                    "mistake, e.g. '# Wrong: a shuffled K-fold instead of "
                                    "leave-one-run-out'")
                for n in sorted((flow.mutates & defined) - modules - flow.binds):
                    problems.append(f"{where}: the planted wrong answer changes `{n}` in place; "
                                    "CI runs it in the notebook's kernel, so it must leave "
                                    "other cells' names as they are")
            params = {a for t in tests for a in t.arguments} - {REF_ARG}
            reads = flow.reads | params
            needs = sorted(reads & only_answer.keys())
            if kind == CHECK:
                for n in sorted(flow.reads & changed.keys()):
                    problems.append(
                        f"{where}: this check reads `{n}`, which the solution of '{changed[n]}' "
                        "re-binds or changes in place, so the student edition would check the "
                        "old value: let the answer define a new name")
            if kind != WRONG:
                for n in flow.binds:
                    if n not in defined:
                        only_answer[n] = current
            else:
                for n in flow.binds:
                    if n not in defined:
                        only_answer.setdefault(n, current)
            plans.append(CellPlan(i, kind, current, needs if kind == CHECK else [],
                                  sorted(only_answer)))
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
        if any(e.graded for e in exercises):
            for n in sorted(flow.binds & TEST_HELPERS):
                problems.append(f"{where}: re-binds `{n}`, which the exercises' tests use "
                                "(mlpc_helpers.exercise): choose another name")
        defined |= flow.binds
        for n in flow.binds:
            only_answer.pop(n, None)
            changed.pop(n, None)
        plans.append(CellPlan(i, "plain"))
    for ex in exercises:
        for n, other in sorted(ex.earlier.items()):
            if ex.graded:
                problems.append(f"{name}: the solution of '{ex.title}' reads `{n}`, which only "
                                f"the answer to '{other}' defines: grading runs the solution in "
                                "the student's kernel, on the student's own value; compute it "
                                "in the solution or define it before the exercises")
        if ex.graded and len(ex.wrong) < 2:
            problems.append(f"{name}: '{ex.title}' has @points tests but {len(ex.wrong)} planted "
                            "wrong answer(s): add at least two cells tagged `wrong` and "
                            "`nbval-skip` (see GRADING.md)")
    return Analysis(plans, problems, exercises)
