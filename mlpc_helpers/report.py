"""Record a notebook's headline numbers beside the published values they reproduce.

``record("w05.estm.pca10_var.magpie", 77.4, published=77.6, tolerance=1.0, source="...")``
writes ``build/metrics/<notebook>.json`` (``MLPC_METRICS_DIR`` overrides the folder) as
``{key: {"value", "published", "tolerance", "source"}}``. ``make course`` turns all files
into the site's reproduction page; ``make test`` fails when a value with a published value
and a tolerance falls outside it. ``seed_range(key)`` gives a metric's (median, min, max, n)
over the seeds of ``make seeds`` (``build/seeds/summary.csv``), None before the sweep ran;
``seed_summary({key: label, ...})`` is the one call that prints a notebook's seed-range table
and draws its figure; ``seed_gaps(rows)`` tabulates pairs of such numbers (a naive test
against an honest one) with their gap.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .paths import atomic_write_bytes, metrics_dir, project_root
from .validation import MLPCInputError

_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")
_notebook: str | None = None


class ReproductionWarning(UserWarning):
    """A recorded value lies outside the tolerance of its published value."""


def set_notebook(name: str, *, reset: bool = False) -> Path:
    """Name the notebook whose numbers :func:`record` writes; ``reset`` clears its old file."""
    global _notebook
    name = Path(name).stem
    if not _KEY.match(name):
        raise MLPCInputError(f"Notebook name {name!r} may hold letters, digits, '_', '.', "
                             "'-' only; pass the notebook's file name, e.g. 'week04_encodings'.")
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
        raise MLPCInputError(f"Metric key {key!r}: use letters, digits, '.', '_' and '-' only, "
                             "e.g. 'w05.super.iou_coarse.unet'.")
    value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise MLPCInputError(f"Metric {key!r} is {value}: record finite numbers only (check "
                             "the computation for a division by zero or an empty set).")
    if tolerance is not None and published is None:
        raise MLPCInputError(f"Metric {key!r} has a tolerance but no published value to "
                             "compare with: pass published=... too, or drop tolerance.")
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
        if f.name.endswith(".done.json"):  # markers of `make seeds`, not metrics
            continue
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
    """A metric over the seeds of the sweep: median, min, max, the number of seeds and where
    the numbers come from (``"sweep of 2026-11-29"`` or ``"local sweep (build/seeds)"``)."""

    median: float | None
    min: float | None
    max: float | None
    n: int
    source: str = ""


def seeds_dir() -> Path:
    """Folder of the seed sweep: ``MLPC_SEEDS_DIR`` or ``<root>/build/seeds``."""
    env = os.environ.get("MLPC_SEEDS_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "build" / "seeds"


def published_seeds_dir() -> Path | None:
    """Folder of the committed sweep snapshot, ``<root>/results/seeds``.

    ``mlpc seeds --publish`` copies ``build/seeds/summary.*`` there with the date, commit
    and wall time (``sweep.json``), so that the site and every clone show the ranges without
    rerunning the sweep. ``MLPC_SEEDS_PUBLISHED`` overrides the folder; set to an empty
    string it disables the snapshot (tests do this).
    """
    env = os.environ.get("MLPC_SEEDS_PUBLISHED")
    if env is not None:
        return Path(env).expanduser().resolve() if env else None
    return project_root() / "results" / "seeds"


def _number(text: str) -> float | int | None:
    if text in ("", None):
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def _read_summary(folder: Path, source: str) -> dict[tuple[str, str], dict[str, str]] | None:
    path = folder / "summary.csv"
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        return {(r["notebook"], r["key"]): {**r, "_source": source}
                for r in csv.DictReader(fh)}


def sweep_info(folder: Path | None = None) -> dict[str, Any]:
    """Provenance of a published sweep (``sweep.json``: date, commit, seeds, wall time);
    empty when there is none."""
    folder = folder or published_seeds_dir()
    path = folder / "sweep.json" if folder else None
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text())


def load_seed_summary(folder: Path | None = None) -> dict[tuple[str, str], dict[str, str]] | None:
    """Rows of the seed-sweep table by (notebook, key); None when no sweep exists.

    With ``folder``: only ``<folder>/summary.csv``. Otherwise the committed snapshot
    (:func:`published_seeds_dir`) overlaid by a local sweep (:func:`seeds_dir`): a notebook
    that the local sweep covers takes all its rows from there. Each row carries ``_source``,
    the text that :func:`seed_range` returns as ``source``.
    """
    if folder is not None:
        return _read_summary(Path(folder), f"sweep in {folder}")
    rows: dict[tuple[str, str], dict[str, str]] = {}
    pub = published_seeds_dir()
    if pub is not None:
        info = sweep_info(pub)
        rows.update(_read_summary(pub, f"sweep of {info.get('date', '?')}") or {})
    local = _read_summary(seeds_dir(), "local sweep (build/seeds)")
    if local:
        covered = {nb for nb, _ in local}
        rows = {k: r for k, r in rows.items() if k[0] not in covered}
        rows.update(local)
    return rows or None


def seed_range(key: str, *, notebook: str | None = None,
               folder: Path | None = None) -> SeedRange | None:
    """(median, min, max, n, source) of metric ``key`` over the seeds of ``make seeds``.

    Read from :func:`load_seed_summary` (``folder`` overrides it). Returns None when the
    sweep has not been run or did not include ``key``, so that a notebook can write "the
    seed sweep has not been run" instead of typing a range. For a metric that is not a
    number (a string, a list) median, min and max are None. ``notebook`` picks the row when
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
                     int(row["n"]), row.get("_source", ""))


