"""The GPU kit: run the course's heavy notebooks at full size on GPU nodes without network.

    python tools/gpu_kit.py build [--group G | --notebooks NB ...] [--out DIR]
                                  [--python-version 3.11] [--platform TAG ...] [--no-wheels]
    python tools/gpu_kit.py groups                 # the groups, their notebooks and data
    python tools/gpu_kit.py check [--kit DIR] [--notebook NB]   # offline install + one run

``make gpu-kit`` (``KIT=gpu``) writes ``build/gpu-kit/`` (git-ignored, under ``build/``)::

    wheels/            every wheel the course needs on the node except the PyTorch stack
                       (torch, torchvision, triton, nvidia-*/cuda-* and what only they need),
                       pinned at the versions of this environment (``make setup``'s lock),
                       for --python-version/--platform (default: this interpreter, Linux
                       x86-64 manylinux), plus the course itself as a wheel
    requirements.txt   those pins
    data/<dataset>/    the files of the chosen notebooks' datasets, sha256-verified against
                       the committed manifests (taken from the cache, the mirror or upstream);
                       the layout of the data cache: the loaders verify them again on use
    course/            the chosen notebooks with what they read (package sources, results/,
                       requirements/lock.txt, project files) and ``.mlpc-commit``
    install.sh         installs from wheels/ with ``pip --no-index`` (no network) into a venv
                       that sees the image's PyTorch (``--system-site-packages``)
    run.sh             the seed sweep of the kit's notebooks at full size (``MLPC_FULL=1``),
                       ``EXECUTOR=slurm`` through submitit or ``local``; results in
                       ``course/build/seeds-full/``
    kit.json, README.txt   what is inside (versions, data, sizes) and how to use it

Groups (``--group``): ``neu`` (NEU CNN classification, week 4), ``unet`` (superalloy U-Net,
week 5), ``xrd`` (XRD 1-D CNN, week 4), ``attention`` (week 10, attention kernels), ``gpu``
(every notebook with a cell tagged ``gpu``). Datasets of a notebook: the ``data.load_<name>``
calls in its code. ``make gpu-kit-check`` is the honest test: a stand-in for the GPU image
(a bare venv that sees only this environment's torch stack), ``install.sh`` run without any
network (``unshare -rn``: no network namespace), then one seed of a notebook through
``run.sh`` at the reduced size, offline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GROUPS: dict[str, tuple[str, ...] | None] = {
    "neu": ("week04_neu_classification",),
    "unet": ("week05_cnn_segmentation",),
    "xrd": ("week04_xrd_phase_id",),
    "attention": ("week10_transformers",),
    "gpu": None,  # every notebook with a cell tagged gpu
}
#: what a GPU image with PyTorch already holds: left out of the kit with everything that
#: only they need (sympy, networkx, ...)
IMAGE = re.compile(r"^(torch|torchvision|torchaudio|triton|nvidia-.*|cuda-.*)$")
#: what the sweep needs on a node besides the course's core dependencies (extra `lab` holds
#: them, with Jupyter's GUI, which a node does not need), and setuptools: torch >= 2.14 needs
#: setuptools >= 77, and Python 3.11's venv brings its own setuptools 65, which hides the
#: image's newer one from pip
SWEEP_REQUIREMENTS = ("nbclient", "nbformat", "ipykernel", "submitit", "setuptools")
#: files of the repository a run on the node reads (besides the chosen notebooks)
COURSE_FILES = ("pyproject.toml", "README.md", "_quarto.yml", "_variables.yml", "course.yml",
                "requirements/lock.txt")
COURSE_DIRS = ("mlpc_helpers", "mlpc_course", "results")
DEFAULT_PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_24_x86_64",
                     "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux2010_x86_64",
                     "manylinux1_x86_64", "linux_x86_64")


class KitError(RuntimeError):
    """The kit cannot be built or checked; the message says why and what to do."""


# --- what goes in -----------------------------------------------------------------------------
def gpu_notebooks(root: Path = ROOT) -> list[str]:
    """Stems of the notebooks with at least one cell tagged ``gpu``."""
    out = []
    for path in sorted((root / "notebooks").glob("week*.ipynb")):
        cells = json.loads(path.read_text()).get("cells", [])
        if any("gpu" in c.get("metadata", {}).get("tags", []) for c in cells):
            out.append(path.stem)
    return out


def group_notebooks(group: str, root: Path = ROOT) -> list[str]:
    """The notebooks of a group; raises :class:`KitError` for an unknown group."""
    if group not in GROUPS:
        raise KitError(f"Unknown kit group {group!r}: use one of {', '.join(GROUPS)} "
                       "or name notebooks (--notebooks / NOTEBOOKS=...).")
    return list(GROUPS[group] or gpu_notebooks(root))


def notebook_datasets(stem: str, root: Path = ROOT) -> list[str]:
    """Datasets a notebook loads: its ``load_<name>(`` / ``fetch("<name>")`` calls that name
    a manifest (``mlpc_helpers/data/manifests/``)."""
    from mlpc_helpers.data import registry

    path = root / "notebooks" / f"{stem}.ipynb"
    if not path.is_file():
        raise KitError(f"No notebook {path}: give a stem such as week04_xrd_phase_id.")
    cells = json.loads(path.read_text()).get("cells", [])
    code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    names = set(re.findall(r"\bload_(\w+)\s*\(", code))
    names |= set(re.findall(r"\bfetch\(\s*[\"'](\w+)[\"']", code))
    return sorted(names & set(registry.available()))


def course_requirements(root: Path = ROOT) -> list[str]:
    """The course's core dependencies (pyproject.toml) and what the sweep needs on a node."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    extras = [r for reqs in project.get("optional-dependencies", {}).values() for r in reqs]
    sweep = [r for r in extras if _name(r) in {_name(s) for s in SWEEP_REQUIREMENTS}]
    have = {_name(r) for r in sweep}
    sweep += [s for s in SWEEP_REQUIREMENTS if _name(s) not in have]
    return list(project["dependencies"]) + sweep


def _name(req: str) -> str:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    return canonicalize_name(Requirement(req).name)


def pins(requirements: list[str], image: re.Pattern = IMAGE) -> tuple[dict[str, str],
                                                                      list[str], list[str]]:
    """``({name: version}, left_out, missing)``: the closure of ``requirements`` over the
    distributions installed here, not entering what the GPU image holds (``image``).

    Versions are those of this environment (``make setup`` installs the lock). Markers are
    evaluated for this interpreter (the kit targets the same Python minor by default).
    """
    from importlib import metadata as md

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    installed = {}
    for dist in md.distributions():
        if dist.metadata["Name"]:
            installed.setdefault(canonicalize_name(dist.metadata["Name"]), dist)
    out: dict[str, str] = {}
    left_out, missing, seen = set(), [], set()
    todo = [(Requirement(r), ("",)) for r in requirements]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e})
                                               for e in extras):
            continue
        if image.match(name):
            left_out.add(name)
            continue
        key = (name, tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        dist = installed.get(name)
        if dist is None:
            missing.append(str(req))
            continue
        out[name] = dist.version
        for r in dist.requires or []:
            todo.append((Requirement(r), tuple(sorted(req.extras)) or ("",)))
    return dict(sorted(out.items())), sorted(left_out), missing


# --- building ---------------------------------------------------------------------------------
def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mb(n: int) -> float:
    return round(n / 1e6, 1)


def copy_course(dest: Path, notebooks: list[str], root: Path = ROOT) -> None:
    """The chosen notebooks and what a run reads, without caches, outputs or data."""
    from mlpc_course.seeds import COMMIT_FILE, source_commit

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for d in COURSE_DIRS:
        if (root / d).is_dir():
            shutil.copytree(root / d, dest / d, ignore=ignore)
    for f in COURSE_FILES:
        if (root / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / f, dest / f)
    for lic in root.glob("LICEN[CS]E*"):
        shutil.copy2(lic, dest / lic.name)
    (dest / "notebooks").mkdir(parents=True, exist_ok=True)
    for stem in notebooks:
        shutil.copy2(root / "notebooks" / f"{stem}.ipynb", dest / "notebooks")
    (dest / COMMIT_FILE).write_text(source_commit(root) + "\n")


def copy_data(dest: Path, datasets: list[str]) -> dict[str, dict]:
    """Every file of ``datasets``, fetched and verified (cache, mirror, upstream), copied to
    ``dest/<dataset>/<path>`` and verified again there. Raises :class:`KitError` naming the
    file whose copy differs from its manifest."""
    from mlpc_helpers.data import registry

    info = {}
    for name in datasets:
        m = registry.manifest(name)
        src = registry.fetch(name, progress=False)
        for entry in m.files:
            target = dest / name / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / entry.path, target)
            if registry.sha256(target) != entry.sha256:
                raise KitError(f"{name}: the kit's copy of {entry.path} does not match the "
                               "manifest's sha256; nothing was kept. Check the disk, rerun.")
        info[name] = {"files": len(m.files), "bytes": m.total_bytes, "sha256_verified": True,
                      "version": m.version, "license": m.license}
    return info


