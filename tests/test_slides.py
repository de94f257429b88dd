"""Structural checks of the Quarto decks (fast; the real render is tools/render.py in
`make test`, the browser check tests/test_browser.py): front matter, offline maths, embeds,
citations, images, and that every number we state is a recorded metric."""

import fnmatch
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DECKS = sorted((ROOT / "slides").glob("unit*.qmd"))
BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))


def _front_matter(path):
    text = path.read_text()
    assert text.startswith("---\n"), f"{path.name} has no YAML front matter"
    return yaml.safe_load(text.split("---\n")[1])


def _notebook_cells(nb_path):
    return json.loads(nb_path.read_text())["cells"]


def _recorded_keys():
    """Regexes of the keys the notebooks record (an f-string field matches any name part)."""
    keys = set()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in _notebook_cells(nb):
            if cell["cell_type"] == "code":
                src = "".join(cell["source"])
                for key in re.findall(r"""record\(\s*f?["']([^"']+)["']""", src):
                    parts = re.split(r"\{[^}]*\}", key)
                    keys.add("^" + r"[\w-]+".join(map(re.escape, parts)) + "$")
    return keys


def _rendered(render_list, path):
    """Whether Quarto's ``project.render`` list (globs, ``!`` exclusions) selects ``path``."""
    hit = False
    for pat in render_list:
        if pat.startswith("!"):
            hit = hit and not fnmatch.fnmatch(path, pat[1:])
        elif fnmatch.fnmatch(path, pat):
            hit = True
    return hit


def test_there_are_two_decks():
    assert [d.name for d in DECKS] == ["unit04_learned_representations.qmd",
                                       "unit05_clustering_autoencoders.qmd"]


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_front_matter_and_listing(deck):
    fm = _front_matter(deck)
    assert "revealjs" in fm["format"] and fm["bibliography"] == "../references.bib"
    # Maths without a CDN: the project's vendored KaTeX (_quarto.yml; the deck works offline).
    assert "html-math-method" not in fm["format"]["revealjs"], \
        "decks take html-math-method from _quarto.yml (local KaTeX; its default is a CDN)"
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    assert _rendered(cfg["project"]["render"], f"slides/{deck.name}"), \
        f"{deck.name} not in _quarto.yml"
    handout = yaml.safe_load((ROOT / "_quarto-handout.yml").read_text())
    assert _rendered(handout["project"]["render"], f"slides/{deck.name}")
    assert not _rendered(handout["project"]["render"], "slides/index.qmd")
    text = deck.read_text()
    assert "::: {.notes}" in text, "speaker notes missing"
    assert "## Learning outcomes" in text and "## Exercises" in text and "{#refs}" in text


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_embeds_point_at_labelled_cells(deck):
    embeds = re.findall(r"\{\{< embed ([^ #>]+)#([^ >]+) >\}\}", deck.read_text())
    assert embeds, "a deck should show figures computed by our notebooks"
    for target, label in embeds:
        nb = (deck.parent / target).resolve()
        assert nb.exists(), f"embed target {target} does not exist"
        labels = set()
        for cell in _notebook_cells(nb):
            labels |= set(re.findall(r"^#\| label: (\S+)", "".join(cell["source"]), re.M))
        assert label in labels, f"{target} has no cell labelled {label}"


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_numbers_come_from_recorded_metrics(deck):
    keys = re.findall(r"\{\{< metric ([^ >]+)", deck.read_text())
    assert keys
    patterns = _recorded_keys()
    missing = sorted(k for k in set(keys) if not any(re.match(p, k) for p in patterns))
    assert not missing, f"slides name metrics that no notebook records: {missing}"


def _citations(text):
    return set(re.findall(r"(?<![\w.])@([A-Za-z][\w-]*\d{4}[\w-]*)", text))


def test_every_citation_resolves():
    sources = {d.name: d.read_text() for d in DECKS}
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        sources[nb.name] = "\n".join("".join(c["source"]) for c in _notebook_cells(nb)
                                     if c["cell_type"] == "markdown")
    for name, text in sources.items():
        missing = _citations(text) - BIB_KEYS
        assert not missing, f"{name} cites keys missing from references.bib: {sorted(missing)}"
    assert _citations("".join(sources[d.name] for d in DECKS)) >= {"azimi2018", "lee2020",
                                                                    "fathizadan2021"}


def test_bib_entries_from_the_decks_have_dois():
    text = (ROOT / "references.bib").read_text()
    for key in ("azimi2018", "lee2020", "castroriglos2024", "chen2024", "fathizadan2021",
                "na2022", "song2013", "ward2016"):
        entry = text.split(f"{{{key},")[1].split("\n}")[0]
        assert "doi = {10." in entry, key


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_local_images_exist(deck):
    for path in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", deck.read_text()):
        if not re.match(r"https?://", path):
            assert (deck.parent / path).exists(), f"{deck.name}: missing image {path}"


def test_metric_shortcode_extension_exists():
    ext = ROOT / "_extensions" / "mlpc" / "metric"
    assert (ext / "metric.lua").exists()
    assert yaml.safe_load((ext / "_extension.yml").read_text())["contributes"]["shortcodes"]


LECTURE_DECKS = sorted((ROOT / "slides").glob("week[01][0-9]_*.qmd"))
LECTURE_DECKS = [d for d in LECTURE_DECKS if int(d.name[4:6]) <= 13]


@pytest.mark.parametrize("deck", LECTURE_DECKS, ids=lambda p: p.stem)
def test_a_week_deck_carries_a_90_minute_lecture(deck):
    """Issues 39/40: a week's lecture deck has 35-50 slides (``##`` headings, as the source
    decks' 45-46 numbered slides) and speaker notes on at least 90 % of them, so that a
    lecturer who did not write it can give it."""
    text = deck.read_text()
    slides = re.split(r"^## ", text, flags=re.M)[1:]
    assert 35 <= len(slides) <= 50, f"{deck.name}: {len(slides)} slides (35-50 carry 90 min)"
    with_notes = sum(bool(re.search(r"^:::+ *\{\.notes\}", s, re.M)) for s in slides)
    assert with_notes >= 0.9 * len(slides), \
        f"{deck.name}: speaker notes on {with_notes} of {len(slides)} slides (want >= 90 %)"
