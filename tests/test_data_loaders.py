"""The seven loaders of issue 16 against the mirror, and their error paths.

Counts asserted here are those stated in ../shared/data/<folder>/MANIFEST.md.
"""

import shutil

import numpy as np
import pytest

from mlpc_helpers import data
from mlpc_helpers.data import microscopy, registry

NEW = ["superalloy_sem", "cnc_mill_tool_wear", "turning_tool_wear", "sdss_ebsd",
       "eds_spectra", "ebsd_patterns", "uhcs_metadata"]


def _have(name):
    try:
        data.fetch(name, progress=False)
        return True
    except data.DataError:
        return False


needs = {n: pytest.mark.skipif(not _have(n), reason=f"{n} not cached, no mirror/package")
         for n in NEW}


def _offline(monkeypatch, tmp_path):
    """Empty cache, no mirror, every download refused."""
    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MLPC_DATA_MIRROR", raising=False)
    monkeypatch.setattr(registry, "_download", lambda entry, dest, ds: "offline (test)")


# ---------------------------------------------------------------- registry / manifests
def test_new_datasets_are_registered_and_pinned():
    assert set(NEW) <= set(data.available())
    for name in NEW:
        m = data.manifest(name)
        assert m.license and m.citation and m.version
        for f in m.files:
            assert all("/" in u and len(u.split("/")[5]) == 40 for u in f.urls), f.urls
    assert data.manifest("eds_spectra").package == "exspy/data"
    assert data.manifest("ebsd_patterns").package == "kikuchipy/data"
    # the mirror's own CSV export of UHCS is not upstream: only the sqlite is registered
    assert [f.path for f in data.manifest("uhcs_metadata").files] == ["microstructures.sqlite"]
    assert len(data.manifest("superalloy_sem").files) == 37  # 18 images, 18 masks, LICENSE
    assert "share-alike" in data.manifest("turning_tool_wear").license.lower()


def test_unknown_name():
    with pytest.raises(data.UnknownDatasetError, match="Known datasets: .*superalloy_sem"):
        data.load("superalloy")


def test_offline_without_mirror_is_one_clear_error(tmp_path, monkeypatch):
    _offline(monkeypatch, tmp_path)
    with pytest.raises(data.DataUnavailableError, match="MLPC_DATA_MIRROR") as err:
        data.load_turning_tool_wear()
    assert "Dataset_Machine_tool_wear.csv" in str(err.value) or "LICENSE" in str(err.value)
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_package_data_need_no_mirror_but_the_package(tmp_path, monkeypatch):
    _offline(monkeypatch, tmp_path)
    shipped = registry.package_file("exspy/data", "EDS_SEM_TM002.hspy")
    if shipped is not None and shipped.is_file():
        folder = data.fetch("eds_spectra")  # from the installed exspy, verified
        assert (folder / "EDS_SEM_TM002.hspy").is_file()
    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path / "cache2"))
    monkeypatch.setattr(registry, "package_file", lambda package, path: None)
    with pytest.raises(data.DataUnavailableError, match="pip install kikuchipy"):
        data.fetch("ebsd_patterns")


@needs["sdss_ebsd"]
def test_corrupt_mirror_copy_is_refused_and_named(tmp_path, monkeypatch):
    src = data.fetch("sdss_ebsd")  # a verified copy (cache or mirror)
    mirror = tmp_path / "mirror" / "sdss_ebsd"
    mirror.mkdir(parents=True)
    shutil.copyfile(src / "LICENSE", mirror / "LICENSE")
    raw = bytearray((src / "sdss_ferrite_austenite.ang").read_bytes())
    raw[-10] ^= 1  # one flipped bit
    (mirror / "sdss_ferrite_austenite.ang").write_bytes(bytes(raw))
    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MLPC_DATA_MIRROR", str(tmp_path / "mirror"))
    with pytest.raises(data.ChecksumError, match="sdss_ferrite_austenite.ang"):
        data.load_sdss_ebsd()
    assert not (tmp_path / "cache" / "sdss_ebsd" / "sdss_ferrite_austenite.ang").exists()