def _pip(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                          env=env)


def download_wheels(dest: Path, versions: dict[str, str], python_version: str,
                    platforms: tuple[str, ...]) -> list[str]:
    """``pip download`` every ``name==version`` as a wheel for the target into ``dest``;
    a project without a wheel is built here (``pip wheel``, pure Python only). Returns the
    names built from source. Raises :class:`KitError` with pip's message otherwise."""
    reqs = dest / "requirements.txt"
    reqs.write_text("".join(f"{n}=={v}\n" for n, v in versions.items()))
    base = ["download", "--no-deps", "--only-binary=:all:", "--python-version", python_version,
            "--implementation", "cp", "-d", str(dest), "--quiet",
            *(f"--platform={p}" for p in platforms)]
    run = _pip(*base, "-r", str(reqs))
    built = []
    if run.returncode != 0:  # find the ones without a wheel, one at a time
        for n, v in versions.items():
            if _pip(*base, f"{n}=={v}").returncode == 0:
                continue
            one = _pip("wheel", "--no-deps", "--quiet", "-w", str(dest), f"{n}=={v}")
            if one.returncode != 0:
                raise KitError(f"No wheel of {n}=={v} for Python {python_version} on "
                               f"{platforms[0]} and none could be built:\n{one.stderr[-1500:]}")
            built.append(n)
    reqs.unlink()
    for whl in dest.glob("*.whl"):
        if not whl.name.endswith("-none-any.whl") and any(
                t in whl.name for t in ("macosx", "win_amd64", "win32")):
            raise KitError(f"{whl.name} is not for Linux: check --platform.")
    return built


