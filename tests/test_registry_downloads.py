"""Downloads that survive a classroom: retries with back-off on HTTP 429/5xx (Retry-After
honoured), a limit on concurrent requests, and the per-dataset archive as a second source.

Every test runs a real HTTP server on 127.0.0.1 (a thread of this process) and a one-off
dataset whose files point at it; nothing here touches the network or the real cache.
"""

import hashlib
import http.server
import json
import threading
import time
import zipfile

import pytest

from mlpc_helpers import data
from mlpc_helpers.data import registry


class Script:
    """What the local server answers: per path a list of (status, headers, body); each
    request takes the next answer, the last one repeats. Logs every request."""

    def __init__(self):
        self.routes = {}
        self.log = []  # (path, monotonic time, status)
        self.delay = 0.0
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Lock()

    def answer(self, path):
        with self.lock:
            answers = self.routes.get(path, [(404, {}, b"not here")])
            status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
            self.log.append((path, time.monotonic(), status))
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        time.sleep(self.delay)
        with self.lock:
            self.inflight -= 1
        return status, headers, body

    def hits(self, path):
        return [t for p, t, _ in self.log if p == path]


@pytest.fixture
def server():
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, headers, body = script.answer(self.path)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def dataset(tmp_path, monkeypatch):
    """A factory: dataset 'fake' with files {path: bytes} at <base>/files/<path>; empty cache,
    no mirror, no archive, fast back-off."""
    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MLPC_DATA_MIRROR", raising=False)
    monkeypatch.delenv("MLPC_DATA_ARCHIVE_URL", raising=False)
    monkeypatch.setenv("MLPC_DOWNLOAD_RETRIES", "3")
    monkeypatch.setenv("MLPC_DOWNLOAD_BACKOFF", "0.05")
    monkeypatch.setenv("MLPC_DOWNLOAD_TIMEOUT", "10")
    monkeypatch.setattr(registry, "_archives_config", lambda: {"base_url": "", "archives": {}})
    real = registry.manifest

    def make(files, base):
        entries = tuple(
            registry.FileEntry(path, hashlib.sha256(body).hexdigest(), len(body),
                               (f"{base}/files/{path}",))
            for path, body in files.items())
        m = registry.Manifest("fake", "Fake", "fake_mirror", "v1", "https://example.org",
                              "CC0", "Nobody (2026)", "none", entries)
        monkeypatch.setattr(registry, "manifest", lambda n: m if n == "fake" else real(n))
        return tmp_path / "cache" / "fake"

    return make


def _files_in(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) \
        if folder.exists() else []


# --- retries -------------------------------------------------------------------------------
def test_429_then_success_honours_retry_after(server, dataset):
    base, script = server
    body = b"NEU image bytes\n"
    script.routes["/files/a.jpg"] = [(429, {"Retry-After": "1"}, b"slow down"),
                                     (200, {}, body)]
    cache = dataset({"a.jpg": body}, base)
    data.fetch("fake")
    hits = script.hits("/files/a.jpg")
    assert len(hits) == 2
    assert hits[1] - hits[0] >= 0.95, "Retry-After: 1 was not honoured"
    assert (cache / "a.jpg").read_bytes() == body
    assert _files_in(cache) == ["a.jpg"]


def test_5xx_are_retried_with_exponential_back_off(server, dataset, monkeypatch):
    base, script = server
    monkeypatch.setenv("MLPC_DOWNLOAD_BACKOFF", "0.2")
    body = b"x" * 1000
    script.routes["/files/b.csv"] = [(503, {}, b""), (502, {}, b""), (500, {}, b""),
                                     (200, {}, body)]
    cache = dataset({"b.csv": body}, base)
    data.fetch("fake")
    hits = script.hits("/files/b.csv")
    gaps = [b - a for a, b in zip(hits, hits[1:], strict=False)]
    assert len(hits) == 4
    # urllib3: the first retry at once, then factor * 2**(n-1) (+ up to `factor` jitter)
    assert gaps[1] >= 0.38 and gaps[2] >= 0.78, gaps
    assert (cache / "b.csv").read_bytes() == body


def test_persistent_500s_fail_clearly_and_leave_nothing(server, dataset):
    base, script = server
    script.routes["/files/c.txt"] = [(500, {}, b"boom")]
    cache = dataset({"c.txt": b"never served"}, base)
    with pytest.raises(data.DataUnavailableError) as err:
        data.fetch("fake")
    msg = str(err.value)
    assert "c.txt" in msg and f"{base}/files/c.txt" in msg and "500" in msg
    assert "gave up after 3 retries" in msg and "make data" in msg
    assert len(script.hits("/files/c.txt")) == 4  # 1 + 3 retries
    assert _files_in(cache) == []  # no partial or temporary file


def test_rate_limit_exhausted_says_what_to_do(server, dataset):
    base, script = server
    script.routes["/files/d.txt"] = [(429, {"Retry-After": "0"}, b"")]
    dataset({"d.txt": b"d"}, base)
    with pytest.raises(data.DataUnavailableError, match="429") as err:
        data.fetch("fake")
    assert "wait a few minutes" in str(err.value) and "archive" in str(err.value)


def test_concurrent_requests_are_limited(server, dataset, monkeypatch):
    base, script = server
    monkeypatch.setenv("MLPC_DOWNLOAD_WORKERS", "3")
    script.delay = 0.15
    files = {f"img/{i:02d}.jpg": f"image {i}".encode() for i in range(12)}
    for path, body in files.items():
        script.routes[f"/files/{path}"] = [(200, {}, body)]
    cache = dataset(files, base)
    t0 = time.monotonic()
    data.fetch("fake")
    assert 2 <= script.max_inflight <= 3, script.max_inflight
    assert time.monotonic() - t0 < 12 * 0.15  # in parallel, not one by one
    assert _files_in(cache) == sorted(files)


