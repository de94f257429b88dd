"""Generators with known ground truth (PyMKS ``fmks/data`` style: one small module per physics).

``microstructure``   two-phase Gaussian-random-field and Voronoi polycrystal micrographs, their
                     stereology truth and effective conductivity (FFT solver, HS bounds)
``meltpool``         L-PBF melt-pool camera frames (Rosenthal-like radiance, sensor, anomalies)
``spectrum_images``  low-loss EELS and STEM-EDS spectrum images with phase maps and abundances

Every generator takes ``random_state: int | numpy.random.Generator | None = None`` (``None``:
the course seed ``MLPC_SEED``; see :func:`mlpc_helpers.runtime.check_random_state`). Submodules
load on first use: ``from mlpc_helpers.synthetic import microstructure``.
"""

import importlib as _importlib
import pkgutil as _pkgutil


def _submodules() -> frozenset[str]:
    return frozenset(m.name for m in _pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def __getattr__(name: str) -> object:
    if name in _submodules():
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlpc_helpers.synthetic' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_submodules()})
