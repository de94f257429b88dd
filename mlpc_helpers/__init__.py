"""mlpc_helpers: what the notebooks of the course "Machine Learning in Materials Processing &
Characterization" import.

Every submodule on disk is a public name, loaded on first use (``mlpc_helpers.xrd`` imports
``xrd`` then), so ``import mlpc_helpers`` is fast and never imports torch. The map:

``runtime``   seed, device, ``size`` switch; ``check_random_state`` resolves ``random_state``
``report``    headline numbers (``record``)         ``paths``     project folders
``data``      dataset loaders (``load_<name>`` -> Bunch)
``synthetic`` generators with known truth (microstructures, melt-pool frames, EDS/EELS cubes)
``features``  scikit-learn transformers             ``models``    torch models (lazily)
``imaging``, ``xrd``, ``hyperspectral``, ``control_charts``, ``clustering``: analysis by topic
``metrics``, ``plotting``, ``exercise`` (the ``%%exercise_check`` magic of student notebooks)

Course tooling (student editions, site, command line) lives in the separate package
``mlpc_course``, which imports this one, never the reverse.
"""

import importlib as _importlib
import pkgutil as _pkgutil

__version__ = "0.1.0"


def _submodules() -> frozenset[str]:
    """Names of the modules and packages in this folder (read from disk, nothing imported)."""
    return frozenset(m.name for m in _pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def __getattr__(name: str) -> object:
    if name in _submodules():
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlpc_helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_submodules()})
