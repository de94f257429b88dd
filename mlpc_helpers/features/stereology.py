"""Classical stereology on 2-D sections, one home: point-count V_V, line-intercept P_L
(:func:`intercept_counts`, the one P_L), S_V, mean chord length and spacing, mean lineal
intercept and the ASTM E112 grain-size number G.

Images are 2-D arrays: a bool phase map (True = the phase measured), a class map with the
classes of the phase given as ``phase=``, or an int label map of grains. Test lines are the
image rows (along x) and columns (along y); ``periodic=True`` also counts the crossing
between the last and the first pixel (for periodic synthetic images). Points without data
(negative labels such as orix's -1 for EBSD points not indexed, NaN) are left out with a
warning (:data:`NO_DATA_RULE`). Lengths are in pixels unless a ``pixel_size`` is given.
"""

from __future__ import annotations

import numpy as np

from ..validation import MLPCInputError
from ._base import ImageStackTransformer

# ASTM E112-13, eq. (5): G from the mean lineal intercept in mm.
_G_INTERCEPT = (-6.643856, -3.288)


def _image(image: np.ndarray, name: str = "phase", labels: bool = False) -> np.ndarray:
    """One 2-D phase map (bool / 0-1; integer labels with ``labels=True``): an unsegmented grey
    image, a colour image or a stack raises ``MLPCInputError`` with the fix."""
    from ..validation import MLPCInputError, check_image, check_phase_map

    try:
        image = check_image(image, name)
    except MLPCInputError as err:
        raise MLPCInputError(f"{err} Use StereologyFeatures for a stack (n, H, W).") from None
    return check_phase_map(image, name, labels=labels)


#: How the stereology functions treat "no data" points (validation.split_no_data).
NO_DATA_RULE = ("left out: each test line (row or column) closes over them, so a chord is not "
                "cut by a point without data, and fractions count the points with data only")


