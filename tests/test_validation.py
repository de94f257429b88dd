"""The input contract of mlpc_helpers.validation, function by function."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mlpc_helpers import validation as v
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
    assert v.normalise_formula(raw) == normalised


def test_parse_formula_rejections():
    assert v.parse_formula("H2O").num_atoms == 3
    assert v.parse_formula("BN").num_atoms == 2  # capitals only, but Bn is no element
    for f, pattern in [("CO2", "could be Co or C \\+ O"), ("HF", "Hf"),
                       ("MmNi5", "'Mm' is not an element symbol.*misch metal"),
                       ("CuSO4·", "nothing after"), ("·5H2O", "starts with"),
                       ("Fe2O3, rutile", "','"), ("Fe0", "no atoms"), (3.0, "strings")]:
        with pytest.raises(MLPCInputError, match=pattern):
            v.parse_formula(f)
