"""Where the course keeps things: project root, data cache, metrics and build folders."""

from __future__ import annotations

import os
from pathlib import Path

_MARKERS = ("_quarto.yml", "pyproject.toml")


def project_root(start: Path | None = None) -> Path:
    """The course repository root: the first parent of ``start`` (default: cwd) holding
    ``_quarto.yml`` or a ``pyproject.toml`` next to ``mlpc_helpers/``; else the cwd.

    ``MLPC_ROOT`` overrides the search.
    """
    env = os.environ.get("MLPC_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "_quarto.yml").is_file() or (
            (p / "pyproject.toml").is_file() and (p / "mlpc_helpers").is_dir()
        ):
            return p
    return here


def data_dir() -> Path:
    """Cache of downloaded datasets: ``MLPC_DATA_DIR`` or ``<root>/data``."""
    env = os.environ.get("MLPC_DATA_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "data"


def metrics_dir() -> Path:
    """Folder of recorded headline numbers: ``MLPC_METRICS_DIR`` or ``<root>/build/metrics``."""
    env = os.environ.get("MLPC_METRICS_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "build" / "metrics"


def cache_dir(name: str = "") -> Path:
    """Folder for derived, re-computable files (embeddings, features): ``<root>/build/cache``."""
    env = os.environ.get("MLPC_CACHE_DIR")
    base = Path(env).expanduser().resolve() if env else project_root() / "build" / "cache"
    return base / name if name else base


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
