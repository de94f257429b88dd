"""Generators with known ground truth (PyMKS ``fmks/data`` style: one small module per physics).

``microstructure``   two-phase Gaussian-random-field and Voronoi polycrystal micrographs, their
                     stereology truth and effective conductivity (FFT solver, HS bounds)
``meltpool``         L-PBF melt-pool camera frames (Rosenthal-like radiance, sensor, anomalies)
``spectrum_images``  low-loss EELS and STEM-EDS spectrum images with phase maps and abundances
``xrd_patterns``     powder-diffraction patterns of mixtures (peak shift, broadening,
                     texture, background) from a reference library

Every generator takes ``random_state: int | numpy.random.Generator | None = None`` (``None``:
the course seed ``MLPC_SEED``; see :func:`mlpc_helpers.runtime.check_random_state`). The
front door names the modules (``dir()`` shows them), each loaded on first use
(``lazy_loader.attach``, as every package of ``mlpc_helpers``): ``from mlpc_helpers.synthetic
import microstructure``; their functions are reached through the module
(``microstructure.two_phase``), because generators of different physics share names
(``frames``, ``stream``).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["meltpool", "microstructure", "spectrum_images", "xrd_patterns"],
)
