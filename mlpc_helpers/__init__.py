"""mlpc_helpers: datasets, models and metrics of the course
"Machine Learning in Materials Processing & Characterization".

Submodules load on first use, so ``import mlpc_helpers`` is fast and never imports torch:
``mlpc_helpers.data`` (datasets), ``runtime`` (seed, device, size switch), ``report``
(headline numbers), ``models`` (torch models, lazily), ``features``, ``metrics``, ``plotting``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "cli",
    "data",
    "features",
    "metrics",
    "microstructure",
    "models",
    "paths",
    "plotting",
    "report",
    "runtime",
    "site",
    "synthetic",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlpc_helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES})
