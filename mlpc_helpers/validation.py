"""One input contract for the package's entry points: checks that name the input, the
problem and the fix.

Every public function of ``mlpc_helpers`` that takes images, phase maps, spectra, 2θ or energy
axes, tables or formula strings passes them through one of the checks below. A check either
returns the input in the one form the function computes with, or raises
:class:`MLPCInputError` (a ``ValueError``, so ``except ValueError`` still works) whose message
says which argument (and which image, pattern or row) is wrong, what it got, what it wants and
how to fix it. Where a result is still computed after an adjustment (e.g. spectra with a
near-zero sum set to 0), a :class:`MLPCInputWarning` says what was done and to how many rows.

=========================  ===================================================================
kind of input              check
=========================  ===================================================================
stack of grey images       :func:`check_stack` (n, H, W); lists of equal-size 2-D images too
one grey image             :func:`check_image` (H, W)
grey levels                :func:`as_float_image` (bool, uint8, uint16, other ints, float)
phase map / label image    :func:`check_phase_map` (bool or integer labels; else "segment first")
spectra / patterns         :func:`check_spectra` (n, channels), finite
2θ or energy axis          :func:`check_axis` (1-D, finite, strictly monotone; flips descending)
numeric table              :func:`check_matrix` (n, d), finite
numeric vector             :func:`check_vector` (n,), finite, length of another input
class labels               :func:`check_labels` (n,); scores/probabilities, NaN: error
0/1 labels, masks          :func:`check_binary` (bool or 0/1 only)
chemical formula           :func:`parse_formula` / :func:`normalise_formula`
=========================  ===================================================================
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = [
    "MLPCInputError",
    "MLPCInputWarning",
    "as_float_image",
    "check_axis",
    "check_binary",
    "check_image",
    "check_labels",
    "check_matrix",
    "check_phase_map",
    "check_spectra",
    "check_stack",
    "check_vector",
    "from_float_image",
    "normalise_formula",
    "parse_formula",
]


class MLPCInputError(ValueError):
    """An input that the package cannot use as given; the message names the input, the problem
    and the fix. Subclass of ``ValueError``."""


class MLPCInputWarning(UserWarning):
    """The package changed or reinterpreted an input and still computed a result; the message
    says what was done and to how many items."""


def warn(message: str, stacklevel: int | None = None) -> None:
    """Emit a :class:`MLPCInputWarning`, attributed to the first caller outside the package
    (the user's line), unless ``stacklevel`` is given."""
    if stacklevel is None:
        import os
        import sys

        pkg = os.path.dirname(os.path.abspath(__file__))
        frame, stacklevel = sys._getframe(1), 2
        skip = (pkg, os.path.dirname(os.path.dirname(np.__file__)) + os.sep + "sklearn")
        while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(skip):
            frame, stacklevel = frame.f_back, stacklevel + 1  # package and sklearn wrappers
    warnings.warn(message, MLPCInputWarning, stacklevel=stacklevel)


def _shape(x: Any) -> str:
    return str(tuple(np.shape(x)))


def _few(idx: Sequence[int], k: int = 5) -> str:
    idx = [int(i) for i in idx]
    head = ", ".join(map(str, idx[:k]))
    return head + (f", ... ({len(idx)} in all)" if len(idx) > k else "")


def _numeric(x: np.ndarray, name: str) -> None:
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise MLPCInputError(
            f"{name}: expected numbers, got an array of dtype {x.dtype}. Convert it with "
            "np.asarray(..., dtype=float) after removing text or missing entries."
        )


# ----------------------------------------------------------------------------- images
_RGB_FIX = ("convert to grey first, e.g. skimage.color.rgb2gray(img[..., :3]) "
            "(drop the alpha channel of RGBA)")


def check_image(image: Any, name: str = "image") -> np.ndarray:
    """One grey image as an array (H, W); :class:`MLPCInputError` for colour images, stacks and
    other layouts (the message says which layout was recognised and the fix)."""
    x = np.asarray(image)
    if x.ndim == 2:
        _numeric(x, name)
        return x
    if x.ndim == 3 and x.shape[-1] in (3, 4) and min(x.shape[:2]) > 4:
        raise MLPCInputError(
            f"{name}: got shape {x.shape}, which looks like one colour image "
            f"({'RGBA' if x.shape[-1] == 4 else 'RGB'}, channels last); expected one grey "
            f"image (H, W): {_RGB_FIX}."
        )
    if x.ndim == 3 and x.shape[0] == 1:
        raise MLPCInputError(
            f"{name}: got a stack holding one image, shape {x.shape}; expected one image "
            f"(H, W): pass {name}[0]."
        )
    raise MLPCInputError(
        f"{name}: expected one 2-D image (H, W); got shape {x.shape}. Pass the images of a "
        "stack one at a time."
    )


def check_stack(images: Any, name: str = "images") -> np.ndarray:
    """A stack of grey images as an array (n, H, W).

    Accepts an array (n, H, W) or a list/tuple of 2-D arrays of one shape and one dtype.
    Raises :class:`MLPCInputError` naming the layout it got and the fix: one image (H, W) →
    ``image[None]``; one RGB/RGBA image (H, W, 3|4) or colour stacks (n, H, W, C) → convert to
    grey; images of different shapes or dtypes → which image, its shape, the expected shape.
    """
    if isinstance(images, (list, tuple)):
        if len(images) == 0:
            raise MLPCInputError(f"{name}: got an empty list; give at least one image.")
        arrs = [np.asarray(im) for im in images]
        first = arrs[0]
        for k, a in enumerate(arrs):
            check_image(a, f"{name}[{k}]")
            if a.shape != first.shape:
                raise MLPCInputError(
                    f"{name}: image {k} has shape {a.shape} but image 0 has {first.shape}; "
                    f"all images must have one shape (H, W). Crop them to a common size "
                    f"(e.g. img[:{first.shape[0]}, :{first.shape[1]}]) or resize them "
                    "(skimage.transform.resize) first."
                )
            if a.dtype != first.dtype:
                raise MLPCInputError(
                    f"{name}: image {k} is {a.dtype} but image 0 is {first.dtype}; the grey "
                    "levels would be scaled differently. Convert every image with "
                    "mlpc_helpers.validation.as_float_image first."
                )
        return np.stack(arrs)
    x = np.asarray(images)
    if x.ndim == 3 and x.shape[-1] in (3, 4) and min(x.shape[:2]) > 4:
        raise MLPCInputError(
            f"{name}: got shape {x.shape}, which looks like one colour image "
            f"({'RGBA' if x.shape[-1] == 4 else 'RGB'}, channels last), not a stack of "
            f"{x.shape[0]} images; expected grey images (n, H, W): {_RGB_FIX}, then pass "
            "grey[None]."
        )
    if x.ndim == 2:
        raise MLPCInputError(
            f"{name}: expected a stack of images (n, H, W); got one image of shape {x.shape}. "
            f"Pass {name}[None] for a single image."
        )
    if x.ndim == 4 and x.shape[-1] in (1, 3, 4):
        raise MLPCInputError(
            f"{name}: got shape {x.shape}, a stack of images with {x.shape[-1]} channel(s) "
            "last; expected grey images (n, H, W): take x[..., 0] for one channel, or "
            "skimage.color.rgb2gray(x[..., :3]) for colour."
        )
    if x.ndim == 4 and x.shape[1] in (1, 3, 4):
        raise MLPCInputError(
            f"{name}: got shape {x.shape}, a stack with {x.shape[1]} channel(s) first "
            "(n, C, H, W); expected grey images (n, H, W): take x[:, 0] for one channel."
        )
    if x.ndim != 3:
        raise MLPCInputError(
            f"{name}: expected grey images as an array (n, H, W); got shape {x.shape}. "
            "Convert RGB to grayscale first (e.g. skimage.color.rgb2gray)."
        )
    _numeric(x, name)
    if x.shape[0] == 0:
        raise MLPCInputError(f"{name}: the stack holds no image (shape {x.shape}).")
    return x


def _where_bad(x: np.ndarray, bad: np.ndarray, name: str) -> str:
    """'name[k]' of the first image (stacks) or 'name' holding a bad value."""
    if x.ndim == 3:
        k = int(np.flatnonzero(bad.reshape(len(x), -1).any(axis=1))[0])
        return f"{name}[{k}] (image {k})"
    return name


def as_float_image(image: Any, name: str = "image", *, return_scale: bool = False):
    """Grey levels as float64 in [0, 1], whatever the storage type; the one image conversion
    of the package.

    ========================  ==================================================
    dtype of ``image``        conversion
    ========================  ==================================================
    bool                      False → 0, True → 1
    uint8                     / 255
    uint16 (16-bit cameras)   / 65535
    other integers            / 255 when every value is in 0..255, else / 65535
                              when in 0..65535 (a :class:`MLPCInputWarning` says
                              which); negative or larger values: error
    float                     as is, when in [0, 1] (±1e-6); else error
    ========================  ==================================================

    Works on one image or a stack (any shape). Non-finite values raise
    :class:`MLPCInputError` naming the image. ``return_scale=True`` also returns the full
    scale used (1, 255 or 65535), so :func:`from_float_image` can write a result back in the
    input's dtype.
    """
    x = np.asarray(image)
    _numeric(x, name)
    if x.size == 0:
        raise MLPCInputError(f"{name}: the image is empty (shape {x.shape}).")
    dt = x.dtype
    if dt == np.bool_:
        scale = 1.0
    elif dt == np.uint8:
        scale = 255.0
    elif dt == np.uint16:
        scale = 65535.0
    elif np.issubdtype(dt, np.integer):
        lo, hi = int(x.min()), int(x.max())
        if lo < 0:
            where = _where_bad(x, x < 0, name)
            raise MLPCInputError(
                f"{where}: {dt} grey levels with negative values (minimum {lo}); grey levels "
                "must be >= 0. Rescale to floats in [0, 1] first, e.g. "
                "(x - x.min()) / (x.max() - x.min())."
            )
        if hi <= 255:
            scale = 255.0
        elif hi <= 65535:
            scale = 65535.0
        else:
            raise MLPCInputError(
                f"{name}: {dt} grey levels up to {hi}, beyond 16 bit; rescale to floats in "
                "[0, 1] first, e.g. x / x.max()."
            )
        warn(f"{name}: {dt} grey levels read as {'8' if scale == 255 else '16'}-bit "
             f"(0..{int(scale)}; values {lo}..{hi}), divided by {int(scale)}. Cast to "
             f"{'uint8' if scale == 255 else 'uint16'} (or floats in [0, 1]) to say so "
             "yourself.")
    elif np.issubdtype(dt, np.floating):
        finite = np.isfinite(x)
        if not finite.all():
            where = _where_bad(x, ~finite, name)
            raise MLPCInputError(
                f"{where}: {int((~finite).sum())} pixel(s) are NaN or infinite; fill them "
                "(e.g. np.nan_to_num or an inpainting) or crop them away first."
            )
        lo, hi = float(x.min()), float(x.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            hint = ("8-bit grey levels stored as float: divide by 255" if hi <= 255 and lo >= 0
                    else "16-bit grey levels stored as float: divide by 65535"
                    if hi <= 65535 and lo >= 0 else
                    "rescale, e.g. (x - x.min()) / (x.max() - x.min())")
            raise MLPCInputError(
                f"{name}: float grey levels must lie in [0, 1]; got values in "
                f"[{lo:.4g}, {hi:.4g}]. If these are {hint}; otherwise rescale to [0, 1] "
                "(e.g. (x - x.min()) / (x.max() - x.min()))."
            )
        y = np.clip(x.astype(np.float64), 0.0, 1.0)
        return (y, 1.0) if return_scale else y
    else:
        raise MLPCInputError(f"{name}: cannot read grey levels of dtype {dt}.")
    y = x.astype(np.float64) / scale
    return (y, scale) if return_scale else y


def from_float_image(y: np.ndarray, dtype: Any, scale: float = 1.0) -> np.ndarray:
    """Inverse of :func:`as_float_image`: float grey levels in [0, 1] (clipped) back to
    ``dtype`` with full scale ``scale`` (1, 255 or 65535; integers rounded)."""
    y = np.clip(np.asarray(y, dtype=np.float64), 0.0, 1.0)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return y >= 0.5
    if np.issubdtype(dtype, np.integer):
        return np.round(y * scale).astype(dtype)
    return y.astype(dtype)


# ----------------------------------------------------------------------------- phase maps
_SEGMENT = ("Segment it first, e.g. phase = img > skimage.filters.threshold_otsu(img) "
            "(True = bright phase), or with a trained pixel classifier, and pass the bool map")


def check_phase_map(phase: Any, name: str = "phase", *, labels: bool = False) -> np.ndarray:
    """A phase map: bool (two phases) or integer labels (``labels=True``).

    Two-phase use (``labels=False``, the default): accepts bool, integers or floats holding only
    0 and 1, and 8/16-bit masks holding only 0 and 255 (or 65535; read as 255 = phase, with a
    :class:`MLPCInputWarning`); returns a bool array. Label use (``labels=True``): accepts bool
    and integer labels (and floats with whole values); returns it unchanged (floats as int64).
    Anything else, e.g. an unsegmented grey image, raises :class:`MLPCInputError`: segment
    first. Works on one map or a stack; the message names the first bad map of a stack.
    """
    x = np.asarray(phase)
    _numeric(x, name)
    if x.dtype == bool:
        return x
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        raise MLPCInputError(
            f"{_where_bad(x, ~np.isfinite(x), name)}: a phase map holds NaN or infinite "
            f"values. {_SEGMENT}."
        )
    vals = np.unique(x)
    integral = np.issubdtype(x.dtype, np.integer) or bool(np.all(vals == np.round(vals)))
    if integral and np.all((vals == 0) | (vals == 1)):
        return x.astype(bool) if not labels else (x if np.issubdtype(x.dtype, np.integer)
                                                  else x.astype(np.int64))
    if (not labels and np.issubdtype(x.dtype, np.unsignedinteger) and len(vals) == 2
            and vals[0] == 0 and vals[1] in (255, 65535)):
        warn(f"{name}: {x.dtype} mask with values {{0, {int(vals[1])}}} read as a phase map "
             f"({int(vals[1])} = phase, {int((x > 0).sum())} of {x.size} pixels).")
        return x > 0
    if labels and integral:
        if np.issubdtype(x.dtype, np.integer) and _looks_grey(x, vals):
            raise MLPCInputError(
                f"{name}: {x.dtype} map with {len(vals)} distinct values that change between "
                "most neighbouring pixels looks like an unsegmented grey image, not a label "
                f"image. {_SEGMENT} (or a label image, e.g. skimage.measure.label)."
            )
        return x if np.issubdtype(x.dtype, np.integer) else x.astype(np.int64)
    where = name
    if x.ndim == 3:  # name the first bad map of a stack
        for k in range(len(x)):
            v = np.unique(x[k])
            if not np.all((v == 0) | (v == 1)):
                where = f"{name}[{k}] (image {k})"
                break
    lo, hi = vals[0], vals[-1]
    what = ("integer labels" if integral else f"{x.dtype} values")
    if integral and len(vals) <= 16 and not labels:
        raise MLPCInputError(
            f"{where}: expected a two-phase map (bool, or 0/1); got {x.dtype} {what} "
            f"{[v.item() for v in vals]}. Pass the indicator of one phase, e.g. "
            f"{name} == {vals[-1].item()}."
        )
    raise MLPCInputError(
        f"{where}: expected a phase map (bool, or integer labels); got {x.dtype} with "
        f"{len(vals)} distinct values in [{lo:.4g}, {hi:.4g}], which looks like an "
        f"unsegmented grey image. {_SEGMENT}."
    )


def _looks_grey(x: np.ndarray, vals: np.ndarray) -> bool:
    """Many distinct values that change between most horizontal neighbours."""
    if len(vals) <= 64 or x.shape[-1] < 2:
        return False
    same = np.mean(x[..., 1:] == x[..., :-1])
    return bool(same < 0.5)


# ----------------------------------------------------------------------------- spectra, axes
def check_spectra(X: Any, name: str = "X", *, what: str = "spectrum",
                  n_channels: int | None = None) -> np.ndarray:
    """A set of spectra (or patterns) as float64 (n, channels), one row each, all finite.

    Raises :class:`MLPCInputError` for: rows of different lengths (names the row), one
    spectrum (channels,) → ``X[None]``; a spectrum image (rows, cols, channels) →
    ``X.reshape(-1, X.shape[-1])``; a channel count other than ``n_channels``; NaN or inf
    (names the first row and channel).
    """
    if isinstance(X, (list, tuple)) and len(X) and np.ndim(X[0]) == 1:
        n0 = len(X[0])
        for k, row in enumerate(X):
            if np.ndim(row) != 1 or len(row) != n0:
                raise MLPCInputError(
                    f"{name}: {what} {k} has shape {_shape(row)} but {what} 0 has ({n0},); "
                    f"every {what} needs the same channels. Resample them onto one axis "
                    "(np.interp) first."
                )
    x = np.asarray(X)
    _numeric(x, name)
    if x.ndim == 1:
        raise MLPCInputError(
            f"{name}: expected {what}s as rows (n, channels); got one {what} of shape "
            f"{x.shape}. Pass {name}[None] (or {name}.reshape(1, -1))."
        )
    if x.ndim == 3:
        raise MLPCInputError(
            f"{name}: expected {what}s as rows (n, channels); got shape {x.shape}, a "
            f"{what} image (rows, cols, channels)? Flatten it: "
            f"{name}.reshape(-1, {name}.shape[-1])."
        )
    if x.ndim != 2:
        raise MLPCInputError(
            f"{name}: expected {what}s as rows (n, channels); got shape {x.shape}."
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise MLPCInputError(f"{name}: no {what} to work on (shape {x.shape}).")
    if n_channels is not None and x.shape[1] != n_channels:
        raise MLPCInputError(
            f"{name}: {what}s have {x.shape[1]} channels; expected {n_channels} (the axis). "
            "Resample onto the same axis, or transpose if rows and columns are swapped."
        )
    x = x.astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        col = int(np.flatnonzero(bad[rows[0]])[0])
        raise MLPCInputError(
            f"{name}: {what} {rows[0]} holds NaN or inf (first at channel {col}); rows with "
            f"non-finite values: {_few(rows)}. Drop or fill them (np.nan_to_num) first."
        )
    return x


def check_axis(axis: Any, name: str = "tth", *, n: int | None = None,
               unit: str = "°", data: str = "pattern") -> tuple[np.ndarray, bool]:
    """A 1-D, finite, strictly monotone axis (2θ, energy); returns ``(ascending, flipped)``.

    A strictly decreasing axis (an instrument that scans from high to low) is accepted:
    ``ascending`` is the reversed axis and ``flipped`` is True, so the caller reverses its data
    along that axis too (and back for results on the grid). ``n``: the required length (the
    points of the data). Raises :class:`MLPCInputError` for other shapes, lengths, non-finite
    values, repeated values or an axis that goes up and down (with how to sort it).
    """
    a = np.asarray(axis)
    _numeric(a, name)
    if a.ndim != 1:
        raise MLPCInputError(f"{name}: expected a 1-D axis (n_points,); got shape {a.shape}.")
    if n is not None and a.shape[0] != n:
        raise MLPCInputError(
            f"{name} has {a.shape[0]} points but the {data} has {n}; give the axis of this "
            f"{data} (one value per point)."
        )
    if a.shape[0] < 2:
        raise MLPCInputError(f"{name}: an axis needs at least 2 points; got {a.shape[0]}.")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        k = int(np.flatnonzero(~np.isfinite(a))[0])
        raise MLPCInputError(f"{name}: value {k} is {a[k]}; the axis must be finite.")
    d = np.diff(a)
    if np.all(d > 0):
        return a, False
    if np.all(d < 0):
        return a[::-1].copy(), True
    if np.any(d == 0):
        k = int(np.flatnonzero(d == 0)[0])
        raise MLPCInputError(
            f"{name}: values {k} and {k + 1} are equal ({a[k]:g}{unit}); the axis must be "
            "strictly monotone. Remove repeated points (np.unique with return_index=True "
            f"gives the rows of the {data} to keep)."
        )
    k = int(np.flatnonzero(np.sign(d) != np.sign(d[0]))[0])
    raise MLPCInputError(
        f"{name}: not monotone (it turns at value {k}, {a[k]:g}{unit}); the axis must "
        f"increase (or decrease) throughout. Sort axis and {data} together: "
        f"order = np.argsort({name}); {name}, y = {name}[order], y[order]."
    )


def check_matrix(X: Any, name: str = "X", *, finite: bool = True) -> np.ndarray:
    """A numeric table as float64 (n_samples, n_features); NaN/inf named by row and column."""
    cols = list(X.columns) if hasattr(X, "columns") else None
    index = list(X.index) if hasattr(X, "iloc") else None
    if isinstance(X, (list, tuple)) and len(X) and np.ndim(X[0]) == 1:
        n0 = len(X[0])
        for k, row in enumerate(X):
            if np.ndim(row) != 1 or len(row) != n0:
                raise MLPCInputError(
                    f"{name}: row {k} has {np.size(row)} values but row 0 has {n0}; every "
                    "row needs the same features."
                )
    try:
        x = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise MLPCInputError(
            f"{name}: expected a numeric table (n_samples, n_features); some entries are not "
            "numbers. Encode text columns or drop them first."
        ) from None
    if x.ndim != 2:
        raise MLPCInputError(
            f"{name}: expected a table (n_samples, n_features); got shape {x.shape}"
            + (". One feature: X.reshape(-1, 1); one sample: X.reshape(1, -1)."
               if x.ndim == 1 else ".")
        )
    if finite:
        bad = ~np.isfinite(x)
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1))
            r, c = int(rows[0]), int(np.flatnonzero(bad[rows[0]])[0])
            rl = f" (index {index[r]!r})" if index is not None else ""
            cl = f"{cols[c]!r}" if cols is not None else f"{c}"
            raise MLPCInputError(
                f"{name}: row {r}{rl} holds NaN or inf in column {cl}; rows with "
                f"non-finite values: {_few(rows)}. Drop them or impute (e.g. "
                "sklearn.impute.SimpleImputer inside the pipeline)."
            )
    return x


# ----------------------------------------------------------------------------- formulas
#: Separators of an adduct / water of crystallisation: middle dot, bullet, dot operator,
#: bullet operator, asterisk. The ASCII period is one only before water (see below).
HYDRATE_SEPARATORS = "\u00b7\u2022\u22c5\u2219*"
_NUM = r"\d+(?:\.\d+)?"
# "CuSO4.5H2O", "CaSO4.0.5H2O", "Na2CO3.H2O": a period followed by an optional amount and
# H2O / D2O is a hydrate dot, not a decimal point.
_PERIOD_HYDRATE = re.compile(rf"(?<=[A-Za-z0-9)\]])\s*\.\s*({_NUM})?\s*(?=[HD]2O(?![a-z0-9]))")
_PART = re.compile(rf"^\s*({_NUM})?\s*(.+?)\s*$")
#: Pseudo-element symbols found in supplier sheets and papers, with what to do.
PSEUDO_ELEMENTS = {
    "Mm": "misch metal, a mixture of rare earths (mostly Ce and La; e.g. "
          "Ce0.5La0.25Nd0.2Pr0.05 per Mm)",
    "Ln": "any lanthanide",
    "RE": "any rare earth",
    "R": "a rare earth or other placeholder",
    "M": "a placeholder metal",
    "X": "a placeholder element",
    "A": "a placeholder element",
    "Vac": "a vacancy",
    "Va": "a vacancy",
}


def _period_hydrates(part: str) -> str:
    """Periods that stand for a hydrate dot in one part of a formula -> '·'. A period counts
    only after a formula (letters before it), not inside a leading amount such as '0.5'."""
    out, last = [], 0
    for m in _PERIOD_HYDRATE.finditer(part):
        if not re.search(r"[A-Za-z)\]]", part[:m.start()]):
            continue
        out += [part[last:m.start()], "\u00b7" + (m.group(1) or "")]
        last = m.end()
    return "".join(out) + part[last:]


def normalise_formula(formula: str, name: str = "formula") -> str:
    """A formula string in the notation pymatgen reads: hydrates and adducts written with
    ``·`` (or ``•``, ``⋅``, ``*``, or ``.`` before water) become parenthesised groups:
    ``"CuSO4·5H2O"`` and ``"CuSO4.5H2O"`` → ``"CuSO4(H2O)5"``, ``"CaSO4·0.5H2O"`` →
    ``"CaSO4(H2O)0.5"``. A period between digits elsewhere stays a decimal point
    (``"Yb0.3Co4Sb12"``)."""
    if not isinstance(formula, str):
        raise MLPCInputError(
            f"{name}: formulas must be strings; got {formula!r} ({type(formula).__name__}). "
            "Drop missing values or convert the column with .astype(str) first."
        )
    s = formula.strip()
    if not s:
        raise MLPCInputError(f"{name}: the formula is empty; drop the row or fill it in.")
    parts = [_period_hydrates(p) for p in re.split("[" + re.escape(HYDRATE_SEPARATORS) + "]", s)]
    parts = "\u00b7".join(parts).split("\u00b7")
    if len(parts) == 1:
        return s
    out = parts[0].strip()
    if not out:
        raise MLPCInputError(f"{name}: {formula!r} starts with a hydrate dot; write the "
                             "compound first, e.g. 'CuSO4·5H2O'.")
    for p in parts[1:]:
        m = _PART.match(p)
        if not m or not m.group(2):
            raise MLPCInputError(
                f"{name}: {formula!r} has nothing after a hydrate dot; write e.g. "
                "'CuSO4·5H2O' (amount, then the formula of the adduct)."
            )
        out += f"({m.group(2)}){m.group(1) or ''}"
    return out


@lru_cache(maxsize=1)
def _element_symbols() -> frozenset[str]:
    from pymatgen.core.periodic_table import Element

    return frozenset(e.symbol for e in Element)


def _capitals_problem(s: str) -> str | None:
    """Why an all-capitals formula is ambiguous (or unreadable), or None."""
    letters = re.sub(r"[^A-Za-z]", "", s)
    if len(letters) < 2 or letters != letters.upper():
        return None
    symbols = _element_symbols()
    issues = []
    for run in re.findall(r"[A-Z]{2,}", s):
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            cand = pair[0] + pair[1].lower()
            if cand in symbols:
                if pair[0] in symbols and pair[1] in symbols:
                    issues.append(f"'{pair}' could be {cand} or {pair[0]} + {pair[1]}")
                else:
                    alone = pair[1] if pair[0] in symbols else pair[0]
                    issues.append(f"'{pair}' reads as {pair[0]} + {pair[1]}, but {alone} is "
                                  f"not an element (did you mean {cand}?)")
    if not issues:
        return None
    return ("it is written in capitals only, so it parses only by reading capitals as "
            "other elements: " + "; ".join(issues) + ". Write each symbol with its second "
            "letter in lower case (e.g. 'CoSb3', not 'COSB3'); if the capitals are meant as "
            "written, give each element its amount (e.g. 'C1O2' for carbon dioxide)")


def parse_formula(formula: str, name: str = "formula") -> Any:
    """``formula`` as a pymatgen ``Composition``, after :func:`normalise_formula`.

    Raises :class:`MLPCInputError` (message starting with ``name``) for: non-strings and empty
    strings; all-capitals formulas that parse only by reading capitals as other elements
    (``"COSB3"``: Co or C + O?); symbols that are not elements (``"Mm"`` in ``"MmFe4Sb12"``,
    named exactly, with what to do); characters no formula has; zero amounts.
    """
    from pymatgen.core import Composition, Element

    s = normalise_formula(formula, name)
    why = _capitals_problem(s)
    if why:
        raise MLPCInputError(f"{name}: {formula!r} is rejected: {why}.")
    odd = re.search(r"[^A-Za-z0-9.()\[\]\s]", s)
    if odd:
        raise MLPCInputError(
            f"{name}: {formula!r} holds {odd.group()!r} (position {odd.start()}), which is not "
            "part of a chemical formula (charges, oxidation states, ranges and notes are not "
            "read). Write element symbols with amounts, e.g. 'Bi2Te3' or '(Bi0.5Sb0.5)2Te3'."
        )
    try:
        comp = Composition(s)
    except Exception:  # pymatgen raises ValueError, TypeError, KeyError, ...
        raise MLPCInputError(
            f"{name}: cannot read {formula!r} as a chemical formula. Write element symbols "
            "with amounts, e.g. 'Bi2Te3', '(Bi0.5Sb0.5)2Te3' or 'CuSO4·5H2O'."
        ) from None
    unknown = [getattr(el, "symbol", str(el)) for el in comp.elements
               if not isinstance(el, Element)]
    if unknown:
        sym = unknown[0]
        hint = PSEUDO_ELEMENTS.get(sym)
        stands = f" (usually {hint})" if hint else ""
        raise MLPCInputError(
            f"{name}: {formula!r}: {sym!r} is not an element symbol{stands}"
            + (f"; also {', '.join(map(repr, unknown[1:]))}" if len(unknown) > 1 else "")
            + ". Replace it by the elements it stands for, with their amounts, or drop the "
            "row. Element symbols start with a capital letter (Bi, Te, Sb)."
        )
    if comp.num_atoms <= 0:
        raise MLPCInputError(f"{name}: {formula!r} has no atoms (all amounts are zero).")
    return comp


# ----------------------------------------------------------------------------- vectors, labels
def check_vector(x: Any, name: str = "x", *, n: int | None = None, against: str = "",
                 finite: bool = True) -> np.ndarray:
    """A 1-D numeric array as float64 (n,); ``n``: the required length (``against`` names the
    input it must match). NaN/inf named by position unless ``finite=False``."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise MLPCInputError(
            f"{name}: expected numbers in a 1-D array; some entries are not numbers (or rows "
            "have different lengths). Convert with np.asarray(..., dtype=float) first."
        ) from None
    if a.ndim == 2 and 1 in a.shape:
        a = a.ravel()  # a column or row vector
    if a.ndim != 1:
        raise MLPCInputError(f"{name}: expected a 1-D array (n,); got shape {a.shape}.")
    if n is not None and a.shape[0] != n:
        raise MLPCInputError(
            f"{name} has {a.shape[0]} values but {against or 'the other input'} has {n}; they "
            "must have the same length (one value per sample, the same rows in one order)."
        )
    if finite and not np.isfinite(a).all():
        bad = np.flatnonzero(~np.isfinite(a))
        raise MLPCInputError(
            f"{name}: value {bad[0]} is {a[bad[0]]}; positions with NaN or inf: {_few(bad)}. "
            "Drop those rows (from every input) or fill them first."
        )
    return a


def check_labels(y: Any, name: str = "labels", *, n: int | None = None,
                 against: str = "") -> np.ndarray:
    """Class labels as a 1-D array (integers, bools or strings). Floats are accepted only with
    whole values; other floats (scores, probabilities) and NaN raise :class:`MLPCInputError`
    with the fix (threshold or argmax first). ``n``/``against`` as in :func:`check_vector`."""
    if isinstance(y, (list, tuple)) and len(y) and any(np.ndim(v) for v in y):
        raise MLPCInputError(f"{name}: expected one label per sample (1-D); got nested "
                             "sequences. Flatten them (np.concatenate) first.")
    a = np.asarray(y)
    if a.ndim == 2 and 1 in a.shape:
        a = a.ravel()
    if a.ndim != 1:
        raise MLPCInputError(
            f"{name}: expected one label per sample, shape (n,); got shape {a.shape}"
            + (". For class probabilities (n, k) take the labels with .argmax(axis=1)."
               if a.ndim == 2 else ".")
        )
    if n is not None and a.shape[0] != n:
        raise MLPCInputError(
            f"{name} has {a.shape[0]} labels but {against or 'the other input'} has {n}; they "
            "must have the same length (one label per sample, the same rows in one order)."
        )
    if a.dtype == object:
        if any(v is None or (isinstance(v, float) and not np.isfinite(v)) for v in a):
            raise MLPCInputError(f"{name}: holds missing labels (None/NaN); drop those rows.")
        return a
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            k = int(np.flatnonzero(~np.isfinite(a))[0])
            raise MLPCInputError(f"{name}: label {k} is {a[k]}; drop the rows with missing "
                                 "labels first.")
        if not np.all(a == np.round(a)):
            k = int(np.flatnonzero(a != np.round(a))[0])
            raise MLPCInputError(
                f"{name}: got non-integer value {a[k]:g} at position {k}; labels must be "
                "classes (integers or strings), not scores or probabilities. Threshold them "
                "(e.g. (p > 0.5).astype(int)) or take .argmax(axis=1) first."
            )
        return a.astype(np.int64)
    if not (np.issubdtype(a.dtype, np.integer) or a.dtype == bool
            or np.issubdtype(a.dtype, np.str_)):
        raise MLPCInputError(f"{name}: cannot read labels of dtype {a.dtype}.")
    return a


def check_binary(y: Any, name: str = "y", *, n: int | None = None,
                 against: str = "") -> np.ndarray:
    """0/1 (or bool) labels as int64 (any shape is kept); other values raise
    :class:`MLPCInputError` naming them."""
    a = np.asarray(y)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise MLPCInputError(f"{name}: expected 0/1 (or bool) labels; got dtype {a.dtype}. "
                             "Encode the positive class as 1, e.g. (y == 'rare').astype(int).")
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        raise MLPCInputError(f"{name}: holds NaN or inf; drop those rows first.")
    vals = np.unique(a)
    if not np.all((vals == 0) | (vals == 1)):
        raise MLPCInputError(
            f"{name}: expected 0/1 (or bool) labels; got values "
            f"{[v.item() for v in vals[:6]]}{' ...' if len(vals) > 6 else ''}. Threshold "
            "scores or probabilities first (e.g. (p > 0.5).astype(int)), or encode the "
            "positive class as 1."
        )
    if n is not None and a.shape[0] != n:
        raise MLPCInputError(f"{name} has {a.shape[0]} rows but {against or 'the other input'} "
                             f"has {n}; pass the same rows in the same order.")
    return a.astype(np.int64)