def seed_values(key: str, *, notebook: str | None = None,
                folder: Path | None = None) -> dict[int, float] | None:
    """``{seed: value}`` of a numeric metric over the seeds of the sweep, for counts such as
    "the hand-crafted detector wins in 9 of 10 seeds"; None when the sweep has no such row
    (or the metric is not a number)."""
    rows = load_seed_summary(folder)
    if rows is None:
        return None
    row = rows.get((notebook, key)) if notebook else next(
        (r for (_, k), r in rows.items() if k == key), None)
    if row is None or not row.get("values"):
        return None
    return {int(a): float(b) for a, b in (t.split(":") for t in row["values"].split())}


def seed_mode(key: str, *, notebook: str | None = None,
              folder: Path | None = None) -> str | None:
    """The most frequent value of a non-numeric metric (a name, a label) over the seeds of
    the sweep, with its count, e.g. ``"smectite (9/10)"``; None without a sweep row."""
    rows = load_seed_summary(folder)
    if rows is None:
        return None
    row = rows.get((notebook, key)) if notebook else next(
        (r for (_, k), r in rows.items() if k == key), None)
    return (row.get("mode") or None) if row else None


def seed_range_text(key: str, fmt: str = "{:.2f}", *, notebook: str | None = None,
                    folder: Path | None = None) -> str:
    """A sentence fragment for the text of a notebook: how ``key`` moves with the seed.

    ``"0.91–0.94 (median 0.92; 10 seeds, sweep of 2026-11-29)"``, or when the sweep did not
    include ``key``: ``"not measured yet (run `make seeds NOTEBOOKS=<notebook>`)"``.
    ``fmt`` formats each number (``"{:.1f}"``, ``"{:.0%}"``, ...).
    """
    r = seed_range(key, notebook=notebook, folder=folder)
    nb = notebook or _notebook or "<notebook>"
    if r is None or r.min is None:
        return f"not measured yet (run `make seeds NOTEBOOKS={nb}`)"
    lo, hi, med = fmt.format(r.min), fmt.format(r.max), fmt.format(r.median)
    span = lo if lo == hi else f"{lo}–{hi}"
    return f"{span} (median {med}; {r.n} seeds, {r.source})"


