"""The course environment: Colab-safe core dependencies, the lock, what `make setup` installs.

The Colab and platform tests resolve with uv against PyPI (uv comes with the test extra);
they are skipped, saying so, where PyPI cannot be reached.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mlpc_course import environment as env

ROOT = Path(__file__).resolve().parents[1]
COLAB = ROOT.parent / "shared" / "colab"
COLAB_LISTS = sorted(COLAB.glob("colab-*.txt")) if COLAB.is_dir() else []
# Colab's kernel and Jupyter stack: a `%pip install -e .` that changes one of them replaces
# part of Colab's running kernel.
JUPYTER = {"jupyterlab", "ipykernel", "ipywidgets", "nbformat", "nbconvert", "nbclient",
           "notebook", "jupyter-server", "jupyter-client", "ipython", "tornado", "traitlets"}
# Pure-Python packages that PyPI has as source only, and pycifrw (pymatgen's CIF reader),
# whose wheels cover x86_64 Linux/Windows up to Python 3.13: elsewhere pip compiles it (a C
# compiler is needed: Xcode's command line tools on macOS).
SOURCE_ONLY = ("bibtexparser", "pycifrw")


def _core():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_core_dependencies_leave_jupyter_to_the_lab_extra():
    core = {env.normalize(re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0]) for d in _core()}
    assert not core & JUPYTER, f"move to the extra `lab`: {sorted(core & JUPYTER)}"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert {"jupyterlab", "ipykernel", "nbclient"} <= {
        env.normalize(re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0]) for d in extras["lab"]}


def test_student_imports_need_no_jupyter_packages():
    """`import mlpc_helpers` and every submodule work where nbformat, nbclient, nbconvert,
    ipykernel, ipywidgets and jupyterlab are missing (Colab without the `lab` extra)."""
    code = """
