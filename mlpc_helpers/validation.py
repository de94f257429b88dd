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
"no data" labels (-1)      refused by :func:`check_phase_map` (count + fix), or left out with a
                           warning by the functions that can: :func:`split_no_data`
spectra / patterns         :func:`check_spectra` (n, channels), finite
"no data" spectra          :func:`near_zero_rows` (vacuum, dark-subtracted background: no sum
                           to normalise by)
2θ, energy or time axis    :func:`check_axis` (1-D, finite, strictly monotone; flips descending;
                           ``plausible=True``: the range fits the unit, else converted or refused)
a quantity in a unit       :func:`check_quantity` (:data:`QUANTITIES`: eV given for keV, µm for
                           mm, m/s for mm/s converted with a warning; radians, timestamps refused)
data on another grid       :func:`resample_to_grid` (onto a library's grid, with a warning)
numeric table              :func:`check_matrix` (n, d), finite; ``predict=True`` at prediction
columns read as text       :func:`check_numeric_columns`, :func:`text_columns_message` (decimal
                           commas, ``;``, missing-value markers, units in cells: the fix)
fractions / percentages    :func:`check_fractions` (rows summing to ~100 where fractions are
                           meant, and back), :func:`check_fraction`, :func:`check_percent`
numeric vector             :func:`check_vector` (n,), finite, length of another input
class labels               :func:`check_labels` (n,); scores/probabilities, NaN: error
0/1 labels, masks          :func:`check_binary` (bool or 0/1 only)
chemical formula           ``features.composition.parse_formula`` / ``normalise_formula``
=========================  ===================================================================
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "MLPCInputError",
    "MLPCInputWarning",
    "as_float_image",
    "QUANTITIES",
    "Quantity",
    "check_axis",
    "check_binary",
    "check_fraction",
    "check_fractions",
    "check_image",
    "check_labels",
    "check_matrix",
    "check_numeric_columns",
    "check_percent",
    "check_phase_map",
    "check_quantity",
    "check_spectra",
    "check_stack",
    "check_vector",
    "from_float_image",
    "near_zero_rows",
    "resample_to_grid",
    "split_no_data",
    "text_columns_message",
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


#: What "no data" looks like in a phase or label map: negative labels (orix, MTEX and Oxford
#: AZtec write -1 for EBSD points that were not indexed; -1 is also the usual "ignore" label
#: of segmentation masks) and NaN in a float map of whole-number labels.
NO_DATA = "negative labels (e.g. -1, 'not indexed') or NaN"
_FILL_NO_DATA = (
    "Fill them from the nearest indexed point, idx = scipy.ndimage.distance_transform_edt("
    "{name} < 0, return_distances=False, return_indices=True); {name} = {name}[tuple(idx)], "
    "or crop to a fully indexed region. The stereology functions (interface density, chord "
    "length, point counts, intercepts) leave such points out instead"
)


def _no_data(x: np.ndarray) -> np.ndarray | None:
    """Where a map of labels holds "no data" (negative labels, or NaN among whole-number
    floats); None when it holds none (or is not a label map at all: grey floats)."""
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.integer)
                               or np.issubdtype(x.dtype, np.floating)):
        return None
    if np.issubdtype(x.dtype, np.unsignedinteger):
        return None
    if np.issubdtype(x.dtype, np.floating):
        finite = np.isfinite(x)
        if np.isinf(x).any():
            return None
        vals = x[finite]
        if vals.size and not np.all(vals == np.round(vals)):
            return None  # grey levels or probabilities: "segment first", not "no data"
        bad = ~finite | (x < 0)
    else:
        bad = x < 0
    return bad if bad.any() else None


def _no_data_text(x: np.ndarray, bad: np.ndarray, name: str) -> str:
    k, n = int(bad.sum()), bad.size
    vals = np.unique(x[bad & ~np.isnan(x)] if np.issubdtype(x.dtype, np.floating) else x[bad])
    what = [f"{v:g}" for v in vals[:4].tolist()] + (["NaN"] if np.issubdtype(
        x.dtype, np.floating) and np.isnan(x).any() else [])
    where = _where_bad(x, bad, name) if x.ndim == 3 else name
    return (f"{where}: {k} of {n} points ({100 * k / n:.1f} %) hold {', '.join(what)}, "
            "which mean 'no data' (orix, MTEX and AZtec write -1 for EBSD points that were "
            "not indexed)")


