"""Figures everyone can read (issue 42, item 4): static checks of the sources (fast, no render).

- **Alt text.** Every figure a notebook draws has ``#| fig-alt:`` in its cell: one or two
  sentences that say what the figure *shows* (axes, what is plotted against what, the pattern a
  reader should see), for a reader who cannot see it. Quarto writes it as the ``alt`` of the
  ``<img>`` on the notebook's page and, through ``{{< embed >}}``, in every deck that embeds the
  figure (checked in a real render: ``tests/test_browser.py``). A figure cell is a code cell
  that calls ``plt.show()`` / ``fig.show()`` / ``display(fig)`` or carries ``#| label: fig-...``
  (answers in ``solution`` cells included: the instructor site shows them). An alt text is
  accepted when it has at least ``MIN_ALT_WORDS`` words and is not the caption repeated.
  Images in decks and pages (``![...](...)`` figures, raw ``<img>``) need alt text too.
- **No rainbow colour maps** (``jet``, ``rainbow``, ``hsv``, ``nipy_spectral``,
  ``gist_rainbow``, and their ``_r``): they are not perceptually ordered, invent edges and are
  unreadable with colour-vision deficiencies. Use ``viridis`` / ``cividis`` / ``magma`` for
  magnitudes (a saliency or CAM overlay: ``inferno`` or ``magma`` with ``alpha``), a diverging
  map (``RdBu_r``, ``coolwarm``) for signed data, ``twilight`` for angles. Checked in the
  notebooks' code cells and in every ``.py`` file of ``mlpc_helpers`` and ``mlpc_course``.

The per-figure alt texts and the colour-map changes are written by each notebook's week
engineer (they know the figures): the notebooks that still lack them are listed in
``PENDING_ALT`` / ``PENDING_CMAP`` and marked xfail (not strict). Remove a name once its
notebook passes (pytest then reports it as XPASS). Runs in ``make test`` (< 1 s).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted([*ROOT.glob("*.qmd"), *(ROOT / "slides").glob("*.qmd")])
MIN_ALT_WORDS = 6

# Notebooks whose figure cells still lack `#| fig-alt:` (2026-12-06: all of them; 187 figure
# cells). The week engineers add the alt texts and remove their notebook's name here.
PENDING_ALT: tuple[str, ...] = ()
# Notebooks that still use a rainbow colour map (2026-12-06: `jet` for Grad-CAM / attention
# overlays, 5 uses).
PENDING_CMAP: tuple[str, ...] = ()

RAINBOW = ("jet", "rainbow", "hsv", "nipy_spectral", "gist_rainbow")
_NAMES = "|".join(RAINBOW)
RAINBOW_USE = re.compile(
    rf"""(?<![\w.])["']({_NAMES})(_r)?["']"""         # cmap="jet", get_cmap('jet_r'), rc value
    rf"""|\b(?:cm|plt|colormaps)\.({_NAMES})(_r)?\b"""  # cm.jet, plt.jet(), colormaps.jet
    rf"""|\[\s*["']({_NAMES})(_r)?["']\s*\]""")       # colormaps["jet"]
FIGURE_CALL = re.compile(r"\bplt\.show\(\)|\bfig\w*\.show\(\)|\bdisplay\(\s*fig")
FIG_LABEL = re.compile(r"^#\|\s*label:\s*fig-", re.M)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def cell_options(src: str) -> dict:
    """The ``#|`` options at the top of a cell, parsed as YAML (Quarto's syntax)."""
    lines = []
    for line in src.splitlines():
        if not line.startswith("#|"):
            break
        lines.append(line[2:].removeprefix(" "))
    try:
        opts = yaml.safe_load("\n".join(lines)) if lines else {}
    except yaml.YAMLError:
        return {"__invalid__": True}
    return opts if isinstance(opts, dict) else {}


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]{2,}", text))


