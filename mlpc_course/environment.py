"""The course's locked environment: the lock file, what is installed, Colab's package lists.

The lock (``requirements/lock.txt``) is written by ``make lock`` with ``uv pip compile
--universal --generate-hashes`` from ``pyproject.toml`` (core + extras ``lab`` and ``test``)
and installed by ``make setup`` with ``pip install --require-hashes --no-deps``. This module is
what checks it and what reports on it; it imports only the standard library at import time,
because the Makefile runs it as a script before anything else is installed::

    python mlpc_course/environment.py check            # pyproject <= lock, installed == lock
    python mlpc_course/environment.py without-cuda -o OUT   # the lock for PyTorch's CPU index
    python mlpc_course/environment.py pin torch        # "2.14.1": a version in the lock
    python mlpc_course/environment.py record           # JSON: what the seed sweep records
    python mlpc_course/environment.py colab FILE [--with REQ ...]   # what `%pip install -e .`
                                                        # would change on that Colab image

:func:`record` is what a run (the seed sweep) stores about the versions it ran on.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
PYPROJECT = ROOT / "pyproject.toml"
# The CUDA part of PyPI's Linux torch wheels: dropped when torch comes from PyTorch's CPU index.
CUDA_PACKAGES = re.compile(r"^(nvidia-.*|cuda-.*|triton)$")
# Installed from PyTorch's own index where TORCH=cpu (`make setup TORCH=cpu`, Linux).
TORCH_PACKAGES = ("torch", "torchvision")
# Key packages named in a run's record (all of them are in `packages` when asked for).
KEY_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "scikit-image", "torch",
                "torchvision", "timm", "hyperspy", "exspy", "orix", "kikuchipy", "pymatgen",
                "matminer", "shap", "matplotlib")


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    """One requirement block of the lock: ``name==version ; marker`` with its hashes."""

    name: str
    version: str
    marker: str
    text: str  # the block as written (requirement line, hash lines, "# via" comments)

    def applies(self, env: dict[str, str] | None = None) -> bool:
        """Whether the marker holds on this interpreter (or ``env``); needs ``packaging``."""
        if not self.marker:
            return True
        from packaging.markers import Marker

        return Marker(self.marker).evaluate(env)


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*\\?\s*$")


def parse_lock(text: str) -> list[Pin]:
    """The pins of a lock in uv's/pip-tools' format (one block per ``name==version`` line).

    Raises
    ------
    ValueError
        When a line at the left margin is neither a comment nor ``name==version``.
    """
    pins: list[Pin] = []
    block: list[str] = []
    head: re.Match[str] | None = None

    def close() -> None:
        if head is not None:
            pins.append(Pin(normalize(head.group(1)), head.group(2),
                            (head.group(3) or "").strip(), "\n".join(block) + "\n"))

    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            m = _PIN.match(line)
            if m is None:
                raise ValueError(f"lock line not understood (want name==version): {line!r}")
            close()
            head, block = m, [line]
        elif head is not None:
            block.append(line)
    close()
    return pins


def read_lock(lock: Path = LOCK) -> list[Pin]:
    """The pins of ``lock`` (default ``requirements/lock.txt``)."""
    return parse_lock(Path(lock).read_text())


def lock_sha256(lock: Path = LOCK) -> str:
    """sha256 of the lock file: names the locked environment in a record."""
    return hashlib.sha256(Path(lock).read_bytes()).hexdigest()


def project_requirements(pyproject: Path = PYPROJECT,
                         extras: tuple[str, ...] | None = None) -> list[str]:
    """The requirement strings of ``pyproject.toml``: core plus ``extras`` (default: all)."""
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    reqs = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in optional if extras is None else extras:
        reqs += optional[extra]
    return reqs


def stale_requirements(pyproject: Path = PYPROJECT, lock: Path = LOCK) -> list[str]:
    """Requirements of ``pyproject.toml`` (core and every extra) that the lock does not meet.

    A requirement is met when the lock pins that name at a version its specifier allows (for
    at least one of the lock's marker branches). Empty when the lock is current.
    """
    from packaging.requirements import Requirement

    pinned: dict[str, list[str]] = {}
    for pin in read_lock(lock):
        pinned.setdefault(pin.name, []).append(pin.version)
    stale = []
    for raw in project_requirements(pyproject):
        req = Requirement(raw)
        versions = pinned.get(normalize(req.name), [])
        if not any(req.specifier.contains(v, prereleases=True) for v in versions):
            have = ", ".join(versions) or "not pinned"
            stale.append(f"{raw} (lock: {have})")
    return stale


def installed_versions() -> dict[str, str]:
    """``{normalized name: version}`` of every distribution on this interpreter's path."""
    import importlib.metadata as md

    out = {}
    for dist in md.distributions():
        name = dist.metadata["Name"]
        if name:
            out[normalize(name)] = dist.version
    return out


def differences(lock: Path = LOCK, installed: dict[str, str] | None = None,
                ignore: tuple[str, ...] = ()) -> dict[str, tuple[str, str | None]]:
    """``{name: (locked, installed or None)}`` for every pin whose marker holds here and
    whose installed version differs (a local label such as ``+cpu`` counts as the same).

    ``ignore`` names packages left out of the comparison (e.g. the CUDA wheels under
    ``TORCH=cpu``).
    """
    have = installed_versions() if installed is None else installed
    out: dict[str, tuple[str, str | None]] = {}
    for pin in read_lock(lock):
        if pin.name in ignore or not pin.applies():
            continue
        got = have.get(pin.name)
        if got is None or got.split("+")[0] != pin.version:
            out[pin.name] = (pin.version, got)
    return out


def without_cuda(text: str) -> str:
    """The lock without torch, torchvision and PyPI's CUDA wheels (``nvidia-*``, ``cuda-*``,
    ``triton``): what ``make setup TORCH=cpu`` installs around PyTorch's CPU wheels."""
    keep = [p.text for p in parse_lock(text)
            if p.name not in TORCH_PACKAGES and not CUDA_PACKAGES.match(p.name)]
    header = ("# requirements/lock.txt without torch, torchvision and the CUDA wheels "
              "(make setup TORCH=cpu)\n")
    return header + "".join(keep)


def pin(name: str, lock: Path = LOCK) -> str:
    """The version the lock pins ``name`` at (the first block, if markers split it).

    Raises
    ------
    KeyError
        When the lock does not pin ``name``.
    """
    for p in read_lock(lock):
        if p.name == normalize(name):
            return p.version
    raise KeyError(f"{name} is not pinned in {lock}")


def record(lock: Path = LOCK, all_packages: bool = False) -> dict:
    """What a run records about the environment it ran on (JSON-ready).

    Keys: ``python``, ``platform``, ``lock`` (path relative to the repository), ``lock_sha256``
    (None without a lock), ``matches_lock`` (every pin that applies here is installed at its
    version), ``differs_from_lock`` (``{name: [locked, installed]}``), ``packages``
    (``{name: version}``: the key packages, or every installed distribution with
    ``all_packages=True``), ``torch_build`` (e.g. ``2.14.1+cpu`` or ``2.14.1`` with CUDA
    ``13.0``; read from the installed metadata, torch is not imported).
    """
    have = installed_versions()
    lock = Path(lock)
    out: dict = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
    }
    if lock.is_file():
        cuda_free = "torch" in have and "+cpu" in have["torch"]
        ignore = tuple(p.name for p in read_lock(lock) if CUDA_PACKAGES.match(p.name)) \
            if cuda_free else ()
        diff = differences(lock, have, ignore=ignore)
        out.update(lock=str(lock.relative_to(ROOT)) if lock.is_relative_to(ROOT) else str(lock),
                   lock_sha256=lock_sha256(lock), matches_lock=not diff,
                   differs_from_lock={k: list(v) for k, v in sorted(diff.items())})
    else:
        out.update(lock=None, lock_sha256=None, matches_lock=None, differs_from_lock={})
    names = sorted(have) if all_packages else [normalize(n) for n in KEY_PACKAGES]
    out["packages"] = {n: have.get(n, "not installed") for n in names}
    out["torch_build"] = have.get("torch", "not installed")
    return out


