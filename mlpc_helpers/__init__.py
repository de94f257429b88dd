"""mlpc_helpers: what the notebooks of the course "Machine Learning in Materials Processing &
Characterization" import.

The front door names every public module below (``dir(mlpc_helpers)`` shows exactly these);
each loads on first use (``mlpc_helpers.xrd`` imports ``xrd`` then), so ``import
mlpc_helpers`` is fast and never imports torch. Every subpackage (``data``, ``features``,
``models``, ``synthetic``) has a front door of the same kind: an explicit list of its
modules and of the names a notebook reaches for, loaded on first use
(`lazy_loader <https://scientific-python.org/specs/spec-0001/>`_, SPEC 1).

``runtime``   seed streams (``stream``, ``rng``, ``seed_torch``), device, ``size`` switch
``report``    headline numbers (``record``), seed ranges (``seed_summary``)
``paths``     project folders                        ``validation``  ``MLPCInputError``, checks
``data``      dataset loaders (``load_<name>`` -> Bunch)
``synthetic`` generators with known truth (microstructures, melt-pool frames, EDS/EELS cubes)
``features``  scikit-learn transformers              ``models``      torch models (lazily)
``imaging``, ``xrd``, ``xray``, ``control_charts``, ``clustering``,
``metrics``, ``splits``, ...: analysis by concept; ``plotting``; ``exercise`` (the
``%%exercise_check`` magic of student notebooks)

Course tooling (student editions, site, command line) lives in the separate package
``mlpc_course``, which imports this one, never the reverse.
"""

import lazy_loader as _lazy

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=[
        # infrastructure
        "runtime", "report", "paths", "validation", "exercise", "plotting",
        # data and data with known truth
        "data", "synthetic",
        # features and models (scikit-learn transformers; torch, imported lazily)
        "features", "models",
        # analysis, one module per concept
        "clustering", "control_charts",
        "imaging", "lpbf", "metrics", "noise",
        "process_signals", "profiling", "splits",
        "xray", "xrd",
    ],
)
