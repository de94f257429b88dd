"""Record a notebook's headline numbers beside the published values they reproduce.

``record("w05.estm.pca10_var.magpie", 77.4, published=77.6, tolerance=1.0, source="...")``
writes ``build/metrics/<notebook>.json`` (``MLPC_METRICS_DIR`` overrides the folder) as
``{key: {"value", "published", "tolerance", "source"}}``. ``make course`` turns all files
into the site's reproduction page; ``make test`` fails when a value with a published value
and a tolerance falls outside it. ``seed_range(key)`` gives a metric's (median, min, max, n)
over the seeds of ``make seeds`` (``build/seeds/summary.csv``), None before the sweep ran.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .paths import atomic_write_bytes, metrics_dir, project_root

_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")
_notebook: str | None = None


class ReproductionWarning(UserWarning):
    """A recorded value lies outside the tolerance of its published value."""


def set_notebook(name: str, *, reset: bool = False) -> Path:
    """Name the notebook whose numbers :func:`record` writes; ``reset`` clears its old file."""
    global _notebook
    name = Path(name).stem
    if not _KEY.match(name):
        raise ValueError(f"Notebook name {name!r} may hold letters, digits, '_', '.', '-' only.")
    _notebook = name
    path = metrics_path(name)
    if reset and path.exists():
        path.unlink()
    return path


def metrics_path(notebook: str | None = None) -> Path:
    """The JSON file of ``notebook`` (default: the current one)."""
    nb = notebook or _current_notebook()
    return metrics_dir() / f"{nb}.json"


def _current_notebook() -> str:
    nb = _notebook or os.environ.get("MLPC_NOTEBOOK")
    if not nb:
        raise RuntimeError(
            "report.record() does not know which notebook is running. Call "
            "mlpc_helpers.runtime.start('<notebook name>') in the first cell "
            "(or set MLPC_NOTEBOOK)."
        )
    return nb


def _plain(value: Any) -> Any:
    """numpy scalars and arrays to plain JSON types."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def within(value: Any, published: Any, tolerance: Any) -> bool | None:
    """True/False when the value can be judged against ``published ± tolerance``, else None."""
    if published is None or tolerance is None:
        return None
    try:
        return abs(float(value) - float(published)) <= float(tolerance) + 1e-12
    except (TypeError, ValueError):
        return value == published


def record(
    key: str,
    value: Any,
    published: Any = None,
    tolerance: float | None = None,
    source: str | None = None,
    *,
    notebook: str | None = None,
) -> None:
    """Write one headline number to the notebook's metrics file.

    Returns nothing, so that a ``record(...)`` call as the last line of a notebook cell prints
    nothing (use :func:`load_all` to read recorded values back).

    ``value`` must be a finite number (or a string/bool for categorical results). ``source``
    cites where ``published`` comes from (DOI or deck slide). A value outside ``published ±
    tolerance`` is written anyway and raises a :class:`ReproductionWarning` in the notebook.
    """
    if not _KEY.match(key):
        raise ValueError(f"Metric key {key!r}: use letters, digits, '.', '_' and '-' only.")
    value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"Metric {key!r} is {value}: record finite numbers only.")
    if tolerance is not None and published is None:
        raise ValueError(f"Metric {key!r} has a tolerance but no published value to compare with.")
    entry = {
        "value": value,
        "published": _plain(published),
        "tolerance": tolerance,
        "source": source,
    }
    path = metrics_path(notebook)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = entry
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
    ok = within(value, published, tolerance)
    if ok is False:
        warnings.warn(
            f"{key} = {value} lies outside the published {published} ± {tolerance}",
            ReproductionWarning,
            stacklevel=2,
        )


@dataclass(frozen=True)
class Row:
    notebook: str
    key: str
    value: Any
    published: Any
    tolerance: Any
    source: str | None

    @property
    def ok(self) -> bool | None:
        return within(self.value, self.published, self.tolerance)


def load_all(folder: Path | None = None) -> list[Row]:
    """Every recorded metric under ``folder`` (default :func:`metrics_dir`), sorted."""
    folder = folder or metrics_dir()
    rows: list[Row] = []
    for f in sorted(Path(folder).glob("*.json")):
        for key, e in sorted(json.loads(f.read_text()).items()):
            rows.append(
                Row(f.stem, key, e.get("value"), e.get("published"), e.get("tolerance"), e.get("source"))
            )
    return rows


def failures(folder: Path | None = None) -> list[Row]:
    """Recorded metrics that have a published value and tolerance and miss it."""
    return [r for r in load_all(folder) if r.ok is False]


# --- seed sweeps (``make seeds``, mlpc_course.seeds) ------------------------------------------
class SeedRange(NamedTuple):
    """A metric over the seeds of the sweep: median, min, max and the number of seeds."""

    median: float | None
    min: float | None
    max: float | None
    n: int


def seeds_dir() -> Path:
    """Folder of the seed sweep: ``MLPC_SEEDS_DIR`` or ``<root>/build/seeds``."""
    env = os.environ.get("MLPC_SEEDS_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "build" / "seeds"


def _number(text: str) -> float | int | None:
    if text in ("", None):
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def load_seed_summary(folder: Path | None = None) -> dict[tuple[str, str], dict[str, str]] | None:
    """Rows of ``<folder>/summary.csv`` (default :func:`seeds_dir`) by (notebook, key);
    None when the sweep has not been run."""
    path = Path(folder or seeds_dir()) / "summary.csv"
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        return {(r["notebook"], r["key"]): r for r in csv.DictReader(fh)}


def seed_range(key: str, *, notebook: str | None = None,
               folder: Path | None = None) -> SeedRange | None:
    """(median, min, max, n) of metric ``key`` over the seeds of the last ``make seeds``.

    Read from ``build/seeds/summary.csv`` (``folder`` or ``MLPC_SEEDS_DIR`` overrides it). Returns
    None when the sweep has not been run or did not include ``key``, so that a notebook can
    write "the seed sweep has not been run" instead of typing a range. For a metric that is not
    a number (a string, a list) median, min and max are None. ``notebook`` picks the row when
    two notebooks record the same key.
    """
    rows = load_seed_summary(folder)
    if rows is None:
        return None
    row = rows.get((notebook, key)) if notebook else next(
        (r for (_, k), r in rows.items() if k == key), None)
    if row is None:
        return None
    return SeedRange(_number(row["median"]), _number(row["min"]), _number(row["max"]),
                     int(row["n"]))