def alt_problem(alt, cap) -> str | None:
    """Why ``alt`` (a string, or a list for a cell with several figures) is not alt text."""
    alts = alt if isinstance(alt, list) else [alt]
    for a in alts:
        if not isinstance(a, str) or not a.strip():
            return "no `#| fig-alt:` (say what the figure shows)"
        if _words(a) < MIN_ALT_WORDS:
            return f"`fig-alt` '{a}' is too short (at least {MIN_ALT_WORDS} words: what it shows)"
        if isinstance(cap, str) and a.strip().rstrip(".").lower() == cap.strip().rstrip(".").lower():
            return "`fig-alt` repeats `fig-cap`: say what the figure shows, not its title"
    return None


def is_figure_cell(cell: dict) -> bool:
    if cell["cell_type"] != "code":
        return False
    src = _src(cell)
    return bool(FIGURE_CALL.search(src) or FIG_LABEL.search(src))


def alt_problems(cells: list[dict]) -> list[str]:
    out = []
    for i, cell in enumerate(cells):
        if not is_figure_cell(cell):
            continue
        opts = cell_options(_src(cell))
        label = opts.get("label", "(no label)")
        if opts.get("__invalid__"):
            out.append(f"cell {i}: its `#|` options are not valid YAML")
            continue
        why = alt_problem(opts.get("fig-alt"), opts.get("fig-cap"))
        if why:
            out.append(f"cell {i} {label}: {why}")
    return out


def cmap_problems(text: str) -> list[str]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("#") and not stripped.startswith("#|"):
            continue
        for m in RAINBOW_USE.finditer(line):
            out.append(f"line {n}: rainbow colour map `{m.group(0).strip()}`")
    return out


def _nb_params(pending):
    for path in NOTEBOOKS:
        marks = [pytest.mark.xfail(reason="week engineer still to do (see PENDING lists)",
                                   strict=False)] if path.stem in pending else []
        yield pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", list(_nb_params(PENDING_ALT)))
def test_every_notebook_figure_has_alt_text(path):
    found = alt_problems(_cells(path))
    assert not found, f"{path.name}: {len(found)} figure(s) without alt text:\n  " \
        + "\n  ".join(found)


@pytest.mark.parametrize("path", list(_nb_params(PENDING_CMAP)))
def test_notebook_uses_no_rainbow_colour_map(path):
    found = []
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            found += [f"cell {i} {p}" for p in cmap_problems(_src(cell))]
    assert not found, f"{path.name}: " + "; ".join(found) + " (viridis, cividis, magma, " \
        "inferno for magnitudes; RdBu_r / coolwarm for signed data)"


def test_packages_use_no_rainbow_colour_map():
    found = []
    for pkg in ("mlpc_helpers", "mlpc_course"):
        for py in sorted((ROOT / pkg).rglob("*.py")):
            found += [f"{py.relative_to(ROOT)} {p}" for p in cmap_problems(py.read_text())]
    assert not found, "\n".join(found)


def test_pending_lists_name_existing_notebooks():
    stems = {p.stem for p in NOTEBOOKS}
    for name in (*PENDING_ALT, *PENDING_CMAP):
        assert name in stems, f"PENDING names {name}, which is not a notebook"


# --- decks and pages -----------------------------------------------------------------------

EMBED = re.compile(r"\{\{<\s*embed\s+([^\s#>]+)#([^\s>]+)")
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)(\{[^}]*\})?")
HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)


def image_problems(text: str) -> list[str]:
    """Images of a ``.qmd`` without alt text. A figure (``![caption](img)`` alone in its
    paragraph) gets its ``alt`` only from ``fig-alt="..."``; an inline image from its text."""
    out = []
    for m in MD_IMAGE.finditer(text):
        label, target, attrs = m.group(1), m.group(2), m.group(3) or ""
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        alone = not text[start:m.start()].strip() and not text[m.end():end if end >= 0
                                                                 else None].strip()
        has_alt = re.search(r'fig-alt\s*=\s*"[^"]+"', attrs) or (label.strip() and not alone)
        if not has_alt:
            out.append(f"image {target}: no alt text (add {{fig-alt=\"what it shows\"}})")
    for m in HTML_IMG.finditer(text):
        if not re.search(r'\balt\s*=\s*"[^"]+"', m.group(0)):
            out.append(f"raw {m.group(0)[:60]}: no alt=\"...\"")
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_images_in_decks_and_pages_have_alt_text(page):
    found = image_problems(page.read_text())
    assert not found, f"{page.relative_to(ROOT)}:\n  " + "\n  ".join(found)


