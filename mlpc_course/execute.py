"""The one notebook executor of the course: pytest + nbval + :mod:`mlpc_course.nbval_executed`.

``make test`` and ``make execute`` (hence ``make course``) run notebooks through the same
command, built here by :func:`pytest_command`, so the two paths cannot drift:

- the kernels draw figures inline whatever backend the calling process uses (the plugin sets
  the inline backend; ``MPLBACKEND=Agg`` of the test run is not inherited), so the executed
  copies carry ``image/png`` outputs that Quarto embeds;
- nbval sends the kernels' stderr to ``/dev/null``: no kernel warnings in the output;
- progress bars are taken out of the outputs (see :func:`~mlpc_course.nbval_executed.clean_outputs`);
- each notebook's wall time is written into the executed copy (``metadata.mlpc.seconds``).

``make test`` adds the unit tests and the student-edition plugin to the same command
(``mlpc execute ... -- tests -p mlpc_course.nbval_editions``): each notebook still runs once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from mlpc_helpers.paths import project_root

#: nbval options every notebook execution of the course uses.
NBVAL_OPTIONS = ("--nbval-lax", "-p", "mlpc_course.nbval_executed")
CELL_TIMEOUT_S = 900


def default_paths(root: Path | None = None) -> list[Path]:
    """What runs when no notebook is named: ``notebooks/`` and, when they hold notebooks,
    ``project/`` (the mini-project's template and starter notebooks, issue 41) and ``exam/``
    (the exam question bank, one notebook per unit, issue 41)."""
    root = root or project_root()
    paths = [root / "notebooks"]
    for extra in ("project", "exam"):
        if any((root / extra).rglob("*.ipynb")):
            paths.append(root / extra)
    return paths


def resolve(names: Sequence[str] | None = None, root: Path | None = None) -> list[Path]:
    """The notebooks to run: ``notebooks/*.ipynb`` in week order, or those named (a stem of
    ``notebooks/``, ``project/`` or ``exam/``, e.g. ``mp_lpbf_density``, or a path).

    Parameters
    ----------
    names : sequence of str, optional
        Notebook stems (``week03_leakage``, ``mp_lpbf_density``, ``exam_unit1_...``) or
        paths to ``.ipynb`` files. Default: all.

    Raises
    ------
    ValueError
        A name that is neither a course notebook nor an existing ``.ipynb`` file.
    """
    root = root or project_root()
    every = sorted((root / "notebooks").glob("*.ipynb"))
    if not names:
        return every
    by_stem = {p.stem: p for extra in ("project", "exam")
               for p in sorted((root / extra).rglob("*.ipynb"))}
    by_stem.update({p.stem: p for p in every})
    out = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            out.append(path.resolve())
        elif name in by_stem:
            out.append(by_stem[name])
        else:
            raise ValueError(f"no notebook {name!r}: give a stem such as "
                             f"{every[0].stem if every else 'week01_materials_data'} "
                             "or a path to an .ipynb file")
    return out


def pytest_command(paths: Sequence[str | Path], executed_dir: str | Path, *,
                   workers: int = 1, cell_timeout: int = CELL_TIMEOUT_S,
                   extra: Sequence[str] = ()) -> list[str]:
    """The pytest command line that executes ``paths`` and writes executed copies.

    Parameters
    ----------
    paths : sequence of path
        Notebooks (and, for ``make test``, test folders) to collect.
    executed_dir : path
        Where the executed notebooks are written.
    workers : int
        pytest-xdist workers (``--dist loadfile``: every item of a notebook on one worker);
        0 or 1 runs in this process.
    extra : sequence of str
        Further pytest arguments (markers, plugins, ``--durations``).
    """
    cmd = [sys.executable, "-m", "pytest", *map(str, paths), *NBVAL_OPTIONS,
           f"--executed-dir={Path(executed_dir).resolve()}",
           f"--nbval-cell-timeout={cell_timeout}"]
    if workers > 1:
        cmd += ["-n", str(workers), "--dist", "loadfile"]
    return cmd + list(extra)


def execute(names: Sequence[str] | None, executed_dir: str | Path, *, workers: int = 1,
            cell_timeout: int = CELL_TIMEOUT_S, extra: Sequence[str] = ()) -> int:
    """Execute notebooks (all by default) with :func:`pytest_command`; return pytest's code.

    With ``extra`` holding test paths, those run in the same session (``make test``).
    """
    paths = resolve(names) if names else default_paths()
    cmd = pytest_command(paths, executed_dir, workers=workers, cell_timeout=cell_timeout,
                         extra=extra)
    env = dict(os.environ)
    env.setdefault("TQDM_DISABLE", "1")
    return subprocess.run(cmd, cwd=project_root(), env=env).returncode


def seconds(executed_dir: str | Path) -> dict[str, float]:
    """Wall seconds per executed notebook, read from ``metadata.mlpc.seconds``."""
    out = {}
    for path in sorted(Path(executed_dir).glob("*.ipynb")):
        meta = json.loads(path.read_text()).get("metadata", {}).get("mlpc", {})
        if "seconds" in meta:
            out[path.stem] = float(meta["seconds"])
    return out