def build_course_wheel(course: Path, dest: Path) -> Path:
    """The course (mlpc_helpers + mlpc_course) as a wheel, from the kit's copy."""
    run = _pip("wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(dest),
               str(course))
    if run.returncode != 0:
        run = _pip("wheel", "--no-deps", "--quiet", "-w", str(dest), str(course))
    if run.returncode != 0:
        raise KitError(f"Could not build the course's wheel:\n{run.stderr[-1500:]}")
    for junk in ("build",):
        shutil.rmtree(course / junk, ignore_errors=True)
    for egg in course.glob("*.egg-info"):
        shutil.rmtree(egg, ignore_errors=True)
    return next(dest.glob("mlpc_helpers-*.whl"))


INSTALL_SH = r"""#!/usr/bin/env bash
# Install the course from this kit without network (issue 44). Needs a Python 3.11+ that
# already has PyTorch (the GPU image). Creates $KIT/venv, which sees the image's packages
# (--system-site-packages) and gets every other package from wheels/ (pip --no-index).
#   PYTHON=python3 ./install.sh          # the image's Python (default: python3)
#   VENV=/path/venv ./install.sh         # another place for the venv
#   KIT_NO_VENV=1 ./install.sh           # install into $PYTHON's own environment instead
set -euo pipefail
KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
# pip: no index, no configuration of this machine (its find-links or indexes)
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_REQUIRE_VIRTUALENV
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "$PYTHON has no torch: the kit expects a GPU image with PyTorch installed" \
       "(set PYTHON=/path/to/python)." >&2
  exit 1
fi
if [ -n "${KIT_NO_VENV:-}" ]; then
  PY="$PYTHON"
else
  VENV="${VENV:-$KIT/venv}"
  "$PYTHON" -m venv --system-site-packages "$VENV"
  PY="$VENV/bin/python"
fi
"$PY" -m pip install --no-index --find-links "$KIT/wheels" -r "$KIT/requirements.txt"
"$PY" -m pip install --no-index --find-links "$KIT/wheels" "mlpc-helpers==__COURSE_VERSION__"
"$PY" - <<'EOF'
import torch, mlpc_helpers, mlpc_course.seeds, submitit, nbclient, ipykernel
print(f"installed: torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}")
EOF
echo "Done. Run the sweep with: KIT_PYTHON=$PY $KIT/run.sh   (see $KIT/README.txt)"
"""

