"""LICENSE (code, MIT), LICENSE-CONTENT.md (content: the license course.yml sets, CC BY 4.0 by
default) and CITATION.cff (validated with cffconvert, run by uv in its own environment: its
jsonschema 3 cannot live beside Jupyter's)."""

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from mlpc_course import environment as env

ROOT = Path(__file__).resolve().parents[1]
CFFCONVERT = "cffconvert==2.0.0"


def _content_license():
    """(name, url) of the content license: course.yml's course.license, else CC BY 4.0."""
    cfg = ROOT / os.environ.get("MLPC_COURSE_CONFIG", "course.yml")
    lic = {}
    if cfg.is_file():
        lic = (yaml.safe_load(cfg.read_text()) or {}).get("course", {}).get("license") or {}
    return (lic.get("name", "CC BY 4.0"),
            lic.get("url", "https://creativecommons.org/licenses/by/4.0/"))


def test_code_license_is_mit_as_pyproject_says():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert "LICENSE" in project.get("license-files", ["LICENSE"])
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Permission is hereby granted" in text


def test_content_license_is_the_one_course_yml_sets():
    name, url = _content_license()
    text = (ROOT / "LICENSE-CONTENT.md").read_text()
    assert name in text and url in text, (
        f"course.yml sets the content license {name} ({url}): LICENSE-CONTENT.md must name it")
    assert "notebooks" in text and "slides" in text and "handouts" in text


def test_citation_matches_the_project():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert cff["cff-version"] == "1.2.0"
    assert str(cff["version"]) == project["version"]
    spdx = re.sub(r"\s+", "-", _content_license()[0])  # "CC BY 4.0" -> "CC-BY-4.0"
    assert set(cff["license"]) == {"MIT", spdx}
    repo = yaml.safe_load((ROOT / "_variables.yml").read_text())["repo-url"]
    assert cff["repository-code"] == repo, "CITATION.cff and _variables.yml name other repos"


def _cffconvert(path):
    run = subprocess.run(
        env.uv_command() + ["tool", "run", "--from", CFFCONVERT, "cffconvert", "--validate",
                            "-i", str(path)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1"))
    if run.returncode and re.search(r"dns error|Could not connect|tcp connect|client error",
                                    run.stderr):
        pytest.skip(f"PyPI not reachable for {CFFCONVERT}")
    return run


def test_citation_cff_is_valid(tmp_path):
    ok = _cffconvert(ROOT / "CITATION.cff")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "valid" in ok.stdout
    broken = tmp_path / "CITATION.cff"  # the validator does fail: no authors
    broken.write_text(re.sub(r"(?ms)^authors:.*?(?=^version:)", "",
                             (ROOT / "CITATION.cff").read_text()))
    assert _cffconvert(broken).returncode != 0
