"""Classical stereology on 2-D sections: point-count V_V, line-intercept P_L and S_V, mean
lineal intercept and the ASTM E112 grain-size number G.

Images are 2-D arrays: a bool phase map (True = the phase measured) or an int label map of
grains. Test lines are the image rows (along x) and columns (along y); ``periodic=True`` also
counts the crossing between the last and the first pixel (for periodic synthetic images).
"""

from __future__ import annotations

import numpy as np

from ..validation import MLPCInputError
from ._base import ImageStackTransformer

# ASTM E112-13, eq. (4) and (5): G from the number of grains per mm^2 at 1x and from the
# mean lineal intercept in mm.
_G_AREA = (3.321928, -2.954)
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


def point_count_vv(phase: np.ndarray, spacing: int = 8, offset: int | None = None) -> float:
    """Volume fraction V_V by systematic point counting (ASTM E562): the fraction of the
    points of a square grid with ``spacing`` pixels that fall in the phase (``phase`` True).
    """
    phase = _image(phase)
    if spacing < 1:
        raise MLPCInputError(f"spacing must be a positive number of pixels; got {spacing}.")
    o = spacing // 2 if offset is None else offset
    return float(phase[o::spacing, o::spacing].mean())


def intercept_counts(image: np.ndarray, axis: int = 1, periodic: bool = False) -> float:
    """P_L: boundary crossings per pixel of test line, along x (``axis=1``, rows) or y
    (``axis=0``, columns). A crossing is a change of value between neighbouring pixels, so the
    same function counts phase boundaries (bool image) and grain boundaries (label image).
    """
    image = _image(image, "image", labels=True)
    if axis not in (0, 1):
        raise MLPCInputError(f"axis must be 0 (along y) or 1 (along x); got {axis}.")
    nxt = np.roll(image, -1, axis=axis) if periodic else np.delete(image, 0, axis=axis)
    cur = image if periodic else np.delete(image, -1, axis=axis)
    crossings = np.count_nonzero(cur != nxt)
    length = image.size if periodic else image.size - image.shape[1 - axis]
    return crossings / length


def surface_density(phase: np.ndarray, pixel_size: float = 1.0, periodic: bool = False) -> float:
    """Interface area per unit volume S_V = 2 P_L (in 1/unit of ``pixel_size``), with P_L
    averaged over test lines along x and y (isotropic-structure assumption)."""
    phase = _image(phase)
    pl = 0.5 * (intercept_counts(phase, 1, periodic) + intercept_counts(phase, 0, periodic))
    return 2 * pl / pixel_size


def mean_lineal_intercept(labels: np.ndarray, pixel_size: float = 1.0,
                          periodic: bool = False) -> float:
    """Mean lineal intercept of a grain-label image, 1 / P_L with P_L averaged over rows and
    columns, in the units of ``pixel_size`` (ASTM E112 Heyn intercept method)."""
    labels = _image(labels, "labels", labels=True)
    pl = 0.5 * (intercept_counts(labels, 1, periodic) + intercept_counts(labels, 0, periodic))
    if pl == 0:
        raise MLPCInputError("No grain boundary crosses the test lines: the image holds one grain.")
    return pixel_size / pl


def astm_grain_size_from_intercept(mean_intercept_mm: float | np.ndarray) -> np.ndarray | float:
    """ASTM E112 grain-size number G from the mean lineal intercept in mm."""
    a, b = _G_INTERCEPT
    return a * np.log10(mean_intercept_mm) + b


def astm_grain_size_from_area(grains_per_mm2: float | np.ndarray) -> np.ndarray | float:
    """ASTM E112 grain-size number G from the number of grains per mm^2 (planimetric)."""
    a, b = _G_AREA
    return a * np.log10(grains_per_mm2) + b


class StereologyFeatures(ImageStackTransformer):
    """Stereological scalars of each image of a stack (n, H, W) of bool phase maps.

    Columns: V_V (point count), S_V (1/px) and the mean intercept length of the phase
    4 V_V / S_V (px). ``fit`` only validates the stack (see :class:`ImageStackTransformer`).
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