RUN_SH = r"""#!/usr/bin/env bash
# The seed sweep of this kit's notebooks at full size (MLPC_FULL=1), offline (issue 44).
#   ./run.sh                                   # every notebook of the kit, SEEDS seeds, local
#   EXECUTOR=slurm ./run.sh --partition gpu --gpus 1 --cpus 8 --time-min 240 --workers 4
#   MLPC_FULL=0 SEEDS=1 ./run.sh week04_xrd_phase_id     # a quick reduced-size try
# Further arguments go to `mlpc seeds` (notebook stems, --slurm account=..., --setup ...).
# Results: course/build/seeds-full/ (summary.md); then `./run.sh --publish` writes
# course/results/seeds-full/ to copy into the repository and commit.
set -euo pipefail
KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${KIT_PYTHON:-$KIT/venv/bin/python}"
export MLPC_DATA_DIR="${MLPC_DATA_DIR:-$KIT/data}" HF_HUB_OFFLINE=1 MPLBACKEND=Agg
export TQDM_DISABLE="${TQDM_DISABLE:-1}" PYTHONWARNINGS=ignore::DeprecationWarning
unset MLPC_DATA_MIRROR
FULL="${MLPC_FULL:-1}"
export MLPC_FULL="$FULL"
SIZE=(); [ "$FULL" = 1 ] && SIZE=(--full)
cd "$KIT/course"
case " $* " in
  *" --publish "*|*" --summary-only "*) exec "$PY" -m mlpc_course.cli seeds "${SIZE[@]}" "$@" ;;
esac
exec "$PY" -m mlpc_course.cli seeds "${SIZE[@]}" --seeds "${SEEDS:-10}" \
  --executor "${EXECUTOR:-local}" "$@"
"""

README_TXT = """GPU kit of the course "Machine Learning in Materials Processing & Characterization"
built {built} at commit {commit} for Python {python_version} ({platform}).

Notebooks: {notebooks}
Data ({data_mb} MB, sha256-verified against the manifests): {datasets}
Wheels: {n_wheels} ({wheels_mb} MB): everything but the PyTorch stack (torch, torchvision,
triton, nvidia-*, cuda-*), which the GPU image provides. Left out: {left_out}.

1. Copy this folder to the cluster (a filesystem the GPU nodes share), e.g.
   rsync -a gpu-kit/ login:/scratch/$USER/gpu-kit/
2. Install, without network, with the image's Python (one that has torch):
   PYTHON=python3 ./install.sh            (or inside the container: same command)
3. Run the full-size sweep (MLPC_FULL=1; 10 seeds by default):
   ./run.sh                                   on a GPU node (local executor)
   EXECUTOR=slurm ./run.sh --partition gpu --gpus 1 --cpus 8 --time-min 240 --workers 4
                                              from the login node (submitit, SLURM array)
   Resumable: run it again and only missing runs run. Failed runs are retried once.
4. ./run.sh --publish  writes course/results/seeds-full/ (table + sweep.json with the
   device, package versions, commit, executor): copy it into the repository's
   results/seeds-full/ and commit it; the reproduction page shows it as the full-size column.
Contents and versions: kit.json.
"""


