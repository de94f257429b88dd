"""The input contract of mlpc_helpers.validation, function by function."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mlpc_helpers import validation as v
from mlpc_helpers.features import composition
from mlpc_helpers.validation import MLPCInputError, MLPCInputWarning


def test_error_is_a_value_error_and_warning_a_user_warning():
    assert issubclass(MLPCInputError, ValueError)
    assert issubclass(MLPCInputWarning, UserWarning)


# ------------------------------------------------------------------------- as_float_image
@pytest.mark.parametrize(
    ("x", "scale"),
    [
        (np.array([[0, 128, 255]], np.uint8), 255.0),
        (np.array([[0, 32896, 65535]], np.uint16), 65535.0),
        (np.array([[False, True]]), 1.0),
        (np.array([[0.0, 0.5, 1.0]], np.float32), 1.0),
    ],
)
def test_as_float_image_native_dtypes_silently(x, scale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, s = v.as_float_image(x, return_scale=True)
    assert s == scale and y.dtype == np.float64
    assert y.min() >= 0 and y.max() <= 1
    np.testing.assert_array_equal(v.from_float_image(y, x.dtype, s), x)


def test_as_float_image_other_integers_warn_what_was_done():
    with pytest.warns(MLPCInputWarning, match="int64 grey levels read as 8-bit.*divided by 255"):
        y = v.as_float_image(np.array([[0, 255]], np.int64))
    np.testing.assert_array_equal(y, [[0, 1]])
    with pytest.warns(MLPCInputWarning, match="16-bit"):
        assert v.as_float_image(np.array([[0, 1000]], np.int32)).max() == 1000 / 65535
    with pytest.raises(MLPCInputError, match="negative"):
        v.as_float_image(np.array([[-1, 5]], np.int16))
    with pytest.raises(MLPCInputError, match="beyond 16 bit"):
        v.as_float_image(np.array([[0, 70000]], np.int32))


def test_as_float_image_floats():
    with pytest.raises(MLPCInputError, match="divide by 255"):
        v.as_float_image(np.array([[0.0, 200.0]]))
    with pytest.raises(MLPCInputError, match="rescale"):
        v.as_float_image(np.array([[-3.0, 2.0]]))
    stack = np.zeros((3, 4, 4))
    stack[2, 1, 1] = np.inf
    with pytest.raises(MLPCInputError, match=r"img\[2\] \(image 2\)"):
        v.as_float_image(stack, "img")
    assert v.as_float_image(np.array([[-1e-9, 1 + 1e-9]])).tolist() == [[0.0, 1.0]]
    with pytest.raises(MLPCInputError, match="dtype"):
        v.as_float_image(np.array([["a"]]))


# --------------------------------------------------------------------- check_image / stack
def test_check_image_layouts():
    assert v.check_image(np.zeros((5, 6))).shape == (5, 6)
    with pytest.raises(MLPCInputError, match="RGB"):
        v.check_image(np.zeros((10, 10, 3)))
    with pytest.raises(MLPCInputError, match=r"pass im\[0\]"):
        v.check_image(np.zeros((1, 10, 10)), "im")
    with pytest.raises(MLPCInputError, match="2-D"):
        v.check_image(np.zeros(10))


def test_check_stack_layouts():
    assert v.check_stack(np.zeros((2, 5, 6))).shape == (2, 5, 6)
    assert v.check_stack([np.zeros((5, 6))] * 3).shape == (3, 5, 6)
    cases = [
        (np.zeros((5, 6)), r"images\[None\]"),
        (np.zeros((20, 30, 3)), "one colour image.*RGB"),
        (np.zeros((20, 30, 4)), "RGBA"),
        (np.zeros((2, 20, 30, 3)), "3 channel"),
        (np.zeros((2, 1, 20, 30)), "channel.*first"),
        (np.zeros((0, 5, 5)), "no image"),
        ([], "empty"),
        ([np.zeros((5, 5)), np.zeros((5, 4))], r"image 1 has shape \(5, 4\)"),
        ([np.zeros((5, 5), np.uint8), np.zeros((5, 5))], "image 1 is float64"),
        ([np.zeros((5, 5)), np.zeros((5, 5, 3))], "colour"),
    ]
    for x, pattern in cases:
        with pytest.raises(MLPCInputError, match=pattern):
            v.check_stack(x)


# ------------------------------------------------------------------------- check_phase_map
def test_check_phase_map():
    b = np.eye(4, dtype=bool)
    assert v.check_phase_map(b) is b
    np.testing.assert_array_equal(v.check_phase_map(b.astype(np.int8)), b)
    np.testing.assert_array_equal(v.check_phase_map(b.astype(float)), b)
    with pytest.warns(MLPCInputWarning, match="65535"):
        np.testing.assert_array_equal(v.check_phase_map(b.astype(np.uint16) * 65535), b)
    labels = np.arange(16).reshape(4, 4) // 4
    np.testing.assert_array_equal(v.check_phase_map(labels, labels=True), labels)
    np.testing.assert_array_equal(v.check_phase_map(labels.astype(float), labels=True), labels)
    with pytest.raises(MLPCInputError, match="== 3"):
        v.check_phase_map(labels)
    grey = np.random.default_rng(0).integers(0, 256, (3, 32, 32)).astype(np.uint8)
    grey[0] = grey[0] > 100
    with pytest.raises(MLPCInputError, match=r"phase\[1\] \(image 1\).*segment"):
        v.check_phase_map(grey)
    with pytest.raises(MLPCInputError, match="grey image"):
        v.check_phase_map(grey[1], labels=True)
    with pytest.raises(MLPCInputError, match="segment"):
        v.check_phase_map(np.full((3, 3), 0.5))
    with pytest.raises(MLPCInputError, match="NaN"):
        v.check_phase_map(np.full((3, 3), np.nan))


# ------------------------------------------------------------------- spectra, axes, tables
def test_check_spectra():
    assert v.check_spectra([[1, 2], [3, 4]]).dtype == np.float64
    with pytest.raises(MLPCInputError, match=r"S\[None\]"):
        v.check_spectra(np.ones(5), "S")
    with pytest.raises(MLPCInputError, match="reshape"):
        v.check_spectra(np.ones((2, 2, 5)))
    with pytest.raises(MLPCInputError, match="pattern 1 has shape"):
        v.check_spectra([np.ones(5), np.ones(4)], what="pattern")
    with pytest.raises(MLPCInputError, match="expected 6"):
        v.check_spectra(np.ones((2, 5)), n_channels=6)
    x = np.ones((4, 5))
    x[2, 3] = np.nan
    with pytest.raises(MLPCInputError, match="spectrum 2.*channel 3"):
        v.check_spectra(x)


def test_check_axis():
    a, flipped = v.check_axis([1.0, 2.0, 3.0])
    assert not flipped and a.tolist() == [1, 2, 3]
    a, flipped = v.check_axis([3.0, 2.0, 1.0])
    assert flipped and a.tolist() == [1, 2, 3]
    for axis, pattern in [([1, 2, 2, 3], "equal"), ([1, 3, 2, 4], "argsort"),
                          ([1, np.nan, 3], "finite"), ([[1, 2]], "1-D"), ([1], "2 points")]:
        with pytest.raises(MLPCInputError, match=pattern):
            v.check_axis(axis)
    with pytest.raises(MLPCInputError, match="tth has 3 points but the pattern has 4"):
        v.check_axis([1, 2, 3], n=4)


def test_check_matrix():
    import pandas as pd

    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, np.nan]}, index=["s1", "s2"])
    with pytest.raises(MLPCInputError, match="row 1 \\(index 's2'\\) holds NaN or inf in column 'b'"):
        v.check_matrix(df)
    with pytest.raises(MLPCInputError, match="row 1 has 1 values"):
        v.check_matrix([[1, 2], [3]])
    with pytest.raises(MLPCInputError, match="reshape"):
        v.check_matrix(np.ones(3))
    with pytest.raises(MLPCInputError, match="not numbers"):
        v.check_matrix([["a", 1]])
    assert v.check_matrix([[1, 2]]).shape == (1, 2)


# ------------------------------------------------------------------------------- formulas
@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("CuSO4.5H2O", "CuSO4(H2O)5"),
        ("CuSO4·5H2O", "CuSO4(H2O)5"),
        ("CuSO4 • 5 H2O", "CuSO4(H2O)5"),
        ("CuSO4⋅5H2O", "CuSO4(H2O)5"),
        ("Na2CO3.H2O", "Na2CO3(H2O)"),
        ("CaSO4.0.5H2O", "CaSO4(H2O)0.5"),
        ("CaSO4·0.5H2O", "CaSO4(H2O)0.5"),
        ("CaCl2·2NH3", "CaCl2(NH3)2"),
        ("Yb0.3Co4Sb12", "Yb0.3Co4Sb12"),
        ("Bi0.5Sb1.5Te3", "Bi0.5Sb1.5Te3"),
        ("  PbTe ", "PbTe"),
    ],
)
def test_normalise_formula(raw, normalised):
    assert composition.normalise_formula(raw) == normalised


def test_parse_formula_rejections():
    assert composition.parse_formula("H2O").num_atoms == 3
    assert composition.parse_formula("BN").num_atoms == 2  # capitals only, but Bn is no element
    for f, pattern in [("CO2", "could be Co or C \\+ O"), ("HF", "Hf"),
                       ("MmNi5", "'Mm' is not an element symbol.*misch metal"),
                       ("CuSO4·", "nothing after"), ("·5H2O", "starts with"),
                       ("Fe2O3, rutile", "','"), ("Fe0", "no atoms"), (3.0, "strings")]:
        with pytest.raises(MLPCInputError, match=pattern):
            composition.parse_formula(f)


# ------------------------------------------------------------------ units (issue 43)
def test_check_quantity_converts_one_other_unit_or_refuses():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert v.check_quantity(10.0, "beam", "beam_energy_keV") == 10.0
        np.testing.assert_array_equal(v.check_quantity([0.1, 9.9], "e", "energy_keV"),
                                      [0.1, 9.9])
    with pytest.warns(MLPCInputWarning, match=r"e: values -100 to 10130 .*read as eV.*e / 1000"):
        np.testing.assert_allclose(v.check_quantity([-100.0, 10130.0], "e", "energy_keV"),
                                   [-0.1, 10.13])
    with pytest.warns(MLPCInputWarning, match="read as µm"):
        assert v.check_quantity(80, "hatch_mm", "hatch_mm") == pytest.approx(0.08)
    with pytest.raises(MLPCInputError, match="not plausible in keV.*nor in eV"):
        v.check_quantity(5e8, "e", "energy_keV")
    with pytest.raises(MLPCInputError, match=r"radians.*np\.degrees\(t\)"):
        v.check_quantity(np.radians([10.0, 60.0]), "t", "tth_deg")
    with pytest.raises(MLPCInputError, match="timestamps"):
        v.check_quantity([1.7e9, 1.7e9 + 5], "t", "time_s")
    with pytest.raises(MLPCInputError, match="channel numbers"):
        v.check_quantity(np.arange(2048.0), "e", "energy_keV")
    assert np.isnan(v.check_quantity([np.nan, 5.0], "e", "energy_keV")[0])  # NaN: not here
    q = v.Quantity("a wavelength", "nm", (100, 2000), (("µm", 1e3),))
    with pytest.warns(MLPCInputWarning, match="read as µm"):
        assert v.check_quantity(0.5, "lam", q) == pytest.approx(500)


def test_check_axis_plausible():
    e = np.arange(-100, 10140, 10.0)
    with pytest.warns(MLPCInputWarning, match="read as eV"):
        a, flipped = v.check_axis(e[::-1], "energy", unit="keV", plausible=True)
    assert flipped and a[0] == pytest.approx(-0.1) and a[-1] == pytest.approx(10.13)
    with pytest.raises(MLPCInputError, match="radians"):
        v.check_axis(np.radians(np.arange(5, 65, 0.5)), "tth", plausible=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, _ = v.check_axis([1.0, 2.0, 3.0])  # no unit check unless asked
        a, _ = v.check_axis(np.arange(5, 65, 0.5), "tth", plausible="tth_deg")
    assert a[0] == 5


# ----------------------------------------------------------- "no data" labels (issue 43)
def test_no_data_labels_refused_or_split():
    m = np.array([[1, 1, -1, 2], [1, 2, 2, 2]])
    with pytest.raises(MLPCInputError, match=r"m: 1 of 8 points \(12.5 %\) hold -1.*not "
                                             r"indexed.*distance_transform_edt"):
        v.check_phase_map(m, "m", labels=True)
    with pytest.raises(MLPCInputError, match="no data"):
        v.check_phase_map(np.array([[0, 1], [-1, 1]]), "m")  # two-phase use too
    stack = np.zeros((3, 4, 4), int)
    stack[2, 1, 1] = -1
    with pytest.raises(MLPCInputError, match=r"s\[2\] \(image 2\): 1 of 48 points"):
        v.check_phase_map(stack, "s", labels=True)
    f = np.array([[1.0, np.nan], [2.0, 2.0]])
    with pytest.raises(MLPCInputError, match="NaN.*no data"):
        v.check_phase_map(f, "f", labels=True)
    with pytest.warns(MLPCInputWarning, match=r"1 of 8 points.*they are left out here"):
        filled, valid = v.split_no_data(m, "m", how="left out here")
    assert filled.dtype == np.int64 and filled[0, 2] == 0 and valid.sum() == 7
    with pytest.warns(MLPCInputWarning, match="NaN"):
        filled, valid = v.split_no_data(f, "f")
    assert valid.tolist() == [[True, False], [True, True]] and filled.dtype == np.int64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ok in (np.array([[1, 2]]), np.array([[0, 255]], np.uint8),
                   np.array([[0.2, np.nan]])):  # no labels: other checks decide
            assert v.split_no_data(ok)[1] is None
    with pytest.raises(MLPCInputError, match="(?i)segment"):
        v.check_phase_map(np.array([[0.2, np.nan], [0.3, 0.9]]))  # grey with NaN: not labels


# -------------------------------------------------------------- grids (issue 43)
def test_resample_to_grid():
    grid = np.arange(10, 20.001, 0.02)
    y = np.sin(grid)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert v.resample_to_grid(y, grid + 1e-9, grid) is not None
    own = np.r_[np.arange(10, 14.99, 0.015), np.arange(15, 20.001, 0.03)]
    with pytest.warns(MLPCInputWarning, match=r"own tth grid \(.*steps 0\.015-0\.03°.*np\.interp"):
        out = v.resample_to_grid(np.sin(own)[::-1], own[::-1], grid)
    np.testing.assert_allclose(out[:-1], y[:-1], atol=5e-4)  # the last: the edge value
    assert out[-1] == pytest.approx(np.sin(own[-1]))
    two = np.column_stack([np.sin(own), np.cos(own)])
    with pytest.warns(MLPCInputWarning):
        assert v.resample_to_grid(two, own, grid[::-1]).shape == (len(grid), 2)
    with pytest.raises(MLPCInputError, match=r"measured from 12 to 18°.*Crop the reference"):
        v.resample_to_grid(np.ones(301), np.linspace(12, 18, 301), grid)


# ----------------------------------------------------- tables read as text (issue 43)
def test_text_columns_message_and_check_numeric_columns():
    import pandas as pd

    df = pd.DataFrame({"name": ["a", "b"], "x_mm": ["0,08", "0,1"], "y": [1.0, 2.0],
                       "z": ["-", "3.5"], "w": ["1.234,5", "2,5"]})
    msg = v.text_columns_message(df, ["x_mm", "w"], "frame")
    assert "'x_mm' (e.g. '0,08')" in msg and "decimal=','" in msg and "thousands='.'" in msg
    assert "sep=';'" in msg and "'name'" not in msg
    msg = v.text_columns_message(df, ["z"], "frame")
    assert "missing-value markers ['-']" in msg and "na_values=['-']" in msg
    assert v.check_numeric_columns(df, ["y"]) is df
    with pytest.raises(MLPCInputError, match="'x_mm'"):
        v.check_numeric_columns(df, ["y", "x_mm"])
    bom = pd.DataFrame({"\ufeffa": ["1,5"]})
    assert "encoding='utf-8-sig'" in v.text_columns_message(bom)
    with pytest.raises(MLPCInputError, match=r"'x_mm' \(e.g. '0,08'\).*decimal=','"):
        v.check_matrix(df[["y", "x_mm"]], "X")
    arr = np.array([["1,5", "2"], ["3", "4"]], dtype=object)
    with pytest.raises(MLPCInputError, match=r"column\(s\) 0 \(e.g. '1,5'\)"):
        v.check_matrix(arr, "X")


def test_check_matrix_at_prediction_names_rows_columns_and_argmax():
    X = np.ones((5, 3))
    X[1, 2] = X[3, 2] = np.nan
    with pytest.raises(MLPCInputError, match=r"rows with non-finite values: 1, 3; columns: 2 "
                                             r"\(rows 1, 3\)\. A missing input.*argmax"):
        v.check_matrix(X, "X", predict=True)
    with pytest.raises(MLPCInputError, match="SimpleImputer"):
        v.check_matrix(X, "X")


# ---------------------------------------------------- fractions / percent (issue 43)
def test_fractions_and_percentages():
    wt = np.array([[41.2, 18.7, 40.1], [50.0, 25.0, 25.5]])
    with pytest.warns(MLPCInputWarning, match="percentages, not fractions.*divided by 100"):
        np.testing.assert_allclose(v.check_fractions(wt, "wt"), wt / 100)
    with pytest.warns(MLPCInputWarning, match="fractions, not percentages"):
        np.testing.assert_allclose(v.check_fractions(wt / 100, "wt", total=100), wt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(v.check_fractions(wt / 100, "wt"), wt / 100)
        np.testing.assert_array_equal(v.check_fractions(wt, "wt", total=100), wt)
    with pytest.raises(MLPCInputError, match="one scale per table"):
        v.check_fractions([[0.4, 0.6], [40, 60]], "wt")
    assert v.check_fraction(0.9, "level") == 0.9
    with pytest.raises(MLPCInputError, match=r"90 looks like a percentage.*pass 0\.9"):
        v.check_fraction(90, "level")
    with pytest.raises(MLPCInputError, match=r"level is a fraction in \(0, 1\)"):
        v.check_fraction(-2, "level")
    assert v.check_percent(20, "std") == 20.0
    with pytest.raises(MLPCInputError, match=r"0\.2 looks like a fraction.*pass 20"):
        v.check_percent(0.2, "std")