def _masked(image: np.ndarray, name: str = "phase", labels: bool = False
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_image` for maps that may hold "no data" (negative labels such as orix's -1 for
    points not indexed, or NaN): returns (map, valid or None), with a warning naming the count
    (the package's one rule: :func:`mlpc_helpers.validation.split_no_data`)."""
    from ..validation import MLPCInputError, check_image, split_no_data

    try:
        image = check_image(image, name)
    except MLPCInputError as err:
        raise MLPCInputError(f"{err} Use StereologyFeatures for a stack (n, H, W).") from None
    image, valid = split_no_data(image, name, how=NO_DATA_RULE)
    return _image(image, name, labels), valid


def _crossings(image: np.ndarray, axis: int = 1, valid: np.ndarray | None = None,
               periodic: bool = False) -> tuple[int, int]:
    """(boundary crossings, test-line steps) along rows (``axis=1``) or columns (``axis=0``).

    A crossing is a change of value between neighbouring points of a line. With ``valid``
    (False = no data) a line closes over the points without data: the step from one valid
    point to the next valid point is one step, so a chord is not cut by a missing point
    (``periodic`` is then ignored).
    """
    a = np.moveaxis(image, axis, -1)
    if valid is None:
        nxt = np.roll(a, -1, axis=-1) if periodic else a[..., 1:]
        cur = a if periodic else a[..., :-1]
        return int(np.count_nonzero(cur != nxt)), int(cur.size)
    v = np.moveaxis(valid, axis, -1)
    idx = np.where(v, np.arange(a.shape[-1]), -1)
    last = np.maximum.accumulate(idx, axis=-1)  # the last valid point up to here
    prev = np.concatenate([np.full(last.shape[:-1] + (1,), -1), last[..., :-1]], axis=-1)
    step = v & (prev >= 0)
    before = np.take_along_axis(a, np.clip(prev, 0, None), axis=-1)
    return int(np.count_nonzero(step & (before != a))), int(step.sum())


def _map(mask, phase, name: str, labels: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(map, valid): with ``phase`` (class indices) the bool map of those classes in a class
    map; without, ``mask`` itself (a bool phase map, or labels with ``labels=True``).
    "No data" points are left out (``valid`` False there; None when there are none)."""
    if phase is None:
        return _masked(mask, name, labels=labels)
    m, valid = _masked(mask, name, labels=True)
    if np.issubdtype(np.asarray(mask).dtype, np.floating) and valid is None:  # NaN = no data
        raise MLPCInputError(f"{name} holds floats; pass a class map (integers or bool), e.g. "
                             "segment first.")
    return np.isin(m, np.atleast_1d(phase)), valid


def _p_l(image: np.ndarray, valid: np.ndarray | None, axis: int | None, periodic: bool,
         pixel_size: float) -> float:
    """Crossings per unit length of test line, along ``axis`` or all lines pooled (None)."""
    if axis not in (None, 0, 1):
        raise MLPCInputError(f"axis must be 0 (along y), 1 (along x) or None (both); got "
                             f"{axis}.")
    parts = [_crossings(image, ax, valid, periodic) for ax in ((1, 0) if axis is None
                                                                 else (axis,))]
    crossings, steps = sum(c for c, _ in parts), sum(n for _, n in parts)
    return crossings / (steps * pixel_size) if steps else float("nan")


def point_count_vv(mask: np.ndarray, spacing: int = 8, offset: int | None = None, *,
                   phase=None) -> float:
    """Volume fraction V_V by systematic point counting (ASTM E562): the fraction of the
    points of a square grid with ``spacing`` pixels that fall in the phase (``mask`` True, or
    the classes ``phase`` of a class map). Points without data (negative labels, NaN) are
    left out, with a warning.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((64, 64), bool)
    >>> mask[:, :16] = True  # a quarter of the image
    >>> point_count_vv(mask, spacing=8)
    0.25
    """
    m, valid = _map(mask, phase, "mask")
    if spacing < 1:
        raise MLPCInputError(f"spacing must be a positive number of pixels; got {spacing}.")
    o = spacing // 2 if offset is None else offset
    pts = m[o::spacing, o::spacing]
    if valid is not None:
        pts = pts[valid[o::spacing, o::spacing]]
    return float(pts.mean()) if pts.size else float("nan")


def intercept_counts(image: np.ndarray, axis: int | None = None, periodic: bool = False, *,
                     phase=None, pixel_size: float = 1.0) -> float:
    """P_L: boundary crossings per unit length of test line: the one P_L of the package.

    Test lines are the rows (along x, ``axis=1``), the columns (along y, ``axis=0``) or all
    of them pooled (``axis=None``: crossings over the total line length). A crossing is a
    change of value between neighbouring pixels, so the same function counts phase
    boundaries (a bool map, or the classes ``phase`` of a class map) and grain boundaries
    (a label image). ``periodic`` also counts the step from the last pixel to the first.
    In an isotropic structure S_V = 2 P_L (Saltykov 1958; Underwood 1970).

    Parameters
    ----------
    image : array_like (H, W)
        Bool phase map or integer label map.
    axis : {None, 0, 1}
    periodic : bool
    phase : int or sequence of int, optional
        Classes that form the phase; crossings are then in and out of them.
    pixel_size : float
        Length of one pixel; the result is per this unit (default per pixel).

    Returns
    -------
    float
        P_L in 1 / (unit of ``pixel_size``). Points without data (negative labels, NaN) are
        left out with a warning: the line closes over them.
    """
    m, valid = _map(image, phase, "image", labels=True)
    return _p_l(m, valid, axis, periodic, pixel_size)


def surface_density(mask: np.ndarray, pixel_size: float = 1.0, periodic: bool = False, *,
                    phase=None) -> float:
    """Interface area per unit volume S_V = 2 P_L (in 1/unit of ``pixel_size``), with P_L of
    all rows and columns pooled (:func:`intercept_counts`; isotropic-structure assumption).
    Points without data are left out (the lines close over them)."""
    m, valid = _map(mask, phase, "mask")
    return 2 * _p_l(m, valid, None, periodic, pixel_size)


def mean_chord_length(mask: np.ndarray, *, phase=None, pixel_size: float = 1.0,
                      periodic: bool = False) -> float:
    """Mean intercept (chord) length of the phase on rows and columns: L̄ = 2 L_L / P_L.

    L_L is the fraction of test-line length inside the phase (= area fraction), P_L the
    crossings per unit line length (:func:`intercept_counts`, all lines pooled); each chord
    has two ends, so the number of chords per unit length is P_L / 2 (Underwood 1970,
    eq. 4.8). Chords cut by the image border are counted by their interior ends only, which
    keeps the estimate unbiased. Points without data are left out with a warning: L_L counts
    the points with data only and a chord is not cut by a point without data.

    Returns
    -------
    float
        L̄ in the unit of ``pixel_size``; ``inf`` when no interface is crossed.
    """
    m, valid = _map(mask, phase, "mask")
    p_l = _p_l(m, valid, None, periodic, pixel_size)
    l_l = m[valid].mean() if valid is not None else m.mean()
    return float(2.0 * l_l / p_l) if p_l > 0 else float("inf")


def mean_spacing(mask: np.ndarray, *, phase=None, pixel_size: float = 1.0,
                 periodic: bool = False) -> float:
    """Mean repeat distance of a two-phase structure along test lines, 1 / N_L = 2 / P_L.

    It is the mean chord of the phase plus the mean chord of the rest (the mean free path):
    L̄_α + λ = 1 / N_L, Underwood's "mean random spacing" (Underwood 1970).

    Returns
    -------
    float
        In the unit of ``pixel_size``; ``inf`` when no interface is crossed.
    """
    m, valid = _map(mask, phase, "mask")
    p_l = _p_l(m, valid, None, periodic, pixel_size)
    return float(2.0 / p_l) if p_l > 0 else float("inf")


def mean_lineal_intercept(labels: np.ndarray, pixel_size: float = 1.0,
                          periodic: bool = False) -> float:
    """Mean lineal intercept of a grain-label image, 1 / P_L with P_L of all rows and columns
    pooled, in the units of ``pixel_size`` (ASTM E112 Heyn intercept method). Points without
    data are left out (the lines close over them)."""
    m, valid = _masked(labels, "labels", labels=True)
    pl = _p_l(m, valid, None, periodic, 1.0)
    if pl == 0:
        raise MLPCInputError("No grain boundary crosses the test lines: the image holds one grain.")
    return pixel_size / pl


def astm_grain_size_from_intercept(mean_intercept_mm: float | np.ndarray) -> np.ndarray | float:
    """ASTM E112 grain-size number G from the mean lineal intercept in mm (an intercept in
    µm, e.g. 25 for 25 µm, is converted with a warning: :func:`validation.check_quantity`)."""
    from ..validation import check_quantity

    a, b = _G_INTERCEPT
    return a * np.log10(check_quantity(mean_intercept_mm, "mean_intercept_mm",
                                       "intercept_mm")) + b


class StereologyFeatures(ImageStackTransformer):
    """Stereological scalars of each image of a stack (n, H, W) of bool phase maps.

    Columns: V_V (point count), S_V (1/px) and the mean intercept length of the phase
    4 V_V / S_V (px). ``fit`` only validates the stack (see :class:`ImageStackTransformer`).

    Examples
    --------
    >>> import numpy as np
    >>> from mlpc_helpers.synthetic import microstructure
    >>> stack = np.stack([microstructure.two_phase((32, 32), 0.4, 2.0, random_state=s)
    ...                   for s in range(3)])
    >>> features = StereologyFeatures().fit(stack)
    >>> features.transform(stack).shape, list(features.get_feature_names_out())
    ((3, 3), ['V_V', 'S_V_per_px', 'mean_intercept_px'])
    """

    def __init__(self, spacing: int = 4, periodic: bool = False) -> None:
        self.spacing = spacing
        self.periodic = periodic

    def transform(self, X) -> np.ndarray:  # noqa: N803
        self._check_fitted()
        X = self._check_phase_stack(X)
        out = np.empty((len(X), 3))
        for i, img in enumerate(X):
            vv = point_count_vv(img, self.spacing)
            sv = surface_density(img, 1.0, self.periodic)
            out[i] = vv, sv, 4 * vv / sv if sv > 0 else 0.0
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(["V_V", "S_V_per_px", "mean_intercept_px"], dtype=object)
