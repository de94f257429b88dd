"""Scaled dot-product attention by hand, and the L x L memory problem measured (week 10).

Attention [@vaswani2017] of queries ``Q`` (L, d), keys ``K`` (S, d) and values ``V`` (S, d_v)::

    A = softmax(Q K^T / sqrt(d))      (L, S), every row sums to 1
    out = A V                         (L, d_v)

Written naively, ``A`` is materialised: L x S numbers per head, so memory grows as L^2 for
self-attention. Fused kernels (FlashAttention, Dao et al. 2022, doi:10.48550/arXiv.2205.14135;
memory-efficient attention, Rabe & Staats 2021, doi:10.48550/arXiv.2112.05682) compute the same
``out`` block by block with an online softmax and never store ``A``: memory grows as L, the
number of floating-point operations stays ~ L^2 d.

Contents
--------
- :func:`softmax`, :func:`scaled_dot_product_attention`: numpy reference, optional mask.
- :func:`naive_attention_torch`: the same in torch, materialising ``A`` (for the benchmark).
- :func:`attention_matrix_bytes`: the size of the materialised score matrix.
- :func:`benchmark_attention`: time and peak memory of naive attention against PyTorch's
  ``scaled_dot_product_attention`` (and, on CUDA, its Flash and memory-efficient kernels) for
  growing sequence length, naive runs stopped at a memory budget (memory measured with
  :mod:`mlpc_helpers.profiling`).
- :func:`power_law_fit`: the scaling exponent ``b`` of ``y = a x^b`` by least squares in
  log-log coordinates.

Torch is imported inside the functions that need it.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .profiling import peak_rss_delta, profiler_peak_bytes
from .runtime import check_random_int
from .validation import MLPCInputError

__all__ = [
    "KERNELS",
    "PowerLaw",
    "attention_matrix_bytes",
    "benchmark_attention",
    "naive_attention_torch",
    "power_law_fit",
    "scaled_dot_product_attention",
    "softmax",
]

#: Kernels :func:`benchmark_attention` knows. ``naive``: matmul, softmax, matmul (stores the
#: L x L matrix); ``sdpa``: ``torch.nn.functional.scaled_dot_product_attention`` with the
#: backend PyTorch picks (on CPU a fused flash-style kernel); ``flash``, ``efficient``,
#: ``math``: that backend forced (``flash`` is the CPU flash kernel on a CPU and
#: FlashAttention-2 on an NVIDIA GPU; ``efficient`` exists on CUDA only; ``math`` is
#: PyTorch's reference that stores the score matrix).
KERNELS = ("naive", "sdpa", "flash", "efficient", "math")


# ----------------------------------------------------------------------------- numpy
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax ``exp(x - max) / sum(exp(x - max))`` along ``axis``.

    Entries of ``-inf`` (masked) get probability 0; a row that is all ``-inf`` gives NaN,
    as in PyTorch.
    """
    x = np.asarray(x, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def scaled_dot_product_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    causal: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention in numpy (Vaswani et al. 2017, eq. 1).

    Parameters
    ----------
    q : ndarray (..., L, d)
        Queries; leading axes (batch, heads) broadcast.
    k : ndarray (..., S, d)
        Keys.
    v : ndarray (..., S, d_v)
        Values.
    mask : bool ndarray broadcastable to (..., L, S), optional
        True where a query may attend to a key (PyTorch's boolean ``attn_mask`` convention).
    causal : bool
        Query i attends to keys 0..i only (needs L == S).

    Returns
    -------
    out : ndarray (..., L, d_v)
        ``A @ v``.
    weights : ndarray (..., L, S)
        The attention matrix ``A = softmax(q k^T / sqrt(d))``; rows sum to 1.

    Raises
    ------
    MLPCInputError
        When the shapes do not fit together.
    """
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise MLPCInputError(
            f"q, k, v need at least 2 axes (..., tokens, features); got {q.shape}, {k.shape}, "
            f"{v.shape}."
        )
    if q.shape[-1] != k.shape[-1]:
        raise MLPCInputError(
            f"q and k need the same feature size d; got {q.shape[-1]} and {k.shape[-1]}."
        )
    if k.shape[-2] != v.shape[-2]:
        raise MLPCInputError(
            f"k and v need the same number of tokens S; got {k.shape[-2]} and {v.shape[-2]}."
        )
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    allowed = np.ones(scores.shape[-2:], bool)
    if causal:
        if q.shape[-2] != k.shape[-2]:
            raise MLPCInputError("causal=True needs as many queries as keys (L == S).")
        allowed = np.tril(allowed)
    if mask is not None:
        allowed = allowed & np.asarray(mask, bool)
    scores = np.where(allowed, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return weights @ v, weights


def attention_matrix_bytes(
    length: int | np.ndarray, *, batch: int = 1, heads: int = 1, itemsize: int = 4,
    kv_length: int | np.ndarray | None = None,
) -> int | np.ndarray:
    """Bytes of one materialised score matrix: ``batch * heads * L * S * itemsize``.

    ``itemsize`` 4 for float32, 2 for float16/bfloat16; ``kv_length`` S defaults to L
    (self-attention). Naive attention holds about two such matrices at once (scores and
    their softmax), which :func:`benchmark_attention` measures.
    """
    L = np.asarray(length, dtype=np.int64)
    S = L if kv_length is None else np.asarray(kv_length, dtype=np.int64)
    out = int(batch) * int(heads) * L * S * int(itemsize)
    return int(out) if np.ndim(out) == 0 else out


# ----------------------------------------------------------------------------- torch
def naive_attention_torch(q: Any, k: Any, v: Any) -> Any:
    """``softmax(q k^T / sqrt(d)) v`` in torch, with the full score matrix in memory.

    Shapes as in :func:`scaled_dot_product_attention` (torch tensors (..., L, d)).
    """
    import torch

    scores = (q @ k.transpose(-2, -1)) * (q.shape[-1] ** -0.5)
    return torch.softmax(scores, dim=-1) @ v


def _kernel_fn(kernel: str, q: Any, k: Any, v: Any) -> Callable[[], Any]:
    import torch
    from torch.nn import functional as F

    if kernel == "naive":
        return lambda: naive_attention_torch(q, k, v)
    if kernel == "sdpa":
        return lambda: F.scaled_dot_product_attention(q, k, v)
    from torch.nn.attention import SDPBackend, sdpa_kernel

    backend = {"flash": SDPBackend.FLASH_ATTENTION,
               "efficient": SDPBackend.EFFICIENT_ATTENTION,
               "math": SDPBackend.MATH}[kernel]

    def run() -> torch.Tensor:
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, k, v)

    return run


def benchmark_attention(
    lengths: Iterable[int],
    *,
    kernels: Sequence[str] = ("naive", "sdpa"),
    head_dim: int = 64,
    heads: int = 1,
    batch: int = 1,
    memory_budget_bytes: float = 2**28,
    repeats: int = 3,
    device: str | None = None,
    dtype: str = "float32",
    random_state: int | np.random.Generator | None = None,
    progress: bool = True,
) -> Any:
    """Time and peak memory of attention kernels for growing sequence length L.

    For every L and kernel: random ``q, k, v`` of shape (batch, heads, L, head_dim); one
    warm-up call per kernel at the first length; ``repeats`` timed calls (the shortest wall
    time, least disturbed by other jobs, and on CPU the median OS-level
    :func:`mlpc_helpers.profiling.peak_rss_delta`); one call under the profiler
    (:func:`mlpc_helpers.profiling.profiler_peak_bytes`) on CPU, or
    ``torch.cuda.max_memory_allocated`` on CUDA.
    A ``naive`` or ``math`` run (both store the score matrix) is skipped
    (``status = "over budget"``) when its predicted peak, two score matrices
    (:func:`attention_matrix_bytes`), exceeds ``memory_budget_bytes``; a forced backend
    that cannot run (e.g. ``efficient`` on a CPU) gets ``"unavailable"``, a run that fails for
    lack of memory ``"out of memory"``.

    Parameters
    ----------
    lengths : iterable of int
        Sequence lengths L (self-attention, L = S), increasing.
    kernels : sequence of str
        From :data:`KERNELS`.
    head_dim, heads, batch : int
        d of one head, number of heads, batch size.
    memory_budget_bytes : float
        Memory allowed for one naive call (default 256 MiB).
    repeats : int
        Timed calls per (L, kernel).
    device : str, optional
        ``cpu`` or ``cuda``; default :func:`mlpc_helpers.runtime.device`.
    dtype : {"float32", "float16", "bfloat16"}
        Tensor type (Flash on CUDA needs half precision).
    random_state : int, Generator or None
        Seeds the random inputs (:func:`runtime.check_random_int`).
    progress : bool
        tqdm bar over lengths.

    Returns
    -------
    pandas.DataFrame
        One row per (L, kernel): ``length``, ``kernel``, ``status`` ("ok", "over budget",
        "unavailable", "out of memory"), ``seconds`` (best-of-``repeats`` wall time, s), ``peak_bytes``
        (allocator peak, bytes), ``rss_bytes`` (OS peak-RSS delta, bytes; NaN on CUDA),
        ``matrix_bytes`` (one score matrix, bytes), ``aten_kernel`` (the operator that ran,
        CPU only), ``device``.

    Raises
    ------
    MLPCInputError
        For an unknown kernel, dtype or a non-positive length.
    """
    import pandas as pd
    import torch

    from .runtime import device as resolve_device
    from .runtime import progress_bar

    lengths = [int(n) for n in lengths]
    if not lengths or min(lengths) < 1:
        raise MLPCInputError(f"lengths must be positive integers; got {lengths}.")
    bad = [k for k in kernels if k not in KERNELS]
    if bad:
        raise MLPCInputError(f"unknown kernel(s) {bad}; choose from {list(KERNELS)}.")
    if dtype not in ("float32", "float16", "bfloat16"):
        raise MLPCInputError(f"dtype must be float32, float16 or bfloat16; got {dtype!r}.")
    if repeats < 1:
        raise MLPCInputError(f"repeats must be at least 1; got {repeats}.")
    dev = resolve_device(device)
    tdtype = getattr(torch, dtype)
    itemsize = torch.finfo(tdtype).bits // 8
    gen = torch.Generator(device="cpu").manual_seed(check_random_int(random_state, offset=101))
    cuda = dev.startswith("cuda")
    rows = []
    warmed: set[str] = set()
    for L in progress_bar(lengths, desc="attention benchmark", disable=not progress):
        shape = (batch, heads, L, head_dim)
        q, k, v = (torch.randn(shape, generator=gen).to(dev, tdtype) for _ in range(3))
        matrix = attention_matrix_bytes(L, batch=batch, heads=heads, itemsize=itemsize)
        for name in kernels:
            row = {"length": L, "kernel": name, "status": "ok", "seconds": np.nan,
                   "peak_bytes": np.nan, "rss_bytes": np.nan, "matrix_bytes": matrix,
                   "aten_kernel": "", "device": dev}
            rows.append(row)
            if name in ("naive", "math") and 2 * matrix > memory_budget_bytes:
                row["status"] = "over budget"
                continue
            fn = _kernel_fn(name, q, k, v)
            try:
                with torch.no_grad():
                    if name not in warmed:
                        fn()
                        warmed.add(name)
                _measure(row, fn, repeats, cuda)
            except RuntimeError as err:  # no kernel for this device/dtype, or out of memory
                row["status"] = "out of memory" if "out of memory" in str(err) else \
                    "unavailable"
                if cuda:
                    torch.cuda.empty_cache()
    return pd.DataFrame(rows)


def _measure(row: dict, fn: Callable[[], Any], repeats: int, cuda: bool) -> None:
    """Fill ``seconds``, ``peak_bytes``, ``rss_bytes`` and ``aten_kernel`` of one row."""
    import torch

    times, rss = [], []
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            with torch.no_grad():
                fn()
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        else:
            with torch.no_grad():
                r, s = peak_rss_delta(fn)
            rss.append(r)
            times.append(s)
    row["seconds"] = min(times)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        with torch.no_grad():
            out = fn()
        torch.cuda.synchronize()
        del out
        row["peak_bytes"] = float(torch.cuda.max_memory_allocated() - base)
    else:
        row["rss_bytes"] = statistics.median(rss)
        peak, aten = profiler_peak_bytes(fn)
        row["peak_bytes"], row["aten_kernel"] = float(peak), aten


# ----------------------------------------------------------------------------- scaling
@dataclass(frozen=True)
class PowerLaw:
    """``y = prefactor * x ** exponent`` fitted in log-log coordinates.

    ``exponent_se``: standard error of the slope (NaN with two points); ``n``: points used.
    """

    exponent: float
    prefactor: float
    exponent_se: float
    n: int

    def __call__(self, x: Any) -> np.ndarray:
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent


def power_law_fit(x: Any, y: Any, *, x_min: float | None = None) -> PowerLaw:
    """Least-squares line through ``(log x, log y)``: the scaling exponent of ``y ~ x^b``.

    Parameters
    ----------
    x, y : array-like (n,)
        Positive values; NaN or non-positive pairs are dropped.
    x_min : float, optional
        Use only points with ``x >= x_min`` (constant overheads dominate small sizes).

    Returns
    -------
    PowerLaw

    Raises
    ------
    MLPCInputError
        With fewer than two usable points.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise MLPCInputError(f"x and y need the same length; got {len(x)} and {len(y)}.")
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if x_min is not None:
        keep &= x >= x_min
    if keep.sum() < 2:
        raise MLPCInputError(
            f"power_law_fit needs at least two positive, finite points; got {int(keep.sum())}."
        )
    lx, ly = np.log(x[keep]), np.log(y[keep])
    slope, intercept = np.polyfit(lx, ly, 1)
    n = int(keep.sum())
    if n > 2:
        resid = ly - (intercept + slope * lx)
        se = float(np.sqrt(resid @ resid / (n - 2) / np.sum((lx - lx.mean()) ** 2)))
    else:
        se = float("nan")
    return PowerLaw(float(slope), float(np.exp(intercept)), se, n)
