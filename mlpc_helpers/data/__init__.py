"""Course datasets: ``load_<dataset>()`` returns a scikit-learn style Bunch.

Each loader fetches (or takes from the cache / the ``MLPC_DATA_MIRROR`` folder) the files listed
in the dataset's committed manifest, verifies their sha256, and parses them. ``DESCR`` carries
the provenance, license and citation. ``available()`` lists the datasets; ``fetch_all()``
downloads every one (``make data``). The loaders are light (no torch, no hyperspy): this
front door imports them at once and lists them in ``__all__``, which ``dir()`` shows.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.utils import Bunch

from ..validation import MLPCInputError
from .microscopy import (
    load_ebsd_patterns,
    load_eds_spectra,
    load_sdss_ebsd,
    load_superalloy_sem,
    load_uhcs_metadata,
)
from .process import load_cnc_mill_tool_wear, load_turning_tool_wear
from .registry import (
    ChecksumError,
    DataError,
    DataUnavailableError,
    UnknownDatasetError,
    available,
    dataset_dir,
    fetch,
    fetch_all,
    manifest,
)

__all__ = [
    "ChecksumError",
    "DataError",
    "DataUnavailableError",
    "UnknownDatasetError",
    "available",
    "dataset_dir",
    "fetch",
    "fetch_all",
    "load",
    "load_cnc_mill_tool_wear",
    "load_ebsd_patterns",
    "load_eds_spectra",
    "load_estm_thermoelectric",
    "load_lpbf_relative_density",
    "load_neu_surface_defects",
    "load_sdss_ebsd",
    "load_superalloy_sem",
    "load_turning_tool_wear",
    "load_uhcs_metadata",
    "load_xrd_powdr",
    "manifest",
    "microscopy",
    "process",
    "registry",
    "status",
]


def __dir__() -> list[str]:
    """The front door: the loaders, the registry's entry points and the submodules
    (``__all__``), as every package of ``mlpc_helpers`` shows them."""
    return list(__all__)

NEU_CLASSES = ("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches")


def _bunch(**kw: Any) -> Any:
    from sklearn.utils import Bunch

    return Bunch(**kw)


def load(name: str, **kwargs: Any) -> Any:
    """Load a dataset by name: ``load("estm_thermoelectric")`` is ``load_estm_thermoelectric()``."""
    loaders = {
        "neu_surface_defects": load_neu_surface_defects,
        "estm_thermoelectric": load_estm_thermoelectric,
        "lpbf_relative_density": load_lpbf_relative_density,
        "xrd_powdr": load_xrd_powdr,
        "cnc_mill_tool_wear": load_cnc_mill_tool_wear,
        "turning_tool_wear": load_turning_tool_wear,
        "sdss_ebsd": load_sdss_ebsd,
        "superalloy_sem": load_superalloy_sem,
        "uhcs_metadata": load_uhcs_metadata,
        "eds_spectra": load_eds_spectra,
        "ebsd_patterns": load_ebsd_patterns,
    }
    if name not in loaders:
        manifest(name)  # raises UnknownDatasetError naming the known datasets
        raise UnknownDatasetError(f"Dataset {name!r} has a manifest but no loader yet.")
    return loaders[name](**kwargs)


def status() -> Any:
    """One row per dataset: is it ready, and if not, what to do. Never raises.

    Returns a DataFrame with columns dataset, files, MB, ready, message.
    """
    import pandas as pd

    rows = []
    for name in available():
        m = manifest(name)
        try:
            fetch(name, progress=False)
            ready, msg = True, f"verified in {dataset_dir(name)}"
        except DataError as err:
            ready, msg = False, str(err)
        rows.append({"dataset": name, "files": len(m.files), "MB": round(m.total_bytes / 1e6, 1),
                     "ready": ready, "message": msg})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- NEU
@functools.lru_cache(maxsize=2)
def _neu_arrays(folder: str) -> tuple[np.ndarray, tuple[str, ...]]:
    from PIL import Image

    m = manifest("neu_surface_defects")
    paths = [Path(folder) / f.path for f in m.files if f.path.startswith("images/")]

    def key(p: Path) -> tuple[int, int]:
        cls, idx = p.stem.rsplit("_", 1)
        return NEU_CLASSES.index(cls), int(idx)

    paths.sort(key=key)
    images = np.stack([np.asarray(Image.open(p).convert("L"), dtype=np.uint8) for p in paths])
    images.setflags(write=False)
    return images, tuple(p.name for p in paths)


@functools.lru_cache(maxsize=2)
def _neu_boxes(folder: str, names: tuple[str, ...]) -> tuple[tuple[tuple, ...], ...]:
    """VOC boxes of each image: ((xmin, ymin, xmax, ymax, label), ...) from annotations/."""
    import xml.etree.ElementTree as ET

    out = []
    for name in names:
        root = ET.parse(Path(folder) / "annotations" / (Path(name).stem + ".xml")).getroot()
        out.append(tuple(
            (*(int(float(o.findtext(f"bndbox/{k}"))) for k in ("xmin", "ymin", "xmax", "ymax")),
             o.findtext("name").strip())
            for o in root.iter("object")))
    return tuple(out)


def load_neu_surface_defects(*, classes: list[str] | None = None,
                             return_X_y: bool = False) -> Bunch:
    """NEU hot-rolled steel strip surface defects: 1800 grayscale images, 6 classes x 300.

    Returns a Bunch with
    ``images``: uint8 array (n, 200, 200), gray levels 0-255 (pixel size not stated by the publisher);
    ``data``: the same as float32 (n, 40000) in [0, 1]; ``target``: int (n,);
    ``target_names``: the 6 class names; ``filenames``; ``frame``: DataFrame
    (filename, label, index, n_boxes); ``boxes``: list (one per image) of the publisher's
    Pascal-VOC defect boxes ``(xmin, ymin, xmax, ymax, label)`` in pixels (1-based,
    inclusive corners, as in the XML; label may differ from the image's class);
    ``DESCR``. ``classes`` keeps a subset of the classes.

    Images are ordered by class, then by the publisher's index (crazing_1 ... scratches_300).
    ``return_X_y=True`` returns ``(images, target)`` instead of the Bunch.
    """
    import pandas as pd

    folder = fetch("neu_surface_defects")
    images, names = _neu_arrays(str(folder))
    labels = np.array([n.rsplit("_", 1)[0] for n in names])
    index = np.array([int(Path(n).stem.rsplit("_", 1)[1]) for n in names])
    keep = np.ones(len(names), bool)
    if classes is not None:
        unknown = sorted(set(classes) - set(NEU_CLASSES))
        if unknown:
            raise MLPCInputError(f"Unknown NEU class(es) {unknown} in classes; choose from "
                                 f"{list(NEU_CLASSES)} (spelled as there).")
        keep = np.isin(labels, classes)
    target_names = [c for c in NEU_CLASSES if classes is None or c in classes]
    imgs = images[keep]
    target = np.array([target_names.index(c) for c in labels[keep]], dtype=np.int64)
    boxes = [list(b) for b, k in zip(_neu_boxes(str(folder), names), keep, strict=True) if k]
    frame = pd.DataFrame(
        {"filename": np.array(names)[keep], "label": labels[keep], "index": index[keep],
         "n_boxes": [len(b) for b in boxes]}
    )
    if return_X_y:
        return imgs, target
    return _bunch(
        images=imgs,
        data=(imgs.reshape(len(imgs), -1) / np.float32(255.0)).astype(np.float32),
        target=target,
        target_names=target_names,
        filenames=list(frame["filename"]),
        frame=frame,
        boxes=boxes,
        DESCR=manifest("neu_surface_defects").describe(),
    )


# --------------------------------------------------------------------------- ESTM
ESTM_COLUMNS = {
    "Formula": "formula",
    "temperature(K)": "T_K",
    "seebeck_coefficient(μV/K)": "seebeck_uV_per_K",
    "electrical_conductivity(S/m)": "sigma_S_per_m",
    "thermal_conductivity(W/mK)": "kappa_W_per_mK",
    "power_factor(W/mK2)": "power_factor_W_per_mK2",
    "ZT": "ZT",
    "reference": "doi",
}


def load_estm_thermoelectric(*, return_X_y: bool = False) -> Bunch:
    """ESTM thermoelectrics (Na & Chang 2022): 5205 measurements of 880 compounds.

    ``frame`` columns (publisher's name -> ours, with units): formula; T_K (K);
    seebeck_uV_per_K (µV/K, signed: negative = n-type); sigma_S_per_m (S/m);
    kappa_W_per_mK (W/(m K)); power_factor_W_per_mK2 (W/(m K²)); ZT (dimensionless);
    doi (source paper). ``target`` is ZT; ``data`` the formula and the other numeric columns.
    ``return_X_y=True`` returns ``(data, target)`` instead of the Bunch.
    """
    import pandas as pd

    path = fetch("estm_thermoelectric") / "estm.xlsx"
    raw = pd.read_excel(path, sheet_name=0, engine="openpyxl")
    missing = set(ESTM_COLUMNS) - set(raw.columns)
    if missing:
        raise DataError(f"estm.xlsx lacks the columns {sorted(missing)}: wrong file version?")
    frame = raw.rename(columns=ESTM_COLUMNS)[list(ESTM_COLUMNS.values())]
    numeric = ["T_K", "seebeck_uV_per_K", "sigma_S_per_m", "kappa_W_per_mK", "power_factor_W_per_mK2"]
    if return_X_y:
        return frame[["formula", *numeric]], frame["ZT"].to_numpy()
    return _bunch(
        frame=frame,
        data=frame[["formula", *numeric]],
        target=frame["ZT"].to_numpy(),
        feature_names=["formula", *numeric],
        target_names=["ZT"],
        DESCR=manifest("estm_thermoelectric").describe(),
    )


# --------------------------------------------------------------------------- L-PBF
LPBF_COLUMNS = {
    "No.": "row_id",
    "Material": "material",
    "Density Measurement Method": "density_method",
    "Atmosphere": "atmosphere",
    "Printed Geom.": "geometry",
    "Laser Power (W)": "power_W",
    "Scan Speed (mm/s)": "speed_mm_per_s",
    "Hatch space (mm)": "hatch_mm",
    "Layer thickness (mm)": "layer_mm",
    "Spot size (mm)": "spot_mm",
    "Geometric Factor": "geometric_factor",
    "D50 μm": "d50_um",
    "RD (%)": "relative_density_pct",
    "Printer Model": "printer",
    "DOI": "doi",
}


def load_lpbf_relative_density(*, return_X_y: bool = False) -> Bunch:
    """Laser powder-bed fusion: process parameters -> relative density (1579 rows, 6 alloys).

    ``frame`` columns with units: power_W (W), speed_mm_per_s (mm/s), hatch_mm, layer_mm,
    spot_mm (mm), d50_um (µm), relative_density_pct (%), plus material, density_method,
    atmosphere, geometry, printer, doi. ``target`` is relative density in %; ``data`` the
    numeric process parameters. Split by ``doi`` for an honest test error.
    ``return_X_y=True`` returns ``(data, target)`` instead of the Bunch.
    """
    import pandas as pd

    path = fetch("lpbf_relative_density") / "dataset.xlsx"
    raw = pd.read_excel(path, sheet_name="data", engine="openpyxl")
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = set(LPBF_COLUMNS) - set(raw.columns)
    if missing:
        raise DataError(f"dataset.xlsx lacks the columns {sorted(missing)}: wrong file version?")
    frame = raw.rename(columns=LPBF_COLUMNS)[list(LPBF_COLUMNS.values())]
    numeric = ["power_W", "speed_mm_per_s", "hatch_mm", "layer_mm", "spot_mm", "d50_um"]
    if return_X_y:
        return frame[numeric], frame["relative_density_pct"].to_numpy()
    return _bunch(
        frame=frame,
        data=frame[numeric],
        target=frame["relative_density_pct"].to_numpy(),
        feature_names=numeric,
        target_names=["relative_density_pct"],
        DESCR=manifest("lpbf_relative_density").describe(),
    )


# --------------------------------------------------------------------------- XRD
def _read_rda(path: Path) -> dict[str, Any]:
    import warnings

    import rdata

    with warnings.catch_warnings():  # R classes without a Python constructor (powdRlib, XY)
        warnings.simplefilter("ignore", UserWarning)
        return rdata.read_rda(str(path))


def _xy_columns(obj: dict[str, Any], tth: np.ndarray, what: str) -> Any:
    """powdR's multiXY (name -> data frame of tth, counts) as one DataFrame of counts."""
    import pandas as pd

    cols = {}
    for name, xy in obj.items():
        if not np.allclose(np.asarray(xy["tth"], float), tth, atol=1e-6):
            raise DataError(f"{what}: pattern {name} is on another 2θ grid than the library.")
        cols[str(name)] = np.asarray(xy["counts"], float)
    return pd.DataFrame(cols)


def load_xrd_powdr() -> Bunch:
    """Measured powder XRD (powdR package): the RockJock library and 8 mixtures of known wt%.

    Returns a Bunch with
    ``tth``: (3001,) 2θ in degrees (Cu Kα, 5-65°, step 0.02°);
    ``library``: DataFrame (3001 x 168), counts, one column per reference phase id
    (normalised to max 10 000; ``BACK_POS``/``BACK_NEG`` are background terms, not minerals);
    ``phases``: DataFrame (phase_id, phase_name, rir), RIR relative to corundum = 1;
    ``mixtures``: DataFrame (3001 x 8), measured counts of Mix1..Mix8;
    ``weights``: DataFrame (8 x 7), known wt% of each mixture (sums to 100, 20 % corundum);
    ``minerals`` / ``minerals_phases`` / ``minerals_tth``: the 14-pattern powdR library;
    ``soils``: DataFrame of 3 measured soils on the ``minerals_tth`` grid; ``DESCR``.
    """
    import pandas as pd

    folder = fetch("xrd_powdr") / "original" / "data"
    rj = _read_rda(folder / "rockjock.rda")["rockjock"]
    tth = np.asarray(rj["tth"], dtype=float).round(6)
    library = pd.DataFrame(rj["xrd"]).reset_index(drop=True).astype(float)
    library.columns = [str(c) for c in library.columns]
    phases = pd.DataFrame(rj["phases"]).reset_index(drop=True)
    phases.columns = ["phase_id", "phase_name", "rir"]
    phases = phases.astype({"phase_id": str, "phase_name": str, "rir": float})
    mixtures = _xy_columns(_read_rda(folder / "rockjock_mixtures.rda")["rockjock_mixtures"],
                           tth, "rockjock_mixtures")
    weights = pd.DataFrame(_read_rda(folder / "rockjock_weights.rda")["rockjock_weights"])
    weights = weights.astype({"sample_id": str}).set_index("sample_id").astype(float)
    minerals = _read_rda(folder / "minerals.rda")["minerals"]
    minerals_tth = np.asarray(minerals["tth"], float)
    minerals_phases = pd.DataFrame(minerals["phases"]).reset_index(drop=True)
    minerals_phases.columns = ["phase_id", "phase_name", "rir"]
    soils = _xy_columns(_read_rda(folder / "soils.rda")["soils"], minerals_tth, "soils")
    return _bunch(
        tth=tth,
        library=library,
        phases=phases,
        mixtures=mixtures,
        weights=weights,
        minerals_tth=minerals_tth,
        minerals=pd.DataFrame(minerals["xrd"]).reset_index(drop=True).astype(float),
        minerals_phases=minerals_phases,
        soils=soils,
        DESCR=manifest("xrd_powdr").describe(),
    )
