"""Repository hygiene: notebooks, Quarto project, conda environment, README, CI."""

import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KNOWN_TAGS = {"gpu", "solution", "skip-execution", "raises-exception", "nbval-skip",
              "hide-input", "remove-input", "remove-cell", "parameters", "check",
              "hidden", "wrong", "no-check"}  # the last three: GRADING.md, notebook standards


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "week00_setup.ipynb").exists()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_without_outputs(nb):
    data = json.loads(nb.read_text())
    for i, cell in enumerate(data["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{nb.name} cell {i} has outputs: strip them"
            assert cell.get("execution_count") is None, f"{nb.name} cell {i} has a count"
        tags = set(cell.get("metadata", {}).get("tags", []))
        assert tags <= KNOWN_TAGS, f"{nb.name} cell {i}: unknown tags {tags - KNOWN_TAGS}"
    assert data["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_the_runtime(nb):
    """Every notebook names itself for the report and takes its seed from the runtime."""
    src = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"]
                    if c["cell_type"] == "code")
    assert f'runtime.start("{nb.stem}"' in src


def _quarto_files(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in {"href", "file"} and isinstance(v, str):
                yield v
            elif k == "render" and isinstance(v, list):
                yield from (x for x in v if isinstance(x, str))
            else:
                yield from _quarto_files(v)
    elif isinstance(node, list):
        for v in node:
            if isinstance(v, str) and re.search(r"\.(qmd|ipynb|md)$", v):
                yield v
            else:
                yield from _quarto_files(v)


def test_quarto_project_references_existing_files():
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    assert cfg["project"]["type"] == "website"
    assert cfg["execute"]["freeze"] in {"auto", True}
    files = list(_quarto_files(cfg))
    assert "index.qmd" in files and "reproduction.qmd" in files
    missing = [f for f in files if "*" not in f and not (ROOT / f).exists()]
    assert not missing, f"_quarto.yml references missing files: {missing}"
    for nb in NOTEBOOKS:
        rel = f"notebooks/{nb.name}"
        assert any(fnmatch.fnmatch(rel, f) for f in files), f"{nb.name} is not in _quarto.yml"
        navbar = yaml.safe_dump(cfg["website"]["navbar"])
        assert rel in navbar, f"{nb.name} has no entry in the navbar of _quarto.yml"
    for qmd in ROOT.glob("*.qmd"):
        text = qmd.read_text()
        assert text.startswith("---\n")
        yaml.safe_load(text.split("---\n")[1])


def test_syllabus_has_fourteen_weeks():
    text = (ROOT / "syllabus.qmd").read_text()
    weeks = set(re.findall(r"^#+ Week (\d+)", text, flags=re.M))
    assert weeks - {"0"} == {str(i) for i in range(1, 15)}


def _norm(name):
    name = re.split(r"[<>=!~ \[;]", name.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_norm(d) for d in py["dependencies"]}
    for extra in ("lab", "test"):
        wanted |= {_norm(d) for d in py["optional-dependencies"][extra]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for d in env["dependencies"]:
        if isinstance(d, dict):
            pip |= {_norm(x) for x in d.get("pip", []) if not x.startswith("-e")}
        else:
            conda.add(_norm(d))
    aliases = {"pytorch": "torch"}
    conda = {aliases.get(c, c) for c in conda}
    got = conda | pip
    assert "quarto" in conda, "environment.yml should bring Quarto for the instructor"
    assert wanted - got == set(), f"in pyproject, not environment.yml: {wanted - got}"
    extra = got - wanted - {"python", "pip", "quarto"}
    assert not extra, f"in environment.yml, not pyproject: {extra}"


def test_readme_starts_with_the_two_commands():
    lines = [ln for ln in (ROOT / "README.md").read_text().splitlines() if ln.strip()]
    head = "\n".join(lines[:6])
    assert "make course" in head and "make test" in head


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "MLPC_DATA_MIRROR" in ci
    assert "MLPC_DATA_MIRROR" in (ROOT / "README.md").read_text()


def test_handout_profile_lists_every_notebook_and_deck():
    cfg = yaml.safe_load((ROOT / "_quarto-handout.yml").read_text())
    listed = set(cfg["project"]["render"])
    decks = {f"slides/{p.name}" for p in (ROOT / "slides").glob("*.qmd") if p.stem != "index"}
    missing = ({f"notebooks/{nb.name}" for nb in NOTEBOOKS} | decks) - listed
    assert not missing, f"add to _quarto-handout.yml project.render: {sorted(missing)}"