import importlib, importlib.abc, pkgutil, sys
BLOCKED = {"nbformat", "nbclient", "nbconvert", "ipykernel", "ipywidgets", "jupyterlab",
           "jupyter_server", "notebook", "mlpc_course"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked (not on Colab without the lab extra)")
sys.meta_path.insert(0, Block())
import mlpc_helpers
names = [m.name for m in pkgutil.walk_packages(mlpc_helpers.__path__, "mlpc_helpers.")]
for name in names:
    importlib.import_module(name)
print(len(names), "modules")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=dict(os.environ, MPLBACKEND="Agg"), timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(run.stdout.split()[0]) > 20


# --- the lock ---------------------------------------------------------------------------------
def test_lock_pins_every_requirement_of_pyproject():
    stale = env.stale_requirements()
    assert not stale, f"requirements/lock.txt is stale, run `make lock`: {stale}"


def test_lock_pins_exact_versions_with_hashes():
    pins = env.read_lock()
    assert len(pins) > 150
    for p in pins:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", p.text), f"{p.name} has no hash"
    names = {p.name for p in pins}
    assert {"torch", "torchvision", "numpy", "jupyterlab", "uv", "numexpr"} <= names
    assert "mlpc-helpers" not in names  # the course itself is installed from the checkout


def test_lock_for_the_cpu_index_keeps_torchs_other_requirements():
    text = env.LOCK.read_text()
    cpu = env.without_cuda(text)
    kept = {p.name for p in env.parse_lock(cpu)}
    assert not {n for n in kept if env.CUDA_PACKAGES.match(n)}
    assert not kept & {"torch", "torchvision"}
    assert {"sympy", "filelock", "networkx", "jinja2", "fsspec", "numpy"} <= kept
    full = {p.name for p in env.parse_lock(text)}
    assert full - kept == {n for n in full if env.CUDA_PACKAGES.match(n)} | {"torch",
                                                                            "torchvision"}


def test_parse_lock_refuses_what_it_does_not_understand():
    with pytest.raises(ValueError, match="name==version"):
        env.parse_lock("numpy>=2\n")
    pins = env.parse_lock("a==1 ; sys_platform == 'linux' \\\n    --hash=sha256:" + "0" * 64
                          + "\n    # via b\nB_c==2.0 \\\n    --hash=sha256:" + "1" * 64 + "\n")
    assert [(p.name, p.version, p.marker) for p in pins] == [
        ("a", "1", "sys_platform == 'linux'"), ("b-c", "2.0", "")]


@pytest.mark.skipif(not os.environ.get("VIRTUAL_ENV") and sys.prefix == sys.base_prefix,
                    reason="not in the course's virtual environment")
def test_this_environment_is_the_locked_one():
    """What `make setup` installed is the lock (a TORCH=cpu install: without CUDA wheels)."""
    rec = env.record()
    assert rec["lock_sha256"] and len(rec["lock_sha256"]) == 64
    assert rec["matches_lock"], (
        f"installed versions differ from requirements/lock.txt: {rec['differs_from_lock']}"
        " -- run `make setup`")
    assert rec["packages"]["numpy"] != "not installed"


def _uv(*args, timeout=300):
    # macOS 14 is the oldest that torch's arm64 wheels support (uv assumes 13 otherwise)
    run = subprocess.run(env.uv_command() + list(args), capture_output=True, text=True,
                         cwd=ROOT, timeout=timeout,
                         env=dict(os.environ, UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1",
                                  MACOSX_DEPLOYMENT_TARGET="14.0"))
    if run.returncode and re.search(r"dns error|Could not connect|tcp connect|client error",
                                    run.stderr):
        pytest.skip(f"PyPI not reachable: {run.stderr.strip().splitlines()[-1]}")
    return run


@pytest.mark.parametrize("platform_tag, python", [
    ("x86_64-manylinux_2_28", "3.11"),
    ("x86_64-manylinux_2_28", "3.13"),
    ("aarch64-manylinux_2_28", "3.12"),
    ("aarch64-apple-darwin", "3.12"),
])
def test_lock_installs_on_students_platforms(platform_tag, python):
    """Every pin has a wheel for Linux (x86_64, aarch64) and macOS on Apple silicon (macOS 14+,
    as torch's wheels need), except the source-only packages named in SOURCE_ONLY."""
    args = ["pip", "compile", str(env.LOCK), "--no-deps", "--python-platform", platform_tag,
            "--python-version", python, "--only-binary", ":all:", "--quiet", "-o", os.devnull]
    for name in SOURCE_ONLY:
        args += ["--no-binary", name]
    run = _uv(*args)
    assert run.returncode == 0, run.stderr[-2000:]


# --- Colab ------------------------------------------------------------------------------------
@pytest.mark.skipif(not COLAB_LISTS, reason=f"no Colab package lists in {COLAB}")
@pytest.mark.parametrize("freeze", COLAB_LISTS, ids=lambda p: p.name)
def test_colab_install_changes_no_package_colab_has(freeze):
    """`%pip install -e .` on Colab (the course's core) keeps every package the image has at
    its version: uv resolves the core with Colab's whole `pip freeze` as constraints."""
    python = "3." + re.search(r"py3(\d+)", freeze.name).group(1)
    res = env.colab_resolve(freeze, python)
    if res.offline:
        pytest.skip(f"PyPI not reachable: {res.log.strip()[-200:]}")
    assert res.ok, (f"installing the course on {freeze.name} changes what Colab has: "
                    f"{res.changed or res.log[-2000:]}")
    assert "torch" in res.resolved and not res.changed


def test_colab_constraints_turn_urls_into_versions(tmp_path):
    f = tmp_path / "colab-x-py312.txt"
    f.write_text("# header\nnumpy==2.0.2\n"
                 "torch @ https://download.pytorch.org/whl/cpu/torch-2.11.0%2Bcpu-cp312-cp312-"
                 "manylinux_2_28_x86_64.whl\ngoogle-colab @ file:///colabtools/dist/g.tar.gz\n"
                 "kg @ git+https://github.com/x/y@abc\n")
    cons, urls = env.colab_constraints(f)
    assert cons == ["numpy==2.0.2", "torch==2.11.0"]
    assert urls == {"torch": "2.11.0"}