def plot_seed_ranges(notebook: str | None = None, keys: list[str] | None = None, *,
                     labels: dict[str, str] | None = None, sharex: bool = False,
                     folder: Path | None = None):
    """Small multiples: each recorded metric's range over the seeds of the sweep.

    One row per key: the min–max bar over the seeds, the median (dot), this run's value
    (from :func:`metrics_path`, star) and the published value (diamond) where one exists.

    Parameters
    ----------
    notebook : str, optional
        Notebook whose metrics to show (default: the current one, see :func:`set_notebook`).
    keys : list of str, optional
        Keys to show, in order (default: every numeric key of the notebook in the sweep).
    labels : dict, optional
        x-axis label per key, with the unit, e.g. ``{"w04.xrd.quant_mae_wt.cnn":
        "MAE (wt%)"}``; default: the key.
    sharex : bool
        One x-axis for all rows (for keys on one scale, e.g. F1 of several detectors),
        so that overlapping ranges can be compared by eye. Default: one axis per key.
    folder : Path, optional
        Sweep folder (default: :func:`load_seed_summary`'s lookup).

    Returns
    -------
    matplotlib.figure.Figure or None
        None (and a printed sentence saying how to run the sweep) when there is nothing
        to show.
    """
    import matplotlib.pyplot as plt

    nb = notebook or _notebook
    rows = load_seed_summary(folder) or {}
    mine = {k: r for (n, k), r in rows.items() if n == nb and r.get("min") not in ("", None)}
    keys = [k for k in (keys or sorted(mine)) if k in mine]
    if not keys:
        print(f"No seed sweep of {nb} yet: run `make seeds NOTEBOOKS={nb}` "
              "(about 1-3 min of CPU per seed) and run this cell again.")
        return None
    current: dict[str, Any] = {}
    path = metrics_dir() / f"{nb}.json"
    if path.is_file():
        current = {k: e.get("value") for k, e in json.loads(path.read_text()).items()}
    labels = labels or {}
    fig, axes = plt.subplots(len(keys), 1, figsize=(7.0, 0.9 + 0.75 * len(keys)),
                             squeeze=False, sharex=sharex)
    for ax, key in zip(axes[:, 0], keys, strict=True):
        r = mine[key]
        lo, hi, med = float(r["min"]), float(r["max"]), float(r["median"])
        ax.plot([lo, hi], [0, 0], lw=6, color="0.75", solid_capstyle="butt",
                label=f"min–max over {r['n']} seeds")
        ax.plot([med], [0], "o", color="k", label="median")
        if _is_num(current.get(key)):
            ax.plot([current[key]], [0], "*", ms=12, color="C1", label="this run")
        if r.get("published") not in ("", None):
            ax.plot([float(r["published"])], [0], "D", color="C0", label="published")
        ax.set_yticks([])
        ax.set_xlabel(labels.get(key, key), fontsize=8)
        if sharex:
            ax.tick_params(labelbottom=True)
        ax.margins(x=0.15)
    axes[0, 0].legend(fontsize=7, ncol=4, loc="lower left", bbox_to_anchor=(0, 1.05),
                      frameon=False)
    src = next(iter(mine.values())).get("_source", "")
    fig.suptitle(f"{nb}: headline numbers over seeds — {src}", fontsize=10, y=1.0)
    fig.tight_layout()
    return fig


