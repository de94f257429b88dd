"""Bad inputs at the package's entry points raise one MLPCInputError naming the argument.

One row per (function, kind of fault): wrong layout, NaN/inf, mismatched lengths, a grey
image (or scores) where labels are expected, wrong dtype or range. Each row asserts the
package's own error (never numpy's, scipy's or scikit-learn's) and that the message names
the argument. The last tests check that valid variants (descending axes, string labels,
0/255 masks, whole-valued float labels) still work and give the same result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import (
    clustering,
    control_charts,
    imaging,
    lpbf,
    metrics,
    noise,
    process_signals,
    splits,
    xrd,
)
from mlpc_helpers.features import stereology
from mlpc_helpers.validation import (
    MLPCInputError,
    check_binary,
    check_labels,
    check_vector,
    near_zero_rows,
)

RNG = np.random.default_rng(0)
NAN3 = np.array([1.0, np.nan, 3.0])
GREY = RNG.integers(0, 256, (32, 32)).astype(np.uint8)  # an unsegmented 8-bit image
GREY16 = (GREY.astype(np.int64) * 200)  # int64 grey levels: not labels
RGB = RNG.random((32, 32, 3))
PROB = RNG.random((8, 8))  # scores where a class map is expected
STACK = RNG.random((3, 16, 16))
STACK_NAN = STACK.copy()
STACK_NAN[1, 2, 3] = np.nan
LAB = np.array([0, 1, 1, 0, 2, 2])
FRAME = pd.DataFrame({"power_W": [200.0, 200.0], "speed_mm_per_s": [800.0, 800.0],
                      "hatch_mm": [0.1, 0.1], "layer_mm": [0.03, 0.03],
                      "spot_mm": [0.08, 0.08], "d50_um": [30.0, 30.0],
                      "material": ["316L", "316L"], "relative_density_pct": [99.0, 99.5],
                      "doi": ["a", "a"]})


def _nan_at(a, idx):
    a = np.array(a, float)
    a[idx] = np.nan
    return a


CASES = {
    # ---------------------------------------------------------------------------- xrd
    "to_groups/nan": (lambda: xrd.to_groups(_nan_at(np.ones((2, 3)), (1, 2)), ["Quartz"] * 3),
                      r"values: row 1"),
    "to_groups/layout": (lambda: xrd.to_groups(np.ones((2, 3, 1)), ["Quartz"] * 3), "values"),
    "to_groups/text": (lambda: xrd.to_groups([["a", "b"]], ["Quartz"] * 2), "values"),
    "to_groups/names": (lambda: xrd.to_groups(np.ones((2, 3)), ["Quartz"]), "phase names"),
    "rir_wt/nan": (lambda: xrd.rir_wt_pct(_nan_at(np.ones((2, 2)), (0, 1)),
                                          [1.0, 1.0]), "coefs: row 0"),
    "rir_wt/rir_nan": (lambda: xrd.rir_wt_pct(np.ones((2, 3)), NAN3), "rir"),
    "rir_wt/length": (lambda: xrd.rir_wt_pct(np.ones((2, 3)), [1.0, 1.0]), "rir"),
    "rir_wt/negative": (lambda: xrd.rir_wt_pct(-np.ones((1, 2)), [1.0, 1.0]), "coefs"),
    "rir_wt/names": (lambda: xrd.rir_wt_pct(np.ones((1, 2)), [1.0, 1.0], mineral=[True]),
                     "mineral"),
    "ident/scores": (lambda: metrics.identification_scores(np.ones((2, 2)),
                                                           np.full((2, 2), .7)), "y_pred"),
    "ident/nan": (lambda: metrics.identification_scores(_nan_at(np.ones((2, 2)), (0, 0)),
                                                        np.ones((2, 2))), "y_true"),
    "ident/shape": (lambda: metrics.identification_scores(np.ones((2, 2)), np.ones((2, 3))),
                    "y_true and y_pred"),
    # ---------------------------------------------------------------- spectra (no data)
    "near_zero/cube": (lambda: near_zero_rows(np.ones((2, 2, 16))), r"reshape\(-1"),
    "near_zero/nan": (lambda: near_zero_rows(_nan_at(np.ones((3, 8)), (1, 2))), "spectrum 1"),
    # ------------------------------------------------------------------------ clustering
    "score/probs": (lambda: clustering.score(LAB, RNG.random(6)), "labels_pred"),
    "score/length": (lambda: clustering.score(LAB, LAB[:5]), "labels_pred"),
    "score/nan": (lambda: clustering.score(_nan_at(LAB, 2), LAB), "labels_true"),
    "score/2d": (lambda: clustering.score(np.ones((6, 3)), LAB), "labels_true"),
    "contingency/length": (lambda: clustering.contingency(LAB, LAB[:4]), "labels_pred"),
    "contingency/nan": (lambda: clustering.contingency(LAB, _nan_at(LAB, 0)), "labels_pred"),
    "contingency/names": (lambda: clustering.contingency(LAB, LAB, ["a", "b"]), "true_names"),
    # --------------------------------------------------------------------------- metrics
    "summary/length": (lambda: metrics.classification_summary(LAB, LAB[:5]), "y_pred"),
    "summary/probs": (lambda: metrics.classification_summary(LAB, RNG.random((6, 3))),
                      "y_pred"),
    "summary/nan": (lambda: metrics.classification_summary(_nan_at(LAB, 1), LAB), "y_true"),
    "rare/multiclass": (lambda: metrics.rare_class_report(LAB, np.ones(6)), "y_true"),
    "rare/nan": (lambda: metrics.rare_class_report(LAB % 2, _nan_at(np.ones(6), 4)),
                 "scores"),
    "rare/length": (lambda: metrics.rare_class_report(LAB % 2, np.ones(5)), "scores"),
    # -------------------------------------------------------------------- control charts
    "ucl/nan": (lambda: control_charts.upper_control_limit(_nan_at(np.arange(20.0), 7)),
                "in_control"),
    "ucl/constant": (lambda: control_charts.upper_control_limit(np.ones(20)), "in_control"),
    "ucl/text": (lambda: control_charts.upper_control_limit(["a"] * 20), "in_control"),
    "s2/nan": (lambda: control_charts.S2Chart().fit(STACK_NAN), r"residual_maps\[1\]"),
    "s2/ragged": (lambda: control_charts.S2Chart().fit([np.ones((4, 4)), np.ones((5, 5))]),
                  "residual_maps"),
    "s2/1d": (lambda: control_charts.S2Chart().fit(np.ones(20)), "residual_maps"),
    # ------------------------------------------------------------------------------ lpbf
    "ved/nan": (lambda: lpbf.volumetric_energy_density(NAN3, 800, 0.1, 0.03), "power_W"),
    "ved/length": (lambda: lpbf.volumetric_energy_density([200, 300], [800, 900, 1000],
                                                          0.1, 0.03), "speed_mm_per_s"),
    "ved/text": (lambda: lpbf.volumetric_energy_density(200, ["fast"], 0.1, 0.03),
                 "speed_mm_per_s"),
    "build_rate/negative": (lambda: lpbf.build_rate(800, -0.1, 0.03), "hatch_mm"),
    "replicates/not_frame": (lambda: lpbf.replicate_groups(np.ones((3, 3))),
                             "replicate_groups"),
    "replicates/columns": (lambda: lpbf.replicate_groups(FRAME.drop(columns="doi")), "doi"),
    "pv_grid/zero": (lambda: lpbf.pv_grid(FRAME.assign(power_W=[0.0, 100.0])), "power_W"),
    # ------------------------------------------------------------------- process signals
    "intervals/scores": (lambda: process_signals.mask_to_intervals([0.2, 0.9, 0.4]), "mask"),
    "mask_iou/scores": (lambda: metrics.iou([True, False], [0.2, 0.9]), "y_pred"),
    "match_intervals/shape": (lambda: metrics.match_intervals(y_true=[[0, 2]],
                                                              y_pred=[1, 2, 3]), "y_pred"),
    "intervals_to_mask/order": (lambda: process_signals.intervals_to_mask([[5, 2]], 10),
                                "intervals"),
    "vote/length": (lambda: process_signals.vote([1, 1, 2], [0.2, 0.3]), "scores"),
    "vote/nan": (lambda: process_signals.vote([1, 1, 2], NAN3), "scores"),
    # ---------------------------------------------------------------------- process maps
    "enthalpy/length": (lambda: lpbf.normalised_enthalpy(
        [200, 300], [800, 900, 1000], 0.08, "316L"), "speed_mm_per_s"),
    "enthalpy/material": (lambda: lpbf.normalised_enthalpy(
        [200, 300], [800, 900], 0.08, ["316L"] * 3), "material"),
    "e_star/nan": (lambda: lpbf.normalised_energy_density(
        NAN3, 800, 0.1, 0.03, "316L"), "power_W"),
    "log_porosity/text": (lambda: lpbf.to_log_porosity(["99.5 %"]),
                          "relative_density_pct"),
    # ----------------------------------------------------------------------------- noise
    "binomial_thin/float": (lambda: noise.binomial_thin(np.array([1.5, 2.0]), 0.5), "counts"),
    "binomial_thin/negative": (lambda: noise.binomial_thin(np.array([-1, 2]), 0.5), "counts"),
    "anscombe/nan": (lambda: noise.anscombe(NAN3), "counts"),
    "anscombe_inverse/nan": (lambda: noise.anscombe_inverse(NAN3), "d"),
    "interface/grey": (lambda: stereology.mean_chord_length(GREY16, phase=1), "mask"),
    "interface/multiclass": (lambda: stereology.mean_spacing(np.tile([0, 1, 2], (4, 2))),
                             "mask"),
    "interface/float": (lambda: stereology.mean_chord_length(PROB, phase=1), "mask"),
    # ---------------------------------------------------------------------- segmentation
    "confusion/probs": (lambda: metrics.confusion(np.zeros((8, 8), int), PROB, 2),
                        "y_pred"),
    "confusion/shape": (lambda: metrics.confusion(np.zeros((8, 8), int),
                                                  np.zeros((8, 9), int), 2),
                        "y_true and y_pred"),
    "iou/grey": (lambda: metrics.iou(GREY16, GREY16, 2), "y_true"),
    "standardize/channels": (lambda: imaging.standardise(np.ones((2, 1, 8, 8))),
                             "images"),
    "random_crops/probs": (lambda: imaging.random_crops(STACK, STACK, 4, 2), "masks"),
    # ---------------------------------------------------------------------------- splits
    "file_blocks/length": (lambda: splits.file_blocks(["a", "b"], [1, 2, 3], 2), "index"),
    "file_blocks/fraction": (lambda: splits.file_blocks(["a", "b"], [1, 2.5], 2), "index"),
    "merge_groups/nan": (lambda: splits.merge_groups([0, 1, 2], NAN3), r"labelings\[1\]"),
    "groups_split/range": (lambda: splits.groups_split([0, 0, 1], [([0], [0, 5])]),
                           "splits"),
    "rare_subset/nan": (lambda: splits.rare_class_subset(NAN3, 1, 0.1), "y"),
    "otsu_masks/rgb": (lambda: imaging.otsu_mask(RGB), "images.*RGB"),
    "otsu_masks/nan": (lambda: imaging.otsu_mask(STACK_NAN), r"images\[1\]"),
    "iou_dice/grey": (lambda: metrics.iou(GREY, GREY > 100), "y_true"),
    # --------------------------------------------------------------- xrd: RIR to wt%
    "fractions/nan": (lambda: xrd.rir_wt_pct(_nan_at(np.ones((2, 3)), (1, 2)), np.ones(3),
                                             standard=0, standard_wt_pct=20), "coefs: row 1"),
    "fractions/rir": (lambda: xrd.rir_wt_pct(np.ones((2, 3)), NAN3, standard=0,
                                             standard_wt_pct=20), "rir"),
    "fractions/standard": (lambda: xrd.rir_wt_pct(np.ones((2, 3)), np.ones(3), standard=3,
                                                  standard_wt_pct=20), "standard"),
    # ------------------------------------------------------------- further public helpers
    "group_presence/logits": (lambda: xrd.group_presence_probability(
        np.array([[2.0, -1.0]]), ["Quartz", "Illite"]), "prob"),
    "alarm_summary/scores": (lambda: metrics.alarm_summary([0, 1, 0], [0.2, 0.9, 0.1]),
                             "alarm"),
    "hotelling/columns": (lambda: control_charts.HotellingT2().fit(RNG.random((30, 3)))
                          .statistic(np.ones((2, 2))), "X has 2 features, but HotellingT2"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_raises_package_error_naming_the_argument(case):
    call, match = CASES[case]
    with pytest.raises(MLPCInputError, match=match):
        call()


# ----------------------------------------------------------------- the new small checks
def test_check_vector_labels_binary():
    np.testing.assert_array_equal(check_vector([[1], [2]], "x"), [1.0, 2.0])  # a column
    with pytest.raises(MLPCInputError, match="same length"):
        check_vector([1, 2], "a", n=3, against="b")
    np.testing.assert_array_equal(check_labels(np.array([0.0, 2.0]), "y"), [0, 2])
    assert check_labels(["a", "b"], "y").tolist() == ["a", "b"]
    with pytest.raises(MLPCInputError, match="argmax"):
        check_labels(np.ones((3, 2)), "y")
    with pytest.raises(MLPCInputError, match="missing"):
        check_labels(np.array(["a", None], dtype=object), "y")
    assert check_binary([True, False], "m").tolist() == [1, 0]
    with pytest.raises(MLPCInputError, match="0/1"):
        check_binary([0, 2], "m")


# ------------------------------------------------------------- valid variants still work
def test_valid_variants_unchanged():
    y = np.array([0, 1, 1, 0, 1, 0])
    p = np.array([0, 1, 0, 0, 1, 1])
    a = clustering.score(y, p)
    assert clustering.score(y.astype(float), p.astype(float)) == a  # whole-valued floats
    s = metrics.classification_summary(np.array(list("abba")), np.array(list("abab")))
    assert s["accuracy"] == pytest.approx(0.5)
    # a 0/255 uint8 mask is read as a phase map (with a warning), same as the bool one
    m = np.zeros((8, 8), bool)
    m[2:5, 2:6] = True
    with pytest.warns(UserWarning, match="0, 255"):
        assert metrics.iou(m.astype(np.uint8) * 255, m) == 1.0
    # descending 2θ axis: the same shifted pattern as ascending, reversed
    tth = np.linspace(5, 65, 301)
    pat = np.exp(-0.5 * ((tth - 30) / 0.2) ** 2)
    np.testing.assert_allclose(xrd.shift_pattern(pat[::-1], tth[::-1], 0.2),
                               xrd.shift_pattern(pat, tth, 0.2)[::-1])
    np.testing.assert_array_equal(clustering.contingency([0, 0, 1], [1, 1, 0]).to_numpy(),
                                  [[0, 2], [1, 0]])
