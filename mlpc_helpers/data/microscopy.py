"""Loaders of microscopy and diffraction data: SEM segmentation, EBSD map, EBSD patterns,
EDS spectra, UHCS micrograph metadata.

Heavy readers (PIL, orix, hyperspy/exspy, kikuchipy) are imported inside the loaders, so
``import mlpc_helpers.data`` stays light.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.utils import Bunch

from ._common import bunch, decoded_cache, describe, file_path, require
from .registry import DataError, fetch, manifest
from ..validation import MLPCInputError

# --------------------------------------------------------------------------- superalloy SEM
SUPERALLOY_CLASSES = ("gamma_matrix", "coarse_gamma_prime", "fine_gamma_prime")
SUPERALLOY_SPLITS = {"train": (3, 4, 5, 6, 7), "val": (1,), "test": (2,)}
_SUPERALLOY_NAME = re.compile(r"spot(\d+)_(\d+)d_(\d+)")


def decode_superalloy_mask(rgba: np.ndarray, filename: str = "mask") -> np.ndarray:
    """Decode one Super1 mask image to integer labels.

    Parameters
    ----------
    rgba : uint8 array (H, W, 3 or 4)
        The mask as painted: pure blue (0, 0, 255) = coarse γ′, pure red (255, 0, 0) = fine
        γ′, grey (R = G = B) = γ matrix; alpha, when present, must be 255 everywhere.
    filename : str
        Named in the error message.

    Returns
    -------
    uint8 array (H, W): 0 = γ matrix, 1 = coarse γ′, 2 = fine γ′.

    Raises
    ------
    DataError
        When any pixel has another colour (count and first offending colours named) or alpha
        is not 255: the file is not the published mask.
    """
    a = np.asarray(rgba)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.dtype != np.uint8:
        raise DataError(f"{filename}: expected an RGB(A) uint8 mask, got {a.dtype} {a.shape}.")
    if a.shape[2] == 4 and not (a[..., 3] == 255).all():
        raise DataError(f"{filename}: alpha channel is not 255 everywhere (not the published mask).")
    r, g, b = (a[..., i] for i in range(3))
    coarse = (r == 0) & (g == 0) & (b == 255)
    fine = (r == 255) & (g == 0) & (b == 0)
    grey = (r == g) & (g == b)
    bad = ~(coarse | fine | grey)
    if bad.any():
        colours = np.unique(a[..., :3][bad], axis=0)[:5].tolist()
        raise DataError(
            f"{filename}: {int(bad.sum())} pixels are neither pure blue (0, 0, 255), pure red "
            f"(255, 0, 0) nor grey (R = G = B), e.g. {colours}. The three-colour encoding of "
            "the Super1 masks does not hold for this file: is it the published version?"
        )
    labels = np.zeros(a.shape[:2], np.uint8)
    labels[coarse] = 1
    labels[fine] = 2
    return labels


def _superalloy_decode(folder: Path) -> dict[str, np.ndarray]:
    from PIL import Image

    names = sorted(
        f.path for f in manifest("superalloy_sem").files
        if f.path.endswith(".tif") and "_annot/" not in f.path
    )
    images, masks = [], []
    for rel in names:
        split, stem = rel.split("/")[0], Path(rel).stem
        with Image.open(file_path(folder, rel, "superalloy_sem")) as im:
            rgb = np.asarray(im.convert("RGB"))
        if not ((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).all():
            raise DataError(f"{rel}: the micrograph's three channels differ (expected grey).")
        mrel = f"{split}_annot/{stem}_mask.tif"
        with Image.open(file_path(folder, mrel, "superalloy_sem")) as im:
            masks.append(decode_superalloy_mask(np.asarray(im), mrel))
        images.append(rgb[..., 0])
    return {"images": np.stack(images), "masks": np.stack(masks), "filenames": np.array(names)}


def load_superalloy_sem(*, split: str | None = None, return_X_y: bool = False) -> Bunch:
    """Ni-superalloy SEM micrographs with 3-class pixel masks ("Super1", Stuckner et al. 2022).

    Parameters
    ----------
    split : {"train", "val", "test"} or None
        The publisher's split by specimen spot (train = spots 3-7, val = spot 1, test =
        spot 2); None returns all 18 images.
    return_X_y : bool
        Return ``(images, masks)`` only.

    Returns
    -------
    Bunch with
    ``images``: uint8 (n, 512, 512), SEM grey levels 0-255 (pixel size not given);
    ``masks``: uint8 (n, 512, 512) labels 0 = γ matrix, 1 = coarse γ′, 2 = fine γ′;
    ``target_names``: the three class names in label order;
    ``filenames``: list of ``<split>/spotN_<angle>d_<k>.tif``;
    ``split``, ``spot`` (int 1-7), ``rotation_deg`` (0 or 180): arrays (n,);
    ``groups``: the specimen spot (n,), to split by;
    ``split_indices``: dict split -> indices of the images in this Bunch;
    ``frame``: DataFrame (filename, split, spot, rotation_deg, frac_gamma_matrix,
    frac_coarse_gamma_prime, frac_fine_gamma_prime; fractions 0-1 of the image's pixels);
    ``pixel_size_um``: None (not stated in the files); ``DESCR``.

    Raises
    ------
    DataError
        A mask with a colour other than the three of the encoding (the file is named).
    """
    import pandas as pd

    if split is not None and split not in SUPERALLOY_SPLITS:
        raise MLPCInputError(f"split={split!r} is not a split of the superalloy set; pass "
                             "'train', 'val', 'test' or None (all images).")
    folder = fetch("superalloy_sem")
    arr = decoded_cache("superalloy_sem", "v1", lambda: _superalloy_decode(folder))
    names = [str(n) for n in arr["filenames"]]
    parsed = [_SUPERALLOY_NAME.search(n) for n in names]
    spot = np.array([int(p.group(1)) for p in parsed])
    rot = np.array([int(p.group(2)) for p in parsed])
    splits = np.array([n.split("/")[0] for n in names])
    for s, spots in SUPERALLOY_SPLITS.items():  # the MANIFEST's split, checked
        if set(spot[splits == s]) != set(spots):
            raise DataError(f"superalloy_sem: split {s} holds spots {sorted(set(spot[splits == s]))},"
                            f" the manifest says {list(spots)}.")
    keep = np.ones(len(names), bool) if split is None else splits == split
    images, masks = arr["images"][keep], arr["masks"][keep]
    if return_X_y:
        return images, masks
    counts = np.stack([(masks == k).mean(axis=(1, 2)) for k in range(3)], axis=1)
    frame = pd.DataFrame({
        "filename": np.array(names)[keep], "split": splits[keep], "spot": spot[keep],
        "rotation_deg": rot[keep],
        **{f"frac_{c}": counts[:, k] for k, c in enumerate(SUPERALLOY_CLASSES)},
    })
    sub = splits[keep]
    return bunch(
        images=images,
        masks=masks,
        target_names=list(SUPERALLOY_CLASSES),
        filenames=list(frame["filename"]),
        split=sub,
        spot=spot[keep],
        rotation_deg=rot[keep],
        groups=spot[keep],
        split_indices={s: np.flatnonzero(sub == s) for s in SUPERALLOY_SPLITS if (sub == s).any()},
        frame=frame,
        pixel_size_um=None,
        DESCR=describe(
            "superalloy_sem",
            "Masks decoded from the painted colours (checked on every file): blue (0, 0, 255) "
            "-> 1 coarse γ′, red (255, 0, 0) -> 2 fine γ′, grey -> 0 γ matrix.",
            "groups = specimen spot: the 0° and 180° images of one spot show the same "
            "microstructure, so a split that puts them on both sides leaks; the publisher's "
            "split (train = spots 3-7, val = spot 1, test = spot 2) is in `split`.",
        ),
    )


# --------------------------------------------------------------------------- SDSS EBSD map
def load_sdss_ebsd(*, as_frame: bool = True) -> Bunch:
    """EBSD map of a super duplex stainless steel (austenite + ferrite), read with orix.

    Parameters
    ----------
    as_frame : bool
        Include ``frame`` (one row per map point). ``data`` is always a numeric array.

    Returns
    -------
    Bunch with
    ``xmap``: orix ``CrystalMap`` (phases, rotations, properties ``iq`` and ``dp``);
    ``frame``: DataFrame (11 700 rows) x_um, y_um (µm), row, col, phase_id (1 austenite,
    2 ferrite), phase_name, euler1_rad, euler2_rad, euler3_rad (Bunge φ1 Φ φ2, rad),
    iq (image quality, as written by EMsoft), dp (normalised dot-product score, 0-1);
    ``data``: float array (11 700, 3): Euler angles in rad; ``target``: phase_id (11 700,);
    ``phase_names``: {1: "austenite", 2: "ferrite"}; ``lattice_A``: {phase: a in Å};
    ``shape``: (100, 117) (rows, cols); ``step_um``: 1.5 (µm);
    ``quality_columns``: ["iq", "dp"] (the file has no CI and no fit column: dictionary
    indexing writes a dot product instead); ``groups``: None; ``DESCR``.
    """
    import pandas as pd

    orix_io = require("orix.io", "sdss_ebsd")
    path = file_path(fetch("sdss_ebsd"), "sdss_ferrite_austenite.ang", "sdss_ebsd")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # orix prints and warns about phase-name guessing
        xmap = orix_io.load(str(path))
    euler = xmap.rotations.to_euler()
    pid = np.asarray(xmap.phase_id)
    names = {int(i): p.name.split("/")[0] for i, p in xmap.phases if i >= 0}
    lattice = {
        names[int(i)]: float(p.structure.lattice.a) for i, p in xmap.phases if i >= 0
    }
    step = float(xmap.dx)
    frame = pd.DataFrame({
        "x_um": np.asarray(xmap.x, float), "y_um": np.asarray(xmap.y, float),
        "row": np.rint(np.asarray(xmap.y) / float(xmap.dy)).astype(int),
        "col": np.rint(np.asarray(xmap.x) / step).astype(int),
        "phase_id": pid, "phase_name": [names.get(int(i), "not_indexed") for i in pid],
        "euler1_rad": euler[:, 0], "euler2_rad": euler[:, 1], "euler3_rad": euler[:, 2],
        "iq": np.asarray(xmap.prop["iq"], float), "dp": np.asarray(xmap.prop["dp"], float),
    })
    return bunch(
        xmap=xmap,
        frame=frame if as_frame else None,
        data=euler,
        target=pid,
        phase_names=names,
        lattice_A=lattice,
        shape=tuple(int(s) for s in xmap.shape),
        step_um=step,
        quality_columns=["iq", "dp"],
        groups=None,
        DESCR=describe(
            "sdss_ebsd",
            f"Read with orix.io.load: {xmap.shape[0]} x {xmap.shape[1]} points, step {step} µm, "
            f"phases {names}. Euler angles are Bunge (φ1, Φ, φ2) in radians.",
            "groups = None: one map of one specimen. Neighbouring points of one grain are "
            "correlated; a pixel-level train/test split must be spatial (blocks of the map), "
            "and grain statistics from a few dozen grains have wide confidence intervals.",
        ),
    )


# --------------------------------------------------------------------------- EDS spectra
_EDS_FILES = {"sem": "EDS_SEM_TM002.hspy", "tem": "EDS_TEM_FePt_nanoparticles.hspy"}
_EDS_SAMPLES = {"sem": "BAM EDS-TM002", "tem": "FePt nanoparticles"}


def _eds_metadata(sig: Any) -> dict[str, Any]:
    md = sig.metadata
    mic = "SEM" if md.has_item("Acquisition_instrument.SEM") else "TEM"
    get = functools.partial(md.get_item)
    det = f"Acquisition_instrument.{mic}.Detector.EDS"
    out = {
        "microscope": mic,
        "title": str(md.get_item("General.title", "")),
        "signal_type": str(md.get_item("Signal.signal_type", "")),
        "elements": list(get("Sample.elements", [])),
        "xray_lines": list(get("Sample.xray_lines", [])),
        "beam_energy_keV": get(f"Acquisition_instrument.{mic}.beam_energy", None),
        "live_time_s": get(f"{det}.live_time", None),
        "real_time_s": get(f"{det}.real_time", None),
        "elevation_angle_deg": get(f"{det}.elevation_angle", None),
        "azimuth_angle_deg": get(f"{det}.azimuth_angle", None),
        "energy_resolution_MnKa_eV": get(f"{det}.energy_resolution_MnKa", None),
        "tilt_stage_deg": get(f"Acquisition_instrument.{mic}.Stage.tilt_alpha", None),
    }
    return {k: (float(v) if isinstance(v, (np.floating, np.integer)) else v)
            for k, v in out.items()}


def load_eds_spectra(*, keep_signals: bool = True) -> Bunch:
    """The two measured EDS spectra shipped with exspy (GPL-3.0 package), as arrays.

    Parameters
    ----------
    keep_signals : bool
        Also return the exspy signals (``EDSSEMSpectrum`` / ``EDSTEMSpectrum``) for
        ``.plot()``, background removal and quantification with exspy.

    Returns
    -------
    Bunch with, for ``sem`` (SEM-EDS of the BAM EDS-TM002 standard) and ``tem`` (TEM-EDS of
    FePt nanoparticles), a Bunch of
    ``counts``: float (n_channels,), X-ray counts per channel;
    ``energy_keV``: float (n_channels,), channel energies in keV (offset + scale * i);
    ``channel_width_keV``: float; ``metadata``: dict (microscope, elements, xray_lines,
    beam_energy_keV, live_time_s, real_time_s, elevation_angle_deg, azimuth_angle_deg,
    energy_resolution_MnKa_eV, tilt_stage_deg; None where not recorded);
    ``sample``: str; ``signal``: the exspy signal or None.
    Also ``names`` = ["sem", "tem"], ``groups`` = ["BAM EDS-TM002", "FePt nanoparticles"]
    and ``DESCR``.
    """
    with warnings.catch_warnings():  # deprecation chatter of hyperspy's lazy imports
        warnings.simplefilter("ignore")
        require("exspy", "eds_spectra")  # registers the EDS signal classes with hyperspy
        hs = require("hyperspy.api", "eds_spectra")
    folder = fetch("eds_spectra")
    out: dict[str, Any] = {}
    for key, fname in _EDS_FILES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sig = hs.load(str(file_path(folder, fname, "eds_spectra")), reader="hspy")
        ax = sig.axes_manager.signal_axes[0]
        units = str(ax.units)
        factor = {"keV": 1.0, "eV": 1e-3}.get(units)
        if factor is None:
            raise DataError(f"eds_spectra: {fname} energy axis in {units!r}, expected keV or eV.")
        energy = np.asarray(ax.axis, float) * factor
        out[key] = bunch(
            counts=np.asarray(sig.data, float).copy(),
            energy_keV=energy,
            channel_width_keV=float(ax.scale) * factor,
            metadata=_eds_metadata(sig),
            sample=_EDS_SAMPLES[key],
            signal=sig if keep_signals else None,
        )
    return bunch(
        **out,
        names=list(_EDS_FILES),
        groups=[_EDS_SAMPLES[k] for k in _EDS_FILES],
        DESCR=describe(
            "eds_spectra",
            "groups = the sample: each spectrum is one measurement of one sample, so any "
            "comparison or fit is per sample; there is nothing to split.",
        ),
    )


# --------------------------------------------------------------------------- EBSD patterns
def load_ebsd_patterns(*, return_X_y: bool = False) -> Bunch:
    """Nine measured Ni EBSD patterns (60 x 60 px) with their orientations (kikuchipy data).

    The h5ebsd file holds two scan groups; they are checked to be identical and the 9
    distinct patterns are returned (``n_scans_in_file`` = 2, ``scans_identical`` = True).

    Returns
    -------
    Bunch with
    ``patterns``: uint8 (9, 60, 60), detector grey levels (row-major over the 3 x 3 map);
    ``static_background``: uint8 (60, 60) or None;
    ``euler_rad``: float (9, 3), Bunge (φ1, Φ, φ2) in rad (dictionary-indexed, in the file);
    ``rotations``: orix ``Rotation`` (9,); ``xmap``: orix ``CrystalMap`` (phase "ni", m-3m);
    ``scores``: float (9,), the indexing dot-product score; ``row``, ``col``: int (9,);
    ``x_um``, ``y_um``: float (9,), map positions (µm, step 1.5 µm);
    ``map_shape``: (3, 3); ``detector``: dict (shape, pc, sample_tilt_deg, binning);
    ``groups``: int (9,), the map point (each pattern is its own point);
    ``n_scans_in_file``, ``scans_identical``; ``signal``: the kikuchipy ``EBSD`` signal;
    ``DESCR``. ``return_X_y`` gives ``(patterns, euler_rad)``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kp = require("kikuchipy", "ebsd_patterns")
    path = file_path(fetch("ebsd_patterns"), "kikuchipy_h5ebsd/patterns.h5", "ebsd_patterns")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scans = kp.load(str(path), scan_group_names=["Scan 1", "Scan 2"], lazy=False)
    scans = scans if isinstance(scans, list) else [scans]
    s = scans[0]
    identical = all(
        np.array_equal(o.data, s.data)
        and np.allclose(o.xmap.rotations.data, s.xmap.rotations.data)
        for o in scans[1:]
    )
    if not identical:
        raise DataError("ebsd_patterns: the file's scan groups differ; the loader assumes "
                        "duplicates (as in kikuchipy <= 0.13). Check the package version.")
    ny, nx = s.axes_manager.navigation_shape[::-1]
    patterns = np.asarray(s.data).reshape(ny * nx, *s.data.shape[-2:])
    xmap = s.xmap
    euler = xmap.rotations.to_euler()
    if return_X_y:
        return patterns, euler
    det = s.detector
    rows, cols = np.divmod(np.arange(ny * nx), nx)
    step = float(s.axes_manager.navigation_axes[0].scale)
    bg = s.static_background
    return bunch(
        patterns=patterns,
        static_background=None if bg is None else np.asarray(bg),
        euler_rad=euler,
        rotations=xmap.rotations,
        xmap=xmap,
        scores=np.asarray(xmap.prop["scores"], float),
        row=rows, col=cols, x_um=cols * step, y_um=rows * step,
        map_shape=(ny, nx),
        detector={"shape": tuple(det.shape), "pc": np.asarray(det.pc).reshape(-1, 3)[0].tolist(),
                  "sample_tilt_deg": float(det.sample_tilt), "binning": int(det.binning)},
        groups=np.arange(ny * nx),
        n_scans_in_file=len(scans),
        scans_identical=identical,
        signal=s,
        DESCR=describe(
            "ebsd_patterns",
            f"Read with kikuchipy.load: {len(scans)} scan groups, identical, so {ny * nx} "
            "distinct patterns. Orientations are those stored in the file (Bunge, rad).",
            "groups = map point: each of the 9 patterns comes from one beam position; with "
            "only 9 patterns these data illustrate indexing, not a learning split.",
        ),
    )


# --------------------------------------------------------------------------- UHCS metadata
_MAG = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[xX]\s*$")
_TIME_TO_MIN = {"H": 60.0, "M": 1.0}


def parse_magnification(text: Any) -> float:
    """``'4910x'`` / ``'1964X'`` -> 4910.0 / 1964.0; empty or None -> NaN.

    Raises
    ------
    DataError
        Any other text (so a new format is never silently turned into NaN).
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or str(text).strip() == "":
        return float("nan")
    m = _MAG.match(str(text))
    if not m:
        raise DataError(f"uhcs_metadata: cannot parse magnification {text!r} (expected '<n>x').")
    return float(m.group(1))


def load_uhcs_metadata(*, as_frame: bool = True, return_X_y: bool = False) -> Bunch:
    """Metadata of the 961 labelled UHCS micrographs (DeCost et al. 2017); no images.

    Read from the publisher's ``microstructures.sqlite`` (tables ``micrograph`` and
    ``sample``, joined on ``sample_key``; the contributors' table is not read).

    Returns
    -------
    Bunch with ``frame`` (961 rows): micrograph_id, path, primary_microconstituent,
    magnification (float, ×; NaN where empty), magnification_text (as stored), detector
    (SE / BSE / None), micron_bar (length of the scale bar) and micron_bar_units (um / nm as
    stored), scale_bar_um (that length in µm), micron_bar_px (its length in px), um_per_px
    (µm per pixel = scale_bar_um / micron_bar_px), sample_key (Int64, <NA> for 158),
    sample_label, anneal_temperature_C (°C), anneal_time_min (min), cool_method (as stored:
    WQ, Q, FC, AR, ...); ``target``: primary_microconstituent (961,);
    ``target_names``: the 7 labels, most frequent first; ``groups``: int (961,), the
    sample_key, -1 for the micrographs without one; ``label_counts``: dict;
    ``data``: the frame without the label; ``DESCR``.
    ``return_X_y``: ``(data, target)``.
    """
    import sqlite3

    import pandas as pd

    path = file_path(fetch("uhcs_metadata"), "microstructures.sqlite", "uhcs_metadata")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        frame = pd.read_sql(
            "SELECT m.micrograph_id, m.path, m.primary_microconstituent, m.magnification, "
            "m.detector, m.micron_bar, m.micron_bar_units, m.micron_bar_px, m.sample_key, "
            "s.label AS sample_label, s.anneal_temperature, s.anneal_temp_unit, "
            "s.anneal_time, s.anneal_time_unit, s.cool_method "
            "FROM micrograph m LEFT JOIN sample s ON m.sample_key = s.sample_id "
            "ORDER BY m.micrograph_id", con)
    finally:
        con.close()
    units = set(frame["anneal_temp_unit"].dropna())
    if not units <= {"C"}:
        raise DataError(f"uhcs_metadata: anneal temperature units {units}, expected C.")
    tunits = set(frame["anneal_time_unit"].dropna())
    if not tunits <= set(_TIME_TO_MIN):
        raise DataError(f"uhcs_metadata: anneal time units {tunits}, expected H or M.")
    bar_units = set(frame["micron_bar_units"].dropna())
    if not bar_units <= {"um", "nm"}:
        raise DataError(f"uhcs_metadata: scale-bar units {bar_units}, expected um or nm.")
    frame["magnification_text"] = frame["magnification"]
    frame["magnification"] = [parse_magnification(t) for t in frame["magnification_text"]]
    frame["scale_bar_um"] = frame["micron_bar"] * frame["micron_bar_units"].map(
        {"um": 1.0, "nm": 1e-3})
    frame["um_per_px"] = frame["scale_bar_um"] / frame["micron_bar_px"]
    frame["anneal_temperature_C"] = frame["anneal_temperature"].astype(float)
    frame["anneal_time_min"] = frame["anneal_time"] * frame["anneal_time_unit"].map(_TIME_TO_MIN)
    frame["sample_key"] = frame["sample_key"].astype("Int64")
    cols = ["micrograph_id", "path", "primary_microconstituent", "magnification",
            "magnification_text", "detector", "micron_bar", "micron_bar_units", "scale_bar_um",
            "micron_bar_px", "um_per_px", "sample_key", "sample_label", "anneal_temperature_C",
            "anneal_time_min", "cool_method"]
    frame = frame[cols]
    target = frame["primary_microconstituent"].to_numpy()
    data = frame.drop(columns=["primary_microconstituent"])
    if return_X_y:
        return (data if as_frame else data.to_numpy()), target
    counts = frame["primary_microconstituent"].value_counts()
    groups = frame["sample_key"].fillna(-1).astype(int).to_numpy()
    n_nokey = int((groups == -1).sum())
    n_empty_mag = int(frame["magnification"].isna().sum())
    return bunch(
        frame=frame if as_frame else None,
        data=data if as_frame else data.to_numpy(),
        target=target,
        target_names=list(counts.index),
        label_counts={str(k): int(v) for k, v in counts.items()},
        groups=groups,
        DESCR=describe(
            "uhcs_metadata",
            f"Magnification parsed from text ('4910x', '1964X') to numbers; {n_empty_mag} are "
            "empty (NaN). Anneal time converted to minutes (H = 60 min), temperature in °C.",
            f"groups = sample_key: micrographs of one sample share its processing and look "
            f"alike, so split by sample, not by image. The {n_nokey} micrographs without a "
            "sample key are one group (-1), which keeps them together (conservative).",
        ),
    )
