"""What a student meets in every notebook (issue 31; CONTRIBUTING "A week notebook is done").

Enforced over every ``notebooks/*.ipynb`` (sources, committed without outputs):

- code lines fit the rendered width: at most 88 characters (``#|`` cell options excepted:
  Quarto does not show them);
- no stray outputs: no cell ends in a bare dict expression, a bare name bound to a dict, a
  ``print`` of a dict, or a ``report.record(...)`` kept only for its output; no committed
  output shows a dict;
- an opening callout box in the first markdown cells with prerequisites, a time estimate,
  required vs optional, and a glossary;
- every exercise (a markdown line starting with ``**Exercise``) has a place for its answer
  (a cell tagged ``solution``), and a ``check`` cell after a code answer unless the answer is
  not checkable: then the solution cell carries the tag ``no-check`` (e.g. "look at these
  images and decide") or the answer is markdown only;
- every link to ``../slides/<deck>.qmd#<anchor>`` resolves to a ``{#<anchor>}`` of that deck,
  and no text cites slides by number ("slide 41", "§D") instead of linking them;
- every figure cell (a code cell calling ``plt.show()`` outside an answer) has
  ``#| label: fig-...`` and ``#| fig-cap:``, and is followed by a **What to see:** sentence;
  a deck variant of a figure (``#| classes: deck-only``, hidden on the page, embedded by a
  deck at lecture-hall size) has ``#| label: deck-...`` and ``#| fig-alt:`` instead.

Notebooks still being written by their authors are marked xfail (not strict) in ``PENDING``:
remove a name once its notebook passes.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_COLUMNS = 88

# Notebooks their authors are still writing (2026-11-29): checked, failures expected.
# Name prefixes; remove one once its notebook passes (the run shows it as XPASS).
PENDING = ()

OPENING_WORDS = {
    "prerequisites": re.compile(r"prerequisite", re.I),
    "time estimate": re.compile(r"\btime\b|\bminutes?\b|\bhours?\b", re.I),
    "required vs optional": re.compile(r"required|optional", re.I),
    "glossary": re.compile(r"glossary", re.I),
}
EXERCISE = re.compile(r"^\s*(?:>\s*)?\*\*Exercise\b", re.M)
SLIDE_LINK = re.compile(r"\.\./slides/([\w.-]+?)\.qmd(?:#([\w:.-]+))?")
SLIDE_NUMBER = re.compile(r"\bslides?\s+\d+\b|§\s*[A-Z]\b", re.I)
ANCHOR = re.compile(r"\{[^}]*#([\w:.-]+)[^}]*\}")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _python(src: str) -> str:
    """Cell source with IPython magics and shell escapes commented out (for ast)."""
    out = []
    for line in src.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            out.append(line[: len(line) - len(stripped)] + "pass  # " + stripped)
        else:
            out.append(line)
    return "\n".join(out)


def _parse(src: str) -> ast.Module | None:
    if src.lstrip().startswith("%%"):
        return None
    try:
        return ast.parse(_python(src))
    except SyntaxError:
        return None


def _is_dict(node: ast.AST) -> bool:
    return isinstance(node, ast.Dict | ast.DictComp) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id == "dict")


def _dict_names(cells: list[dict]) -> set[str]:
    """Names that some code cell binds to a dict display (``leak = {}``)."""
    names = set()
    for cell in cells:
        tree = _parse(_src(cell)) if cell["cell_type"] == "code" else None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Assign) and _is_dict(node.value):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def line_problems(cells: list[dict]) -> list[str]:
    out = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for n, line in enumerate(_src(cell).splitlines(), 1):
            if len(line) > MAX_COLUMNS and not line.lstrip().startswith("#|"):
                out.append(f"cell {i} line {n}: {len(line)} > {MAX_COLUMNS} characters")
    return out


def output_problems(cells: list[dict]) -> list[str]:
    out = []
    dict_names = _dict_names(cells)
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        tree = _parse(_src(cell))
        for node in ast.walk(tree) if tree else ():
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print" and any(_is_dict(a) for a in node.args)):
                out.append(f"cell {i} line {node.lineno}: prints a dict")
        last = tree.body[-1] if tree and tree.body else None
        if isinstance(last, ast.Expr):
            value = last.value
            if _is_dict(value):
                out.append(f"cell {i}: ends in a dict expression (its repr is the output)")
            elif isinstance(value, ast.Name) and value.id in dict_names:
                out.append(f"cell {i}: ends in `{value.id}`, a dict (its repr is the output)")
        for o in cell.get("outputs", []):
            text = o.get("data", {}).get("text/plain", "") if "data" in o else o.get("text", "")
            text = "".join(text).strip() if isinstance(text, list) else str(text).strip()
            if text.startswith("{") and text.endswith("}"):
                out.append(f"cell {i}: an output shows a dict: {text[:60]}...")
    return out


def opening_problems(cells: list[dict]) -> list[str]:
    head = [_src(c) for c in cells[:4] if c["cell_type"] == "markdown"]
    boxes = [s for s in head if re.search(r"^:::+\s*\{\.callout", s, re.M)]
    if not boxes:
        return ["no opening callout box (::: {.callout-note}) in the first markdown cells"]
    text = "\n".join(boxes)
    return [f"the opening box has no {what}" for what, rx in OPENING_WORDS.items()
            if not rx.search(text)]


def exercise_problems(cells: list[dict]) -> list[str]:
    out = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown" or {"solution", "check"} & _tags(cell):
            continue
        n_ex = len(EXERCISE.findall(_src(cell)))
        if not n_ex:
            continue
        j, answers = i + 1, []
        while j < len(cells):
            c = cells[j]
            s = _src(c)
            if c["cell_type"] == "markdown" and not {"solution", "check"} & _tags(c) and (
                    EXERCISE.search(s) or s.lstrip().startswith("#")):
                break
            answers.append((j, c))
            j += 1
        solutions = [(k, c) for k, c in answers if "solution" in _tags(c)]
        title = EXERCISE.search(_src(cell)).group(0).strip()
        if len(solutions) < n_ex:
            out.append(f"cell {i} ({title}...): {n_ex} exercise(s) but {len(solutions)} cell(s) "
                       "tagged `solution` for the answers")
            continue
        for k, c in solutions:
            if c["cell_type"] != "code" or "no-check" in _tags(c):
                continue
            later = [cc for kk, cc in answers if kk > k]
            if not any("check" in _tags(cc) for cc in later):
                out.append(f"cell {k}: code answer without a `check` cell after it (add one, or "
                           "tag the answer `no-check` when it cannot be checked)")
    return out


def _deck_anchors(deck: str) -> set[str] | None:
    path = ROOT / "slides" / f"{deck}.qmd"
    if not path.is_file():
        return None
    return {m.group(1) for line in path.read_text().splitlines() if line.startswith("#")
            for m in ANCHOR.finditer(line)}


def slide_problems(cells: list[dict]) -> list[str]:
    out = []
    for i, cell in enumerate(cells):
        src = _src(cell)
        for m in SLIDE_LINK.finditer(src):
            deck, anchor = m.group(1), m.group(2)
            anchors = _deck_anchors(deck)
            if anchors is None:
                out.append(f"cell {i}: link to slides/{deck}.qmd, which does not exist")
            elif anchor and anchor not in anchors:
                out.append(f"cell {i}: no {{#{anchor}}} in slides/{deck}.qmd")
        if cell["cell_type"] == "markdown":
            text = SLIDE_LINK.sub("", re.sub(r"\[[^\]]*\]\([^)]*\)", "", src))
            for m in SLIDE_NUMBER.finditer(text):
                out.append(f"cell {i}: '{m.group(0)}' cites a slide by number: link its anchor "
                           "(../slides/<deck>.qmd#<id>) instead")
    return out


def figure_problems(cells: list[dict]) -> list[str]:
    out = []
    for i, cell in enumerate(cells):
        src = _src(cell)
        if cell["cell_type"] != "code" or "solution" in _tags(cell) or "plt.show()" not in src:
            continue
        opts = [ln for ln in src.splitlines() if ln.startswith("#|")]
        if any(re.match(r"#\|\s*classes:.*\bdeck-only\b", ln) for ln in opts):
            # A deck variant (`#| label: deck-...`, hidden on the page, embedded by a deck):
            # no figure number, caption or "What to see" of its own; alt text still needed.
            if not any(re.match(r"#\|\s*label:\s*deck-", ln) for ln in opts):
                out.append(f"cell {i}: a deck-only figure needs `#| label: deck-...`")
            if not any(re.match(r"#\|\s*fig-alt:", ln) for ln in opts):
                out.append(f"cell {i}: a deck-only figure needs `#| fig-alt:`")
            continue
        if not any(re.match(r"#\|\s*label:\s*fig-", ln) for ln in opts):
            out.append(f"cell {i}: figure without `#| label: fig-...`")
        if not any(re.match(r"#\|\s*fig-cap:", ln) for ln in opts):
            out.append(f"cell {i}: figure without `#| fig-cap:`")
        nxt = next((c for c in cells[i + 1:] if c["cell_type"] == "markdown"), None)
        if nxt is None or "what to see" not in _src(nxt).lower():
            out.append(f"cell {i}: figure not followed by a **What to see:** sentence")
    return out


CHECKS = {
    "code lines": line_problems,
    "stray outputs": output_problems,
    "opening box": opening_problems,
    "exercises": exercise_problems,
    "slide links": slide_problems,
    "figures": figure_problems,
}


def problems(path: Path) -> list[str]:
    """Every problem of one notebook, prefixed by the check that found it."""
    cells = _cells(path)
    return [f"{name}: {p}" for name, check in CHECKS.items() for p in check(cells)]


def _params():
    for path in NOTEBOOKS:
        marks = [pytest.mark.xfail(reason="notebook still being written (see PENDING)",
                                   strict=False)] if path.stem.startswith(PENDING) else []
        yield pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", list(_params()))
def test_notebook_meets_the_standards(path):
    found = problems(path)
    assert not found, f"{path.name}: {len(found)} problem(s):\n  " + "\n  ".join(found)


# --- the checks themselves ------------------------------------------------------------------

def _md(s, tags=()):
    return {"cell_type": "markdown", "source": s, "metadata": {"tags": list(tags)}}


def _code(s, tags=()):
    return {"cell_type": "code", "source": s, "metadata": {"tags": list(tags)}, "outputs": []}


def test_checks_flag_what_they_should():
    assert line_problems([_code("x = 1  # " + "a" * 90)])
    assert not line_problems([_code("#| fig-cap: " + "a" * 90)])
    assert output_problems([_code("{'a': 1}")])
    assert output_problems([_code("d = {}\nd['a'] = 1"), _code("d")])
    assert output_problems([_code("print({k: 1 for k in 'ab'})")])
    assert not output_problems([_code("report.record('k', 1)")])
    assert not output_problems([_code("%time x = 1\nx")])
    assert opening_problems([_md("# T"), _md("::: {.callout-note}\nno words\n:::")])
    box = "::: {.callout-note}\nPrerequisites: x. Time: 1 hour. Optional: 3. Glossary: y\n:::"
    assert not opening_problems([_md("# T\n\n" + box)])
    ex = _md("**Exercise 1.** Do it.")
    assert exercise_problems([ex, _code("x")])
    assert exercise_problems([ex, _code("# Exercise 1\nx = 1", ["solution"])])
    assert not exercise_problems([ex, _code("# Exercise 1\nx = 1", ["solution"]),
                                  _code("assert x", ["check"])])
    assert not exercise_problems([ex, _code("# Exercise 1\nx = 1", ["solution", "no-check"])])
    assert not exercise_problems([ex, _md("Because.", ["solution"])])
    assert slide_problems([_md("see [x](../slides/nope_deck.qmd#a)")])
    assert slide_problems([_md("Unit 4 deck, slide 41")])
    assert slide_problems([_md("the deck's §D–§E")])
    assert figure_problems([_code("plt.plot(x)\nplt.show()"), _md("**What to see:** y")])
    deck = "#| label: deck-a\n#| classes: deck-only\n#| fig-alt: a b c d e f\nplt.show()"
    assert not figure_problems([_code(deck)])
    assert figure_problems([_code(deck.replace("#| fig-alt: a b c d e f\n", ""))])
    assert not figure_problems([_code("#| label: fig-a\n#| fig-cap: A.\nplt.show()"),
                                _md("**What to see:** y")])


# --- the path from the site to a running notebook (student editions) ----------------------

def test_student_edition_starts_with_the_course_setup_cell(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    from mlpc_course import editions

    monkeypatch.setenv("MLPC_REPO_URL", "https://github.com/Someone/course")
    monkeypatch.delenv("MLPC_SITE_URL", raising=False)
    nb = nbformat.read(ROOT / "notebooks" / "week00_setup.ipynb", as_version=4)
    out = editions.student_edition(nb, "week00_setup")
    first = next(c for c in out.cells if c.cell_type == "code")
    assert first.id == "mlpc-bootstrap"
    assert first.source == editions.bootstrap_source("https://github.com/Someone/course")
    for part in ("import mlpc_helpers", "except ImportError:", "%cd mlpc-course",
                 "%pip install", "https://github.com/Someone/course"):
        assert part in first.source
    banner = out.cells[1].source
    assert "https://someone.github.io/course/get_started.html" in banner
    assert "first code cell" in banner


def test_placeholder_url_counts_as_not_set(tmp_path, monkeypatch):
    from mlpc_course import editions

    monkeypatch.delenv("MLPC_REPO_URL", raising=False)
    monkeypatch.delenv("MLPC_SITE_URL", raising=False)
    (tmp_path / "_variables.yml").write_text(
        'repo-url: "https://github.com/OWNER/REPO"\nsite-url: "https://OWNER.github.io/REPO"\n')
    assert editions.repo_url(tmp_path) is None and editions.site_url(tmp_path) is None
    assert "Get started" in editions.banner_markdown("x")
    assert "not set" in editions.bootstrap_source(None)
    (tmp_path / "_variables.yml").write_text('repo-url: "https://github.com/a/b"\n')
    assert editions.repo_url(tmp_path) == "https://github.com/a/b"
    assert editions.site_url(tmp_path) == "https://a.github.io/b"


def test_the_repository_url_is_written_in_one_place():
    from mlpc_course import editions

    variables = editions.course_variables(ROOT)
    assert "repo-url" in variables, "_variables.yml must hold repo-url"
    page = (ROOT / "get_started.qmd").read_text()
    assert "{{< var repo-url >}}" in page
    quarto = (ROOT / "_quarto.yml").read_text()
    assert "get_started.qmd" in quarto
    assert not re.search(r"^\s*repo-url:", quarto, re.M), "set repo-url in _variables.yml only"
