"""Helpers shared by the loaders: the Bunch, the decoded-array cache, DESCR text."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .registry import DataError, dataset_dir, manifest


def bunch(**kw: Any) -> Any:
    """A ``sklearn.utils.Bunch`` (sklearn imported only when a loader runs)."""
    from sklearn.utils import Bunch

    return Bunch(**kw)


def describe(name: str, *paragraphs: str) -> str:
    """``DESCR``: the manifest's provenance/license/citation text, then the loader's notes."""
    return "\n\n".join([manifest(name).describe(), *[p.strip() for p in paragraphs if p]])


def decoded_cache(
    name: str, tag: str, build: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Arrays decoded from dataset ``name``, cached as ``<cache>/<name>/.decoded/<tag>-<key>.npz``.

    The key hashes the manifest's sha256 list, so a new data version never reads an old cache.
    The file is written to a temporary name and renamed (atomic): a reader sees either no
    cache or a complete one. A cache that cannot be read is rebuilt; one that cannot be
    written (read-only folder) is skipped.
    """
    m = manifest(name)
    key = hashlib.sha256("".join(f.sha256 for f in m.files).encode()).hexdigest()[:16]
    path = dataset_dir(name) / ".decoded" / f"{tag}-{key}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError):
            path.unlink(missing_ok=True)
    arrays = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
    except OSError:
        pass
    return arrays


def require(module: str, dataset: str) -> Any:
    """Import ``module`` or raise a DataError that says which package to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        raise DataError(
            f"Loading {dataset!r} needs the package {top!r} ({err}). Install it with "
            f"`pip install {top}` (it is in pyproject.toml: `make setup` installs it)."
        ) from err


def file_path(folder: Path, rel: str, dataset: str) -> Path:
    path = folder / rel
    if not path.is_file():
        raise DataError(f"{dataset}: {rel} missing from {folder} after fetch (manifest changed?).")
    return path
