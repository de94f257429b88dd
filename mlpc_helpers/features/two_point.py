"""Two-point statistics S2 of two-phase images by FFT.

S2(r) = P(x in phase and x + r in phase). ``periodic=True`` treats the image as one period of
an infinite structure (circular correlation); ``periodic=False`` zero-pads and divides by the
number of pixel pairs that lie inside the image at each r (masked normalisation), so S2 is
unbiased without wrapping around the edges.
"""

from __future__ import annotations

import numpy as np

from ..validation import MLPCInputError
from ._base import ImageStackTransformer


def autocorrelation(phase: np.ndarray, periodic: bool = True) -> np.ndarray:
    """S2 map of one 2-D image, centred: element ``[H//2 + dy, W//2 + dx]`` is S2(dy, dx).

    Output shape equals the input shape (periodic) or (2H-1, 2W-1) (non-periodic; every
    displacement up to the image size). ``phase``: 2-D bool or 0/1 (the indicator of the phase);
    a grey image raises ``MLPCInputError`` (segment first).
    """
    from ..validation import check_image, check_phase_map

    m = check_phase_map(check_image(phase, "phase"), "phase").astype(float)
    if periodic:
        f = np.fft.rfft2(m)
        s2 = np.fft.irfft2(f * np.conj(f), s=m.shape) / m.size
        return np.fft.fftshift(s2)
    h, w = m.shape
    shape = (2 * h - 1, 2 * w - 1)
    f = np.fft.rfft2(m, s=shape)
    ones = np.fft.rfft2(np.ones_like(m), s=shape)
    num = np.fft.irfft2(f * np.conj(f), s=shape)
    den = np.fft.irfft2(ones * np.conj(ones), s=shape)
    s2 = num / np.maximum(np.rint(den), 1.0)
    # put r = 0 at the centre (h - 1, w - 1)
    return np.roll(s2, (h - 1, w - 1), axis=(0, 1))


def centre(s2_map: np.ndarray) -> tuple[int, int]:
    """Index of r = 0 in a map from :func:`autocorrelation` (periodic or not)."""
    h, w = s2_map.shape
    return h // 2, w // 2


def crop(s2_map: np.ndarray, r_max: int) -> np.ndarray:
    """The (2 r_max + 1)^2 window of displacements |dx|, |dy| <= r_max around r = 0."""
    cy, cx = centre(s2_map)
    if r_max < 0 or cy - r_max < 0 or cx - r_max < 0 or cx + r_max >= s2_map.shape[1] \
            or cy + r_max >= s2_map.shape[0]:
        raise MLPCInputError(f"r_max={r_max} does not fit the S2 map of shape {s2_map.shape}.")
    return s2_map[cy - r_max:cy + r_max + 1, cx - r_max:cx + r_max + 1]


def radial_average(s2_map: np.ndarray, r_max: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal average of a centred S2 map in integer-width rings.

    Returns ``(r, s2)``: ring radii 0, 1, ..., r_max (pixels) and the mean S2 in each ring
    (ring k holds displacements with round(|r|) = k).
    """
    cy, cx = centre(s2_map)
    r_max = min(cy, cx, s2_map.shape[0] - cy - 1, s2_map.shape[1] - cx - 1) \
        if r_max is None else r_max
    yy, xx = np.indices(s2_map.shape)
    ring = np.rint(np.hypot(yy - cy, xx - cx)).astype(int)
    keep = ring <= r_max
    sums = np.bincount(ring[keep], weights=s2_map[keep], minlength=r_max + 1)
    counts = np.bincount(ring[keep], minlength=r_max + 1)
    return np.arange(r_max + 1), sums / np.maximum(counts, 1)


class TwoPointStatistics(ImageStackTransformer):
    """scikit-learn transformer: a stack of two-phase images (n, H, W) -> S2 feature vectors.

    ``radial=False``: the 2-D window |dx|, |dy| <= ``r_max`` flattened ((2 r_max + 1)^2
    features; keeps anisotropy). ``radial=True``: the radial average, r = 0..r_max
    (r_max + 1 features; isotropic summary). ``fit`` only validates the stack, so it is safe
    before a train-fold-only StandardScaler in a Pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> from mlpc_helpers.synthetic import microstructure
    >>> stack = np.stack([microstructure.two_phase((32, 32), 0.4, 2.0, random_state=s)
    ...                   for s in range(3)])
    >>> s2 = TwoPointStatistics(r_max=2, radial=True).fit_transform(stack)
    >>> s2.shape, bool(np.allclose(s2[:, 0], stack.mean(axis=(1, 2))))  # S2(0) = V_V
    ((3, 3), True)
    """

    def __init__(self, r_max: int = 8, periodic: bool = True, radial: bool = False) -> None:
        self.r_max = r_max
        self.periodic = periodic
        self.radial = radial

    def transform(self, X) -> np.ndarray:  # noqa: N803
        self._check_fitted()
        X = self._check_phase_stack(X)
        rows = []
        for img in X:
            s2 = autocorrelation(img, self.periodic)
            rows.append(radial_average(s2, self.r_max)[1] if self.radial
                        else crop(s2, self.r_max).ravel())
        return np.asarray(rows)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``S2_r<r>`` (radial) or ``S2_dy<dy>_dx<dx>`` (window, row-major), lags in pixels."""
        r = int(self.r_max)
        if self.radial:
            return np.array([f"S2_r{k}" for k in range(r + 1)], dtype=object)
        return np.array([f"S2_dy{dy}_dx{dx}" for dy in range(-r, r + 1)
                         for dx in range(-r, r + 1)], dtype=object)
