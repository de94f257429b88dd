"""Tests of the synthetic spectrum images and the week-5 §C helpers."""

import numpy as np
import pytest

from mlpc_helpers import clustering, xray
from mlpc_helpers import hyperspectral as hsi
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


def test_trace_detection_has_no_false_alarm_without_trace_and_detects_a_lot():
    none = [hsi.trace_detection_test(si.make_eds_cube(shape=(40, 40), trace_ppm=0,
                                                       random_state=s))["detected"]
            for s in range(3)]
    assert not any(none)
    lots = si.make_eds_cube(shape=(40, 40), trace_ppm=20000, random_state=0)
    assert hsi.trace_detection_test(lots)["detected"]


def test_detection_limit_rule():
    import pandas as pd

    df = pd.DataFrame({"trace_ppm": [0, 100, 200, 300], "detected": [False, True, False, True]})
    assert hsi.detection_limit(df) == 300
    df["detected"] = False
    assert np.isnan(hsi.detection_limit(df))


def test_nmf_abundances_undo_the_scale_ambiguity():
    rng = np.random.default_rng(0)
    ends = rng.uniform(0, 1, (3, 20))
    ends /= ends.sum(1, keepdims=True)
    a = rng.dirichlet(np.ones(3), size=50)
    dose = rng.uniform(100, 200, (50, 1))
    scale = np.array([2.0, 0.5, 3.0])  # NMF may put any scale into factors or loadings
    abund, spectra = hsi.nmf_abundances(a * dose / scale, (ends * scale[:, None]).T)
    np.testing.assert_allclose(abund, a, rtol=1e-9)
    np.testing.assert_allclose(spectra, ends, rtol=1e-9)


def test_match_components_and_label_alignment():
    truth = np.eye(3, 10)
    est = truth[[2, 0, 1]] + 0.01
    perm = hsi.match_components(truth, est)
    np.testing.assert_array_equal(perm, [1, 2, 0])
    true = np.array([0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(clustering.align_labels(true, np.array([2, 2, 0, 0, 1, 1])), true)


def test_entropy_bounds():
    h = hsi.responsibility_entropy(np.array([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]]))
    np.testing.assert_allclose(h, [0, np.log(3)], atol=1e-9)


def test_drude_fit_recovers_plasmon_energies(eels):
    pure = np.flatnonzero(eels.abundances.reshape(-1, 3).max(1) == 1)[:6]
    fit = hsi.drude_fit(eels.signal, pixels=pure)
    truth = np.array([p["Ep"] for p in si.EELS_PHASES.values()])[eels.labels.ravel()[pure]]
    np.testing.assert_allclose(np.ravel(fit["Ep"]), truth, atol=0.3)
    assert fit["seconds_per_pixel"] > 0


def test_pca_minibatch_kmeans_separates_the_phases(eels):
    from sklearn.metrics import adjusted_rand_score

    res = hsi.pca_minibatch_kmeans(eels.data2d, n_clusters=3, n_components=5, random_state=0)
    assert adjusted_rand_score(eels.labels.ravel(), res["labels"]) > 0.7
    assert res["spectra_per_second"] > 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: si.make_eels_cube(shape=(2, 50)),
        lambda: si.make_eds_cube(host="olivine"),
        lambda: si.make_eds_cube(trace_ppm=-1),
        lambda: xray.xray_lines("Xx"),
        lambda: hsi.normalise_spectra(np.ones(5)),
        lambda: hsi.match_components(np.ones((3, 4)), np.ones((3, 5))),
        lambda: xray.line_energy("Fe"),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
