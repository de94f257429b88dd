"""pytest plugin: keep what nbval executed, so Quarto renders from it (one execution, two uses).

``make test`` loads it with ``-p mlpc_course.nbval_executed``. nbval runs every cell of a source
notebook in one kernel and keeps the cell's outputs only in memory (``IPyNbCell.test_outputs``).
This plugin copies those outputs into the notebook as nbval read it and, when the last item of a
notebook has run, writes ``build/executed/<notebook>.ipynb`` (``--executed-dir`` or
``MLPC_EXECUTED_DIR`` change the folder), with its wall time in ``metadata.mlpc.seconds``.
:mod:`mlpc_course.execute` builds the one command that runs it (``make test``, ``make
execute``). ``tools/render.py`` stages those executed copies in
place of the output-free sources and runs Quarto there: CI executes each notebook once.

What is written is what a reader should see: figures (the kernels get the inline matplotlib
backend even where the tests use Agg), and no progress text (tqdm bars and widgets,
``\\r``-rewritten lines; see :func:`clean_outputs`). The items that
``mlpc_course.nbval_editions`` adds (student stubs and checks) run in the same kernel but are
not cells of the notebook and are not written. A notebook with a failing cell is still written
(the failure is in the test report); the executed copy then carries the error output.

Works under pytest-xdist with ``--dist loadfile`` (all items of a notebook on one worker).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

_PROGRESS = re.compile(
    r"\d+%\|"                      # tqdm bar:  42%|████
    r"|\[\d+:\d+(:\d+)?<"          # tqdm eta:  [00:01<00:02
    r"|\?(it|epoch|batch|B)/s\]"   # tqdm rate before the first update: [00:00<?, ?it/s]
    r"|\d(it|epoch|batch|B)/s\]"
)


def strip_progress(text: str) -> str:
    """``text`` without progress-bar lines: any line rewritten with ``\\r``, or tqdm-like."""
    keep = []
    for line in text.split("\n"):
        if "\r" in line.rstrip("\r") or _PROGRESS.search(line):
            continue
        keep.append(line.rstrip("\r"))
    return "\n".join(keep)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def clean_outputs(outputs: list[Any]) -> list[Any]:
    """Outputs as a rendered page should show them: no progress text in streams (see
    :func:`strip_progress`), no progress-bar widgets (``tqdm.auto`` in a kernel), no stream
    left empty by that."""
    out = []
    for o in outputs:
        if o.get("output_type") == "stream":
            text = strip_progress(_text(o.get("text", "")))
            if not text.strip():
                continue
            o = dict(o, text=text)
        elif "application/vnd.jupyter.widget-view+json" in o.get("data", {}):
            plain = _text(o["data"].get("text/plain", ""))
            if not plain.strip() or _PROGRESS.search(plain):
                continue
        out.append(o)
    return out


def _executed_dir(config: Any) -> Path:
    opt = config.getoption("executed_dir", None) or os.environ.get("MLPC_EXECUTED_DIR")
    return Path(opt or Path(str(config.rootpath)) / "build" / "executed")


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--executed-dir", dest="executed_dir", default=None,
                     help="where to write the notebooks nbval executed, with their outputs "
                          "(default: build/executed/, or $MLPC_EXECUTED_DIR)")


# The kernels draw figures inline (image/png outputs for the rendered pages), whatever backend
# the test process itself uses (conftest.py sets Agg, which kernels would inherit).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def pytest_configure(config: Any) -> None:
    """Give each pytest-xdist worker (and the kernels it starts) its own numba cache.

    orix compiles numba functions with ``cache=True`` when it is imported; two workers doing
    that for the first time at once (a fresh ``.venv``) can leave a cache file that
    crashes every later import (a segfault in ``qu_multiply``: measured on a fresh clone).
    One folder per worker, ``build/numba-cache/<worker>/``, removes the race; a folder set
    in ``NUMBA_CACHE_DIR`` already is kept.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and "NUMBA_CACHE_DIR" not in os.environ:
        folder = Path(config.rootpath) / "build" / "numba-cache" / worker
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(folder)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: Any):
    """Start each notebook's kernel with the inline matplotlib backend."""
    parent = getattr(item, "parent", None)
    if type(parent).__name__ != "IPyNbFile" or parent.kernel is not None:
        yield  # not a notebook, or its kernel runs already
        return
    parent._mlpc_t0 = time.perf_counter()
    old = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = old


def _is_source_cell(item: Any) -> bool:
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # pragma: no cover - nbval is a test dependency
        return False
    return type(item) is IPyNbCell


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any):
    yield
    if _is_source_cell(item) and item.test_outputs is not None:
        import nbformat

        parent = item.parent
        count = getattr(parent, "_mlpc_count", 0) + 1
        parent._mlpc_count = count
        item.cell.execution_count = count
        outs = []
        for o in clean_outputs(item.test_outputs):
            node = nbformat.from_dict(dict(o))
            if node.get("output_type") == "execute_result":
                node["execution_count"] = count
            outs.append(node)
        item.cell.outputs = outs
        parent._mlpc_ran = True


def pytest_runtest_teardown(item: Any, nextitem: Any) -> None:
    parent = getattr(item, "parent", None)
    if not getattr(parent, "_mlpc_ran", False):
        return
    if nextitem is not None and getattr(nextitem, "parent", None) is parent:
        return
    import nbformat

    nb = parent.nb
    if nb.metadata.get("mlpc_edition") == "student":
        return
    t0 = getattr(parent, "_mlpc_t0", None)
    if t0 is not None:
        nb.metadata.setdefault("mlpc", {})["seconds"] = round(time.perf_counter() - t0, 1)
    out_dir = _executed_dir(item.config)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / Path(str(parent.path)).name
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(path)
    parent._mlpc_ran = False
