"""Graded exercises: ``@points`` tests, ``assert_close`` and the ``%%exercise_check`` magic.

The authoring format is described in the README's section "Running the
semester". In short, an exercise's tests are functions decorated with :func:`points`; their
arguments are taken from the notebook by name (the idea of otter-grader's test cases), a
passing test returns the sentence that says what it verified, a failing one raises
``AssertionError`` with a message that says what is wrong without giving the answer away::

    @points(1)
    def every_run_is_split_in_time(late, rows):
        ...
        assert not bad, f"in {len(bad)} of {n} runs some test rows come before training rows"
        return f"every one of the {n} runs is split in time"

Hidden tests (kept in the instructor's notebook) may take ``ref``: the values the solution
bound, computed in the same kernel (``ref.acc_time_split``), compared with
:func:`assert_close` and a stated tolerance.

Where the tests run:

- in the instructor edition (a plain cell, e.g. under nbval), each test runs when it is
  defined: ``✓ message``, or :class:`ExerciseTestFailed` at the first failure;
- in the student edition, the check cell starts with ``%%exercise_check --needs m 'Exercise 1'``
  (``%load_ext mlpc_helpers.exercise``): "not done yet" while the answer's names are missing,
  else every public test with a ✓/✗ line and a summary (and :class:`ExerciseTestFailed` when one
  failed);
- in CI and grading (:func:`untouched_stub`, :func:`planted_wrong_answer`, :func:`reference`,
  :func:`grade`), called by ``mlpc_course.nbval_editions`` and ``mlpc_course.grading`` inside
  the notebook's kernel.

This module imports only the standard library (it runs in students' kernels, on Colab too).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import json
import linecache
import math
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

MAGIC = "exercise_check"
REF = "ref"  # the argument name that receives the solution's values (hidden tests only)
_n_checks = 0
_collecting: list[list[PointsTest]] = []  # stack of collectors (innermost last)
_REFS: dict[str, dict[str, Any]] = {}  # grading: exercise -> the solution's values
_REF_ERRORS: dict[str, str] = {}  # grading: exercise -> why its reference run failed


class ExerciseTestFailed(AssertionError):
    """A test of an exercise failed (the message says which and why)."""


@dataclass
class PointsTest:
    """A test of an exercise: the decorated function, its points and whether it is hidden."""

    func: Callable[..., Any]
    points: float
    name: str
    hidden: bool = False

    @property
    def arguments(self) -> list[str]:
        return list(inspect.signature(self.func).parameters)


@dataclass
class Result:
    """The outcome of one test (JSON-friendly: :func:`dataclasses.asdict`)."""

    name: str
    points: float
    hidden: bool
    passed: bool
    message: str
    not_done: bool = False  # stopped because the answer's names are missing

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0

    def line(self) -> str:
        tag = " [hidden]" if self.hidden else ""
        return f"{'✓' if self.passed else '✗'}{tag} {self.message}"


class Reference:
    """``ref`` of a hidden test: attribute access to the solution's values."""

    def __init__(self, values: dict[str, Any] | None = None, error: str = "",
                 namespace: dict | None = None) -> None:
        self._values = values
        self._error = error
        self._namespace = namespace  # instructor edition: the solution's names are live

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._error:
            raise RuntimeError(f"the reference solution could not run: {self._error}")
        values = self._namespace if self._values is None else self._values
        if values is None or name not in values:
            raise AttributeError(f"the solution defines no `{name}` (ref.{name})")
        return values[name]


def points(n: float, *, name: str | None = None) -> Callable[[Callable[..., Any]], Any]:
    """Decorator: the function is a test of the exercise, worth ``n`` points.

    Parameters
    ----------
    n : float
        Points the test is worth (> 0); a test passes (all of them) or fails (none).
    name : str, optional
        Name in messages and the grades table (default: the function's name).

    Returns
    -------
    callable
        The decorator. Outside a collector (the instructor edition) it runs the test at once,
        with arguments from the caller's namespace, prints ``✓ message`` and raises
        :class:`ExerciseTestFailed` when the test fails.

    Raises
    ------
    MLPCInputError
        ``n`` is not a positive number (a ValueError).
    """
    if isinstance(n, bool) or not isinstance(n, int | float) or not n > 0 or math.isinf(n):
        from .validation import MLPCInputError

        raise MLPCInputError(f"points({n!r}): give the test's points as a positive number, "
                             "e.g. @points(1)")

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        test = PointsTest(func, float(n), name or func.__name__)
        if _collecting:
            _collecting[-1].append(test)
            return func
        namespace = inspect.currentframe().f_back.f_globals  # type: ignore[union-attr]
        result = run_test(test, namespace, Reference(namespace=namespace))
        print(result.line())
        if not result.passed:
            raise ExerciseTestFailed(f"{test.name}: {result.message}")
        return func

    return decorate


