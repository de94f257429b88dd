"""Inputs from real instruments (../shared/field-cases, issue 15) and more of the same kinds.

Each handed case F01-F12 asserts the behaviour its README gives; the tests after them build
other inputs of the same kind of fault (other dtypes, channel counts, export orders,
functions) so that the fix is for the kind, not the file. The kinds:

1. value range and bit depth (uint16, other integers, float 0-255, masks, grey phase maps);
2. array layout (RGB/RGBA, lists of different sizes, descending or unsorted 2θ / energy axes);
3. formula parsing (hydrates, all-capitals formulas, pseudo-elements);
4. dependencies' errors (inhomogeneous lists, NaN, empty grids) re-raised naming the input;
5. content the tools never look at (an SEM info bar).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import hyperspectral as hsi
from mlpc_helpers import imaging, xrd
from mlpc_helpers.features import stereology, texture, two_point
from mlpc_helpers.features.composition import ElementFractions
from mlpc_helpers.validation import MLPCInputError, MLPCInputWarning

CASES = Path(__file__).resolve().parents[1] / ".." / "shared" / "field-cases" / "inputs"
needs_cases = pytest.mark.skipif(
    not CASES.is_dir(),
    reason=f"field cases not found at {CASES} (they live in ../shared/field-cases/inputs)",
)


def _read(name: str) -> np.ndarray:
    from skimage import io

    return io.imread(CASES / name)


def _tf() -> texture.TextureFeatures:
    return texture.TextureFeatures(progress=False)


def _texture_stack(n: int = 3, size: int = 48, seed: int = 0) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    x = np.stack([gaussian_filter(rng.normal(size=(size, size)), 1.5) for _ in range(n)])
    x = (x - x.min()) / (x.max() - x.min())
    return np.round(255 * x).astype(np.uint8)


def _pattern_library(tth: np.ndarray, centres: list[float], width: float = 0.05) -> np.ndarray:
    cols = [np.exp(-0.5 * ((tth - c) / width) ** 2) for c in centres]
    return np.column_stack([*cols, np.ones_like(tth)])


# ============================================================================ handed cases
@needs_cases
def test_f01_hydrates_with_period_and_middle_dot():
    df = pd.read_csv(CASES / "01_salts.csv")
    X = ElementFractions().fit_transform(df["formula"])
    cu, h = 29 - 1, 1 - 1
    np.testing.assert_allclose(X[:, cu], 1 / 21)
    np.testing.assert_allclose(X[:, h], 10 / 21)
    np.testing.assert_allclose(X.sum(axis=1), 1.0)


def test_f03_pseudo_element_named_with_row_and_fix():
    with pytest.raises(MLPCInputError) as err:
        ElementFractions().fit_transform(["CoSb3", "MmFe4Sb12"])
    msg = str(err.value)
    assert "'Mm' is not an element symbol" in msg
    assert "row 1" in msg
    assert "drop the row" in msg and "Replace it" in msg
    assert "Mm0+" not in msg


@needs_cases
def test_f05_16bit_micrograph_same_features_as_8bit_and_identity_microscope():
    img = _read("05_micrograph_16bit.tif")
    assert img.dtype == np.uint16 and img.max() > 255
    assert np.all(img % 257 == 0)
    img8 = (img // 257).astype(np.uint8)
    f16, f8 = _tf().fit_transform(img[None]), _tf().fit_transform(img8[None])
    np.testing.assert_allclose(f16, f8, rtol=1e-12, atol=1e-12)
    names = list(_tf().fit(img[None]).get_feature_names_out())
    assert 0 <= f16[0, names.index("intensity_mean")] <= 1
    assert f16[0, names.index("glcm_energy_d1")] == pytest.approx(0.03, abs=0.005)
    out = imaging.Microscope(gain=1, offset=0, vignetting=0, noise=0)(img[None])
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out[0], img)


@needs_cases
def test_f07_images_of_different_sizes_named():
    ims = [_read(f"07_micrograph_{k}.png") for k in range(3)]
    with pytest.raises(MLPCInputError) as err:
        _tf().fit_transform(ims)
    msg = str(err.value)
    assert "image 1" in msg and "(180, 240)" in msg and "(200, 200)" in msg
    assert "crop" in msg.lower() and "resize" in msg
    assert "inhomogeneous" not in msg


@needs_cases
def test_f08_shared_info_bar_warned_and_cropped():
    a, b = _read("08_sem_1.png"), _read("08_sem_2.png")
    x = np.stack([a, b])
    with pytest.warns(MLPCInputWarning, match="crop_info_bar"):
        imaging.find_duplicates(x)
    assert imaging.find_info_bar(a) == (0, 60)
    cropped, rows = imaging.crop_info_bar(x, return_rows=True)
    assert rows == (0, 60) and cropped.shape == (2, 420, 640)
    assert len(imaging.find_duplicates(cropped)) == 0
    assert imaging.nearest_neighbour_distance(cropped)[0] == pytest.approx(1.42, abs=0.02)


@needs_cases
def test_f09_grey_image_is_not_a_phase_map():
    from skimage.filters import threshold_otsu

    img = _read("09_optical_micrograph.png")
    for call in (lambda: stereology.StereologyFeatures().fit_transform(img[None]),
                 lambda: two_point.TwoPointStatistics(r_max=0).fit_transform(img[None])):
        with pytest.raises(MLPCInputError) as err:
            call()
        msg = str(err.value)
        assert "segment" in msg.lower() and "threshold_otsu" in msg
        assert "bool" in msg
    phase = img > threshold_otsu(img)  # what the message says to do
    vv = stereology.StereologyFeatures().fit_transform(phase[None])[0, 0]
    assert vv == pytest.approx(0.31, abs=0.02)
    s2 = two_point.TwoPointStatistics(r_max=0).fit_transform(phase[None])[0, 0]
    assert 0 <= s2 <= 1


@needs_cases
def test_f11_dark_subtracted_spectra_with_vacuum_rows():
    from sklearn.metrics import adjusted_rand_score

    X = np.load(CASES / "11_spectra_dark_subtracted.npy")
    with pytest.warns(MLPCInputWarning, match="20 of 220 rows"):
        N = hsi.normalise_spectra(X)
    assert np.abs(N).max() < 1  # no blow-up
    np.testing.assert_array_equal(N[200:], 0)
    np.testing.assert_allclose(N[:200].sum(axis=1), 1)
    np.testing.assert_array_equal(np.flatnonzero(hsi.near_zero_rows(X)), np.arange(200, 220))
    with pytest.warns(MLPCInputWarning, match="20 of 220 rows"):
        res = hsi.pca_minibatch_kmeans(X, n_clusters=3, n_components=5, random_state=0)
    truth = np.repeat([0, 1], 100)
    assert adjusted_rand_score(truth, res["labels"][:200]) > 0.95


@needs_cases
def test_f12_descending_scan_same_result_as_ascending():
    d = np.loadtxt(CASES / "12_scan_descending.xy", comments="'")
    tth_d, y_d = d[:, 0], d[:, 1]
    assert tth_d[0] > tth_d[-1]
    tth_a, y_a = tth_d[::-1].copy(), y_d[::-1].copy()
    np.testing.assert_allclose(xrd.shift_pattern(y_d, tth_d, -0.1),
                               xrd.shift_pattern(y_a, tth_a, -0.1)[::-1])
    # shifting back by the known +0.10° puts the peaks where the library has them
    from scipy.signal import find_peaks

    peaks = tth_a[find_peaks(y_a, prominence=10)[0]]
    lib_a = _pattern_library(tth_a, list(peaks - 0.10))
    best_a, rss_a = xrd.global_shift_search(y_a, lib_a, tth_a, progress=False)
    best_d, rss_d = xrd.global_shift_search(y_d, lib_a[::-1], tth_d, progress=False)
    assert best_d == best_a
    np.testing.assert_allclose(rss_d.to_numpy(), rss_a.to_numpy(), rtol=1e-9)
    assert abs(best_a) == pytest.approx(0.10, abs=1e-6)
    aligned = xrd.shift_pattern(y_d, tth_d, best_d)
    assert np.argmax(aligned) == len(tth_d) - 1 - np.argmax(xrd.shift_pattern(y_a, tth_a, best_a))


# ============================================================ kind 1: value range, bit depth
def test_other_integer_dtypes_read_with_a_warning_and_same_features():
    x8 = _texture_stack()
    ref = _tf().fit_transform(x8)
    for dt in (np.int32, np.int64):
        with pytest.warns(MLPCInputWarning, match="8-bit"):
            np.testing.assert_allclose(_tf().fit_transform(x8.astype(dt)), ref)
    x16 = x8.astype(np.uint16) * 257
    np.testing.assert_allclose(_tf().fit_transform(x16), ref, atol=1e-12)
    np.testing.assert_allclose(_tf().fit_transform(x8 / 255.0), ref, atol=1e-12)


def test_float_images_outside_unit_range_raise_with_the_fix():
    x = _texture_stack().astype(float)  # 0-255 stored as float
    with pytest.raises(MLPCInputError, match="divide by 255"):
        _tf().fit_transform(x)
    with pytest.raises(MLPCInputError, match=r"\[0, 1\]"):
        imaging.find_duplicates(x)
    with pytest.raises(MLPCInputError, match="divide by 65535"):
        texture.intensity_stats(x[0] * 200)


def test_uint16_stacks_through_every_image_function():
    x8 = _texture_stack(n=12)
    x16 = x8.astype(np.uint16) * 257
    np.testing.assert_allclose(imaging.thumbnails(x16), imaging.thumbnails(x8))
    np.testing.assert_allclose(imaging.downsample(x16, 16), imaging.downsample(x8, 16))
    h = imaging.harmonise(x16, x16)
    assert h.dtype == np.uint16 and h.max() > 255
    with pytest.warns(MLPCInputWarning, match="int32 grey levels read as 8-bit"):
        m = imaging.Microscope(gain=1.0, offset=0.0, vignetting=0.0, noise=0.0)(
            x8.astype(np.int32))
    assert m.dtype == np.int32
    np.testing.assert_array_equal(m, x8)


def test_masks_and_label_maps_as_phase_maps():
    rng = np.random.default_rng(0)
    phase = rng.random((2, 32, 32)) < 0.4
    ref = stereology.StereologyFeatures().fit_transform(phase)
    with pytest.warns(MLPCInputWarning, match="0, 255"):
        got = stereology.StereologyFeatures().fit_transform(phase.astype(np.uint8) * 255)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(
        stereology.StereologyFeatures().fit_transform(phase.astype(float)), ref)
    np.testing.assert_array_equal(two_point.TwoPointStatistics(2).fit_transform(phase.astype(int)),
                                  two_point.TwoPointStatistics(2).fit_transform(phase))
    labels = phase.astype(int) + (rng.random((2, 32, 32)) < 0.2)
    with pytest.raises(MLPCInputError, match="== 2"):
        two_point.TwoPointStatistics(2).fit_transform(labels)
    grey = rng.random((32, 32))
    with pytest.raises(MLPCInputError, match="segment"):
        two_point.autocorrelation(grey)
    with pytest.raises(MLPCInputError, match="segment"):
        stereology.point_count_vv(grey)
    with pytest.raises(MLPCInputError, match="grey image"):
        stereology.mean_lineal_intercept(_texture_stack(1, 64)[0])


def test_negative_counts_and_zero_patterns_named():
    X = np.abs(np.random.default_rng(0).normal(size=(4, 50)))
    X[2, 7] = -1.0
    with pytest.raises(MLPCInputError, match="pattern 2"):
        xrd.normalise_patterns(X)
    X[2, 7], X[3] = 1.0, 0.0
    with pytest.raises(MLPCInputError, match=r"\[3\]"):
        xrd.normalise_patterns(X)


def test_near_zero_rows_limit_and_explicit_min_sum():
    rng = np.random.default_rng(1)
    X = rng.poisson(5.0, size=(30, 40)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        N = hsi.normalise_spectra(X)  # valid counts: no warning, each row sums to 1
    np.testing.assert_allclose(N.sum(axis=1), 1)
    X[:3] = rng.normal(0, 1, size=(3, 40))  # three zero-mean noise rows
    with pytest.warns(MLPCInputWarning, match="3 of 30 rows"):
        N = hsi.normalise_spectra(X)
    assert np.abs(N).max() <= 1
    with pytest.warns(MLPCInputWarning, match="30 of 30 rows"):
        hsi.normalise_spectra(X, min_sum=1e9)


# ============================================================================ kind 2: layout
def test_colour_images_and_channel_layouts_rejected_with_the_fix():
    x = _texture_stack(n=1, size=40)[0]
    rgb = np.stack([x, x, x], axis=-1)
    rgba = np.concatenate([rgb, np.full_like(x, 255)[..., None]], axis=-1)
    with pytest.raises(MLPCInputError, match="RGB.*rgb2gray"):
        _tf().fit_transform(rgb)
    with pytest.raises(MLPCInputError, match="RGBA"):
        imaging.find_duplicates(rgba)
    with pytest.raises(MLPCInputError, match="RGB"):
        texture.glcm_features(rgb)
    with pytest.raises(MLPCInputError, match="channel"):
        imaging.thumbnails(np.stack([rgb, rgb]))
    with pytest.raises(MLPCInputError, match=r"x\[:, 0\]"):
        imaging.downsample(x[None, None].repeat(2, 0), 8)
    with pytest.raises(MLPCInputError, match=r"\[None\]"):
        stereology.StereologyFeatures().fit_transform(x > 100)


def test_lists_of_images_checked_image_by_image():
    x = _texture_stack(n=3, size=32)
    np.testing.assert_allclose(_tf().fit_transform(list(x)), _tf().fit_transform(x))
    with pytest.raises(MLPCInputError, match="image 2 is uint16"):
        _tf().fit_transform([x[0], x[1], x[2].astype(np.uint16)])
    with pytest.raises(MLPCInputError, match=r"image 1 has shape \(31, 32\)"):
        imaging.find_duplicates([x[0], x[1][:31], x[2]])
    with pytest.raises(MLPCInputError, match=r"image 1 has shape \(32, 30\)"):
        stereology.StereologyFeatures().fit_transform([x[0] > 100, (x[1] > 100)[:, :30]])


def test_descending_axes_in_every_axis_function():
    tth = np.round(np.arange(10, 40, 0.02), 6)
    lib = _pattern_library(tth, [15.0, 22.0, 31.0])
    y = np.column_stack([lib @ [1.0, 0.5, 0.3, 0.1], lib @ [0.2, 1.0, 0.0, 0.1]])
    y = xrd.shift_pattern(y, tth, 0.1)
    np.testing.assert_allclose(xrd.shift_pattern(y[::-1], tth[::-1], -0.1),
                               xrd.shift_pattern(y, tth, -0.1)[::-1])
    np.testing.assert_allclose(xrd.shift_grid(tth[::-1]), xrd.shift_grid(tth))
    a = xrd.global_shift_search(y, lib, tth, progress=False)
    d = xrd.global_shift_search(y[::-1], lib[::-1], tth[::-1], progress=False)
    assert a[0] == d[0] == pytest.approx(-0.1)
    # energy axis of spectra (keV), high to low
    e = np.linspace(0.2, 10.2, 500)
    X = np.random.default_rng(0).poisson(20.0, size=(6, 500)).astype(float)
    np.testing.assert_allclose(hsi.window_net_counts(X[:, ::-1], e[::-1], 6.4, 0.1),
                               hsi.window_net_counts(X, e, 6.4, 0.1))


def test_unsorted_repeated_or_mismatched_axes_rejected():
    tth = np.arange(10, 20, 0.02)
    y = np.ones_like(tth)
    bad = tth.copy()
    bad[100], bad[101] = bad[101], bad[100]
    with pytest.raises(MLPCInputError, match="argsort"):
        xrd.shift_pattern(y, bad, 0.1)
    rep = tth.copy()
    rep[5] = rep[4]
    with pytest.raises(MLPCInputError, match="equal"):
        xrd.global_shift_search(y, np.ones((len(tth), 1)), rep, progress=False)
    with pytest.raises(MLPCInputError, match="tth has 499 points but the pattern has 500"):
        xrd.shift_pattern(y, tth[:-1], 0.1)
    with pytest.raises(MLPCInputError, match="energy has 10 points"):
        hsi.window_net_counts(np.ones((3, 11)), np.arange(10.0), 5, 1)


def test_spectra_layouts_named():
    cube = np.ones((4, 5, 30))
    with pytest.raises(MLPCInputError, match=r"reshape\(-1"):
        hsi.normalise_spectra(cube)
    with pytest.raises(MLPCInputError, match=r"X\[None\]"):
        hsi.normalise_spectra(np.ones(30))
    with pytest.raises(MLPCInputError, match=r"reshape\(-1"):
        hsi.pca_minibatch_kmeans(cube)
    with pytest.raises(MLPCInputError, match="spectrum 1 has shape"):
        hsi.normalise_spectra([np.ones(30), np.ones(29)])


# ========================================================================== kind 3: formulas
@pytest.mark.parametrize(
    ("formula", "element", "fraction"),
    [
        ("CuSO4*5H2O", "Cu", 1 / 21),
        ("CuSO4 · 5 H2O", "H", 10 / 21),
        ("CaSO4·0.5H2O", "Ca", 1 / 7.5),
        ("CaSO4.0.5H2O", "Ca", 1 / 7.5),
        ("Na2CO3.10H2O", "Na", 2 / 36),
        ("Al2O3·2SiO2·2H2O", "Al", 2 / 17),
        ("Yb0.3Co4Sb12", "Yb", 0.3 / 16.3),  # a decimal point stays a decimal point
    ],
)
def test_formula_notations(formula, element, fraction):
    from pymatgen.core import Element

    X = ElementFractions().fit_transform([formula])
    assert X[0, Element(element).Z - 1] == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("formula", "pattern"),
    [
        ("COSB3", "'CO' could be Co or C \\+ O"),
        ("NIO", "'NI' could be Ni"),
        ("CL2", "did you mean Cl"),
        ("Xx2O", "'Xx' is not an element symbol"),
        ("LnNi5", "'Ln' is not an element symbol \\(usually any lanthanide"),
        ("Fe2O3+", "'\\+'"),
        ("", "empty"),
    ],
)
def test_formulas_rejected_with_the_reason(formula, pattern):
    s = pd.Series(["Bi2Te3", formula], index=["ok", "bad"])
    with pytest.raises(MLPCInputError, match=pattern) as err:
        ElementFractions().fit_transform(s)
    assert "row 1 (index 'bad')" in str(err.value)


def test_missing_formula_named_by_row():
    with pytest.raises(MLPCInputError, match="row 2"):
        ElementFractions().fit_transform(["Bi2Te3", "PbTe", None])


# ============================================================== kind 4: dependencies' errors
def test_nan_inputs_named_not_passed_through():
    x = _texture_stack(n=3).astype(float) / 255
    x[1, 3, 4] = np.nan
    with pytest.raises(MLPCInputError, match=r"X\[1\] \(image 1\)"):
        _tf().fit_transform(x)
    with pytest.raises(MLPCInputError, match="image 1"):
        imaging.find_duplicates(x)
    tth = np.arange(10, 20, 0.1)
    lib = _pattern_library(tth, [12.0, 15.0])
    y = np.column_stack([lib @ [1, 1, 0.1]] * 3)
    y[7, 2] = np.nan
    with pytest.raises(MLPCInputError, match="pattern 2"):
        xrd.nnls_fit(y, lib)
    with pytest.raises(MLPCInputError, match="pattern 2"):
        xrd.global_shift_search(y, lib, tth, progress=False)
    with pytest.raises(MLPCInputError, match="shifts"):
        xrd.global_shift_search(y[:, :2], lib, tth, shifts=[], progress=False)
    with pytest.raises(MLPCInputError, match="max_shift"):
        xrd.shift_grid(tth, -0.5)
    S = np.ones((5, 20))
    S[3, 2] = np.inf
    with pytest.raises(MLPCInputError, match="spectrum 3"):
        hsi.normalise_spectra(S)
    with pytest.raises(MLPCInputError, match="spectrum 3"):
        hsi.pca_minibatch_kmeans(S, n_clusters=2, n_components=2)
    tth_nan = tth.copy()
    tth_nan[4] = np.nan
    with pytest.raises(MLPCInputError, match="finite"):
        xrd.shift_pattern(y[:, 0], tth_nan, 0.1)


# ============================================================================ kind 5: info bar
def _with_bar(img: np.ndarray, rows: int, top: bool = False, value: int = 0) -> np.ndarray:
    out = img.copy()
    band = slice(0, rows) if top else slice(len(img) - rows, len(img))
    out[band] = value
    out[band][rows // 3:rows // 3 + 2, 10:30] = 255 - value  # a line of text
    return out


def test_info_bars_found_top_or_bottom_in_other_dtypes():
    a, b = _texture_stack(n=2, size=96)
    assert imaging.find_info_bar(a) == (0, 0)
    assert imaging.find_info_bar(_with_bar(a, 12)) == (0, 12)
    assert imaging.find_info_bar(_with_bar(a, 10, top=True, value=255)) == (10, 0)
    a16 = _with_bar(a, 12).astype(np.uint16) * 257
    assert imaging.find_info_bar(a16) == (0, 12)
    stack = np.stack([_with_bar(a, 12), _with_bar(b, 15)])
    cropped, rows = imaging.crop_info_bar(stack, return_rows=True)
    assert rows == (0, 15) and cropped.shape == (2, 81, 96)
    assert imaging.crop_info_bar(_with_bar(a, 12)).shape == (84, 96)
    assert imaging.crop_info_bar(stack, (2, 20)).shape == (2, 74, 96)
    with pytest.raises(MLPCInputError, match="rows"):
        imaging.crop_info_bar(stack, 96)


# ====================================================== the same kinds in the other modules
def test_camera_frames_psnr_and_tables_in_other_modules():
    from mlpc_helpers import clustering, control_charts, metrics

    yy, xx = np.mgrid[0:48, 0:48]
    frame = np.where(((xx - 24) / 10) ** 2 + ((yy - 24) / 4) ** 2 <= 1, 0.8, 0.1)
    ref = control_charts.melt_pool_features(frame[None])
    for dt, scale in ((np.uint8, 255), (np.uint16, 65535)):  # integer cameras
        got = control_charts.melt_pool_features(np.round(frame * scale).astype(dt)[None])
        np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), atol=1e-3)
    with pytest.raises(MLPCInputError, match="RGB"):
        control_charts.melt_pool_features(np.stack([frame] * 3, -1))
    a = _texture_stack(n=2)
    a16 = a.astype(np.uint16) * 257
    assert metrics.psnr(a16[0], a16[1]) == pytest.approx(metrics.psnr(a[0], a[1]))
    assert metrics.ssim(a16[0], a16[1]) == pytest.approx(metrics.ssim(a[0], a[1]))
    Z = np.random.default_rng(0).normal(size=(30, 3))
    Z[4, 1] = np.nan
    with pytest.raises(MLPCInputError, match="row 4 holds NaN or inf in column 1"):
        clustering.scan_k(Z, ks=[2], progress=False)
    with pytest.raises(MLPCInputError, match="row 4"):
        control_charts.HotellingT2().fit(Z)


def test_one_bit_depth_per_stack_and_one_error_class():
    x8 = _texture_stack(n=3, size=24)
    x16 = x8.astype(np.uint16) * 257
    a = imaging.random_microscopes(x8, 0)
    b = imaging.random_microscopes(x16, 0)
    assert b.dtype == np.uint16
    np.testing.assert_allclose(b / 65535, a / 255, atol=1 / 255)
    bad = np.zeros((2, 1, 8, 8))
    bad[1, 0, 2, 2] = np.nan
    with pytest.raises(MLPCInputError, match="image 1"):
        imaging.augment_batch(bad, 0)
    # every bad argument of these modules raises the package's own error
    for call in (lambda: imaging.thumbnails(x8, size=4),
                 lambda: stereology.point_count_vv(x8[0] > 100, spacing=0),
                 lambda: two_point.crop(np.zeros((5, 5)), 9),
                 lambda: xrd.rir_weight_percent(np.ones((1, 2)), np.array([1.0, -1.0])),
                 lambda: hsi.match_components(np.ones((3, 4)), np.ones((3, 5)))):
        with pytest.raises(MLPCInputError):
            call()


def test_embeddings_with_nan_named():
    from mlpc_helpers.features.embeddings import PowerNormalizer, preprocessing_grid

    E = np.random.default_rng(0).normal(size=(20, 4))
    E[6, 2] = np.nan
    with pytest.raises(MLPCInputError, match="row 6 holds NaN or inf in column 2"):
        PowerNormalizer().fit(E)
    with pytest.raises(MLPCInputError, match="row 6"):
        preprocessing_grid(E)


def test_synthetic_helpers_take_real_inputs_too():
    from mlpc_helpers.synthetic import meltpool
    from mlpc_helpers.synthetic import microstructure as ms

    grey = _texture_stack(n=1, size=32)[0]
    with pytest.raises(MLPCInputError, match="segment"):
        ms.effective_conductivity(grey)
    assert ms.effective_conductivity(grey > 128) == pytest.approx(
        ms.effective_conductivity((grey > 128).astype(np.uint8)))
    with pytest.raises(MLPCInputError, match=r"image 1 has shape"):
        ms.patches([grey, grey[:16]], 4)
    frames = np.full((2, 8, 8), 0.5)
    f8 = np.round(frames * 255).astype(np.uint8)
    np.testing.assert_allclose(meltpool.rescale_brightness(f8, (1.0, 1.0), 0), 128 / 255,
                               rtol=1e-6)
