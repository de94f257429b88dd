"""X-ray line physics (mlpc_helpers.xray): exspy's line table and the detector width law."""

import numpy as np
import pytest

from mlpc_helpers import xray


def test_line_table_uses_exspy_and_excitation():
    t = xray.line_table(10.0)
    fe = t[(t.element == "Fe") & (t.line == "Ka")]
    assert len(fe) == 1 and abs(float(fe.energy_keV.iloc[0]) - 6.40) < 0.01
    assert not ((t.element == "W") & t.line.str.startswith("L")).any()  # W L edge > 10 kV
    assert "Ar" not in set(t.element)
    assert t.principal[t.line == "Ka"].all()


def test_fwhm_grows_with_energy_from_the_mn_ka_value():
    assert xray.fwhm_at_energy(5.8987, 130.0) == pytest.approx(0.130)
    widths = xray.fwhm_at_energy(np.array([1.0, 5.0, 9.0]), 130.0)
    assert np.all(np.diff(widths) > 0)
