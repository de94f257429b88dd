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
        "select": lambda p: p.startswith("images/"),
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
}


def main(mirror: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, spec in DATASETS.items():
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
            files.append(entry)
        files.sort(key=lambda e: e["path"])
        manifest = {k: v for k, v in spec.items() if k not in {"select", "urls"}}
        manifest = {"name": name, **manifest, "files": files}
        (OUT / f"{name}.json").write_text(json.dumps(manifest, indent=1) + "\n")
        print(f"{name}: {len(files)} files, {sum(f['size'] for f in files):,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
