"""Repository-wide pytest configuration.

- Tests marked ``after_notebooks`` (the reproduction check) run after every other item,
  so they see the metrics the notebooks just recorded.
- Test runs use the Agg backend and no hub access.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def pytest_collection_modifyitems(session, config, items):
    late = [i for i in items if i.get_closest_marker("after_notebooks")]
    items[:] = [i for i in items if not i.get_closest_marker("after_notebooks")] + late