def seed_summary(keys: Mapping[str, str | tuple[str, str]], *,
                 table_only: Mapping[str, str | tuple[str, str]] | None = None,
                 fmt: str = "{:.3f}", sharex: bool = False, notebook: str | None = None,
                 folder: Path | None = None):
    """How a notebook's headline numbers move with the seed: one table and one figure.

    The one call that closes a notebook's "How much do these numbers move with the seed?"
    section. It prints one line per key, ``label  min–max (median ...)`` under a header that
    names the number of seeds and the sweep (:func:`seed_range`; for a name or a label, the
    most frequent value: :func:`seed_mode`), then draws the min–max figure of ``keys``
    (:func:`plot_seed_ranges`: bar min–max over the seeds, dot median, star this run,
    diamond the published value).

    Parameters
    ----------
    keys : dict
        ``{metric key: label}`` of the numbers to tabulate *and* draw, in order. The label
        names the quantity with its unit, e.g. ``"coarse-γ′ IoU, U-Net (fraction)"``; give
        ``(label, fmt)`` to format one key's numbers differently from ``fmt``.
    table_only : dict, optional
        More ``{key: label or (label, fmt)}`` rows for the table, not drawn (numbers on
        scales of their own: counts, times, choices).
    fmt : str
        Format of each number in the table (``"{:.2f}"``, ``"{:.0%}"``, ...).
    sharex : bool
        One x-axis for all rows of the figure (keys on one scale, e.g. F1 of several
        detectors); see :func:`plot_seed_ranges`.
    notebook : str, optional
        Whose sweep rows to read (default: the current notebook, :func:`set_notebook`).
    folder : Path, optional
        Sweep folder (default: :func:`load_seed_summary`'s lookup).

    Returns
    -------
    matplotlib.figure.Figure or None
        The figure; None (and one printed sentence saying how to run the sweep) when the
        sweep has no row of this notebook.

    Raises
    ------
    MLPCInputError
        When ``keys`` is empty or a label is neither a string nor a ``(label, fmt)`` pair.

    Examples
    --------
    >>> fig = report.seed_summary(  # doctest: +SKIP
    ...     {"w05.super.iou_coarse.unet": "coarse-γ′ IoU, U-Net (fraction)",
    ...      "w05.super.iou_coarse.otsu": "coarse-γ′ IoU, Otsu (fraction)"},
    ...     table_only={"w05.super.train_s": ("training time (s)", "{:.0f}")})
    """
    from .validation import MLPCInputError

    if not keys:
        raise MLPCInputError("seed_summary: `keys` is empty; pass {metric key: label} of the "
                             "numbers recorded with report.record in this notebook.")
    rows: dict[str, tuple[str, str]] = {}
    for key, spec in [*keys.items(), *(table_only or {}).items()]:
        if isinstance(spec, str):
            rows[key] = (spec, fmt)
        elif (isinstance(spec, tuple) and len(spec) == 2
              and all(isinstance(t, str) for t in spec)):
            rows[key] = spec
        else:
            raise MLPCInputError(
                f"seed_summary: the label of {key!r} is {spec!r}; give a string (the "
                "quantity with its unit) or a (label, format) pair such as "
                "('MAE (wt%)', '{:.1f}').")
    nb = notebook or _notebook
    ranges = {key: seed_range(key, notebook=nb, folder=folder) for key in rows}
    found = [r for r in ranges.values() if r is not None]
    if found:
        common = {(r.n, r.source) for r in found}
        n, source = next(iter(common))
        one = len(common) == 1  # the usual case: say "10 seeds, sweep of ..." once
        width = max(len(label) for label, _ in rows.values())
        print(f"Over the {n} seeds of the {source} (min–max, median):" if one
              else "Over the seeds of the sweep (min–max, median):")
        for key, (label, f) in rows.items():
            r = ranges[key]
            where = "" if r is None or one else f"; {r.n} seeds, {r.source}"
            if r is None:
                text = f"not in the sweep (run `make seeds NOTEBOOKS={nb or '<notebook>'}`)"
            elif r.min is None:  # a name or a label: its most frequent value
                text = f"{seed_mode(key, notebook=nb, folder=folder)} (most frequent{where})"
            else:
                lo, hi, med = f.format(r.min), f.format(r.max), f.format(r.median)
                text = f"{lo if lo == hi else f'{lo}–{hi}'} (median {med}{where})"
            print(f"  {label:<{width}}  {text}")
    labels = {k: label for k, (label, _) in rows.items() if k in keys}
    return plot_seed_ranges(nb, list(keys), labels=labels, sharex=sharex, folder=folder)


