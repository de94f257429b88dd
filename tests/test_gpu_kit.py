"""The GPU kit (tools/gpu_kit.py, `make gpu-kit`): what goes in, data verified, scripts.

Fast (about 5 s): the kit is built without wheels (no PyPI here). The whole path, wheels
downloaded from PyPI and installed with no network into a stand-in GPU image, then one
notebook run offline through run.sh, is `make gpu-kit-check` (minutes; see the README).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlpc_helpers.data import registry

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gpu_kit", ROOT / "tools" / "gpu_kit.py")
gpu_kit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_kit)


def test_groups_notebooks_and_datasets():
    assert gpu_kit.group_notebooks("xrd") == ["week04_xrd_phase_id"]
    tagged = gpu_kit.group_notebooks("gpu")
    assert "week04_neu_classification" in tagged and "week10_transformers" in tagged
    assert "week00_setup" not in tagged  # no gpu-tagged cell
    assert gpu_kit.notebook_datasets("week04_xrd_phase_id") == ["xrd_powdr"]
    assert "neu_surface_defects" in gpu_kit.notebook_datasets("week04_neu_classification")
    with pytest.raises(gpu_kit.KitError, match="Unknown kit group"):
        gpu_kit.group_notebooks("all")


def test_pins_leave_the_pytorch_stack_to_the_image():
    versions, left_out, missing = gpu_kit.pins(gpu_kit.course_requirements())
    assert not missing
    assert {"torch", "torchvision"} <= set(left_out)
    assert not any(gpu_kit.IMAGE.match(n) for n in versions)
    for needed in ("numpy", "scikit-learn", "timm", "nbclient", "ipykernel", "submitit",
                   "setuptools"):
        assert needed in versions, needed
    for not_on_a_node in ("jupyterlab", "pytest", "nbval", "playwright"):
        assert not_on_a_node not in versions, not_on_a_node


def test_kit_builds_without_wheels(tmp_path):
    kit = tmp_path / "kit"
    meta = gpu_kit.build(kit, ["week04_xrd_phase_id"], wheels=False, group="xrd")
    m = registry.manifest("xrd_powdr")
    for entry in m.files:  # every file of the notebook's data, verified
        assert registry.sha256(kit / "data" / "xrd_powdr" / entry.path) == entry.sha256
    assert meta["datasets"]["xrd_powdr"]["sha256_verified"]
    assert [p.name for p in (kit / "course" / "notebooks").iterdir()] == [
        "week04_xrd_phase_id.ipynb"]
    for f in ("pyproject.toml", "mlpc_helpers/__init__.py", "mlpc_course/seeds.py",
              "results/seeds/summary.csv", ".mlpc-commit"):
        assert (kit / "course" / f).is_file(), f
    reqs = [ln.split("==")[0] for ln in (kit / "requirements.txt").read_text().splitlines()
            if "==" in ln]
    assert {"numpy", "submitit", "nbclient"} <= set(reqs)
    assert not {"torch", "torchvision", "triton"} & set(reqs)
    assert json.loads((kit / "kit.json").read_text())["size_mb"]["data"] == pytest.approx(
        m.total_bytes / 1e6, abs=0.1)
    for script in ("install.sh", "run.sh"):
        assert os.access(kit / script, os.X_OK)
        assert subprocess.run(["bash", "-n", str(kit / script)]).returncode == 0
    assert "week04_xrd_phase_id" in (kit / "README.txt").read_text()
    assert not list(tmp_path.glob(".kit.*")), "no partial build left"


def _fake_python(path: Path, has_torch: bool) -> Path:
    """A 'python' that answers `-c "import torch"` and prints how it was called."""
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-c" ]; then exit {0 if has_torch else 1}; fi\n'
        'echo "ARGS $*"; echo "CWD $(pwd)"; echo "FULL $MLPC_FULL DATA $MLPC_DATA_DIR"\n')
    path.chmod(0o755)
    return path


def test_kit_scripts(tmp_path):
    kit = tmp_path / "kit"
    gpu_kit.build(kit, ["week04_xrd_phase_id"], wheels=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLPC_")}
    # install.sh refuses a Python without torch, saying what it expects
    no_torch = _fake_python(tmp_path / "py-no-torch", has_torch=False)
    run = subprocess.run(["bash", str(kit / "install.sh")], capture_output=True, text=True,
                         env={**env, "PYTHON": str(no_torch)})
    assert run.returncode == 1 and "GPU image with PyTorch" in run.stderr
    # run.sh: full size by default, the kit's data, the sweep's options passed on
    py = _fake_python(tmp_path / "py", has_torch=True)
    run = subprocess.run(["bash", str(kit / "run.sh"), "--partition", "gpu", "week04*"],
                         capture_output=True, text=True,
                         env={**env, "KIT_PYTHON": str(py), "EXECUTOR": "slurm"})
    assert run.returncode == 0, run.stderr
    assert ("ARGS -m mlpc_course.cli seeds --full --seeds 10 --executor slurm --partition "
            "gpu week04*") in run.stdout
    assert f"CWD {kit / 'course'}" in run.stdout
    assert f"FULL 1 DATA {kit / 'data'}" in run.stdout
    run = subprocess.run(["bash", str(kit / "run.sh"), "--publish"], capture_output=True,
                         text=True, env={**env, "KIT_PYTHON": str(py)})
    assert "ARGS -m mlpc_course.cli seeds --full --publish" in run.stdout


def test_a_corrupt_data_file_stops_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    mirror = registry.mirror_dir()
    m = registry.manifest("xrd_powdr")
    if mirror is None or not (mirror / m.mirror_folder).is_dir():
        pytest.skip("needs MLPC_DATA_MIRROR with xrd_powdR (CI sets it)")
    bad = tmp_path / "mirror"
    shutil.copytree(mirror / m.mirror_folder, bad / m.mirror_folder)
    target = bad / m.mirror_folder / m.files[0].path
    target.write_bytes(target.read_bytes()[:-10] + b"corrupted!")
    monkeypatch.setenv("MLPC_DATA_MIRROR", str(bad))
    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path / "empty-cache"))
    with pytest.raises(registry.ChecksumError):
        gpu_kit.build(tmp_path / "kit", ["week04_xrd_phase_id"], wheels=False)
    assert not (tmp_path / "kit").exists()
    assert not list(tmp_path.glob(".kit.*")), "no partial build left"


def test_command_line_lists_groups():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_kit.py"), "groups"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "xrd: week04_xrd_phase_id" in run.stdout and "xrd_powdr" in run.stdout