def _embed_params():
    for deck in sorted((ROOT / "slides").glob("*.qmd")):
        targets = sorted({Path(t).stem for t, _ in EMBED.findall(deck.read_text())})
        if not targets:
            continue
        marks = [pytest.mark.xfail(reason="embeds notebooks still without alt text: "
                                   + ", ".join(t for t in targets if t in PENDING_ALT),
                                   strict=False)] if set(targets) & set(PENDING_ALT) else []
        yield pytest.param(deck, id=deck.stem, marks=marks)


@pytest.mark.parametrize("deck", list(_embed_params()))
def test_deck_embeds_have_alt_text(deck):
    """What a deck embeds carries the notebook cell's ``fig-alt`` (Quarto copies it)."""
    found = []
    for target, label in EMBED.findall(deck.read_text()):
        nb = (deck.parent / target).resolve()
        cell = next((c for c in _cells(nb) if c["cell_type"] == "code"
                     and cell_options(_src(c)).get("label") == label), None)
        if cell is None:
            continue  # tests/test_slides.py reports embeds of missing labels
        opts = cell_options(_src(cell))
        why = alt_problem(opts.get("fig-alt"), opts.get("fig-cap"))
        if why:
            found.append(f"{nb.name}#{label}: {why}")
    assert not found, f"{deck.name}:\n  " + "\n  ".join(found)


# --- the checks themselves ----------------------------------------------------------------

def _code(s, tags=()):
    return {"cell_type": "code", "source": s, "metadata": {"tags": list(tags)}, "outputs": []}


def test_checks_flag_what_they_should():
    cap = "#| label: fig-a\n#| fig-cap: Loss per epoch.\n"
    alt = "#| fig-alt: Training and validation loss fall over 30 epochs and level off.\n"
    assert alt_problems([_code(cap + "plt.plot(x)\nplt.show()")])
    assert alt_problems([_code("plt.imshow(x)\nplt.show()", ["solution"])])
    assert alt_problems([_code(cap + "#| fig-alt: A plot.\nplt.show()")])
    assert alt_problems([_code(cap + "#| fig-alt: Loss per epoch.\nplt.show()")])
    assert not alt_problems([_code(cap + alt + "plt.show()")])
    assert not alt_problems([_code("x = 1")])
    listed = cap + "#| fig-alt:\n#|   - Left panel shows the raw micrograph with grains.\n" \
        "#|   - Right panel shows the segmented grains coloured by size.\nplt.show()"
    assert not alt_problems([_code(listed)])
    assert cmap_problems('ax.imshow(cam, cmap="jet", alpha=0.4)')
    assert cmap_problems("plt.get_cmap('nipy_spectral_r')")
    assert cmap_problems("im = ax.imshow(x, cmap=plt.cm.jet)")
    assert cmap_problems("cmap = matplotlib.colormaps['gist_rainbow']")
    assert not cmap_problems('ax.imshow(cam, cmap="magma", alpha=0.4)')
    assert not cmap_problems("# never use cmap='jet'")
    assert not cmap_problems("majet = 'hsv_like'; project = 1")
    assert image_problems("![A caption](fig.png)\n")
    assert not image_problems('![A caption](fig.png){fig-alt="Three bars of equal height."}\n')
    assert not image_problems("Text with ![an icon of a gear](gear.png) inline.\n")
    assert image_problems('<img src="a.png">')
    assert not image_problems('<img src="a.png" alt="A gear">')
