"""Execute the course notebooks and build the static site without Quarto (nbconvert).

``make course`` uses Quarto when it is on PATH; otherwise it executes the notebooks with
:mod:`mlpc_course.execute` and calls :func:`build_site`, which write ``_site/index.html``, one HTML page and the executed ``.ipynb``
per notebook (the instructor edition), the student editions (``_site/student/``, see
:mod:`mlpc_course.editions`), the syllabus and the reproduction page (published value vs ours).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from mlpc_helpers import report
from mlpc_helpers.paths import project_root


def notebooks(root: Path | None = None) -> list[Path]:
    """The course notebooks, ``notebooks/*.ipynb``, in week order."""
    root = root or project_root()
    return sorted((root / "notebooks").glob("*.ipynb"))


def notebook_title(path: Path) -> str:
    """The first Markdown heading of a notebook, else its file name."""
    nb = json.loads(Path(path).read_text())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return Path(path).stem


def _sweep_part(full: bool) -> str:
    """One size's half of :func:`seed_sweep_sentence`."""
    from . import seeds

    label = "Full size (`MLPC_FULL=1`)" if full else "Reduced size (CPU)"
    local = (seeds.default_out(full) / "summary.csv").is_file()
    pub = seeds.published_dir(full)
    info = report.sweep_info(pub) if pub is not None and (pub / "sweep.json").is_file() else {}
    parts = []
    if info:
        counts = sorted({len(v["seeds"]) for v in info.get("notebooks", {}).values()})
        n = "–".join(str(s) for s in sorted({counts[0], counts[-1]})) if counts else "?"
        where = f"results/{pub.name}/summary.md"
        prov = seeds.provenance_text(info.get("provenance") or {})
        parts.append(
            f"the seed sweep of {info['date']} (commit `{info.get('commit', '?')}`, {n} seeds "
            f"per notebook, `{where}`; "
            + (f"ran on: {prov})" if prov else
               "device and package versions not recorded: a sweep older than the "
               "provenance records)"))
    if local:
        parts.append(f"notebooks swept locally (`build/{seeds.default_out(full).name}/`) "
                     "replace their rows")
    if not parts:
        how = ("it needs a GPU: `make gpu-kit`, then the kit's `run.sh` on a GPU node, see the "
               "README, *Seed sweeps on a cluster*" if full else "run `make seeds`")
        return f"{label}: no seed sweep yet ({how})."
    return f"{label}: " + "; ".join(parts) + "."


def seed_sweep_sentence() -> str:
    """Where the page's seed-range columns come from, one sentence per size: the committed
    snapshots ``results/seeds/`` (reduced) and ``results/seeds-full/`` (full size) with their
    date, commit, seeds, device and package versions, a local ``make seeds``, or nothing."""
    return " ".join([_sweep_part(False), _sweep_part(True), "Rerun with `make seeds`."])


def _range_columns() -> tuple[list[str], list[dict | None]]:
    """Headers and tables of the seed-range columns: reduced always, full size when a
    full-size sweep exists (else the sentence says there is none)."""
    from .seeds import load_summary

    heads, tables = ["seed range (n), reduced size"], [load_summary(False)]
    full = load_summary(True)
    if full is not None:
        heads.append("seed range (n), full size")
        tables.append(full)
    return heads, tables


def reproduction_rows_markdown(folder: Path | None = None) -> str:
    """The reproduction table as Markdown (used by ``reproduction.qmd`` under Quarto)."""
    rows = report.load_all(folder)
    if not rows:
        return "_No metrics recorded yet: run `make course` first._"
    from .seeds import range_cell

    heads, tables = _range_columns()
    lines = [
        "| notebook | quantity | published | source | ours | within tolerance | "
        + " | ".join(heads) + " |",
        "|---|---|---|---|---|---|" + "---|" * len(heads),
    ]
    for r in rows:
        pub = "" if r.published is None else f"{r.published}" + (
            f" ± {r.tolerance}" if r.tolerance is not None else "")
        verdict = {True: "yes", False: "**no**", None: "—"}[r.ok]
        cells = " | ".join(range_cell(r.key, r.notebook, t) for t in tables)
        lines.append(
            f"| {r.notebook} | `{r.key}` | {pub} | {r.source or ''} | {_fmt(r.value)} | {verdict} "
            f"| {cells} |"
        )
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.3rem .6rem;text-align:left}code{background:#f4f4f4}.no{color:#b00;"
        "font-weight:bold}</style></head><body>"
        f"{body}</body></html>"
    )


def _markdown_file_to_html(path: Path) -> str:
    """Render a .qmd/.md file's Markdown (front matter and Quarto shortcodes dropped)."""
    import mistune

    text = path.read_text()
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"\{\{<.*?>\}\}", "", text)
    text = re.sub(r"\]\(([^)]+)\.(qmd|ipynb)\)", r"](\1.html)", text)
    return mistune.html(text)


def reproduction_html(folder: Path | None = None) -> str:
    """The reproduction page: quantity, published value and source, our value, verdict and
    the seed ranges of each size."""
    rows = report.load_all(folder)
    from .seeds import range_cell

    heads, tables = _range_columns()
    body = ["<h1>Reproduction of published numbers</h1>",
            "<p>Every headline number the notebooks record with "
            "<code>mlpc_helpers.report.record</code>, beside the published value it reproduces. "
            "A value outside the tolerance makes <code>make test</code> fail.</p>",
            f"<p>{html.escape(seed_sweep_sentence())}</p>",
            "<table><tr><th>notebook</th><th>quantity</th><th>published</th><th>source</th>"
            "<th>ours</th><th>within tolerance</th>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr>"]
    for r in rows:
        pub = "" if r.published is None else html.escape(str(r.published)) + (
            f" ± {r.tolerance}" if r.tolerance is not None else "")
        verdict = {True: "yes", False: "<span class='no'>no</span>", None: "—"}[r.ok]
        cells = "".join(f"<td>{html.escape(range_cell(r.key, r.notebook, t))}</td>"
                        for t in tables)
        body.append(
            f"<tr><td>{r.notebook}</td><td><code>{html.escape(r.key)}</code></td><td>{pub}</td>"
            f"<td>{html.escape(r.source or '')}</td><td>{html.escape(_fmt(r.value))}</td>"
            f"<td>{verdict}</td>{cells}</tr>"
        )
    body.append("</table>" if rows else "</table><p>No metrics recorded yet.</p>")
    return _page("Reproduction", "\n".join(body))


def student_links_html(name: str, prefix: str = "") -> str:
    """Download and Open-in-Colab links of ``student/<name>.ipynb``, relative to ``prefix``."""
    n = html.escape(name)
    return (f"<a href='{prefix}student/{n}.ipynb' download>{n}.ipynb</a> · "
            f"<a href='{prefix}student/colab/{n}.html'>Open in Colab</a>")


def edition_banner_html(name: str, prefix: str = "", student: bool = True) -> str:
    """The note on top of a notebook's page: this is the instructor edition; the student's."""
    links = f" Student edition (exercises without answers): {student_links_html(name, prefix)}." \
        if student else ""
    return ("<div style='border:1px solid #ccc;background:#f7f7f7;padding:.5rem 1rem;"
            "margin:1rem;font-family:system-ui,sans-serif'><b>Instructor edition</b> (answers "
            f"included).{links} How to run it: "
            f"<a href='{prefix}get_started.html'>Get started</a>.</div>")


def _write_student_editions(out_dir: Path) -> set[str]:
    """Student editions of every notebook into ``out_dir`` (the site's ``student/``)."""
    from . import editions

    try:
        return {p.stem for p in editions.write_student_editions(out_dir)}
    except editions.EditionError as err:
        print(f"warning: no student editions on the site: {err}")
        return set()


def build_site(executed_dir: Path, site_dir: Path, times: dict[str, float] | None = None) -> Path:
    """Write ``site_dir``: executed notebooks + their HTML, syllabus, reproduction, index.

    Returns the index page's path.
    """
    import nbformat
    from nbconvert import HTMLExporter

    root = project_root()
    out = site_dir / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    students = _write_student_editions(site_dir / "student")
    exporter = HTMLExporter(template_name="lab")
    items = []
    for nb_path in sorted(Path(executed_dir).glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        body, _ = exporter.from_notebook_node(nb)
        has_student = nb_path.stem in students
        banner = edition_banner_html(nb_path.stem, "../", has_student)
        body = re.sub(r"(<body[^>]*>)", lambda m, b=banner: m.group(1) + b, body, count=1)
        (out / f"{nb_path.stem}.html").write_text(body)
        (out / nb_path.name).write_text(nb_path.read_text())
        sec = (times or {}).get(nb_path.stem)
        items.append(
            f"<li><a href='notebooks/{nb_path.stem}.html'>{html.escape(notebook_title(nb_path))}</a>"
            f" — <code>{nb_path.stem}</code> (instructor edition: "
            f"<a href='notebooks/{nb_path.name}'>executed .ipynb</a>"
            f"{f', ran in {sec:.0f} s' if sec else ''})"
            + (f"; student edition: {student_links_html(nb_path.stem)}" if has_student else "")
            + "</li>"
        )
    (site_dir / "reproduction.html").write_text(reproduction_html())
    extra = []
    for name in ("syllabus",):
        src = root / f"{name}.qmd"
        if src.exists():
            (site_dir / f"{name}.html").write_text(_page(name.title(), _markdown_file_to_html(src)))
            extra.append(f"<li><a href='{name}.html'>{name.title()}</a></li>")
    index = _page(
        "ML in Materials Processing & Characterization",
        "<h1>Machine Learning in Materials Processing &amp; Characterization</h1>"
        "<p>Executed course notebooks (built with nbconvert; install Quarto for the full site "
        "with slides).</p><ul>" + "".join(extra)
        + "<li><a href='reproduction.html'>Reproduction of published numbers</a></li></ul>"
        "<h2>Notebooks</h2><ul>" + "".join(items) + "</ul>",
    )
    index_path = site_dir / "index.html"
    index_path.write_text(index)
    return index_path