def split_no_data(phase: Any, name: str = "phase", *, how: str = "left out"
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """For functions that leave "no data" points out (the package's one rule, see
    :data:`NO_DATA`): returns ``(map, valid)``.

    ``valid`` is a bool array, False at negative labels and NaN, or None when there are none;
    in ``map`` those points are set to 0 (int64), so that :func:`check_phase_map` can check the
    rest. A :class:`MLPCInputWarning` names the count and says ``how`` they are left out.
    Functions that cannot leave points out call :func:`check_phase_map`, which refuses such maps
    with the count and the fix (fill or crop).
    """
    x = np.asarray(phase)
    bad = _no_data(x) if x.dtype != object else None
    if bad is None:
        return x, None
    warn(f"{_no_data_text(x, bad, name)}; they are {how}. To count them as a phase instead, "
         f"fill them first (nearest indexed point: scipy.ndimage.distance_transform_edt with "
         "return_indices=True).")
    filled = np.where(bad, 0, np.nan_to_num(x, nan=0.0)).astype(np.int64)
    return filled, ~bad


def check_phase_map(phase: Any, name: str = "phase", *, labels: bool = False) -> np.ndarray:
    """A phase map: bool (two phases) or integer labels (``labels=True``).

    Two-phase use (``labels=False``, the default): accepts bool, integers or floats holding only
    0 and 1, and 8/16-bit masks holding only 0 and 255 (or 65535; read as 255 = phase, with a
    :class:`MLPCInputWarning`); returns a bool array. Label use (``labels=True``): accepts bool
    and integer labels (and floats with whole values); returns it unchanged (floats as int64).
    Anything else, e.g. an unsegmented grey image, raises :class:`MLPCInputError`: segment
    first. Works on one map or a stack; the message names the first bad map of a stack.

    "No data" (negative labels such as orix's -1 for points not indexed, or NaN among
    whole-number labels) is refused with the count and the fix (fill or crop): a label is
    never silently counted as a phase. Functions that can leave such points out call
    :func:`split_no_data` first.
    """
    x = np.asarray(phase)
    _numeric(x, name)
    if x.dtype == bool:
        return x
    bad = _no_data(x)
    if bad is not None:
        raise MLPCInputError(f"{_no_data_text(x, bad, name)}; this function would count them "
                             f"as a phase. {_FILL_NO_DATA.format(name=name)}.")
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


def near_zero_rows(X: Any, name: str = "X", *, min_sum: float | None = None) -> np.ndarray:
    """Spectra (rows) with no signal to divide by: vacuum, holes, dark-subtracted background.

    Normalising a spectrum by its total counts (thickness and beam current scale whole
    spectra) blows such a row up to noise of any size; find them first, then drop them or
    set them to zero. Rule: the row sum is <= 0, or it is at most 25 % of the 90th-percentile
    row sum AND within 3 times the row's own noise scale sqrt(sum of squares) (a weak but
    real spectrum is kept).

    Parameters
    ----------
    X : array_like, shape (n, channels)
        Spectra as rows (counts; dark-subtracted spectra may hold negative channels).
    name : str
        Name of ``X`` in error messages.
    min_sum : float, optional
        Flag the rows with a sum <= ``min_sum`` instead of the rule above.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Raises
    ------
    MLPCInputError
        Layout (one spectrum, a spectrum image not flattened) or NaN/inf values
        (:func:`check_spectra`).
    """
    x = check_spectra(X, name)
    sums = x.sum(axis=1)
    if min_sum is not None:
        return sums <= float(min_sum)
    limit = 0.25 * max(float(np.percentile(sums, 90)), 0.0)
    return (sums <= 0) | ((sums <= limit) & (sums <= 3 * np.sqrt((x**2).sum(axis=1))))


# ----------------------------------------------------------------------------- units
@dataclass(frozen=True)
class Quantity:
    """A physical quantity as the package's functions assume it: its ``unit``, the range
    ``plausible`` that a real measurement lies in (in that unit), the other units it is often
    exported in (``convert``: unit -> factor to ``unit``; converted with a warning when only
    that reading is plausible) and readings that are refused with their fix (``refuse``:
    (test on the values, what they look like, the fix), ``{name}`` = the argument)."""

    what: str
    unit: str
    plausible: tuple[float, float]
    convert: tuple[tuple[str, float], ...] = ()
    refuse: tuple[tuple[Callable[[np.ndarray], bool], str, str], ...] = ()


def _channel_numbers(a: np.ndarray) -> bool:
    return bool(a.size >= 16 and np.all(a == np.round(a)) and np.all(np.diff(a) == 1)
                and a[0] in (0, 1))


_CHANNELS = (_channel_numbers, "channel numbers, not energies",
             "energy = offset + scale * channel, with offset and scale from the file's header "
             "(EMSA/MSA: #OFFSET and #XPERCHAN, in eV there), or read the file with HyperSpy "
             "(hs.load(path)), which keeps the calibrated axis")

#: The quantities whose range the entry points check (:func:`check_quantity`,
#: :func:`check_axis` with ``plausible=``). Ranges are generous: they catch another unit
#: (a factor of 1000 or of 57), not unusual instruments.
QUANTITIES: dict[str, Quantity] = {
    "energy_keV": Quantity("an X-ray energy", "keV", (-1.0, 100.0), (("eV", 1e-3),),
                           (_CHANNELS,)),
    "beam_energy_keV": Quantity("a beam energy (accelerating voltage)", "keV", (0.1, 1000.0),
                                (("eV", 1e-3),)),
    "fwhm_eV": Quantity("a detector resolution (FWHM at Mn Kα)", "eV", (20.0, 1000.0),
                        (("keV", 1e3),)),
    "tth_deg": Quantity("a diffraction angle 2θ", "°", (0.0, 180.0), (), (
        (lambda a: bool(np.nanmax(np.abs(a)) <= np.pi), "radians",
         "np.degrees({name}) (this package's 2θ is in degrees; a powder scan in degrees "
         "reaches well beyond 3.14°)"),)),
    "time_s": Quantity("a time", "s", (-1e6, 1e6), (), (
        (lambda a: bool(np.nanmax(np.abs(a)) > 1e6),
         "timestamps (seconds since 1970) or times in ms, µs or ns",
         "subtract the start of the run and convert to seconds, e.g. "
         "({name} - {name}[0]) / 1e3 for milliseconds (/ 1e9 for nanoseconds, as pandas "
         "datetime64 values are)"),)),
    "hatch_mm": Quantity("a hatch spacing", "mm", (0.005, 2.0), (("µm", 1e-3),)),
    "layer_mm": Quantity("a layer thickness", "mm", (0.005, 2.0), (("µm", 1e-3),)),
    "spot_mm": Quantity("a laser spot diameter", "mm", (0.005, 5.0), (("µm", 1e-3),)),
    "d50_um": Quantity("a powder particle size D50", "µm", (0.5, 1000.0), (("mm", 1e3),)),
    "speed_mm_per_s": Quantity("a scan speed", "mm/s", (1.0, 1e5), (("m/s", 1e3),)),
    "intercept_mm": Quantity("a mean lineal intercept", "mm", (1e-5, 10.0), (("µm", 1e-3),)),
    "wavelength_A": Quantity("an X-ray tube wavelength (Ag 0.56 to Cr 2.29 Å)", "Å",
                             (0.3, 3.0), (("nm", 10.0), ("pm", 0.01))),
}
#: The quantity an axis in a unit is checked against when ``check_axis(plausible=True)``.
_AXIS_QUANTITY = {"keV": "energy_keV", "°": "tth_deg", "deg": "tth_deg", "s": "time_s"}


def _by(factor: float, name: str) -> str:
    return f"{name} / {1 / factor:g}" if factor < 1 else f"{name} * {factor:g}"


def check_quantity(values: Any, name: str, quantity: str | Quantity) -> Any:
    """``values`` (a scalar or an array) checked against the range a real measurement of
    ``quantity`` (a key of :data:`QUANTITIES`, or a :class:`Quantity`) lies in, in the unit
    the function assumes.

    In range: returned as given (floats). Out of range, but in range once read in one other
    unit of ``quantity.convert`` (an EDS axis up to 10 000 read as keV is in eV): converted,
    with a :class:`MLPCInputWarning` naming both units and the fix. Otherwise, and for the
    readings of ``quantity.refuse`` (2θ in radians, channel numbers, timestamps): one
    :class:`MLPCInputError` naming the argument, its range, the unit assumed and the fix.
    Non-finite values are left to the other checks.
    """
    q = QUANTITIES[quantity] if isinstance(quantity, str) else quantity
    scalar = np.ndim(values) == 0
    a = np.asarray(values, dtype=np.float64)
    fin = a[np.isfinite(a)]
    if fin.size == 0:
        return float(a) if scalar else a
    lo, hi = float(fin.min()), float(fin.max())
    plo, phi = q.plausible
    got = f"{lo:g}" if lo == hi else f"{lo:g} to {hi:g}"
    expect = f"{q.what} lies in {plo:g} to {phi:g} {q.unit}"
    for test, looks, fix in q.refuse:
        if test(fin):
            raise MLPCInputError(
                f"{name}: values {got} look like {looks} ({expect}). Fix: "
                f"{fix.format(name=name)}.")
    if plo <= lo and hi <= phi:
        return float(a) if scalar else a
    fits = [(u, f) for u, f in q.convert if plo <= lo * f and hi * f <= phi]
    if len(fits) == 1:
        u, f = fits[0]
        warn(f"{name}: values {got} are not plausible in {q.unit} ({expect}); "
             f"read as {u} and converted to {q.unit} ({_by(f, name)}). Pass {name} in "
             f"{q.unit} to say so yourself.")
        out = a * f
        return float(out) if scalar else out
    others = " or ".join(u for u, _ in q.convert)
    raise MLPCInputError(
        f"{name}: values {got} are not plausible in {q.unit} ({expect})"
        + (f", nor in {others}" if others else "")
        + f". Give {name} in {q.unit}: check the unit in the file's header or the column "
        "name, and convert before the call.")


def check_axis(axis: Any, name: str = "tth", *, n: int | None = None,
               unit: str = "°", data: str = "pattern",
               plausible: bool | str | Quantity = False) -> tuple[np.ndarray, bool]:
    """A 1-D, finite, strictly monotone axis (2θ, energy); returns ``(ascending, flipped)``.

    A strictly decreasing axis (an instrument that scans from high to low) is accepted:
    ``ascending`` is the reversed axis and ``flipped`` is True, so the caller reverses its data
    along that axis too (and back for results on the grid). ``n``: the required length (the
    points of the data). Raises :class:`MLPCInputError` for other shapes, lengths, non-finite
    values, repeated values or an axis that goes up and down (with how to sort it).

    ``plausible``: also check the axis's range for its unit with :func:`check_quantity`:
    ``True`` for the quantity of ``unit`` ("keV": an X-ray energy, "°": 2θ, "s": a time), or a
    key of :data:`QUANTITIES`. An axis in another unit is then converted (an EDS axis in eV:
    divided by 1000, with a :class:`MLPCInputWarning`) or refused with the fix (2θ in radians,
    channel numbers, timestamps); the returned axis is in ``unit``.
    """
    unit = unit.strip() if unit.strip() != "deg" else "°"
    quantity = (None if plausible is False else _AXIS_QUANTITY[unit] if plausible is True
                else plausible)
    unit = unit if unit == "°" else " " + unit
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
        return (a if quantity is None else check_quantity(a, name, quantity)), False
    if np.all(d < 0):
        a = a[::-1].copy()
        return (a if quantity is None else check_quantity(a, name, quantity)), True
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


def check_matrix(X: Any, name: str = "X", *, finite: bool = True,
                 predict: bool = False) -> np.ndarray:
    """A numeric table as float64 (n_samples, n_features); NaN/inf named by row and column
    (every column that holds one, with its rows); text columns named with the fix for the file
    (:func:`text_columns_message`: decimal commas, missing-value markers, ...). ``predict``:
    the input of a prediction; the message says that a missing input gives a NaN prediction,
    and to drop or fill those rows the way the training data was filled."""
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
        raise MLPCInputError(text_columns_message(X, name=name)) from None
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
            where = ", ".join(
                (f"{cols[j]!r}" if cols is not None else f"{j}")
                + f" (rows {_few(np.flatnonzero(bad[:, j]))})"
                for j in np.flatnonzero(bad.any(axis=0))[:6])
            fix = ("Drop them or impute (e.g. sklearn.impute.SimpleImputer inside the "
                   "pipeline).") if not predict else (
                "A missing input gives a NaN prediction, which would win np.argmax or a sort: "
                "drop those rows before predicting, or fill them the way the training data "
                "was filled.")
            raise MLPCInputError(
                f"{name}: row {r}{rl} holds NaN or inf in column {cl}; rows with "
                f"non-finite values: {_few(rows)}; columns: {where}. {fix}"
            )
    return x


# ----------------------------------------------------------------------------- tables
#: Cell texts that mean "missing" in exported tables and that pandas does not read as NaN
#: by default (pandas already reads "", "NA", "n/a", "NaN", "null", "None", ...).
MISSING_MARKERS = ("-", "--", "?", "n.a.", "k.a.", "n.d.", "nd", "#n/a", "x")
_NA_DEFAULT = {"", "n/a", "na", "nan", "null", "none", "<na>", "#n/a", "-nan", "n/a n/a"}
_DEC_COMMA = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d*),\d+\s*$")
_THOUSANDS_DOT = re.compile(r"^\s*[-+]?\d{1,3}(\.\d{3})+(,\d+)?\s*$")
_THOUSANDS_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(,\d{3})+\.\d+\s*$")
_UNIT = (r"(%|‰|°C?|[kMG]?Pa|[kmµμun]?[mgsWJKV]|[kM]?eV|[mµμ]m/s|m/s|J/mm[³3]|at\.?%|wt\.?%|"
         r"vol\.?%)")
