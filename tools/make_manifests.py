"""Maintainer tool: (re)write mlpc_helpers/data/manifests/*.json from a verified local copy.

Usage: python tools/make_manifests.py ../shared/data

Reads each dataset folder's SHA256SUMS (the hashes of files checked against upstream) and
writes the committed manifest: upstream URLs pinned to a commit, sha256 of every file the
loaders read, license and citation. Data files themselves are never committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "mlpc_helpers" / "data" / "manifests"
GH = "https://raw.githubusercontent.com"

DATASETS = {
    "neu_surface_defects": {
        "title": "NEU surface defect database (NEU-DET release): 1800 hot-rolled steel strip images, 6 classes x 300, 200x200 px",
        "mirror_folder": "neu_surface_defects",
        "version": "siddhartamukherjee/NEU-DET-Steel-Surface-Defect-Detection@351bee21b56bbf97a1e1d18262bceb202eb7ef41",
        "homepage": "http://faculty.neu.edu.cn/songkechen/",
        "license": "No explicit license; distributed by the publisher for research and education with a request to cite the papers (treat as free for academic use with citation).",
        "citation": "K. Song, Y. Yan, 'A noise robust method based on completed local binary patterns for hot-rolled steel strip surface defects', Applied Surface Science 285 (2013) 858-864, doi:10.1016/j.apsusc.2013.09.002. Y. He, K. Song, Q. Meng, Y. Yan, 'An end-to-end steel surface defect detection approach via fusing multiple hierarchical features', IEEE Trans. Instrum. Meas. 69(4) (2020) 1493-1504, doi:10.1109/TIM.2019.2915404.",
        "caveats": "patches_101.jpg and patches_105.jpg are byte-identical: keep them in one split. Files are JFIF with R=G=B; read as grayscale. 30 images of the source repository sit in Validation_Images/; the downloader tries both folders.",
        "select": lambda p: p.startswith(("images/", "annotations/")),
        # VOC XML boxes (week 13): ANNOTATIONS/ or Validation_Annotations/ upstream
        "url_templates_by_folder": {"annotations": [
            GH + "/siddhartamukherjee/NEU-DET-Steel-Surface-Defect-Detection/351bee21b56bbf97a1e1d18262bceb202eb7ef41/"
            + folder + "/{name}" for folder in ("ANNOTATIONS", "Validation_Annotations")
        ]},
        "url_templates": [
            GH + "/siddhartamukherjee/NEU-DET-Steel-Surface-Defect-Detection/351bee21b56bbf97a1e1d18262bceb202eb7ef41/IMAGES/{name}",
            GH + "/siddhartamukherjee/NEU-DET-Steel-Surface-Defect-Detection/351bee21b56bbf97a1e1d18262bceb202eb7ef41/Validation_Images/{name}",
        ],
    },
    "estm_thermoelectric": {
        "title": "ESTM: experimentally synthesized thermoelectric materials, 5205 measurements of 880 compounds",
        "mirror_folder": "estm_thermoelectric",
        "version": "KRICT-DATA/SIMD@428c37b0df576a38f9436f7689e27cabafb6e398",
        "homepage": "https://github.com/KRICT-DATA/SIMD",
        "license": "No LICENSE file in the repository; the paper (CC BY 4.0) presents it as a public database. Cite the paper.",
        "citation": "G. S. Na, H. Chang, 'A public database of thermoelectric materials and system-identified material representation for data-driven discovery', npj Computational Materials 8, 214 (2022), doi:10.1038/s41524-022-00897-2.",
        "caveats": "ZT differs from S^2*sigma*T/kappa by more than 5% in 241 rows (values digitised from different figures). The same compound appears at many temperatures: split by formula.",
        "select": lambda p: p == "estm.xlsx",
        "urls": {"estm.xlsx": [GH + "/KRICT-DATA/SIMD/428c37b0df576a38f9436f7689e27cabafb6e398/dataset/estm.xlsx"]},
    },
    "lpbf_relative_density": {
        "title": "Laser powder-bed fusion process parameters -> relative density, 1579 literature observations of 6 alloys",
        "mirror_folder": "lpbf_relative_density",
        "version": "GermanOmar/data_LPBF@c70484d05e878269c112cb2669fc7171ec315815",
        "homepage": "https://doi.org/10.7910/DVN/VPBQK8",
        "license": "No LICENSE file in the authors' repository; the Scientific Data article is CC BY 4.0 and the Harvard Dataverse deposit (doi:10.7910/DVN/VPBQK8) states its own terms (CC0 by default). Cite the paper.",
        "citation": "G. O. Barrionuevo, I. La Fe-Perdomo, J. A. Ramos-Grez, 'Laser powder bed fusion dataset for relative density prediction of commercial metallic alloys', Scientific Data 12, 375 (2025), doi:10.1038/s41597-025-04576-x.",
        "caveats": "Rows of one paper are correlated: split by DOI (group k-fold). 9 exact duplicate rows once the running number is dropped.",
        "select": lambda p: p == "dataset.xlsx",
        "urls": {"dataset.xlsx": [GH + "/GermanOmar/data_LPBF/c70484d05e878269c112cb2669fc7171ec315815/dataset.xlsx"]},
    },
    "xrd_powdr": {
        "title": "Measured powder XRD from the powdR package: RockJock library (168 patterns, Cu Ka, 5-65 deg 2theta) and 8 mixtures of known wt%",
        "mirror_folder": "xrd_powdR",
        "version": "benmbutler/powdR@1edf506de078605497b4c91efd89d00b0ffd8573",
        "homepage": "https://cran.r-project.org/package=powdR",
        "license": "GPL-2 (the data ship inside the powdR package); RockJock patterns are a USGS (US Government) work.",
        "citation": "B. M. Butler, S. Hillier, 'powdR: An R package for quantitative mineralogy using full pattern summation of X-ray powder diffraction data', Computers & Geosciences 147 (2021) 104662, doi:10.1016/j.cageo.2020.104662. D. D. Eberl, 'User's guide to RockJock', USGS Open-File Report 03-78 (2003).",
        "caveats": "Library columns BACK_POS and BACK_NEG are +/-1000 background terms, not minerals. Patterns are normalised to a maximum of 10000 counts; RIR relative to corundum = 1.",
        "select": lambda p: p.startswith("original/data/") and p.split("/")[-1] in {
            "rockjock.rda", "rockjock_mixtures.rda", "rockjock_weights.rda", "minerals.rda", "soils.rda"},
        "url_templates": [GH + "/benmbutler/powdR/1edf506de078605497b4c91efd89d00b0ffd8573/data/{name}"],
    },
    "cnc_mill_tool_wear": {
        "title": "CNC milling tool wear (University of Michigan SMART lab): 18 runs, 48 controller signals at 10 Hz, per-run tool condition / machining finished / visual inspection",
        "mirror_folder": "cnc_mill_tool_wear",
        "version": "flyinginte/toolwear_cncmilling@40516d16b46b710cf33809cd50770993a5bd9951",
        "homepage": "https://www.kaggle.com/datasets/shasun/tool-wear-detection-in-cnc-mill",
        "license": "CC0 1.0 (public domain) as stated on the Kaggle page (quoted in autonlab/pmx_data); the README.txt states no license. Confirm on the Kaggle page before redistributing.",
        "citation": "University of Michigan SMART lab, 'CNC Mill Tool Wear' dataset, Kaggle (2018), https://www.kaggle.com/datasets/shasun/tool-wear-detection-in-cnc-mill (no DOI; copy used: GitHub flyinginte/toolwear_cncmilling).",
        "caveats": "Only 18 labelled runs: validate with the run as the group. The README warns that some readings are wrong (M1_CURRENT_FEEDRATE == 50, X1_ActualPosition == 198, or M1_CURRENT_PROGRAM_NUMBER != 0): flagged, not dropped. experiment_12.csv uses CR line endings. Units as logged by the controller.",
        "select": lambda p: p.startswith("experiments/") or p == "README.txt",
        "url_templates": [GH + "/flyinginte/toolwear_cncmilling/40516d16b46b710cf33809cd50770993a5bd9951/{path}"],
    },
    "turning_tool_wear": {
        "title": "Turning tool wear (Mondragon Unibertsitatea / Vicomtech): 2054 one-second segments of 13 tools, 152 sensor features -> flank wear Vb",
        "mirror_folder": "turning_tool_wear",
        "version": "Vicomtech/dataset-machine-tool-wear@fa7941101847541cdd31339d6481ee61d152d80f",
        "homepage": "https://github.com/Vicomtech/dataset-machine-tool-wear",
        "license": "CC BY-SA 4.0 (LICENSE.txt). Share-alike: anything derived from these data (a modified table, features, a figure made from them) that is redistributed must carry CC BY-SA 4.0 and credit the source; reading the data in a notebook is not redistribution.",
        "citation": "'Tool remaining useful life prediction using bidirectional recurrent neural networks (BRNN)', The International Journal of Advanced Manufacturing Technology 125(9-10), 4027-4045 (2023), doi:10.1007/s00170-023-10811-9 (Vicomtech / Mondragon Unibertsitatea); data: github.com/Vicomtech/dataset-machine-tool-wear.",
        "caveats": "Features only, no raw signals. 1142 empty cells. Segments of one tool are one wear history: validate grouped by tool. Vb units are not stated in the file (flank wear is conventionally in um).",
        "select": lambda p: True,
        "url_templates": [GH + "/Vicomtech/dataset-machine-tool-wear/fa7941101847541cdd31339d6481ee61d152d80f/{path}"],
    },
    "sdss_ebsd": {
        "title": "EBSD crystal map of a super duplex stainless steel (austenite + ferrite), 100 x 117 points at 1.5 um, dictionary-indexed (EMsoft)",
        "mirror_folder": "sdss_ebsd",
        "version": "pyxem/orix-data@fd9d2fa9b771b60b63956a0001425be7c8a5f141",
        "homepage": "https://github.com/pyxem/orix-data",
        "license": "CC BY 4.0 (sdss_ferrite_austenite/LICENSE of pyxem/orix-data).",
        "citation": "H. W. Anes et al., orix: crystal orientation analysis in Python (Zenodo), doi:10.5281/zenodo.6199723, as the repository asks for datasets without a DOI of their own; acquisition by J. Hjelen, NTNU.",
        "caveats": "Small map: a few dozen grains per phase, so grain-size statistics have wide confidence intervals. Dictionary indexing: the score column is a normalised dot product, not a CI; the file has no CI or fit column.",
        "select": lambda p: True,
        "url_templates": [GH + "/pyxem/orix-data/fd9d2fa9b771b60b63956a0001425be7c8a5f141/sdss_ferrite_austenite/{path}"],
    },
    "superalloy_sem": {
        "title": "Ni-based superalloy SEM micrographs with 3-class pixel masks (gamma matrix, coarse gamma', fine gamma'), 18 images 512 x 512 ('Super1', NASA Glenn)",
        "mirror_folder": "superalloy_sem_segmentation",
        "version": "nasa/pretrained-microscopy-models@f50b5689a71cf6f86016fb4a5c5a2bb31e0397f3",
        "homepage": "https://github.com/nasa/pretrained-microscopy-models",
        "license": "MIT ('All data contained in this repository are licensed under the MIT license', README; LICENSE.txt).",
        "citation": "J. Stuckner, B. Harder, T. M. Smith, 'Microstructure segmentation with deep learning encoders pre-trained on a large microscopy dataset', npj Computational Materials 8, 200 (2022), doi:10.1038/s41524-022-00878-5.",
        "caveats": "Low gamma/gamma' contrast: a global threshold does poorly. 18 images only; two rotations of one spot are not independent: split by spot (publisher: val = spot1, test = spot2, train = spots 3-7). Pixel size not given in the files.",
        "select": lambda p: True,
        "url_templates": [GH + "/nasa/pretrained-microscopy-models/f50b5689a71cf6f86016fb4a5c5a2bb31e0397f3/benchmark_segmentation_data/Super1/{path}"],
    },
    "uhcs_metadata": {
        "title": "UHCS (ultrahigh carbon steel) micrograph database: metadata of 961 labelled micrographs (labels, detector, magnification, heat treatment); images not included",
        "mirror_folder": "uhcs_metadata",
        "version": "Imperssonator/afm-cnn@67f757cb38cf595b32f768f26d4a6d646fbb1b36",
        "homepage": "https://hdl.handle.net/11256/940",
        "license": "Creative Commons per the NIST record; CC BY 3.0 US per the community mirror's README.",
        "citation": "B. L. DeCost, M. D. Hecht, T. Francis, B. A. Webler, Y. N. Picard, E. A. Holm, 'UHCSDB: UltraHigh Carbon Steel Micrograph DataBase', Integrating Materials and Manufacturing Innovation 6 (2017) 197-205, doi:10.1007/s40192-017-0097-0.",
        "caveats": "Metadata only: the 961 images are not in this course's mirror. Split by sample (sample_key), not by image. 158 micrographs have no sample key; magnification is free text ('4910x', '1964X', 113 empty). Only the sqlite is upstream; the mirror's CSV export is not used.",
        "select": lambda p: p == "microstructures.sqlite",
        "url_templates": [GH + "/Imperssonator/afm-cnn/67f757cb38cf595b32f768f26d4a6d646fbb1b36/data/{path}"],
    },
    # Data that ship inside an installed (GPL-3.0) package: hashed from the installed files and
    # pinned to the tagged commit whose git blobs equal them (checked with `git hash-object`).
    "eds_spectra": {
        "title": "Two measured EDS spectra shipped with exspy: SEM-EDS of the BAM EDS-TM002 reference material and TEM-EDS of FePt nanoparticles",
        "mirror_folder": "",
        "package": "exspy/data",
        "version": "hyperspy/exspy@530e6f28b835f99bd86dab034e066562e8e2559d (v0.3.2)",
        "homepage": "https://hyperspy.org/exspy",
        "license": "Shipped inside exspy, GPL-3.0. The course notebooks only read these files; redistributing them (or a modified copy) means doing so under the GPL-3.0 terms.",
        "citation": "The eXSpy developers, exspy (Zenodo), doi:10.5281/zenodo.10252344. SEM-EDS spectrum: EDS-TM002 reference material of the Bundesanstalt fuer Materialforschung und -pruefung (BAM), Zeiss Nvision40, Oxford X-max 80 detector. TEM-EDS spectrum: FePt bimetallic nanoparticles, Tecnai Osiris 200 kV, Bruker Super-X (as documented in exspy.data).",
        "caveats": "One spectrum each, not a data set for learning; the TM002 standard's certified composition is the ground truth to compare a quantification with.",
        "files": ["EDS_SEM_TM002.hspy", "EDS_TEM_FePt_nanoparticles.hspy"],
        "url_templates": [GH + "/hyperspy/exspy/530e6f28b835f99bd86dab034e066562e8e2559d/exspy/data/{path}"],
    },
    "ebsd_patterns": {
        "title": "Nine measured Ni EBSD patterns (3 x 3 map, 60 x 60 px, NORDIF UF-1100) with their dictionary-indexed orientations, shipped with kikuchipy",
        "mirror_folder": "",
        "package": "kikuchipy/data",
        "version": "pyxem/kikuchipy@58253808c6e828bc36623cbc2aac8e495f09adbb (v0.12.1; same blob in 0.13.1)",
        "homepage": "https://kikuchipy.org",
        "license": "The patterns are CC BY 4.0 (kikuchipy.data.nickel_ebsd_small); the kikuchipy package is GPL-3.0. The course notebooks only read the file.",
        "citation": "H. W. Anes, J. Hjelen, A. T. J. van Helvoort, K. Marthinsen, 'Electron backscatter patterns from Nickel acquired with varying camera gain', Zenodo (2019), doi:10.5281/zenodo.7498632 [data set]; kikuchipy, doi:10.5281/zenodo.3597646.",
        "caveats": "The h5ebsd file holds two scan groups ('Scan 1', 'Scan 2') with identical patterns and orientations (checked on load): 9 distinct patterns, not 18.",
        "files": ["kikuchipy_h5ebsd/patterns.h5"],
        "url_templates": [GH + "/pyxem/kikuchipy/58253808c6e828bc36623cbc2aac8e495f09adbb/src/kikuchipy/data/{path}"],
    },
}


def _package_files(spec: dict) -> list[dict]:
    """Entries of files shipped inside an installed package (hashed here, from the install)."""
    import hashlib
    import sys as _sys

    sys_path = Path(__file__).resolve().parents[1]
    _sys.path.insert(0, str(sys_path))
    from mlpc_helpers.data.registry import package_file

    files = []
    for path in spec["files"]:
        src = package_file(spec["package"], path)
        if src is None or not src.is_file():
            raise SystemExit(f"{spec['package']}/{path}: install the package first")
        sha = hashlib.sha256(src.read_bytes()).hexdigest()
        files.append({"path": path, "sha256": sha, "size": src.stat().st_size})
    return files


def main(mirror: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, spec in DATASETS.items():
        if "package" in spec:
            files = _package_files(spec)
            manifest = {k: v for k, v in spec.items() if k != "files"}
            manifest = {"name": name, **manifest, "files": files}
            (OUT / f"{name}.json").write_text(json.dumps(manifest, indent=1) + "\n")
            print(f"{name}: {len(files)} files, {sum(f['size'] for f in files):,} bytes")
            continue
        folder = mirror / spec["mirror_folder"]
        files = []
        for line in (folder / "SHA256SUMS").read_text().splitlines():
            sha, path = line.split(maxsplit=1)
            path = path.lstrip("*")
            if not spec["select"](path):
                continue
            entry = {"path": path, "sha256": sha, "size": (folder / path).stat().st_size}
            if "urls" in spec:
                entry["urls"] = spec["urls"][path]
            elif "urls_for" in spec and spec["urls_for"](path):
                entry["urls"] = spec["urls_for"](path)
            files.append(entry)
        files.sort(key=lambda e: e["path"])
        manifest = {k: v for k, v in spec.items() if k not in {"select", "urls", "urls_for"}}
        manifest = {"name": name, **manifest, "files": files}
        (OUT / f"{name}.json").write_text(json.dumps(manifest, indent=1) + "\n")
        print(f"{name}: {len(files)} files, {sum(f['size'] for f in files):,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