# --- Google Colab ---------------------------------------------------------------------------
def colab_constraints(freeze: Path) -> tuple[list[str], dict[str, str]]:
    """Constraints (``name==version``) from a Colab ``pip freeze`` list.

    Lines ``name @ URL`` of a wheel become ``name==version`` (the version from the wheel's file
    name, without a local label such as ``+cpu``); other direct references (``git+``,
    ``file:``) are dropped: nothing on PyPI can need them. Returns the constraints and
    ``{name: version}`` of the packages installed from such URLs: Colab's torch, torchvision,
    torchaudio are PyTorch's CPU builds, whose metadata has none of the CUDA requirements of
    PyPI's Linux wheels, so a resolution must not take PyPI's metadata for them
    (:func:`colab_resolve` gives them empty requirements: Colab has what they need).
    """
    lines, from_urls = [], {}
    for raw in Path(freeze).read_text().splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if " @ " in line:
            name, url = (s.strip() for s in line.split(" @ ", 1))
            fname = unquote(url.split("#", 1)[0].rsplit("/", 1)[-1])
            m = re.match(r"^[^-]+-([^-]+)-.*\.whl$", fname)
            if not m:
                continue
            version = m.group(1).split("+", 1)[0]
            from_urls[normalize(name)] = version
            lines.append(f"{name}=={version}")
        else:
            lines.append(line)
    return lines, from_urls