_WITH_UNIT = re.compile(r"^\s*[-+]?\d+([.,]\d+)?\s*" + _UNIT + r"\s*$")
_UNIT_SUFFIX = re.compile(r"\s*" + _UNIT + r"\s*$")


def _is_number(v: Any) -> bool:
    if v is None or isinstance(v, (bool, np.bool_)):
        return isinstance(v, (bool, np.bool_))
    if isinstance(v, (int, float, np.number)):
        return True
    try:
        float(str(v))
        return True
    except ValueError:
        return False


def _text_cells(values: Any) -> list[str]:
    """The cells of one column that are neither numbers nor missing (as text)."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or _is_number(v):
            continue
        out.append(str(v))
    return out


def text_columns_message(frame: Any, columns: Sequence[Any] | None = None,
                         name: str = "frame") -> str:
    """The package's message for a table whose numeric columns hold text: names each text
    column with an example cell, says what the text looks like (decimal commas, thousands
    separators, missing-value markers such as ``-``, units in the cells, a wrong separator,
    a byte-order mark) and gives the fix for the file at hand, e.g.
    ``pd.read_csv(path, sep=";", decimal=",")``. ``columns``: those that must be numeric
    (default: all)."""
    import pandas as pd

    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else name)
    if not isinstance(frame, pd.DataFrame):
        a = np.asarray(frame, dtype=object)
        frame = pd.DataFrame(a if a.ndim == 2 else a.reshape(len(a), -1))
    cols = list(frame.columns if columns is None else columns)
    text = {c: _text_cells(frame[c]) for c in cols if c in frame.columns}
    stored = [c for c, t in text.items() if not t and frame[c].dtype == object
              and frame[c].notna().any()]
    text = {c: t for c, t in text.items() if t}
    if not text:
        if stored:
            eg = ", ".join(f"{c!r} (e.g. {frame[c].dropna().iloc[0]!r})" for c in stored[:6])
            return (f"{name}: column(s) {eg} hold numbers stored as text. Fix: convert them, "
                    "frame[cols] = frame[cols].apply(pd.to_numeric), or read the file so "
                    "that they are parsed (pd.read_csv does unless a cell holds text).")
        return (f"{name}: expected numbers; some entries are not numbers. Convert with "
                "pd.to_numeric first.")
    cells = [v for t in text.values() for v in t]
    kinds, read = [], {}
    if any(_DEC_COMMA.match(_UNIT_SUFFIX.sub("", v)) for v in cells):
        kinds.append("decimal commas (',' as the decimal mark, as German or French "
                     "software writes numbers)")
        read["sep"], read["decimal"] = ";", ","
        if any(_THOUSANDS_DOT.match(v) and "." in v for v in cells):
            read["thousands"] = "."
    elif any(_THOUSANDS_COMMA.match(v) for v in cells):
        kinds.append("thousands separators (1,234.5)")
        read["thousands"] = ","
    markers = sorted({v.strip() for v in cells if v.strip().lower() in MISSING_MARKERS
                      and v.strip().lower() not in _NA_DEFAULT})
    if markers:
        kinds.append(f"missing-value markers {markers}")
        read["na_values"] = markers
    units = [v for v in cells if _WITH_UNIT.match(v)]
    if units:
        kinds.append(f"units written in the cells (e.g. {units[0]!r})")
    names = [str(c) for c in frame.columns]
    if len(names) == 1 and ";" in names[0]:
        kinds.append("one column holding a whole ';'-separated line")
        read["sep"] = ";"
    if any(n.startswith("\ufeff") or n.startswith("ï»¿") for n in names):
        read["encoding"] = "utf-8-sig"
    listed = ", ".join(f"{c!r} (e.g. {t[0]!r})" for c, t in list(text.items())[:6])
    more = f" and {len(text) - 6} more" if len(text) > 6 else ""
    what = "; ".join(kinds) if kinds else "text that is not a number"
    fixes = []
    if read:
        args = ", ".join(f"{k}={v!r}" for k, v in read.items())
        fixes.append(f"read the file with pd.read_csv(path, {args})")
    if "decimal" in read:
        strip = ".str.replace('.', '')" if read.get("thousands") == "." else ""
        fixes.append("or convert the columns: frame[cols] = frame[cols].apply(lambda s: "
                     f"pd.to_numeric(s{strip}.str.replace(',', '.')))")
    if units:
        fixes.append("strip the unit (e.g. s.str.rstrip(' %')) and put it in the column name")
    if not fixes:
        fixes.append("encode the text columns or drop them, or convert with "
                     "pd.to_numeric(s, errors='coerce') (text becomes NaN) and look at "
                     "the rows that became NaN")
    return (f"{name}: column(s) {listed}{more} hold text, not numbers: {what}. Fix: "
            + "; ".join(fixes) + ".")


def check_numeric_columns(frame: Any, columns: Sequence[Any], name: str = "frame") -> Any:
    """``frame`` unchanged when every column of ``columns`` holds numbers (bool counts as
    numbers); else one :class:`MLPCInputError` from :func:`text_columns_message` naming the
    text columns and the fix for the file (``decimal=","``, ``sep=";"``, ``na_values``)."""
    import pandas as pd

    bad = [c for c in columns if c in frame.columns and not (
        pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))]
    bad = [c for c in bad if frame[c].notna().any()]
    if bad:
        raise MLPCInputError(text_columns_message(frame, bad, name))
    return frame


# ----------------------------------------------------------------------------- grids
def resample_to_grid(y: Any, axis: Any, grid: Any, *, name: str = "patterns",
                     axis_name: str = "tth", grid_name: str = "library_tth",
                     unit: str = "°") -> np.ndarray:
    """Data sampled on its own ``axis`` (rows of ``y``: (n_points,) or (n_points, n)) on the
    reference ``grid`` (a library's or model's grid), by linear interpolation (``np.interp``).

    Returns ``y`` unchanged (as float) when the two grids are the same. Otherwise the data are
    resampled, with a :class:`MLPCInputWarning` that names both grids, and returned on
    ``grid``, in its order (either axis may decrease). Counts are interpolated, not rebinned:
    right for intensities per step of one counting time. Raises :class:`MLPCInputError` when
    ``grid`` reaches more than one of its steps beyond the data (crop the reference to the
    data's range), with ``axis``' checks (:func:`check_axis`).
    """
    a = np.asarray(y, dtype=np.float64)
    one = a.ndim == 1
    a2 = a[:, None] if one else a
    ax, flipped = check_axis(axis, axis_name, n=a2.shape[0], unit=unit, data=name)
    g_asc, g_flip = check_axis(grid, grid_name, unit=unit, data="reference")
    g = np.asarray(grid, dtype=np.float64)
    if len(g) == len(ax) and np.allclose(ax, g_asc, rtol=0, atol=1e-6 * max(1.0, abs(g).max())):
        return a
    if flipped:
        a2 = a2[::-1]
    step = float(np.median(np.diff(g_asc)))
    u = unit if unit == "°" else " " + unit.strip()
    if g_asc[0] < ax[0] - step - 1e-9 or g_asc[-1] > ax[-1] + step + 1e-9:
        raise MLPCInputError(
            f"{name}: measured from {ax[0]:g} to {ax[-1]:g}{u} ({axis_name}), but {grid_name} "
            f"runs from {g_asc[0]:g} to {g_asc[-1]:g}{u}; data cannot be made up beyond the "
            f"scan. Crop the reference to the scan's range (rows where {ax[0]:g} <= "
            f"{grid_name} <= {ax[-1]:g}) or measure the full range.")
    out = np.column_stack([np.interp(g, ax, a2[:, j]) for j in range(a2.shape[1])])
    d = np.diff(ax)
    warn(f"{name}: sampled on its own {axis_name} grid ({len(ax)} points, {ax[0]:g}-"
         f"{ax[-1]:g}{u}, steps {d.min():.4g}-{d.max():.4g}{u}), not on {grid_name} "
         f"({len(g)} points, {g_asc[0]:g}-{g_asc[-1]:g}{u}, step {step:.4g}{u}): resampled "
         f"onto {grid_name} by linear interpolation. To do it yourself: "
         f"np.interp({grid_name}, {axis_name}, y) for each pattern.")
    return out[:, 0] if one else out


# ----------------------------------------------------------------------------- fractions
def _pct_hint(name: str) -> str:
    return f"divide by 100 ({name} / 100)"


def check_fractions(x: Any, name: str = "x", *, total: float = 1.0) -> np.ndarray:
    """Rows of fractions (or of percentages, ``total=100``) as float64, (n,) or (n, k).

    Detects the other scale from the row sums: with ``total=1`` rows that all sum to 50-150
    are percentages (wt% from a Rietveld table) and are divided by 100, with a
    :class:`MLPCInputWarning`; with ``total=100`` rows that all sum to 0.5-1.5 are fractions
    and are multiplied by 100. A table whose rows all sum to ~1 or ~100, of both kinds,
    raises :class:`MLPCInputError` naming the rows. Other sums are left alone (the function
    decides: e.g. unconstrained fit results to be projected).
    """
    a = np.asarray(x, dtype=np.float64)
    rows = np.atleast_2d(a)
    if rows.ndim != 2 or rows.size == 0 or not np.isfinite(rows).all():
        return a
    sums = rows.sum(axis=1)
    as_pct = (sums >= 50) & (sums <= 150)  # the two scales: percentages sum to ~100,
    as_frac = (sums >= 0.5) & (sums <= 1.5)  # fractions to ~1
    got = f"{sums.min():.4g}" if len(sums) == 1 else f"{sums.min():.4g} to {sums.max():.4g}"
    if total in (1, 100) and (as_pct | as_frac).all() and as_pct.any() and as_frac.any():
        raise MLPCInputError(
            f"{name}: rows {_few(np.flatnonzero(as_pct))} sum to ~100 (percentages) but rows "
            f"{_few(np.flatnonzero(as_frac))} sum to ~1 (fractions); one scale per table. "
            f"Convert the percentage rows ({_pct_hint(name)}) or the fraction rows (* 100).")
    if total == 1 and as_pct.all():
        warn(f"{name}: rows sum to {got}, so they are percentages, not fractions (this "
             f"function works on fractions, total=1); divided by 100. Pass {name} / 100 to "
             "say so yourself, or total=100 where the function takes it.")
        return a / 100.0
    if total == 100 and as_frac.all():
        warn(f"{name}: rows sum to {got}, so they are fractions, not percentages "
             f"(total=100); multiplied by 100. Pass {name} * 100 or total=1 to say so "
             "yourself.")
        return a * 100.0
    return a


def check_percent(value: Any, name: str, *, typical: str = "") -> float:
    """One percentage in (0, 100). A value in (0, 1] is named as a fraction with the fix
    (``100 * value``): percentages of a spiked standard, a porosity or a wt% are rarely
    below 1 (``typical`` adds an example, e.g. "20 for 20 wt% corundum")."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MLPCInputError(f"{name}: expected a percentage (a number in 0..100); got "
                             f"{value!r}.") from None
    eg = f" ({typical})" if typical else ""
    if 0 < v <= 1:
        raise MLPCInputError(f"{name}: {v:g} looks like a fraction; this argument is in % "
                             f"(0..100): pass {100 * v:g}{eg}.")
    if not 0 < v < 100:
        raise MLPCInputError(f"{name} must be in (0, 100) %; got {value!r}{eg}.")
    return v