def test_decoded_cache_is_written_atomically(tmp_path, monkeypatch):
    from mlpc_helpers.data import _common

    monkeypatch.setenv("MLPC_DATA_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"a": np.arange(3)}

    out = _common.decoded_cache("uhcs_metadata", "t", build)
    again = _common.decoded_cache("uhcs_metadata", "t", build)
    np.testing.assert_array_equal(out["a"], again["a"])
    assert len(calls) == 1
    files = list((tmp_path / "uhcs_metadata" / ".decoded").iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"  # no .part left behind
    files[0].write_bytes(b"truncated")  # a broken cache is rebuilt, not trusted
    _common.decoded_cache("uhcs_metadata", "t", build)
    assert len(calls) == 2


# ---------------------------------------------------------------- superalloy
def test_mask_decoding_and_foreign_colour():
    m = np.zeros((4, 4, 4), np.uint8)
    m[..., 3] = 255
    m[..., :3] = 90  # grey -> matrix
    m[0, 0, :3] = (0, 0, 255)
    m[1, 1, :3] = (255, 0, 0)
    labels = microscopy.decode_superalloy_mask(m, "x_mask.tif")
    assert labels[0, 0] == 1 and labels[1, 1] == 2 and (labels == 0).sum() == 14
    m[2, 2, :3] = (0, 200, 0)
    with pytest.raises(data.DataError, match="spot9_0d_0_mask.tif.*1 pixels"):
        microscopy.decode_superalloy_mask(m, "spot9_0d_0_mask.tif")


@needs["superalloy_sem"]
def test_foreign_colour_in_a_real_mask_file_is_named(tmp_path):
    from PIL import Image

    src = data.dataset_dir("superalloy_sem") / "val_annot" / "spot1_0d_0_mask.tif"
    a = np.asarray(Image.open(src)).copy()
    a[10, 10] = (0, 255, 0, 255)
    bad = tmp_path / "spot1_0d_0_mask.tif"
    Image.fromarray(a).save(bad)
    with pytest.raises(data.DataError, match="spot1_0d_0_mask.tif"):
        microscopy.decode_superalloy_mask(np.asarray(Image.open(bad)), bad.name)


@needs["superalloy_sem"]
def test_load_superalloy_sem():
    b = data.load_superalloy_sem()
    assert b.images.shape == b.masks.shape == (18, 512, 512)
    assert b.images.dtype == b.masks.dtype == np.uint8
    assert set(np.unique(b.masks)) == {0, 1, 2}
    assert b.target_names == ["gamma_matrix", "coarse_gamma_prime", "fine_gamma_prime"]
    assert {s: len(i) for s, i in b.split_indices.items()} == {"train": 10, "val": 4, "test": 4}
    assert set(b.spot[b.split == "val"]) == {1} and set(b.spot[b.split == "test"]) == {2}
    assert set(b.spot[b.split == "train"]) == {3, 4, 5, 6, 7}
    np.testing.assert_array_equal(b.groups, b.spot)
    assert set(b.rotation_deg) == {0, 180}
    # MANIFEST: coarse γ′ 40-56 % of each image, fine γ′ 0.5-4 %
    assert b.frame["frac_coarse_gamma_prime"].between(0.40, 0.56).all()
    assert b.frame["frac_fine_gamma_prime"].between(0.005, 0.04).all()
    assert "spot" in b.DESCR and "MIT" in b.DESCR and "doi:10.1038/s41524-022-00878-5" in b.DESCR
    X, y = data.load_superalloy_sem(split="test", return_X_y=True)
    assert X.shape == y.shape == (4, 512, 512)
    with pytest.raises(ValueError, match="split"):
        data.load_superalloy_sem(split="holdout")


# ---------------------------------------------------------------- CNC
@needs["cnc_mill_tool_wear"]
def test_load_cnc_mill_tool_wear():
    b = data.load_cnc_mill_tool_wear()
    f = b.frame
    assert len(f) == 25286 and f["run"].nunique() == 18
    n = f.groupby("run").size()
    assert n.min() == 462 and n.max() == 2332
    assert len(b.signal_names) == 47 and b.data.shape == (25286, 47)
    r = b.runs
    assert (~r["tool_worn"]).sum() == 8 and r["tool_worn"].sum() == 10
    assert r["machining_finalized"].sum() == 14
    assert r["passed_visual_inspection"].isna().sum() == 4
    assert (r.loc[~r["machining_finalized"], "passed_visual_inspection"].isna()).all()
    np.testing.assert_array_equal(b.groups, f["run"].to_numpy())
    # labels joined per run
    assert (f.groupby("run")["tool_worn"].nunique() == 1).all()
    # bad readings flagged, not dropped
    expected = ((f["M1_CURRENT_FEEDRATE"] == 50) | (f["X1_ActualPosition"] == 198)
                | (f["M1_CURRENT_PROGRAM_NUMBER"] != 1))
    assert f["bad_reading"].dtype == bool and (f["bad_reading"] == expected).all()
    assert 0 < f["bad_reading"].sum() < len(f)
    assert (f["flag_program_not_0"] == (f["M1_CURRENT_PROGRAM_NUMBER"] != 0)).all()
    assert r["n_bad_readings"].sum() == f["bad_reading"].sum()
    assert np.allclose(f.loc[f["run"] == 12, "time_s"].diff().dropna(), 0.1)  # CR file parsed
    assert "groups = run" in b.DESCR and "CC0" in b.DESCR
    X, y = data.load_cnc_mill_tool_wear(as_frame=False, return_X_y=True)
    assert X.shape == (25286, 47) and X.dtype == float and y.dtype == bool


# ---------------------------------------------------------------- turning
@needs["turning_tool_wear"]
def test_load_turning_tool_wear():
    b = data.load_turning_tool_wear()
    assert b.frame.shape == (2054, 154) and b.data.shape == (2054, 152)
    assert len(np.unique(b.groups)) == 13
    assert b.n_empty_cells == 1142 and sum(b.empty_cells_per_column.values()) == 1142
    assert b.target.min() == 0 and 790 < b.target.max() < 800
    assert "1142" in b.DESCR and "CC BY-SA 4.0" in b.DESCR and "share-alike" in b.DESCR
    X, y = data.load_turning_tool_wear(as_frame=False, return_X_y=True)
    assert X.shape == (2054, 152) and np.isnan(X).sum() == 1142


# ---------------------------------------------------------------- EBSD map
@needs["sdss_ebsd"]
def test_load_sdss_ebsd():
    b = data.load_sdss_ebsd()
    f = b.frame
    assert len(f) == 100 * 117 and b.shape == (100, 117) and b.step_um == 1.5
    assert f["phase_name"].value_counts().to_dict() == {"ferrite": 6043, "austenite": 5657}
    assert b.phase_names == {1: "austenite", 2: "ferrite"}
    assert b.lattice_A == {"austenite": 3.595, "ferrite": 2.867}
    for c in ("x_um", "y_um", "euler1_rad", "euler2_rad", "euler3_rad", "iq", "dp"):
        assert c in f.columns
    assert f["x_um"].max() == pytest.approx(116 * 1.5) and f["row"].max() == 99
    assert f[["euler1_rad", "euler2_rad", "euler3_rad"]].to_numpy().min() >= 0
    assert f["euler2_rad"].max() <= np.pi + 1e-6
    assert f["dp"].between(0, 1).all()
    assert b.quality_columns == ["iq", "dp"] and b.xmap.size == 11700
    assert "CC BY 4.0" in b.DESCR and "zenodo.6199723" in b.DESCR


# ---------------------------------------------------------------- EDS
@needs["eds_spectra"]
def test_load_eds_spectra():
    b = data.load_eds_spectra(keep_signals=False)
    assert b.names == ["sem", "tem"] and len(b.groups) == 2
    for k, beam, els in (("sem", 10.0, {"Al", "C", "Cu", "Mn", "Zr"}), ("tem", 200.0, {"Fe", "Pt"})):
        s = b[k]
        assert s.counts.shape == s.energy_keV.shape and s.counts.ndim == 1
        assert np.all(np.diff(s.energy_keV) > 0) and 9 < s.energy_keV[-1] < 25
        assert s.metadata["beam_energy_keV"] == beam and set(s.metadata["elements"]) == els
        assert s.signal is None
    assert "GPL-3.0" in b.DESCR


# ---------------------------------------------------------------- EBSD patterns
@needs["ebsd_patterns"]
def test_load_ebsd_patterns():
    b = data.load_ebsd_patterns()
    assert b.patterns.shape == (9, 60, 60) and b.patterns.dtype == np.uint8
    assert b.euler_rad.shape == (9, 3) and b.scores.shape == (9,)
    assert b.n_scans_in_file == 2 and b.scans_identical
    assert b.map_shape == (3, 3) and list(b.groups) == list(range(9))
    assert b.detector["shape"] == (60, 60) and b.detector["sample_tilt_deg"] == 70.0
    assert "CC BY 4.0" in b.DESCR and "GPL-3.0" in b.DESCR


# ---------------------------------------------------------------- UHCS
def test_parse_magnification():
    assert microscopy.parse_magnification("4910x") == 4910.0
    assert microscopy.parse_magnification("1964X") == 1964.0
    assert np.isnan(microscopy.parse_magnification(None))
    with pytest.raises(data.DataError, match="magnification"):
        microscopy.parse_magnification("about 500")


@needs["uhcs_metadata"]
def test_load_uhcs_metadata():
    b = data.load_uhcs_metadata()
    f = b.frame
    assert len(f) == 961
    assert b.label_counts == {"spheroidite": 374, "network": 212, "pearlite": 124,
                              "pearlite+spheroidite": 107, "spheroidite+widmanstatten": 81,
                              "martensite": 36, "pearlite+widmanstatten": 27}
    assert f["detector"].value_counts(dropna=False).to_dict() == {"SE": 845, "BSE": 84, None: 32}
    assert f["anneal_temperature_C"].notna().sum() == 598
    assert f["magnification"].dtype == float and f["magnification"].isna().sum() == 113
    assert f.loc[f["micrograph_id"] == 1, "magnification"].item() == 4910.0
    assert len(np.unique(b.groups)) == 44 and (b.groups == -1).sum() == 158
    assert f["um_per_px"].dropna().gt(0).all()
    assert "sample" in b.DESCR and "doi:10.1007/s40192-017-0097-0" in b.DESCR
    X, y = data.load_uhcs_metadata(return_X_y=True)
    assert len(X) == len(y) == 961 and "primary_microconstituent" not in X.columns


@pytest.mark.parametrize("name", NEW)
def test_load_by_name_has_groups_and_descr(name):
    if not _have(name):
        pytest.skip(f"{name} not available")
    b = data.load(name)
    assert "groups" in b and "groups =" in b.DESCR and "License:" in b.DESCR
