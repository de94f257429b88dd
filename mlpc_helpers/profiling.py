"""Memory of one call, measured two ways (CPU, Linux): what torch's allocator held, and what
the operating system saw.

- :func:`profiler_peak_bytes` — allocator level: the torch profiler's memory events
  replayed in time order (tensors and kernel scratch buffers, nothing else);
- :func:`peak_rss_delta` — OS level: the resident-set high-water mark of the process
  (``VmHWM`` in ``/proc/self/status``) above its value before the call, every page touched
  by anybody in the process, at page (4 KiB) resolution.

Used by the week-10 notebook (naive attention against fused kernels). torch is imported
inside the functions.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def _silenced_c_output() -> Iterator[None]:
    """Send the C-level stdout/stderr to /dev/null (the profiler's start/stop lines)."""
    import ctypes

    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).fflush(None)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)



def profiler_peak_bytes(fn: Callable[[], Any]) -> tuple[int, str]:
    """Peak bytes that torch's CPU allocator held during ``fn()`` (result discarded).

    Runs ``fn`` once under ``torch.autograd.profiler.profile(profile_memory=True)`` and
    replays the recorded allocations in time order: positive self-allocations of each
    operator at its start, frees (negative) at its end. Counts only memory that torch
    allocates through its allocator (tensors and kernel scratch buffers), not the Python
    heap or memory a library allocates on its own.

    Returns
    -------
    peak_bytes : int
        Highest net allocation above the state before the call.
    kernel : str
        The innermost attention operator that ran (e.g.
        ``aten::_scaled_dot_product_flash_attention_for_cpu``), or ``""``.
    """
    import torch

    with _silenced_c_output(), torch.no_grad(), torch.autograd.profiler.profile(
        profile_memory=True, use_kineto=False
    ) as prof:
        out = fn()
        del out
    steps = []
    kernel = ""
    for e in prof.function_events:
        m = int(e.self_cpu_memory_usage)
        if "attention" in e.name and not kernel.startswith("aten::_"):
            kernel = e.name
        if m > 0:
            steps.append((e.time_range.start, m))
        elif m < 0:
            steps.append((e.time_range.end, m))
    steps.sort(key=lambda s: s[0])
    run = peak = 0
    for _, m in steps:
        run += m
        peak = max(peak, run)
    return int(peak), kernel



def _proc_status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmHWM", "VmRSS")):
                out[line[:5]] = int(line.split()[1]) * 1024
    return out



def peak_rss_delta(fn: Callable[[], Any]) -> tuple[float, float]:
    """Resident-memory high-water mark of the process during ``fn()`` above its start.

    Linux only: returns freed heap memory to the OS (``malloc_trim``), resets the
    high-water mark (``echo 5 > /proc/self/clear_refs``), runs ``fn`` and reads ``VmHWM``
    minus the ``VmRSS`` before the call. This is what the operating system saw: every page
    touched, by torch or anybody else in the process, at page (4 KiB) resolution.

    Returns
    -------
    delta_bytes : float
        NaN where the method is not available (not Linux, no permission).
    seconds : float
        Wall time of the call (``time.perf_counter``).
    """
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _proc_status()["VmRSS"]
    except (OSError, KeyError, AttributeError):
        t0 = time.perf_counter()
        fn()
        return float("nan"), time.perf_counter() - t0
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    del out
    return float(max(_proc_status()["VmHWM"] - before, 0)), seconds