def check_fraction(value: Any, name: str, *, low_open: bool = True,
                   high_open: bool = True) -> float:
    """One fraction in (0, 1) (closed ends with ``low_open``/``high_open`` False). A value
    in 1-100 is named as a percentage with the fix (``value / 100``); others as out of range.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MLPCInputError(f"{name}: expected a fraction (a number in 0..1); got "
                             f"{value!r}.") from None
    ok = ((0 < v) if low_open else (0 <= v)) and ((v < 1) if high_open else (v <= 1))
    if ok:
        return v
    if 1 < v <= 100:
        raise MLPCInputError(f"{name}: {v:g} looks like a percentage; this argument is a "
                             f"fraction in (0, 1): pass {v / 100:g} ({v:g} / 100).")
    raise MLPCInputError(f"{name} is a fraction in {'(' if low_open else '['}0, 1"
                         f"{')' if high_open else ']'}, e.g. 0.9; got {value!r}.")


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


# ----------------------------------------------------------------------- estimators
def check_table(estimator: Any, X: Any, *, reset: bool, name: str = "X",
                min_samples: int = 1, min_features: int = 1, predict: bool | None = None,
                hint: str = "") -> np.ndarray:
    """The numeric table (n_samples, n_features) of an estimator's ``fit`` (``reset=True``)
    or ``predict`` / ``transform`` (``reset=False``), as float64.

    The package's checks (:func:`check_matrix`: text and NaN/inf named by row and column),
    then scikit-learn's bookkeeping (``sklearn.utils.validation.validate_data``: sets
    ``n_features_in_`` / ``feature_names_in_`` in ``fit``, checks them afterwards), so that
    the estimator passes ``sklearn.utils.estimator_checks.check_estimator``. Every problem
    raises :class:`MLPCInputError`; the messages keep scikit-learn's wording ("Reshape your
    data", "0 feature(s) ... while a minimum of 1 is required", "X has 3 features, but ...
    is expecting 4 features as input") so that they read the same in both.

    ``hint`` replaces the fix of the message for another number of features than in
    ``fit`` (e.g. "pass embeddings of the same backbone").

    Raises
    ------
    MLPCInputError
        Sparse, complex, 1-D or non-numeric input; NaN or inf; fewer than ``min_samples``
        rows or ``min_features`` columns; another number of features than in ``fit``.
    """
    from scipy import sparse
    from sklearn.utils.validation import validate_data

    est = type(estimator).__name__
    if sparse.issparse(X):
        raise MLPCInputError(f"{name}: {est} does not support sparse input (a scipy.sparse "
                             f"matrix); pass a dense array, {name}.toarray().")
    try:
        probe = np.asarray(X)  # array-likes (lists, DataFrames, __array__ objects)
    except (TypeError, ValueError):  # ragged rows: check_matrix names them below
        probe = np.empty((0, 0))
    if np.iscomplexobj(probe):
        raise MLPCInputError(f"{name}: Complex data not supported by {est}; pass the real "
                             "part or the modulus (np.abs) of the values.")
    if probe.ndim == 1:
        raise MLPCInputError(
            f"{name}: expected a 2-D table (n_samples, n_features), got a 1-D array of "
            f"{probe.size} values. Reshape your data: {name}.reshape(-1, 1) if it holds one "
            f"feature, {name}.reshape(1, -1) if it holds one sample.")
    x = check_matrix(X, name, predict=(not reset) if predict is None else predict)
    n, d = x.shape
    want = getattr(estimator, "n_features_in_", None)
    if not reset and want is not None and d != want:
        raise MLPCInputError(
            f"X has {d} features, but {est} is expecting {want} features as input ({name}: "
            f"{hint or 'pass the columns the estimator was fitted on, in the same order'}).")
    if n < min_samples:
        raise MLPCInputError(
            f"{name}: {n} sample(s) (shape={x.shape}) while a minimum of {min_samples} is "
            f"required by {est}; pass at least {min_samples} rows.")
    if d < min_features:
        raise MLPCInputError(
            f"{name}: {d} feature(s) (shape={x.shape}) while a minimum of {min_features} is "
            f"required by {est}; pass at least {min_features} columns.")
    try:
        validate_data(estimator, X, reset=reset, ensure_all_finite=False,
                      ensure_min_samples=0, ensure_min_features=0)
    except ValueError as err:
        fix = ("" if reset else " Pass the columns the estimator was fitted on, in the same "
               "order.")
        raise MLPCInputError(f"{name}: {err}{fix}") from None
    return x


def check_target(estimator: Any, y: Any, *, n: int, name: str = "y") -> np.ndarray:
    """The target of a regressor's ``fit``: one finite number per row of ``X`` (float64, (n,)).

    A column vector (n, 1) is raveled with scikit-learn's ``DataConversionWarning``; ``None``
    and anything else that is not ``n`` finite numbers raise :class:`MLPCInputError` (in
    scikit-learn's wording where its estimator checks look for it).
    """
    from sklearn.utils.validation import column_or_1d

    est = type(estimator).__name__
    if y is None:
        raise MLPCInputError(f"{name}: {est} requires y to be passed, but the target y is "
                             "None; pass one target value per row of X.")
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = column_or_1d(a, warn=True)
    return check_vector(a, name, n=n, against="X")
