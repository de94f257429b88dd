"""Two-point statistics S2 by FFT."""

import numpy as np
import pytest
from sklearn.base import clone

from mlpc_helpers.features import two_point as tp
from mlpc_helpers.synthetic import microstructure as ms


@pytest.mark.parametrize("periodic", [True, False])
def test_s2_at_zero_is_vv_and_symmetric(periodic):
    img = ms.two_phase((64, 64), 0.35, 3.0, random_state=2)
    s2 = tp.autocorrelation(img, periodic=periodic)
    cy, cx = tp.centre(s2)
    assert s2[cy, cx] == pytest.approx(img.mean())
    window = tp.crop(s2, 20)
    np.testing.assert_allclose(window, window[::-1, ::-1], atol=1e-12)  # S2(r) = S2(-r)


def test_s2_tends_to_vv_squared():
    img = ms.two_phase((256, 256), 0.4, 3.0, random_state=0)
    r, s2 = tp.radial_average(tp.autocorrelation(img))
    assert s2[0] == pytest.approx(0.4, abs=1e-3)
    assert np.mean(s2[60:]) == pytest.approx(0.16, abs=0.01)
    assert np.all(np.diff(s2[:6]) < 0)


def test_nonperiodic_s2_is_exact_pair_count():
    img = np.zeros((5, 6), bool)
    img[1:3, 2:5] = True
    s2 = tp.autocorrelation(img, periodic=False)
    cy, cx = tp.centre(s2)
    # displacement dx = +1: pairs (x, x+1) inside the image, both in the phase: 2 rows x 2
    assert s2[cy, cx + 1] == pytest.approx(4 / (5 * 5))
    # the largest displacement: one pair, corner to corner
    assert s2.shape == (9, 11) and s2[cy + 4, cx + 5] == pytest.approx(0, abs=1e-12)


def test_transformer():
    imgs = np.stack([ms.two_phase((32, 32), 0.3, 2.0, random_state=s) for s in range(4)])
    t = tp.TwoPointStatistics(r_max=5)
    assert clone(t).fit_transform(imgs).shape == (4, 121)
    assert tp.TwoPointStatistics(r_max=5, radial=True).fit_transform(imgs).shape == (4, 6)
    with pytest.raises(ValueError, match="stack of images"):
        t.fit(imgs).transform(imgs[0])
    with pytest.raises(ValueError, match="does not fit"):
        tp.crop(tp.autocorrelation(imgs[0]), 40)
