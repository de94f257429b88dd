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

``hidden`` (code)
    Hidden tests of the exercise (``@points`` functions that may take ``ref``, the solution's
    values): kept in the instructor edition for grading and CI, dropped from the student and
    the solutions editions.
``wrong`` (code, with ``nbval-skip``)
    A planted wrong answer (at least two per graded exercise): dropped from every edition;
    ``mlpc_course.nbval_editions`` runs it in the nbval kernel and requires it to lose points.

Graded exercises (``@points`` tests, ``make grade``, ``make release``): the README's "Running
the semester" and :mod:`mlpc_helpers.exercise`.

Rules for authors, enforced by :func:`validate` (and so by ``make test``): every solution code
cell starts with a comment stating the task and has code after it; cells after an exercise
that are not ``check`` cells must not read names that only a solution (or check) cell defines,
nor names that a solution re-binds or changes in place (give the answer its own name, or give
the later cell a fallback such as ``globals().get("labels4", labels)``).

Build the student editions with ``make student`` (``mlpc student``): ``student/<name>.ipynb``
and ``student/colab/<name>.html``, a page that forwards to Google Colab (the repository's
public URL comes from ``MLPC_REPO_URL`` or ``repo-url`` in ``_variables.yml``, the one place
of the course's URLs). Every student edition starts with the same course-setup cell
(:func:`bootstrap_source`): it installs the course where it is missing (Colab, plain Jupyter)
and does nothing where it is installed.
"""

from __future__ import annotations

from typing import Any

from .analysis import *  # noqa: F403
from .analysis import (  # noqa: F401  (names tests and the plugin use)
    _LOAD_EXT,
    _MUTATORS,
    CHECK,
    COLAB_BRANCH,
    EXERCISE,
    EXTENSION,
    RAISES,
    SOLUTION,
    STUB_PREFIX,
    STUDENT_DIR,
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
from .build import *  # noqa: F403
from .build import (  # noqa: F401
    _preprocessor_class,
    banner_markdown,
    bootstrap_source,
    check_magic_line,
    check_written,
    colab_page,
    colab_url,
    course_variables,
    exercise_label,
    repo_url,
    site_url,
    source_notebooks,
    stubs,
    student_check_source,
    student_edition,
    validate,
    write_student_editions,
)


def __getattr__(name: str) -> Any:
    if name == "StudentEditionPreprocessor":
        return _preprocessor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