def assert_close(value: Any, expected: Any, *, rtol: float = 0.0, atol: float = 0.0,
                 what: str = "the value") -> None:
    """Assert that ``value`` equals the solution's ``expected`` within a tolerance.

    ``|value - expected| <= atol + rtol * |expected|`` elementwise (``numpy.isclose``'s rule),
    for numbers and arrays of the same shape. The failure message names ``what`` and the
    tolerance, never ``expected``.

    Raises
    ------
    AssertionError
        ``value`` is not a number / array of ``expected``'s shape, or differs by more than the
        tolerance.
    """
    import numpy as np

    tol = f"±{atol:g}" if not rtol else (f"{rtol:g} relative" if not atol
                                        else f"±({atol:g} + {rtol:g} relative)")
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be a number, got {type(value).__name__}") from None
    e = np.asarray(expected, dtype=float)
    if v.shape != e.shape:
        raise AssertionError(f"{what} should have shape {e.shape}, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise AssertionError(f"{what} holds NaN or infinite values")
    bad = ~np.isclose(v, e, rtol=rtol, atol=atol)
    if bad.any():
        if v.ndim == 0:
            raise AssertionError(f"{what} differs from the solution's value by more than the "
                                 f"tolerance ({tol})")
        raise AssertionError(f"{what}: {int(bad.sum())} of {bad.size} values differ from the "
                             f"solution's by more than the tolerance ({tol})")


# --- running tests ---------------------------------------------------------------------------

def _text(err: BaseException) -> str:
    msg = str(err).strip()
    return msg[:500] + ("…" if len(msg) > 500 else "")


def run_test(test: PointsTest, namespace: dict, ref: Reference | None = None,
             student: bool = False) -> Result:
    """Run one test with its arguments taken from ``namespace`` (``ref``: the solution's).

    ``student=True``: a missing argument or a ``NameError`` / ``NotImplementedError`` means
    "not done yet" (``Result.not_done``) rather than a plain failure.
    """
    def result(passed: bool, message: str, not_done: bool = False) -> Result:
        return Result(test.name, test.points, test.hidden, passed, message, not_done)

    kwargs = {}
    for arg in test.arguments:
        if arg == REF:
            if ref is None:
                return result(False, f"{test.name}: `ref` (the solution's values) exists only "
                              "in hidden tests")
            kwargs[arg] = ref
        elif arg in namespace:
            kwargs[arg] = namespace[arg]
        else:
            return result(False, f"`{arg}` is not defined: the answer cell did not run or did "
                          "not define it", not_done=True)
    try:
        out = test.func(**kwargs)
    except AssertionError as err:
        return result(False, _text(err) or f"{test.name} failed")
    except (NameError, NotImplementedError) as err:
        return result(False, f"{test.name} stopped on {type(err).__name__}: {_text(err)}",
                      not_done=student)
    except Exception as err:  # noqa: BLE001 - any error of a test is a failed test
        return result(False, f"{test.name} stopped on {type(err).__name__}: {_text(err)}")
    message = str(out) if out is not None else test.name.replace("_", " ")
    return result(True, message)


def run_tests(tests: Iterable[PointsTest], namespace: dict, ref: Reference | None = None,
              student: bool = False) -> list[Result]:
    """:func:`run_test` for every test, in order."""
    return [run_test(t, namespace, ref, student) for t in tests]


def _exec(code: str, namespace: dict, shell: Any = None, label: str = "cell") -> Any:
    """Execute cell code in ``namespace`` (IPython syntax expanded by ``shell``); return the
    value of a last expression."""
    code = shell.transform_cell(code) if shell is not None else code
    global _n_checks
    _n_checks += 1
    fname = f"<{label} {_n_checks}>"
    linecache.cache[fname] = (len(code), None, code.splitlines(True), fname)  # tracebacks
    tree = ast.parse(code, fname)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, fname, "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), fname, "eval"), namespace)
    return None


@contextlib.contextmanager
def collecting() -> Any:
    """Within the block, :func:`points` registers tests (in the yielded list) instead of running
    them."""
    found: list[PointsTest] = []
    _collecting.append(found)
    try:
        yield found
    finally:
        _collecting.pop()


def collect(sources: Sequence[tuple[str, bool]], namespace: dict, shell: Any = None) -> list[PointsTest]:
    """The tests that the cells ``sources`` (``(code, hidden)`` pairs) define, without running
    them. The cells are executed in ``namespace`` (test cells hold only imports and
    ``@points`` functions, so this only defines them)."""
    tests: list[PointsTest] = []
    for code, hidden in sources:
        with collecting() as found:
            _exec(code, namespace, shell, "tests")
        for t in found:
            t.hidden = hidden
        tests += found
    return tests


def _points_text(n: float) -> str:
    return f"{n:g} point" + ("" if n == 1 else "s")


def summary(exercise: str, results: Sequence[Result]) -> str:
    got = sum(r.score for r in results)
    total = sum(r.points for r in results)
    return f"{exercise}: {got:g} of {total:g} points ({sum(r.passed for r in results)} of " \
           f"{len(results)} tests pass)"


# --- the student's check cell -----------------------------------------------------------------

def run_check(cell: str, exercise: str, needs: Sequence[str], namespace: dict,
              shell: Any = None, hidden_points: float = 0.0) -> Any:
    """Run a check cell's code in ``namespace`` unless its exercise is not done yet.

    Parameters
    ----------
    cell : str
        The check cell's code (without the magic line).
    exercise : str
        Name of the exercise in the messages, e.g. ``"Exercise 1"``.
    needs : sequence of str
        Names the answer defines; when one is missing from ``namespace`` the check is skipped.
    namespace : dict
        Where the code runs (the notebook's ``globals()``).
    shell : IPython shell, optional
        Used to expand IPython syntax (``%magics``) in ``cell``.
    hidden_points : float
        Points of the exercise's hidden tests (named in the summary line).

    Returns
    -------
    object or None
        The value of the cell's last expression (shown by IPython like a normal cell).

    Raises
    ------
    ExerciseTestFailed
        A public test (``@points``) failed; every test's ✓/✗ line is printed first.
    Exception
        Every other error of a check other than ``NameError`` / ``NotImplementedError``.
    """
    missing = [n for n in needs if n not in namespace]
    if missing:
        print(f"{exercise}: not done yet — this check runs once your answer defines "
              + ", ".join(f"`{n}`" for n in missing) + ".")
        return None
    try:
        with collecting() as tests:
            value = _exec(cell, namespace, shell, MAGIC)
    except (NameError, NotImplementedError) as err:
        print(f"{exercise}: not done yet — this check stopped on "
              f"{type(err).__name__}: {err}")
        return None
    if not tests:
        return value
    results = run_tests(tests, namespace, None, student=True)
    waiting = [r for r in results if r.not_done]
    if waiting:
        print(f"{exercise}: not done yet — {waiting[0].message}")
        return None
    for r in results:
        print(r.line())
    failed = [r for r in results if not r.passed]
    got = sum(r.score for r in results)
    more = (f"; {_points_text(hidden_points)} more from hidden tests at grading"
            if hidden_points else "")
    if failed:
        raise ExerciseTestFailed(f"{exercise}: {len(failed)} of {len(results)} public tests "
                                 f"failed (see ✗ above){more}.")
    print(f"{exercise}: {len(results)} of {len(results)} public tests pass "
          f"({_points_text(got)}){more}.")
    return value


def parse_magic_line(line: str) -> tuple[list[str], float, str]:
    """``--needs a,b --hidden-points 3 'Exercise 2'`` -> (["a", "b"], 3.0, "Exercise 2")."""
    words = shlex.split(line)
    needs: list[str] = []
    hidden = 0.0
    while words[:1] and words[0].startswith("--") and len(words) > 1:
        if words[0] == "--needs":
            needs = [n for n in words[1].split(",") if n]
        elif words[0] == "--hidden-points":
            hidden = float(words[1])
        words = words[2:]
    return needs, hidden, " ".join(words) or "the exercise above"


def _magic(line: str, cell: str) -> Any:
    from IPython import get_ipython

    needs, hidden, exercise = parse_magic_line(line)
    shell = get_ipython()
    return run_check(cell, exercise, needs, shell.user_ns, shell, hidden)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlpc_helpers.exercise``: registers the ``%%exercise_check`` cell magic."""
    ipython.register_magic_function(_magic, magic_kind="cell", magic_name=MAGIC)


# --- CI and grading (called in the notebook's kernel by mlpc_course) ----------------------------

def _set_aside(names: Iterable[str], namespace: dict) -> dict[str, Any]:
    return {n: namespace.pop(n) for n in list(names) if n in namespace}


def _put_back(names: Iterable[str], kept: dict[str, Any], namespace: dict) -> None:
    for n in names:
        namespace.pop(n, None)
    namespace.update(kept)


def untouched_stub(exercise: str, sources: Sequence[tuple[str, bool]], answer: Sequence[str],
                   namespace: dict, shell: Any = None) -> list[Result]:
    """CI: every test of ``exercise`` must fail while the answer's names are missing (an
    untouched student edition scores 0). Raises :class:`ExerciseTestFailed` otherwise."""
    kept = _set_aside(answer, namespace)
    try:
        tests = collect(sources, namespace, shell)
        results = run_tests(tests, namespace, Reference(kept))
    finally:
        _put_back(answer, kept, namespace)
    if not tests:
        raise ExerciseTestFailed(f"{exercise}: no @points tests found")
    passing = [r for r in results if r.passed]
    if passing:
        raise ExerciseTestFailed(
            f"{exercise}: with the answer missing, {', '.join(r.name for r in passing)} still "
            "pass: a test must take a name the answer defines")
    print(f"✓ untouched stub of {exercise} scores 0 of {sum(t.points for t in tests):g} "
          f"(all {len(tests)} tests fail)")
    return results


def planted_wrong_answer(exercise: str, title: str, code: str,
                         sources: Sequence[tuple[str, bool]], answer: Sequence[str],
                         binds: Sequence[str], namespace: dict, shell: Any = None
                         ) -> list[Result]:
    """CI: run a planted wrong answer in place of the solution; it must lose points.

    The solution's names (``answer``) and every name the wrong code binds are set aside, the
    wrong code runs, every public and hidden test runs with ``ref`` = the solution's values,
    and everything is put back. Raises :class:`ExerciseTestFailed` when every test passes
    (or when the wrong code itself raises: a planted answer must run).
    """
    names = list(dict.fromkeys([*answer, *binds]))
    kept = _set_aside(names, namespace)
    try:
        # The wrong answer starts from the notebook as the student has it: without the
        # solution's names, with the names it reads from earlier cells.
        namespace.update({n: v for n, v in kept.items() if n not in answer})
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                _exec(code, namespace, shell, "wrong answer")
        except Exception as err:  # noqa: BLE001
            raise ExerciseTestFailed(
                f"{exercise}: the planted wrong answer '{title}' raised {type(err).__name__}: "
                f"{_text(err)} (a planted answer must run and give wrong values)") from err
        tests = collect(sources, namespace, shell)
        ref = Reference({n: kept[n] for n in answer if n in kept})
        results = run_tests(tests, namespace, ref)
    finally:
        _put_back(names, kept, namespace)
    failed = [r for r in results if not r.passed]
    total = sum(r.points for r in results)
    if not failed:
        raise ExerciseTestFailed(f"{exercise}: the planted wrong answer '{title}' passes every "
                                 f"test ({total:g} points): add a test that catches it")
    print(f"✓ planted wrong answer '{title}' caught by "
          + ", ".join(f"{r.name} [{'hidden' if r.hidden else 'public'}]" for r in failed)
          + f": loses {sum(r.points for r in failed):g} of {total:g} points")
    for r in failed:
        print(f"    {r.line()}")
    return results


def reference(exercise: str, code: str, answer: Sequence[str], namespace: dict,
              shell: Any = None) -> None:
    """Grading: run the solution ``code`` in the student's kernel to fill ``ref``.

    Its output is swallowed; afterwards the names it bound are what they were before (the
    student never gets them). A solution that fails leaves ``ref`` unavailable: tests that
    use it fail with the reason.
    """
    before = {n: namespace[n] for n in answer if n in namespace}
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            capture = None
            if shell is not None:
                from IPython.utils.capture import capture_output

                capture = capture_output(display=True)
                capture.__enter__()
            try:
                _exec(code, namespace, shell, "reference")
            finally:
                if capture is not None:
                    capture.__exit__(None, None, None)
        _REFS[exercise] = {n: namespace[n] for n in answer if n in namespace}
        _REF_ERRORS.pop(exercise, None)
    except Exception as err:  # noqa: BLE001
        _REF_ERRORS[exercise] = f"{type(err).__name__}: {_text(err)}"
    finally:
        _put_back(answer, before, namespace)


def grade(exercise: str, sources: Sequence[tuple[str, bool]], namespace: dict, out: str,
          notebook: str = "", shell: Any = None) -> list[Result]:
    """Grading: run every public and hidden test of ``exercise`` on the student's answer and
    append the results as JSON lines to ``out``. Prints the ✓/✗ lines and the score."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            tests = collect(sources, namespace, shell)
    except Exception as err:  # noqa: BLE001 - the student broke what the tests need
        tests = []
        error = f"the tests could not be set up: {type(err).__name__}: {_text(err)}"
    else:
        error = ""
    ref = Reference(_REFS.get(exercise), _REF_ERRORS.get(exercise, ""))
    results = run_tests(tests, namespace, ref)
    with open(out, "a", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps({"notebook": notebook, "exercise": exercise, **asdict(r)}) + "\n")
        if error:
            f.write(json.dumps({"notebook": notebook, "exercise": exercise,
                                "error": error}) + "\n")
    for r in results:
        print(r.line())
    print(summary(exercise, results) if results else f"{exercise}: {error}")
    return results
