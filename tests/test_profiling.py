"""Memory of one call (mlpc_helpers.profiling): allocator and OS measurements."""

import math
import sys

import pytest

from mlpc_helpers import profiling


def test_profiler_sees_a_tensor_of_known_size():
    torch = pytest.importorskip("torch")
    peak, _ = profiling.profiler_peak_bytes(lambda: torch.ones(1000, 1000))
    assert peak >= 4 * 1000 * 1000  # one float32 tensor, 4 MB


def test_peak_rss_delta_returns_bytes_and_seconds():
    delta, seconds = profiling.peak_rss_delta(lambda: b"\x01" * (32 * 2**20))
    assert seconds >= 0
    if sys.platform.startswith("linux") and not math.isnan(delta):
        assert delta >= 16 * 2**20  # the 32 MiB buffer was touched
