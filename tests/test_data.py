"""The data registry: manifests, cache, mirror, checksums and the loaders."""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from mlpc_helpers import data
from mlpc_helpers.data import registry

REFUSED = "http://127.0.0.1:9/nothing-listens-here"  # connection refused at once: "offline"


def _fake(tmp_path, monkeypatch, payload=b"hello course\n", urls=(REFUSED,)):
    """A one-file dataset 'fake' with a mirror folder and an empty cache."""
    sha = hashlib.sha256(payload).hexdigest()
    entry = registry.FileEntry("sub/file.txt", sha, len(payload), tuple(urls))
    m = registry.Manifest("fake", "Fake", "fake_mirror", "v1", "https://example.org", "CC0",
                          "Nobody (2026)", "none", (entry,))
    real = registry.manifest
    monkeypatch.setattr(registry, "manifest", lambda n: m if n == "fake" else real(n))
    mirror = tmp_path / "mirror"
    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MLPC_DATA_MIRROR", raising=False)
    return entry, mirror, payload


def test_manifests_are_complete_and_pinned():
    names = data.available()
    assert {"neu_surface_defects", "estm_thermoelectric", "lpbf_relative_density",
            "xrd_powdr"} <= set(names)
    for name in names:
        m = data.manifest(name)
        assert m.license and m.citation and m.version and "doi" in m.citation.lower()
        assert m.files
        for f in m.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)
            assert f.urls and all(re.search(r"/[0-9a-f]{40}/", u) for u in f.urls), f.urls
    assert len(data.manifest("neu_surface_defects").files) == 3600  # 1800 JPEG + 1800 VOC XML


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(data.UnknownDatasetError, match="Known datasets: .*estm_thermoelectric"):
        data.manifest("mnist")
    with pytest.raises(data.UnknownDatasetError):
        data.load("mnist")


def test_offline_with_nothing_cached_is_one_clear_error(tmp_path, monkeypatch):
    entry, _, _ = _fake(tmp_path, monkeypatch)
    with pytest.raises(data.DataUnavailableError) as err:
        data.fetch("fake")
    msg = str(err.value)
    assert "'fake'" in msg and REFUSED in msg and "MLPC_DATA_MIRROR" in msg
    assert str(tmp_path / "cache" / "fake" / "sub") in msg
    assert not list((tmp_path / "cache").rglob("*.txt"))


def test_mirror_is_verified_and_copied(tmp_path, monkeypatch):
    entry, mirror, payload = _fake(tmp_path, monkeypatch)
    (mirror / "fake_mirror" / "sub").mkdir(parents=True)
    (mirror / "fake_mirror" / "sub" / "file.txt").write_bytes(payload)
    monkeypatch.setenv("MLPC_DATA_MIRROR", str(mirror))
    folder = data.fetch("fake")
    assert (folder / "sub" / "file.txt").read_bytes() == payload


def test_corrupt_mirror_file_is_named_and_not_cached(tmp_path, monkeypatch):
    entry, mirror, payload = _fake(tmp_path, monkeypatch)
    (mirror / "fake_mirror" / "sub").mkdir(parents=True)
    (mirror / "fake_mirror" / "sub" / "file.txt").write_bytes(payload + b"tampered")
    monkeypatch.setenv("MLPC_DATA_MIRROR", str(mirror))
    with pytest.raises(data.ChecksumError, match="file.txt"):
        data.fetch("fake")
    cache = tmp_path / "cache"
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file()]


def test_corrupt_cache_file_is_replaced(tmp_path, monkeypatch):
    entry, mirror, payload = _fake(tmp_path, monkeypatch)
    cached = tmp_path / "cache" / "fake" / "sub" / "file.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half-writ")
    with pytest.raises(data.DataUnavailableError, match="was corrupt and has been removed"):
        data.fetch("fake")
    assert not cached.exists()
    (mirror / "fake_mirror" / "sub").mkdir(parents=True)
    (mirror / "fake_mirror" / "sub" / "file.txt").write_bytes(payload)
    monkeypatch.setenv("MLPC_DATA_MIRROR", str(mirror))
    data.fetch("fake")
    assert cached.read_bytes() == payload


def test_download_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch):
    """A download whose bytes differ from the manifest is refused and not kept."""
    served = tmp_path / "served.txt"
    served.write_bytes(b"something else")
    import pooch

    def fake_retrieve(url, known_hash, fname, path, progressbar, **kwargs):
        # pooch downloads to a temporary file and raises ValueError on a hash mismatch
        got = hashlib.sha256(served.read_bytes()).hexdigest()
        raise ValueError(f"SHA256 hash of downloaded file ({got}) does not match the known hash")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    _fake(tmp_path, monkeypatch, urls=("https://example.org/file.txt",))
    with pytest.raises(data.DataUnavailableError, match="checksum mismatch"):
        data.fetch("fake")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


# ---- the real datasets (from the cache or the MLPC_DATA_MIRROR folder) -----------------------
def _have(name):
    try:
        data.fetch(name, progress=False)
        return True
    except data.DataError:
        return False


needs = {n: pytest.mark.skipif(not _have(n), reason=f"{n} not cached and no mirror")
         for n in data.available()}


@needs["estm_thermoelectric"]
def test_load_estm():
    b = data.load_estm_thermoelectric()
    assert b.frame.shape == (5205, 8)
    assert b.frame["formula"].nunique() == 880
    assert "Na & H. Chang" in b.DESCR or "Na, H. Chang" in b.DESCR
    assert len(b.target) == 5205


@needs["lpbf_relative_density"]
def test_load_lpbf():
    b = data.load_lpbf_relative_density()
    assert b.frame.shape[0] == 1579
    assert b.frame["material"].nunique() == 6
    assert 34 < b.target.min() < 35 and b.target.max() == 100


@needs["xrd_powdr"]
def test_load_xrd():
    b = data.load_xrd_powdr()
    assert b.tth.shape == (3001,) and b.tth[0] == 5.0 and b.tth[-1] == 65.0
    assert b.library.shape == (3001, 168)
    assert list(b.phases.columns) == ["phase_id", "phase_name", "rir"]
    assert b.mixtures.shape == (3001, 8)
    np.testing.assert_allclose(b.weights.sum(axis=1), 100, atol=0.5)
    assert {"BACK_POS", "BACK_NEG"} <= set(b.library.columns)


@needs["neu_surface_defects"]
def test_load_neu():
    b = data.load_neu_surface_defects()
    assert b.images.shape == (1800, 200, 200) and b.images.dtype == np.uint8
    assert np.bincount(b.target).tolist() == [300] * 6
    i, j = b.filenames.index("patches_101.jpg"), b.filenames.index("patches_105.jpg")
    np.testing.assert_array_equal(b.images[i], b.images[j])
    sub = data.load_neu_surface_defects(classes=["crazing", "scratches"])
    assert sub.target_names == ["crazing", "scratches"] and len(sub.target) == 600
    with pytest.raises(ValueError, match="Unknown NEU class"):
        data.load_neu_surface_defects(classes=["rust"])


def test_cache_dir_is_data_folder(monkeypatch):
    monkeypatch.delenv("MLPC_DATA_DIR", raising=False)
    assert data.dataset_dir("x").parent.name == "data"
    assert Path(data.dataset_dir("x")).name == "x"
