"""The mini-project package (project/, issue 41): ideas tied to course datasets, starter
notebooks that load the data, split honestly and record a baseline, the template with the
honest-validation checklist, the presentation template, the rubric, and the site pages.
The notebooks themselves run under nbval in `make test` (mlpc_course.execute collects
project/)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from mlpc_course import course_config, execute

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "project"
IDEAS = yaml.safe_load((PROJECT / "ideas.yml").read_text())
NOTEBOOKS = sorted(PROJECT.rglob("*.ipynb"))
TEMPLATE = PROJECT / "mp_template.ipynb"
# What a starter may import from the course package: the loaders, the runtime and the
# report (the helper modules are being reorganised; scikit-learn does the rest).
ALLOWED_HELPERS = {"data", "report", "runtime"}
SPLITTERS = ("GroupKFold", "LeaveOneGroupOut", "StratifiedGroupKFold", "LeaveOneOut",
             "split ==", "StratifiedKFold")
RUBRIC = {"question", "validation", "baseline", "uncertainty", "physics", "communication"}


def _cells(nb: Path) -> list[dict]:
    return json.loads(nb.read_text())["cells"]


def _code(nb: Path) -> str:
    return "\n\n".join("".join(c["source"]) for c in _cells(nb) if c["cell_type"] == "code")


def _markdown(nb: Path) -> str:
    return "\n\n".join("".join(c["source"]) for c in _cells(nb)
                       if c["cell_type"] == "markdown")


def test_at_least_eight_ideas_on_eight_datasets():
    from mlpc_helpers import data

    assert len(IDEAS) >= 8
    assert len({i["id"] for i in IDEAS}) == len(IDEAS)
    assert len({i["dataset"] for i in IDEAS}) >= 8
    for idea in IDEAS:
        assert idea["dataset"] in data.__all__, f"{idea['id']}: no loader {idea['dataset']}"
        assert (PROJECT / idea["starter"]).is_file(), f"{idea['id']}: no {idea['starter']}"
        assert idea["question"].strip().endswith("?")


@pytest.mark.parametrize("idea", IDEAS, ids=lambda i: i["id"])
def test_starter_loads_splits_and_records(idea):
    nb = PROJECT / idea["starter"]
    code = _code(nb)
    assert f'runtime.start("{nb.stem}")' in code
    assert f"data.{idea['dataset']}(" in code, "the starter loads its dataset with the loader"
    assert any(s in code for s in SPLITTERS), "no honest split"
    keys = re.findall(r'report\.record\(\s*"([^"]+)"', code)
    assert len(keys) >= 2 and all(k.startswith(f"mp.{idea['id']}.") for k in keys), keys
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mlpc_helpers"):
            names = {a.name for a in node.names}
            assert node.module == "mlpc_helpers" and names <= ALLOWED_HELPERS, \
                f"{nb.name} imports {node.module}: {names}"
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("mlpc_helpers.") for a in node.names)
    text = _markdown(nb)
    for what in ("Unit of independence", "What this starter does", "Where to go from here"):
        assert what in text, f"{nb.name}: no '{what}'"
    assert "../index.qmd" in text and "../mp_template.ipynb" in text


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_project_notebooks_are_clean_sources(nb):
    data = json.loads(nb.read_text())
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(data["cells"]):
        assert "id" in cell
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, \
                f"{nb.name} cell {i}: strip its outputs"
            long = [ln for ln in "".join(cell["source"]).splitlines() if len(ln) > 88]
            assert not long, f"{nb.name} cell {i}: lines over 88 columns: {long}"
            assert "random_state=0" not in "".join(cell["source"]), "seeds: runtime.stream"
    assert f'runtime.start("{nb.stem}")' in _code(nb)


def test_template_carries_the_checklist_and_records():
    text, code = _markdown(TEMPLATE), _code(TEMPLATE)
    items = re.findall(r"^\d\. \*\*(.+?)\*\*", text, re.M)
    assert len(items) == 8, items
    for phrase in ("Unit of independence", "Every step that learns", "trivial baseline",
                   "shortcut", "noise floor", "Uncertainty", "shift", "Explanations"):
        assert any(phrase.lower() in i.lower() for i in items), phrase
    assert "report.record(" in code and "runtime.stream(" in code
    assert "MLPC_SEED" in text


def test_presentation_template_has_five_slides():
    text = (PROJECT / "presentation_template.qmd").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert "revealjs" in front["format"]
    slides = re.findall(r"^## (.+)$", text, re.M)
    assert len(slides) == 5, slides


def test_rubric_has_the_criteria_and_points():
    c = course_config.load(ROOT / "course.yml")
    assert {r.id for r in c.rubric} == RUBRIC
    assert sum(r.points for r in c.rubric) == 100
    assert all(r.full and r.half and r.none for r in c.rubric)
    assert any(g.id == "project" for g in c.grading)


def test_brief_covers_the_milestones_and_links_resolve():
    c = course_config.load(ROOT / "course.yml")
    brief = (PROJECT / "index.qmd").read_text()
    for m in c.milestones:
        assert f"{{{{< course milestone {m.id} >}}}}" in brief, m.id
    for page in PROJECT.glob("*.qmd"):
        for target in re.findall(r"\]\(([^)#\s]+\.(?:qmd|ipynb))(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).resolve().exists(), f"{page.name} -> {target}"


def test_site_and_ci_collect_the_project():
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    navbar = yaml.safe_dump(cfg["website"]["navbar"])
    for page in ("project/index.qmd", "project/ideas.qmd", "project/rubric.qmd",
                 "project/presentation_template.qmd", "project/mp_template.ipynb"):
        assert page in navbar, f"{page} not in the navbar"
    render = cfg["project"]["render"]
    assert {"project/*.qmd", "project/*.ipynb", "project/starters/*.ipynb"} <= set(render)
    assert "project/index.qmd" in (ROOT / "index.qmd").read_text()
    assert PROJECT in execute.default_paths(ROOT), "make test must run the starters"
    assert execute.resolve(["mp_lpbf_density"], ROOT) == [
        PROJECT / "starters" / "mp_lpbf_density.ipynb"]