def seed_gaps(rows: list[Mapping[str, Any]], *, fmt: str = "{:.3g}",
              folder: Path | None = None):
    """A table of paired numbers over the seeds of the sweep: what one test reports (A)
    against what another shows (B), e.g. a random split against a split by paper.

    Parameters
    ----------
    rows : list of dict
        One dict per row with ``"a"`` and ``"b"``: a metric key of the sweep
        (:func:`seed_range`), a reference number (a chance level, a nominal coverage) or
        None; ``"how"``: ``"ratio"`` (B / A), ``"difference"`` (B − A) or None (no gap);
        every other entry (week, pitfall, data, measure, ...) is kept as a column.
    fmt : str
        Format of each number in the text columns.
    folder : Path, optional
        Sweep folder (default: :func:`load_seed_summary`'s lookup).

    Returns
    -------
    pandas.DataFrame
        One row per entry of ``rows``: its other columns; ``"A"`` and ``"B"`` as text,
        ``"median (min–max)"`` over the seeds (the median alone when it does not move; a
        reference number as it is; ``"not in the sweep"`` for a key the sweep lacks);
        ``"B vs A"`` from the medians (``"2.14×"`` or ``"-0.11"``); the numbers themselves
        in ``a_median, a_min, a_max, b_median, b_min, b_max`` (NaN where none) and where
        each row's numbers come from in ``"source"``.

    Raises
    ------
    MLPCInputError
        A row without ``"a"`` and ``"b"``, or with an unknown ``"how"``.
    """
    import pandas as pd

    from .validation import MLPCInputError

    def _get(x: Any) -> tuple[float, float, float, str]:
        if x is None:
            return math.nan, math.nan, math.nan, ""
        if not isinstance(x, str):
            return float(x), float(x), float(x), "reference"
        r = seed_range(x, folder=folder)
        if r is None or r.median is None:
            return math.nan, math.nan, math.nan, "not in the sweep"
        return float(r.median), float(r.min), float(r.max), r.source

    def _text(x: Any, med: float, lo: float, hi: float) -> str:
        if x is None:
            return ""
        if math.isnan(med):
            return "not in the sweep"
        if lo == hi:
            return fmt.format(med)
        return f"{fmt.format(med)} ({fmt.format(lo)}–{fmt.format(hi)})"

    out = []
    for i, row in enumerate(rows):
        if "a" not in row or "b" not in row:
            raise MLPCInputError(f"seed_gaps: row {i} needs 'a' and 'b' (a metric key, a "
                                 "reference number or None); it has "
                                 f"{sorted(row)}.")
        how = row.get("how")
        if how not in (None, "ratio", "difference"):
            raise MLPCInputError(f"seed_gaps: row {i} has how={how!r}; use 'ratio' (B / A), "
                                 "'difference' (B - A) or None.")
        a, b = _get(row["a"]), _get(row["b"])
        gap = ""
        if how and not (math.isnan(a[0]) or math.isnan(b[0])):
            gap = (f"{b[0] / a[0]:.3g}×" if how == "ratio" and a[0] != 0
                   else f"{b[0] - a[0]:+.3g}" if how == "difference" else "")
        sources = sorted({a[3], b[3]} - {"", "reference"})
        out.append({**{k: v for k, v in row.items() if k not in ("a", "b", "how")},
                    "A": _text(row["a"], *a[:3]), "B": _text(row["b"], *b[:3]),
                    "B vs A": gap,
                    "a_median": a[0], "a_min": a[1], "a_max": a[2],
                    "b_median": b[0], "b_min": b[1], "b_max": b[2],
                    "source": "; ".join(sources)})
    return pd.DataFrame(out)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
