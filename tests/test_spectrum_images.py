"""Tests of the synthetic spectrum images (EELS and EDS cubes) and their X-ray physics.

The analysis of the cubes (normalisation, NMF abundances, trace detection, the Drude fit,
PCA + MiniBatchKMeans) is written in notebooks/week05_hyperspectral.ipynb.
"""

import numpy as np
import pytest

from mlpc_helpers import xray
from mlpc_helpers.synthetic import spectrum_images as si


@pytest.fixture(scope="module")
def eels():
    return si.make_eels_cube(shape=(24, 24), random_state=0)


@pytest.fixture(scope="module")
def eds():
    return si.make_eds_cube(shape=(24, 24), trace_ppm=2000, random_state=0)


def test_drude_loss_peaks_near_plasmon_energy():
    e = np.linspace(10, 35, 2501)
    assert abs(e[np.argmax(si.drude_loss(e, 23.0, 6.0))] - 23.0) < 0.5


def test_eels_cube_shapes_truth_and_signal_class(eels):
    import exspy

    assert isinstance(eels.signal, exspy.signals.EELSSpectrum)
    assert eels.signal.data.shape == (24, 24, 250)
    ax = eels.signal.axes_manager.signal_axes[0]
    assert ax.units == "eV" and ax.offset == pytest.approx(10.0) and ax.scale == pytest.approx(0.1)
    assert eels.abundances.shape == (24, 24, 3)
    np.testing.assert_allclose(eels.abundances.sum(-1), 1.0)
    assert set(np.unique(eels.labels)) == {0, 1, 2}
    assert (eels.abundances.max(-1) < 1).any(), "boundary pixels must be mixtures"
    assert np.all(eels.signal.data >= 0) and np.allclose(eels.signal.data, np.round(eels.signal.data))


def test_eels_endmembers_have_their_plasmon_peaks(eels):
    for k, p in enumerate(si.EELS_PHASES.values()):
        e_peak = eels.energy[15:][np.argmax(eels.endmembers[k][15:])]  # skip the ZLP tail
        assert abs(e_peak - p["Ep"]) < 1.0


def test_generators_are_seeded():
    a = si.make_eels_cube(shape=(8, 8), random_state=3).signal.data
    b = si.make_eels_cube(shape=(8, 8), random_state=3).signal.data
    c = si.make_eels_cube(shape=(8, 8), random_state=4).signal.data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_mean_counts_follow_the_linear_mixing_model(eels):
    a = eels.abundances.reshape(-1, 3)
    dose = eels.params["dose"].ravel()[:, None] / 2.0e5
    expected = (a @ eels.endmembers) * dose
    assert np.mean(eels.data2d) == pytest.approx(np.mean(expected), rel=0.01)


def test_eds_lines_come_from_exspy_database(eds):
    import exspy
    from exspy.material import elements

    assert isinstance(eds.signal, exspy.signals.EDSTEMSpectrum)
    assert eds.signal.axes_manager.signal_axes[0].units == "keV"
    fe_ka = elements["Fe"].Atomic_properties.Xray_lines["Ka"]["energy (keV)"]
    assert xray.line_energy("Fe_Ka") == pytest.approx(fe_ka)
    fp = eds.endmembers[eds.phase_names.index("ferropericlase")]
    near = np.abs(eds.energy - fe_ka) < 0.15
    far = np.abs(eds.energy - 5.0) < 0.15
    assert fp[near].max() > 20 * fp[far].max()
    assert "Sm_La" in eds.signal.metadata.Sample.xray_lines


def test_eds_continuum_is_kramers_like():
    e = np.linspace(0.2, 10.2, 500)
    spec = si.eds_endmember(e, {"O": 0.5, "Si": 0.5})
    high = (e > 8) & (e < 10)
    # no lines above 8 keV: the continuum falls like (E0 - E) / E
    ratio = spec[high][0] / spec[high][-1]
    assert ratio == pytest.approx(e[high][-1] / e[high][0] * (200 - e[high][0]) / (200 - e[high][-1]),
                                  rel=0.02)


def test_eds_counts_and_abundances(eds):
    assert eds.data2d.sum(1).mean() == pytest.approx(500, rel=0.05)
    np.testing.assert_allclose(eds.abundances.sum(-1), 1.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: si.make_eels_cube(shape=(2, 50)),
        lambda: si.make_eds_cube(host="olivine"),
        lambda: si.make_eds_cube(trace_ppm=-1),
        lambda: xray.xray_lines("Xx"),
        lambda: xray.line_energy("Fe"),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
