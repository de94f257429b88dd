"""pytest plugin: check each notebook's student edition inside the nbval run of its source.

``make test`` loads it with ``-p mlpc_course.nbval_editions``. For every source notebook that
nbval executes, it adds two kinds of test items to the same kernel, right where the student
would meet them, so that no cell of the notebook runs twice:

``Cell N student stub``
    before each ``solution`` cell: runs the generated stub and passes only if it raises
    ``NotImplementedError`` with the exercise's message (the flag that treats that error from a
    stub as expected).
``Cell N student check``
    before each ``check`` cell: hides every name that only answers define at that point (the
    student has none of them), runs the check cell as the student edition has it (with its
    ``%%exercise_check`` guard), requires it to finish without error and, when it needs an
    answer, to print "not done yet"; then puts the hidden names back.
``Cell N untouched stub of Exercise K scores 0``
    for an exercise with ``@points`` tests, before its first ``wrong`` cell: with the names its
    solution binds set aside, every public and hidden test must fail
    (:func:`mlpc_helpers.exercise.untouched_stub`).
``Cell N planted wrong answer: ...``
    before each ``wrong`` cell (which nbval skips: it carries ``nbval-skip``): the planted
    answer runs in place of the solution and at least one public or hidden test must fail,
    with ``ref`` = the solution's values (:func:`mlpc_helpers.exercise.planted_wrong_answer`);
    the solution's names are put back afterwards.

Both run only test code and the planted answers in the kernel: no cell of the notebook runs
twice. Their output lists which tests caught each planted answer and the points it loses.

The source cells themselves run exactly as nbval runs them without the plugin. Cells of the
student edition that are not stubs or checks are the source cells, unchanged; that they do not
depend on what only an answer defines is checked statically (``editions.analyse``), in
``tests/test_editions.py``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from . import editions

_STASH = "__mlpc_student_hidden__"
_TIMEOUT_S = 60


def _quiet(kernel: Any, code: str) -> None:
    """Run ``code`` in the nbval kernel, wait until it is idle, fail on an error."""
    msg_id = kernel.execute_cell_input(code, allow_stdin=False)
    while True:
        msg = kernel.get_message(stream="shell", timeout=_TIMEOUT_S)
        if msg["parent_header"].get("msg_id") == msg_id:
            break
    kernel.await_idle(msg_id, _TIMEOUT_S)
    content = msg["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"student-edition helper code failed: {content.get('ename')}: "
                           f"{content.get('evalue')}\n{code}")


def _item_classes() -> tuple[type, type]:
    from nbval.plugin import IPyNbCell

    class StudentStub(IPyNbCell):
        """The stub of a solution cell raises NotImplementedError("Exercise ...")."""

        expected: str = ""

        def runtest(self) -> None:
            super().runtest()
            errors = [o for o in self.test_outputs or [] if o.get("output_type") == "error"]
            got = [(o["ename"], o["evalue"]) for o in errors]
            if got != [("NotImplementedError", self.expected)]:
                self.raise_cell_error(
                    "the student stub should raise NotImplementedError("
                    f"{self.expected!r}), got {got or 'no error'}")

        def reportinfo(self) -> tuple[Any, int, str]:
            return self.path, 0, f"{self.name}: {self.expected}"

    class StudentCheck(IPyNbCell):
        """A check cell, as the student edition has it, runs without error before the answer."""

        hidden: tuple[str, ...] = ()
        needs_answer: bool = False

        def runtest(self) -> None:
            kernel = self.parent.kernel
            if kernel is None or not kernel.is_alive():
                pytest.skip("no kernel (an earlier cell failed)")
            _quiet(kernel, "%load_ext mlpc_helpers.exercise")
            _quiet(kernel, f"{_STASH} = {{n: globals().pop(n) for n in {list(self.hidden)!r} "
                           "if n in globals()}")
            try:
                super().runtest()
            finally:
                _quiet(kernel, f"globals().update({_STASH}); del {_STASH}")
            text = "".join(o.get("text", "") for o in self.test_outputs or [])
            if self.needs_answer and "not done yet" not in text:
                self.raise_cell_error(
                    "the student-edition check should print 'not done yet' while its exercise "
                    f"is not done; it printed: {text[-500:]!r}")

    return StudentStub, StudentCheck


def _grading_class() -> type:
    from nbval.plugin import IPyNbCell

    class GradingCheck(IPyNbCell):
        """Kernel-side CI of an exercise's tests (untouched stub, planted wrong answer)."""

        description: str = ""

        def runtest(self) -> None:
            kernel = self.parent.kernel
            if kernel is None or not kernel.is_alive():
                pytest.skip("no kernel (an earlier cell failed)")
            super().runtest()

        def reportinfo(self) -> tuple[Any, int, str]:
            return self.path, 0, f"{self.name}: {self.description}"

    return GradingCheck


