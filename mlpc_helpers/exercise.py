"""The ``%%exercise_check`` cell magic of the student notebooks.

A student edition (built by ``mlpc_course.editions``) loads it in its second code cell with
``%load_ext mlpc_helpers.exercise``. A cell that starts with
``%%exercise_check --needs m 'Exercise 1'`` then prints "Exercise 1: not done yet" instead of
failing while the answer's names (``m``) are missing, or while the cell stops on ``NameError``
or ``NotImplementedError`` from an unfilled exercise. Any other error is a wrong answer and is
shown as usual.
"""

from __future__ import annotations

import ast
import linecache
import shlex
from collections.abc import Sequence
from typing import Any

MAGIC = "exercise_check"
_n_checks = 0


def run_check(cell: str, exercise: str, needs: Sequence[str], namespace: dict,
              shell: Any = None) -> Any:
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

    Returns
    -------
    object or None
        The value of the cell's last expression (shown by IPython like a normal cell).

    Raises
    ------
    Exception
        Every error of the check other than ``NameError`` / ``NotImplementedError``.
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
    """``%load_ext mlpc_helpers.exercise``: registers the ``%%exercise_check`` cell magic."""
    ipython.register_magic_function(_magic, magic_kind="cell", magic_name=MAGIC)
