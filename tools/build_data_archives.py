"""Build the course's data archives (one zip per dataset) from the verified cache.

    python tools/build_data_archives.py [--out build/data-archives] [--write-config] [NAME ...]

Every file is fetched and verified against its manifest first (cache, mirror, upstream), then
written to ``<out>/<dataset>.zip`` (members ``<dataset>/<path>``, fixed dates: the same files
give the same bytes). ``--write-config`` records each archive's file name, sha256 and size in
``mlpc_helpers/data/archives.json``, the one place the loader reads; the instructor uploads the
zips to one release and sets ``base_url`` there (``make data-archives`` does both steps but the
upload). Datasets shipped inside an installed package (manifest ``package``) are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpc_helpers.data import registry  # noqa: E402

CONFIG = ROOT / "mlpc_helpers" / "data" / registry.ARCHIVES_CONFIG


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="datasets (default: every one not in a package)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "data-archives")
    p.add_argument("--write-config", action="store_true",
                   help=f"record file, sha256 and size in {CONFIG.relative_to(ROOT)}")
    a = p.parse_args(argv)
    names = a.names or [n for n in registry.available() if not registry.manifest(n).package]
    built = {}
    for name in names:
        info = registry.build_archive(name, a.out)
        built[name] = {k: info[k] for k in ("file", "sha256", "size")}
        print(f"{name}: {info['files']} files -> {a.out / info['file']} "
              f"({info['size'] / 1e6:.1f} MB, sha256 {info['sha256'][:12]}...)")
    if a.write_config:
        cfg = json.loads(CONFIG.read_text())
        cfg.setdefault("archives", {}).update(built)
        cfg["archives"] = dict(sorted(cfg["archives"].items()))
        tmp = CONFIG.with_name(f".{CONFIG.name}.part")
        tmp.write_text(json.dumps(cfg, indent=2) + "\n")
        os.replace(tmp, CONFIG)
        where = cfg.get("base_url") or "(base_url not set yet)"
        print(f"Wrote {len(built)} archive(s) into {CONFIG.relative_to(ROOT)}. Upload "
              f"{a.out}/*.zip to one release and set base_url there: now {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