def test_bad_settings_are_one_clear_error(monkeypatch):
    monkeypatch.setenv("MLPC_DOWNLOAD_RETRIES", "many")
    with pytest.raises(ValueError, match="MLPC_DOWNLOAD_RETRIES='many'"):
        registry.download_settings()


# --- the archive -----------------------------------------------------------------------------
def _archive(files, bad=()):
    """Zip bytes as build_archive writes them (members fake/<path>); `bad`: members altered."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, body in sorted(files.items()):
            zf.writestr(f"fake/{path}", body + (b"tampered" if path in bad else b""))
    return buf.getvalue()


def _use_archive(monkeypatch, base, blob, sha=None):
    cfg = {"base_url": "https://release.invalid/never-used/",
           "archives": {"fake": {"file": "fake.zip",
                                 "sha256": sha or hashlib.sha256(blob).hexdigest()}}}
    monkeypatch.setattr(registry, "_archives_config", lambda: cfg)
    monkeypatch.setenv("MLPC_DATA_ARCHIVE_URL", f"{base}/release/")


NEU_LIKE = {f"{c}/{c}_{i}.jpg": f"{c} {i}".encode() * 20
            for c in ("crazing", "inclusion", "patches") for i in range(1, 6)}


def test_archive_is_one_request_and_every_file_is_verified(server, dataset, monkeypatch):
    base, script = server
    blob = _archive(NEU_LIKE)
    script.routes["/release/fake.zip"] = [(429, {"Retry-After": "0"}, b""), (200, {}, blob)]
    cache = dataset(NEU_LIKE, base)  # per-file URLs answer 404: never asked
    _use_archive(monkeypatch, base, blob)
    data.fetch("fake")
    assert [p for p, _, s in script.log if s == 200] == ["/release/fake.zip"]
    assert not [p for p, _, _ in script.log if p.startswith("/files/")]
    assert _files_in(cache) == sorted(NEU_LIKE)
    for path, body in NEU_LIKE.items():
        assert (cache / path).read_bytes() == body
    assert not list((cache.parent / ".archives").glob("*"))  # the zip is not kept


def test_archive_member_that_differs_is_not_cached(server, dataset, monkeypatch):
    base, script = server
    bad = "patches/patches_3.jpg"
    blob = _archive(NEU_LIKE, bad={bad})
    script.routes["/release/fake.zip"] = [(200, {}, blob)]
    script.routes[f"/files/{bad}"] = [(500, {}, b"")]
    cache = dataset(NEU_LIKE, base)
    _use_archive(monkeypatch, base, blob)
    with pytest.warns(UserWarning, match="differ from the manifest"), \
            pytest.raises(data.DataUnavailableError, match="patches_3.jpg"):
        data.fetch("fake")
    assert _files_in(cache) == sorted(set(NEU_LIKE) - {bad})  # the rest verified, kept
    # the upstream copy is right: the next fetch takes the one file from there
    script.routes[f"/files/{bad}"] = [(200, {}, NEU_LIKE[bad])]
    with pytest.warns(UserWarning, match="differ from the manifest"):
        data.fetch("fake")
    assert _files_in(cache) == sorted(NEU_LIKE)


def test_archive_with_another_sha256_falls_back_to_the_files(server, dataset, monkeypatch):
    base, script = server
    files = dict(list(NEU_LIKE.items())[:3])
    blob = _archive(files)
    script.routes["/release/fake.zip"] = [(200, {}, blob)]
    for path, body in files.items():
        script.routes[f"/files/{path}"] = [(200, {}, body)]
    cache = dataset(files, base)
    _use_archive(monkeypatch, base, blob, sha="0" * 64)
    with pytest.warns(UserWarning, match="could not be used .*checksum"):
        data.fetch("fake")
    assert _files_in(cache) == sorted(files)  # from the files; no archive left anywhere
    assert not [p for p in cache.parent.rglob("*.zip")]


def test_build_archive_is_reproducible_and_readable_by_the_loader(tmp_path, server, dataset,
                                                                   monkeypatch):
    base, script = server
    for path, body in NEU_LIKE.items():
        script.routes[f"/files/{path}"] = [(200, {}, body)]
    cache = dataset(NEU_LIKE, base)
    a = registry.build_archive("fake", tmp_path / "a")
    b = registry.build_archive("fake", tmp_path / "b")
    assert a["sha256"] == b["sha256"] and a["files"] == len(NEU_LIKE)
    blob = (tmp_path / "a" / "fake.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a" / "fake.zip") as zf:
        assert sorted(zf.namelist()) == sorted(f"fake/{p}" for p in NEU_LIKE)
    # a fresh cache gets everything from that archive
    import shutil

    shutil.rmtree(cache)
    script.log.clear()
    script.routes["/release/fake.zip"] = [(200, {}, blob)]
    _use_archive(monkeypatch, base, blob)
    data.fetch("fake")
    assert [p for p, _, _ in script.log] == ["/release/fake.zip"]
    assert _files_in(cache) == sorted(NEU_LIKE)


def test_archives_config_is_the_one_place():
    cfg = json.loads((registry.Path(registry.__file__).parent / "archives.json").read_text())
    assert set(cfg) >= {"base_url", "archives"}
    for name, entry in cfg["archives"].items():
        assert name in data.available()
        assert set(entry) >= {"file", "sha256"} and len(entry["sha256"]) == 64