def _pins_of(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if m:
            out[normalize(m.group(1))] = m.group(2)
    return out


def uv_command() -> list[str]:
    """How to run uv: the ``uv`` package of this interpreter (test extra), else ``uv``."""
    try:
        from uv import find_uv_bin

        return [find_uv_bin()]
    except (ImportError, FileNotFoundError):
        return ["uv"]


@dataclass
class ColabResult:
    """Outcome of :func:`colab_resolve`."""

    ok: bool  # a resolution exists that keeps every package Colab has at its version
    changed: dict[str, tuple[str, str]]  # {name: (Colab's version, the one pip would need)}
    added: list[str]  # packages Colab lacks that the install brings
    log: str  # uv's messages (the conflict when not ok)
    offline: bool = False  # PyPI was not reachable: nothing was decided
    resolved: dict[str, str] | None = None  # {name: version} of the whole resolution


def colab_resolve(freeze: Path, python: str, requirements: tuple[str, ...] = (),
                  project: Path = ROOT, platform_tag: str = "x86_64-manylinux_2_28",
                  timeout: float = 600) -> ColabResult:
    """Resolve the course's core (plus ``requirements``) on a Colab image's package list.

    First with every Colab package as a constraint (``ok``: ``%pip install -e .`` changes
    nothing Colab has); where that fails, again with Colab's versions only preferred, to
    name every package that would change (``changed``). Runs ``uv pip compile`` (PyPI).
    """
    cons, from_urls = colab_constraints(freeze)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "colab.txt").write_text("\n".join(cons) + "\n")
        (t / "uv.toml").write_text("".join(
            f'[[dependency-metadata]]\nname = "{n}"\nversion = "{v}"\nrequires-dist = []\n'
            for n, v in from_urls.items()))
        (t / "extra.txt").write_text("\n".join(requirements) + "\n")
        src = [str(Path(project) / "pyproject.toml")] + (
            [str(t / "extra.txt")] if requirements else [])
        base = uv_command() + ["pip", "compile", *src, "--python-version", python,
                               "--python-platform", platform_tag, "--config-file",
                               str(t / "uv.toml"), "--quiet", "--no-header",
                               "--no-annotate"]
        strict = subprocess.run(base + ["-c", str(t / "colab.txt"), "-o", str(t / "out.txt")],
                                capture_output=True, text=True, env=env, timeout=timeout)
        log = strict.stderr
        if strict.returncode == 0:
            resolved = (t / "out.txt").read_text()
        else:
            # Colab's versions as preferences (uv keeps what an existing output file pins).
            (t / "pref.txt").write_text("\n".join(c for c in cons if "==" in c) + "\n")
            loose = subprocess.run(base + ["-o", str(t / "pref.txt")], capture_output=True,
                                   text=True, env=env, timeout=timeout)
            log += loose.stderr
            resolved = (t / "pref.txt").read_text() if loose.returncode == 0 else ""
    offline = bool(re.search(r"dns error|Failed to fetch|Could not connect|client error "
                             r"\(Connect\)|tcp connect error", log))
    colab = _pins_of("\n".join(cons))
    got = _pins_of(resolved)
    changed = {n: (colab[n], v) for n, v in got.items()
               if n in colab and colab[n] != v.split("+")[0]}
    added = sorted(n for n in got if n not in colab and n != "mlpc-helpers")
    return ColabResult(strict.returncode == 0, changed, added, log, offline, got)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python mlpc_course/environment.py",
                                description=__doc__.splitlines()[0])
    p.add_argument("--lock", type=Path, default=LOCK)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="fail when the lock is stale or the venv differs from it")
    c.add_argument("--ignore-cuda", action="store_true",
                   help="leave torch's CUDA wheels out of the comparison (TORCH=cpu)")
    w = sub.add_parser("without-cuda", help="the lock without torch and its CUDA wheels")
    w.add_argument("-o", "--output", type=Path, required=True)
    pn = sub.add_parser("pin", help="print the version the lock pins a package at")
    pn.add_argument("name")
    r = sub.add_parser("record", help="JSON: python, platform, lock hash, key versions")
    r.add_argument("--all", action="store_true", help="every installed distribution")
    co = sub.add_parser("colab", help="what installing the course changes on a Colab image")
    co.add_argument("freeze", type=Path, help="a Colab pip-freeze list (../shared/colab/)")
    co.add_argument("--python", default=None, help="e.g. 3.12 (default: from the file name)")
    co.add_argument("--with", dest="extra", action="append", default=[],
                    help="a further requirement, e.g. otter-grader (repeatable)")
    a = p.parse_args(argv)

    if a.cmd == "check":
        stale = stale_requirements(PYPROJECT, a.lock)
        if stale:
            print(f"{a.lock.name} is stale: pyproject.toml asks for what it does not pin:\n  "
                  + "\n  ".join(stale) + "\nRun `make lock` (needs PyPI), then `make setup`.",
                  file=sys.stderr)
            return 1
        ignore = tuple(q.name for q in read_lock(a.lock)
                       if a.ignore_cuda and (CUDA_PACKAGES.match(q.name)))
        diff = differences(a.lock, ignore=ignore)
        if diff:
            print("The environment differs from the lock (name: locked -> installed):\n  "
                  + "\n  ".join(f"{n}: {lk} -> {got or 'missing'}"
                                for n, (lk, got) in sorted(diff.items()))
                  + "\nRun `make setup` again.", file=sys.stderr)
            return 1
        return 0
    if a.cmd == "without-cuda":
        a.output.parent.mkdir(parents=True, exist_ok=True)
        a.output.write_text(without_cuda(a.lock.read_text()))
        return 0
    if a.cmd == "pin":
        print(pin(a.name, a.lock))
        return 0
    if a.cmd == "record":
        print(json.dumps(record(a.lock, all_packages=a.all), indent=1))
        return 0
    python = a.python or (re.search(r"py3(\d+)", a.freeze.name) and
                          "3." + re.search(r"py3(\d+)", a.freeze.name).group(1))
    if not python:
        p.error("--python is needed (the file name has no py3NN)")
    res = colab_resolve(a.freeze, python, tuple(a.extra))
    if res.offline:
        print("PyPI not reachable: nothing decided.\n" + res.log, file=sys.stderr)
        return 2
    what = " + ".join(["the course"] + a.extra)
    if res.ok:
        print(f"{a.freeze.name} (Python {python}): {what} installs without changing any "
              f"package Colab has; adds {len(res.added)}: {', '.join(res.added)}")
        return 0
    print(f"{a.freeze.name} (Python {python}): {what} would change what Colab has:\n  "
          + "\n  ".join(f"{n}: {old} -> {new}" for n, (old, new) in sorted(res.changed.items()))
          + ("\n" + res.log.strip() if not res.changed else ""))
    return 1


if __name__ == "__main__":
    sys.exit(main())