def build(out: Path, notebooks: list[str], *, wheels: bool = True,
          python_version: str | None = None, platforms: tuple[str, ...] = DEFAULT_PLATFORMS,
          group: str = "", root: Path = ROOT) -> dict:
    """Write the kit to ``out`` (built in a temporary folder, then moved in place: a failed
    build leaves the previous kit, or nothing). Returns ``kit.json``'s content."""
    from mlpc_course import environment
    from mlpc_course.seeds import source_commit

    t0 = time.perf_counter()
    python_version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    if not notebooks:
        raise KitError("No notebooks chosen: give --group or --notebooks.")
    datasets = sorted({d for nb in notebooks for d in notebook_datasets(nb, root)})
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        copy_course(tmp / "course", notebooks, root)
        data = copy_data(tmp / "data", datasets)
        versions, left_out, missing = pins(course_requirements(root))
        versions.pop("mlpc-helpers", None)
        if missing:
            raise KitError("Not installed here, so not pinned: " + ", ".join(missing)
                           + ". Run `make setup` first.")
        (tmp / "requirements.txt").write_text(
            "# what the GPU kit installs besides the image's PyTorch (tools/gpu_kit.py)\n"
            + "".join(f"{n}=={v}\n" for n, v in versions.items()))
        (tmp / "wheels").mkdir()
        built_from_source: list[str] = []
        if wheels:
            built_from_source = download_wheels(tmp / "wheels", versions, python_version,
                                                platforms)
            build_course_wheel(tmp / "course", tmp / "wheels")
        project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
        for name, text in (("install.sh", INSTALL_SH), ("run.sh", RUN_SH)):
            (tmp / name).write_text(text.replace("__COURSE_VERSION__", project["version"]))
            (tmp / name).chmod(0o755)
        sizes = {"wheels": _size(tmp / "wheels"), "course": _size(tmp / "course"),
                 "data": _size(tmp / "data")}
        sizes["total"] = sum(sizes.values())
        meta = {
            "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": source_commit(root),
            "group": group,
            "notebooks": notebooks,
            "datasets": data,
            "python_version": python_version,
            "platforms": list(platforms),
            "wheels": wheels,
            "requirements": versions,
            "left_out_for_the_image": left_out,
            "built_from_source": built_from_source,
            "n_wheels": len(list((tmp / "wheels").glob("*.whl"))),
            "size_mb": {k: _mb(v) for k, v in sizes.items()},
            "size_bytes": sizes,
            "environment": environment.record(),
            "build_seconds": round(time.perf_counter() - t0, 1),
        }
        (tmp / "kit.json").write_text(json.dumps(meta, indent=1) + "\n")
        (tmp / "README.txt").write_text(README_TXT.format(
            built=meta["built"], commit=meta["commit"], python_version=python_version,
            platform=platforms[0], notebooks=", ".join(notebooks),
            data_mb=meta["size_mb"]["data"], datasets=", ".join(datasets) or "none",
            n_wheels=meta["n_wheels"], wheels_mb=meta["size_mb"]["wheels"],
            left_out=", ".join(left_out)))
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        out.chmod(0o755)  # mkdtemp made it private
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return meta
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# --- checking ---------------------------------------------------------------------------------
def _torch_stack() -> list:
    """The installed distributions of torch, torchvision and all they need (with extras,
    e.g. torch's ``cuda-toolkit[cublas,...]``)."""
    from importlib import metadata as md

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    installed = {canonicalize_name(d.metadata["Name"]): d for d in md.distributions()
                 if d.metadata["Name"]}
    seen, done = {}, set()
    todo = [(Requirement("torch"), ("",)), (Requirement("torchvision"), ("",))]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e})
                                               for e in extras):
            continue
        key = (name, tuple(sorted(req.extras)))
        if key in done or name not in installed:
            continue
        done.add(key)
        seen[name] = installed[name]
        todo += [(Requirement(r), tuple(sorted(req.extras)) or ("",))
                 for r in installed[name].requires or []]
    return list(seen.values())