_EXERCISE = '__import__("mlpc_helpers.exercise", fromlist=["exercise"])'


def untouched_source(ex: Any, nb: Any) -> str:
    """Kernel code: every test of ``ex`` fails while its answer's names are missing."""
    return (f"{_EXERCISE}.untouched_stub(\n    {ex.label!r}, {ex.test_sources(nb)!r},\n"
            f"    {ex.answer!r}, globals(), get_ipython());")


def wrong_title(source: str) -> str:
    """``"a shuffled K-fold ..."`` from a wrong cell's first line ``# Wrong: a shuffled ...``."""
    title = editions.exercise_title(source)
    title = title.split(":", 1)[1].strip() if title.lower().startswith("wrong:") else title
    return title.rstrip(".")


def planted_source(ex: Any, nb: Any, index: int) -> str:
    """Kernel code: the planted wrong answer in cell ``index`` must lose points."""
    src = editions._source(nb.cells[index])
    binds = sorted(editions.cell_flow(src).binds)
    return (f"{_EXERCISE}.planted_wrong_answer(\n    {ex.label!r}, {wrong_title(src)!r}, "
            f"{src!r},\n    {ex.test_sources(nb)!r},\n    {ex.answer!r}, {binds!r}, "
            "globals(), get_ipython());")


def _extra_items(parent: Any, stub_cls: type, check_cls: type,
                 grading_cls: type | None = None) -> dict[int, list[Any]]:
    """Student-edition items to run before each code cell number of the notebook ``parent``."""
    import nbformat

    nb = getattr(parent, "nb", None)
    if nb is None or nb.metadata.get("mlpc_edition") == "student":  # already a student edition
        return {}
    plan = editions.analyse(nb, parent.path.stem)
    out: dict[int, list[Any]] = defaultdict(list)
    by_title = {e.title: e for e in plan.graded}
    first_wrong = {e.wrong[0]: e for e in plan.graded if e.wrong}
    code_num = -1
    for p in plan.cells:
        cell = nb.cells[p.index]
        if cell.cell_type != "code":
            continue
        code_num += 1
        if p.kind == "solution" and editions.exercise_title(cell.source):
            stub = nbformat.v4.new_code_cell(editions.stub_source(cell.source))
            item = stub_cls.from_parent(
                parent, name=f"Cell {code_num} student stub", cell_num=code_num, cell=stub,
                options=defaultdict(bool, check_exception=True))
            item.expected = editions.stub_message(p.exercise)
            out[code_num].append(item)
        elif p.kind == "wrong" and grading_cls is not None and p.exercise in by_title:
            ex = by_title[p.exercise]
            if p.index in first_wrong:
                item = grading_cls.from_parent(
                    parent, name=f"Cell {code_num} untouched stub of {ex.label} scores 0",
                    cell_num=code_num, cell=nbformat.v4.new_code_cell(untouched_source(ex, nb)),
                    options=defaultdict(bool))
                item.description = f"{ex.label}: every test fails without the answer"
                out[code_num].append(item)
            title = wrong_title(cell.source)
            item = grading_cls.from_parent(
                parent, name=f"Cell {code_num} planted wrong answer: {title[:60]}",
                cell_num=code_num, cell=nbformat.v4.new_code_cell(planted_source(ex, nb, p.index)),
                options=defaultdict(bool))
            item.description = f"{ex.label}: '{title}' must lose points"
            out[code_num].append(item)
        elif p.kind == "check":
            hidden_pts = by_title[p.exercise].hidden_points if p.exercise in by_title else 0
            src = editions.student_check_source(cell.source, p.exercise, p.needs, hidden_pts)
            item = check_cls.from_parent(
                parent, name=f"Cell {code_num} student check", cell_num=code_num,
                cell=nbformat.v4.new_code_cell(src), options=defaultdict(bool))
            item.hidden = tuple(p.hidden)
            item.needs_answer = bool(p.needs)
            out[code_num].append(item)
    return out


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # pragma: no cover - nbval is a test dependency
        return
    stub_cls, check_cls = _item_classes()
    grading_cls = _grading_class()
    extra: dict[Any, dict[int, list[Any]]] = {}
    out = []
    for item in items:
        if type(item) is IPyNbCell:
            parent = item.parent
            if parent not in extra:
                extra[parent] = _extra_items(parent, stub_cls, check_cls, grading_cls)
            out.extend(extra[parent].get(item.cell_num, []))
        out.append(item)
    items[:] = out
