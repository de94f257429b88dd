"""Seeds, device choice and the CPU/full-size switch, all set from environment variables.

Environment variables
---------------------
``MLPC_SEED``    integer seed for python, numpy and torch (default 0).
``MLPC_DEVICE``  ``auto`` (default) | ``cpu`` | ``cuda`` | ``mps``; ``auto`` takes a GPU when one is there.
``MLPC_FULL``    ``1`` runs the cells tagged ``gpu`` at the full published size; unset or ``0``
                 runs them at a reduced size that fits a laptop CPU.

Randomness has one vocabulary. Every function that draws takes the parameter
``random_state`` (``None``: the course seed; an ``int``; or a ``numpy.random.Generator``).
A notebook gives each part its own stream ``k`` of the course seed:

- :func:`stream` ``(k)``: the integer seed of stream ``k`` (what ``random_state=`` takes, in
  scikit-learn and in this package);
- :func:`rng` ``(k)``: a ``numpy.random.Generator`` on stream ``k``, for drawing directly;
- :func:`seed_torch` ``(k)``: seeds torch's global generator with stream ``k`` (before a
  network is built, so that its initial weights follow ``MLPC_SEED``).

Notebooks start with ``ctx = runtime.start("week04_encodings")`` and take every heavy size
from :func:`size`. Nothing here imports torch unless a torch-related function is called.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .validation import MLPCInputError

T = TypeVar("T")

DEVICES = ("auto", "cpu", "cuda", "mps")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class DeviceUnavailableError(RuntimeError):
    """The device asked for with ``MLPC_DEVICE`` (or an argument) is not on this machine."""


def seed() -> int:
    """The course seed: ``MLPC_SEED`` as an integer, 0 when unset.

    Raises
    ------
    MLPCInputError
        When ``MLPC_SEED`` is not an integer.
    """
    raw = os.environ.get("MLPC_SEED", "0").strip() or "0"
    try:
        return int(raw)
    except ValueError:
        raise MLPCInputError(
            f"MLPC_SEED must be an integer, got {raw!r}. Set e.g. MLPC_SEED=0 or unset it."
        ) from None


def stream(k: int = 0) -> int:
    """The integer seed of stream ``k`` of the course seed ``MLPC_SEED``.

    Pass it wherever a ``random_state`` is wanted: ``KMeans(4, random_state=runtime.stream(2))``
    or ``microstructure.two_phase(..., random_state=runtime.stream(5))``. Different ``k`` give
    independent, reproducible streams for different parts of a notebook; changing
    ``MLPC_SEED`` changes all of them.

    Parameters
    ----------
    k : int
        Number of the stream (any int; the notebook chooses one per use).

    Returns
    -------
    int
        ``(MLPC_SEED * 1_000_003 + k) mod (2**32 - 1)``, in ``[0, 2**32 - 2]`` (a valid seed
        for numpy, scikit-learn and torch).

    Examples
    --------
    >>> stream(7) == (seed() * 1_000_003 + 7) % (2**32 - 1)
    True
    >>> stream(1) != stream(2)
    True
    """
    return (seed() * 1_000_003 + int(k)) % (2**32 - 1)


def rng(k: int = 0) -> np.random.Generator:
    """A ``numpy.random.Generator`` on stream ``k`` of the course seed (see :func:`stream`)."""
    return np.random.default_rng(stream(k))


def check_random_state(
    random_state: int | np.random.Generator | None = None, offset: int = 0
) -> np.random.Generator:
    """The one way the package turns a ``random_state`` argument into a numpy Generator.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        ``None`` (the default of every public function) means "the course seed": a Generator
        seeded from ``MLPC_SEED`` plus ``offset``. An ``int`` seeds a new Generator (so the
        same int gives the same stream). A ``Generator`` is returned unchanged (shared state).
    offset : int
        Stream of the course seed used when ``random_state`` is None (:func:`stream`).

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    MLPCInputError
        For anything else (e.g. a float or a legacy ``RandomState``), naming what was passed.
    """
    if random_state is None:
        return rng(offset)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise MLPCInputError(
        f"random_state must be None (the course seed MLPC_SEED), an int or a "
        f"numpy.random.Generator; got {type(random_state).__name__} {random_state!r}. "
        "Pass e.g. random_state=runtime.stream(3)."
    )


def check_random_int(
    random_state: int | np.random.Generator | None = None, offset: int = 0
) -> int:
    """Like :func:`check_random_state` but an ``int`` seed, for libraries that want one
    (scikit-learn estimators, torch.manual_seed). ``None`` gives :func:`stream` ``(offset)``;
    an int is returned as it is; a Generator draws one int from its stream."""
    if random_state is None:
        return stream(offset)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    raise MLPCInputError(
        f"random_state must be None (the course seed MLPC_SEED), an int or a "
        f"numpy.random.Generator; got {type(random_state).__name__} {random_state!r}. "
        "Pass e.g. random_state=runtime.stream(3)."
    )


def seed_everything(value: int | None = None) -> int:
    """Seed python's ``random``, numpy's legacy global RNG and, if installed, torch.

    Returns the seed used. torch is seeded only when it is already imported or importable;
    importing it here is deferred to keep ``import mlpc_helpers`` light.
    """
    s = seed() if value is None else int(value)
    random.seed(s)
    np.random.seed(s % (2**32 - 1))
    if "torch" in sys.modules:
        _seed_torch(s)
    return s


def _seed_torch(s: int) -> None:
    import torch

    torch.manual_seed(s)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(s)


def seed_torch(k: int = 0) -> int:
    """Seed torch's global generator with stream ``k`` of the course seed; the one call a
    notebook makes before building a network, so that its initial weights (and dropout)
    follow ``MLPC_SEED``.

    ``runtime.seed_torch(4)`` is ``torch.manual_seed(runtime.stream(4))`` (CUDA generators
    included). Imports torch.

    Parameters
    ----------
    k : int
        Number of the stream (see :func:`stream`).

    Returns
    -------
    int
        The seed given to torch.
    """
    s = stream(k)
    _seed_torch(s)
    return s


def progress_bar(iterable: Any = None, *args: Any, disable: bool = False, **kwargs: Any) -> Any:
    """A ``tqdm.auto`` progress bar that honours ``TQDM_DISABLE=1``.

    tqdm's notebook (widget) bar ignores ``TQDM_DISABLE`` when ``disable`` is passed, so
    progress text leaked into executed notebooks and rendered pages. Every progress bar of
    the package goes through here; arguments are tqdm's.
    """
    from tqdm.auto import tqdm

    off = os.environ.get("TQDM_DISABLE", "").strip().lower() in _TRUE
    return tqdm(iterable, *args, disable=bool(disable) or off, **kwargs)


def is_full() -> bool:
    """True when ``MLPC_FULL`` asks for the full published size of heavy cells."""
    raw = os.environ.get("MLPC_FULL", "0").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise MLPCInputError(f"MLPC_FULL must be 0 or 1, got {raw!r}: set MLPC_FULL=1 for the "
                         "full published size, or 0 (or unset it) for the reduced size.")


def size(reduced: T, full: T) -> T:
    """The one switch for heavy cells: ``full`` with ``MLPC_FULL=1``, else ``reduced``.

    Example: ``epochs = runtime.size(reduced=3, full=40)``.
    """
    return full if is_full() else reduced


def device(name: str | None = None) -> str:
    """Resolve the torch device name: ``cpu``, ``cuda`` or ``mps``.

    ``name`` overrides ``MLPC_DEVICE``. ``auto`` picks cuda, then mps, then cpu.
    Asking for a device that is not there raises :class:`DeviceUnavailableError`.
    """
    want = (name or os.environ.get("MLPC_DEVICE", "auto")).strip().lower() or "auto"
    if want not in DEVICES:
        raise MLPCInputError(
            f"Unknown device {want!r}. Use one of {', '.join(DEVICES)} "
            "(set MLPC_DEVICE or pass device=...)."
        )
    if want == "cpu":
        return "cpu"
    import torch

    has_cuda = torch.cuda.is_available()
    has_mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if want == "auto":
        return "cuda" if has_cuda else "mps" if has_mps else "cpu"
    if want == "cuda" and not has_cuda:
        raise DeviceUnavailableError(
            "MLPC_DEVICE=cuda but torch sees no CUDA GPU on this machine. "
            "Unset MLPC_DEVICE (or set it to auto or cpu) to run on the CPU."
        )
    if want == "mps" and not has_mps:
        raise DeviceUnavailableError(
            "MLPC_DEVICE=mps but this machine has no Apple-silicon GPU. "
            "Unset MLPC_DEVICE (or set it to auto or cpu) to run on the CPU."
        )
    return want


def torch_generator(offset: int = 0) -> Any:
    """A seeded ``torch.Generator`` (CPU) for DataLoader shuffling and random splits."""
    import torch

    g = torch.Generator()
    g.manual_seed(stream(offset))
    return g


@dataclass(frozen=True)
class Context:
    """What :func:`start` settled for a notebook run."""

    notebook: str
    seed: int
    device: str
    full: bool

    def __str__(self) -> str:
        mode = "full published size" if self.full else "reduced size (set MLPC_FULL=1 for full)"
        return (
            f"notebook {self.notebook} | seed {self.seed} | device {self.device} | "
            f"heavy cells at {mode}"
        )


def start(notebook: str, *, use_torch: bool = False, quiet: bool = False) -> Context:
    """Begin a notebook run: name it for :mod:`mlpc_helpers.report`, seed everything, pick the device.

    ``use_torch=True`` imports torch now (seeding it and resolving ``MLPC_DEVICE``); notebooks
    without torch keep the CPU and skip the import.
    """
    from . import report

    report.set_notebook(notebook, reset=True)
    if use_torch:
        import torch  # noqa: F401  (imported so that seed_everything seeds it)

        # OMP_NUM_THREADS (set by `make test`: one thread per parallel worker) wins over
        # the core count, so parallel notebook runs do not oversubscribe the CPU.
        threads = os.environ.get("OMP_NUM_THREADS", "").strip()
        torch.set_num_threads(int(threads) if threads.isdigit() and int(threads) > 0
                              else max(1, os.cpu_count() or 1))
    s = seed_everything()
    dev = device() if use_torch else "cpu"
    ctx = Context(notebook=notebook, seed=s, device=dev, full=is_full())
    if not quiet:
        print(ctx)
    return ctx


def describe() -> dict[str, str]:
    """Versions and settings worth printing at the top of a notebook or in a bug report."""
    import importlib.metadata as md

    out = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu_cores": str(os.cpu_count()),
        "MLPC_SEED": str(seed()),
        "MLPC_DEVICE": os.environ.get("MLPC_DEVICE", "auto"),
        "MLPC_FULL": "1" if is_full() else "0",
    }
    for pkg in ("numpy", "scikit-learn", "torch", "timm", "hyperspy", "pymatgen"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