def stand_in_image(folder: Path) -> Path:
    """A bare venv in ``folder`` that sees only this environment's torch stack and pip
    (symlinked into one folder on its path): the stand-in for a GPU image with PyTorch.
    Returns its Python."""
    from importlib import metadata as md

    site = folder / "image-site"
    site.mkdir(parents=True)
    for dist in [*_torch_stack(), md.distribution("pip")]:
        base = Path(dist.locate_file(""))
        tops = {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            src = base / top
            if src.exists() and not (site / top).exists():
                (site / top).symlink_to(src)
    # no ensurepip: its pip and setuptools would hide the image's ones
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "image")],
                   check=True)
    py = folder / "image" / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path("
                              "'purelib'))"], capture_output=True, text=True,
                             check=True).stdout.strip()
    (Path(purelib) / "_gpu_image_stand_in.pth").write_text(str(site) + "\n")
    return py


def _offline(cmd: list[str]) -> list[str]:
    """``cmd`` in a new network namespace with only loopback (no network), when possible."""
    if shutil.which("unshare") and subprocess.run(
            ["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn", "sh", "-c", 'ip link set lo up 2>/dev/null || '
                'ifconfig lo up 2>/dev/null; exec "$@"', "offline", *cmd]
    raise KitError("Cannot cut the network here (unshare -rn is not allowed): the offline "
                   "check needs it to be honest.")


def check(kit: Path, notebook: str | None = None, workdir: Path | None = None) -> dict:
    """Install the kit without network into a stand-in GPU image and run one notebook for
    one seed at the reduced size through ``run.sh``, offline. Returns timings and the run's
    marker; raises :class:`KitError` on failure. The work folder keeps install.log, run.log
    and the run (the stand-in image is removed after a success)."""
    kit = Path(kit).resolve()
    meta = json.loads((kit / "kit.json").read_text())
    if not meta.get("wheels"):
        raise KitError(f"{kit} was built without wheels (--no-wheels): nothing to install.")
    notebook = notebook or meta["notebooks"][0]
    work = Path(workdir or kit.with_name(kit.name + "-check")).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    py = stand_in_image(work)
    bare = subprocess.run([str(py), "-c", "import torch, numpy\ntry:\n import sklearn\n"
                           "except ImportError:\n print('bare')"], capture_output=True,
                          text=True)
    if "bare" not in bare.stdout:
        raise KitError(f"The stand-in image is not bare or has no torch: {bare.stderr}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "MLPC_"))}
    env.update(PYTHON=str(py), KIT_NO_VENV="1")
    t1 = time.perf_counter()
    inst = subprocess.run(_offline(["bash", str(kit / "install.sh")]), env=env,
                          capture_output=True, text=True)
    (work / "install.log").write_text(inst.stdout + inst.stderr)
    if inst.returncode != 0:
        raise KitError(f"install.sh failed offline (log: {work / 'install.log'}):\n"
                       f"{(inst.stdout + inst.stderr)[-2500:]}")
    t2 = time.perf_counter()
    env.update(KIT_PYTHON=str(py), MLPC_FULL="0", SEEDS="1", EXECUTOR="local",
               MLPC_SEEDS_DIR=str(work / "seeds"), MLPC_DEVICE="cpu", OMP_NUM_THREADS="1")
    run = subprocess.run(_offline(["bash", str(kit / "run.sh"), "--workers", "1", notebook]),
                         env=env, capture_output=True, text=True)
    (work / "run.log").write_text(run.stdout + run.stderr)
    marker = work / "seeds" / "0" / f"{notebook}.done.json"
    if run.returncode != 0 or not marker.is_file():
        err = sorted((work / "seeds").glob("*/*.error.txt"))
        raise KitError(f"run.sh failed offline (log: {work / 'run.log'}):\n"
                       f"{(run.stdout + run.stderr)[-2000:]}"
                       + (f"\n{err[0].read_text()[-2500:]}" if err else ""))
    t3 = time.perf_counter()
    for big in ("image", "image-site"):  # about 1 GB; the logs and the run stay
        shutil.rmtree(work / big, ignore_errors=True)
    return {"notebook": notebook, "stand_in_seconds": round(t1 - t0, 1),
            "install_seconds": round(t2 - t1, 1), "run_seconds": round(t3 - t2, 1),
            "marker": json.loads(marker.read_text()), "workdir": str(work)}


# --- command line -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gpu_kit", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write the kit")
    b.add_argument("--group", default="gpu", help=f"one of {', '.join(GROUPS)} (default gpu)")
    b.add_argument("--notebooks", nargs="*", default=None,
                   help="notebook stems instead of a group")
    b.add_argument("--out", type=Path, default=ROOT / "build" / "gpu-kit")
    b.add_argument("--python-version", default=None,
                   help="the image's Python, e.g. 3.12 (default: this interpreter's)")
    b.add_argument("--platform", action="append", default=None,
                   help=f"wheel platform tags (default {DEFAULT_PLATFORMS[0]} and older)")
    b.add_argument("--no-wheels", action="store_true",
                   help="course, data and scripts only (to measure or to test)")
    sub.add_parser("groups", help="list the groups with their notebooks and data")
    c = sub.add_parser("check", help="install the kit offline in a stand-in image, run one "
                                     "notebook for one seed at the reduced size")
    c.add_argument("--kit", type=Path, default=ROOT / "build" / "gpu-kit")
    c.add_argument("--notebook", default=None, help="default: the kit's first notebook")
    a = p.parse_args(argv)
    try:
        if a.cmd == "groups":
            from mlpc_helpers.data import registry

            for g in GROUPS:
                nbs = group_notebooks(g)
                ds = sorted({d for nb in nbs for d in notebook_datasets(nb)})
                mb = sum(registry.manifest(d).total_bytes for d in ds) / 1e6
                print(f"{g:>10}: {', '.join(nbs)}\n{'':>12}data {mb:.1f} MB: {', '.join(ds)}")
            return 0
        if a.cmd == "build":
            nbs = a.notebooks or group_notebooks(a.group)
            meta = build(a.out, nbs, wheels=not a.no_wheels, python_version=a.python_version,
                         platforms=tuple(a.platform or DEFAULT_PLATFORMS),
                         group="" if a.notebooks else a.group)
            s = meta["size_mb"]
            print(f"GPU kit written to {a.out}/ in {meta['build_seconds']} s: "
                  f"{s['total']} MB = wheels {s['wheels']} + course {s['course']} + data "
                  f"{s['data']} MB ({len(meta['notebooks'])} notebooks). Next: copy it to "
                  "the cluster, ./install.sh, ./run.sh (README.txt).")
            return 0
        res = check(a.kit, a.notebook)
        m = res["marker"]
        print(f"Offline check passed: stand-in image {res['stand_in_seconds']} s, install.sh "
              f"{res['install_seconds']} s, run.sh {res['notebook']} seed 0 "
              f"{res['run_seconds']} s (notebook {m['seconds']} s, device {m['device']}, "
              f"torch {m.get('versions', {}).get('torch')}). Work folder: {res['workdir']}")
        return 0
    except KitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
