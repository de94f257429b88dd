"""Scores of the course, one home: every score is ``f(y_true, y_pred, ...)``, truth first.

Thin, documented wrappers around scikit-learn and scikit-image where those exist. One scale:
rates and scores (accuracy, recall, precision, F1, false-alarm rate, PR-AUC, IoU, Dice) are
fractions in [0, 1]; notebooks multiply by 100 where they print or record a percentage.
Physical quantities keep their units (PSNR in dB).

- labels: :func:`classification_summary`, :func:`rare_class_report`, :func:`alarm_summary`,
  :func:`identification_scores` (presence matrices or sets of names);
- images: :func:`psnr`, :func:`ssim`;
- overlap of masks and class maps: :func:`iou` (the one IoU), :func:`dice`,
  :func:`confusion`, :func:`segmentation_scores`;
- events in time: :func:`match_intervals` (truth and prediction passed by keyword).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .validation import MLPCInputError

if TYPE_CHECKING:
    import pandas as pd


def classification_summary(y_true, y_pred, labels=None) -> dict:
    """Accuracy, macro F1 and the confusion matrix (rows: true, columns: predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    from .validation import check_labels

    y_true = check_labels(y_true, "y_true")
    y_pred = check_labels(y_pred, "y_pred", n=len(y_true), against="y_true")
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=labels)),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels),
    }


def _grey_pair(reference: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two images as float: integer images through
    :func:`~mlpc_helpers.validation.as_float_image` (uint8 / 255, uint16 / 65535, so that
    ``data_range=1`` holds), float images as given; NaN/inf raise ``MLPCInputError``."""
    from .validation import MLPCInputError, as_float_image

    out = []
    for name, x in (("reference", reference), ("image", image)):
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            out.append(as_float_image(x, name))
            continue
        x = np.asarray(x, float)
        if not np.isfinite(x).all():
            raise MLPCInputError(f"{name}: {int((~np.isfinite(x)).sum())} pixel(s) are NaN or "
                                 "infinite; fill them or crop them away first.")
        out.append(x)
    return out[0], out[1]


def _grey_scales(reference: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_grey_pair` without the float copies: the two arrays and the full scale that
    turns each into floats (1 for float images), checked once (large images, issue 43)."""
    from .validation import MLPCInputError, as_float_image

    out = []
    for name, x in (("reference", reference), ("image", image)):
        x = np.asarray(x)
        if x.dtype == np.bool_ or x.size == 0:
            out += [x, as_float_image(x, name, return_scale=True)[1]]
        elif np.issubdtype(x.dtype, np.integer):  # the rule needs the range only
            lo_hi = np.array([[x.min(), x.max()]], dtype=x.dtype)
            out += [x, as_float_image(lo_hi, name, return_scale=True)[1]]
        else:
            x = np.asarray(x, float) if x.dtype.kind != "f" else x
            if not np.isfinite(x).all():
                raise MLPCInputError(f"{name}: {int((~np.isfinite(x)).sum())} pixel(s) are NaN "
                                     "or infinite; fill them or crop them away first.")
            out += [x, 1.0]
    return tuple(out)


def _band_rows(shape: tuple[int, ...], itemsize: int) -> int:
    """Rows per band: skimage's SSIM holds ~20 float64 copies of a band (with its 6 halo
    rows), kept within the two inputs' bytes (at least 8 rows)."""
    row = int(np.prod(shape[1:])) * 8 * 20
    return max(8, int(2 * np.prod(shape) * itemsize // max(row, 1)) - 6)


def psnr(reference: np.ndarray, image: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of ``image`` against ``reference`` (same shape):
    10 log10(data_range² / MSE), as ``skimage.metrics.peak_signal_noise_ratio``; the MSE is
    summed over bands of rows, so the memory stays near the inputs' (large images)."""
    r, sr, i, si = _grey_scales(reference, image)
    if r.shape != i.shape:
        raise MLPCInputError(f"psnr: reference {r.shape} and image {i.shape} differ in "
                             "shape; pass the image and its reference at one size (crop or "
                             "resize one of them).")
    rows = _band_rows(r.shape, max(r.itemsize, i.itemsize)) if r.ndim else 1
    sse = 0.0
    for lo in range(0, max(len(r), 1) if r.ndim else 1, rows):
        a = r[lo:lo + rows] if r.ndim else r
        b = i[lo:lo + rows] if r.ndim else i
        sse += float(np.square(a.astype(np.float64) / sr - b.astype(np.float64) / si).sum())
    mse = sse / max(r.size, 1)
    return float(10 * np.log10(data_range**2 / mse)) if mse > 0 else float("inf")


def ssim(reference: np.ndarray, image: np.ndarray, data_range: float = 1.0) -> float:
    """Structural similarity (−1…1, 1 = identical) of two 2-D images
    (``skimage.metrics.structural_similarity``, 7 × 7 window), computed on bands of rows
    with a 3-row halo and averaged as skimage does (its 3-pixel border left out), so the
    memory stays near the inputs' for large images."""
    from skimage.metrics import structural_similarity

    r, sr, i, si = _grey_scales(reference, image)
    if r.shape != i.shape or r.ndim != 2:
        raise MLPCInputError(f"ssim: reference {r.shape} and image {i.shape} must be "
                             "two 2-D images of one shape; pass one (H, W) image each (loop "
                             "over a stack), at one size.")
    h, pad = r.shape[0], 3  # skimage: win_size 7, crop (7 - 1) // 2
    rows = _band_rows(r.shape, max(r.itemsize, i.itemsize))
    if rows >= h:
        return float(structural_similarity(r.astype(np.float64) / sr, i.astype(np.float64) / si,
                                           data_range=data_range))
    total, count = 0.0, 0
    for lo in range(pad, h - pad, rows):
        hi = min(lo + rows, h - pad)
        a0, a1 = max(lo - pad, 0), min(hi + pad, h)  # the halo: exact window sums inside
        _, smap = structural_similarity(r[a0:a1].astype(np.float64) / sr,
                                        i[a0:a1].astype(np.float64) / si,
                                        data_range=data_range, full=True)
        keep = smap[lo - a0:hi - a0, pad:-pad]
        total, count = total + float(keep.sum(dtype=np.float64)), count + keep.size
    return total / count


def rare_class_report(y_true, scores, threshold: float = 0.0) -> dict[str, float]:
    """Scores of a binary rare-class detector (``y_true`` 1 = rare class, ``scores`` higher =
    more likely rare, predicted rare when ``scores > threshold``): accuracy, recall, precision
    and F1 of the rare class, and PR-AUC (average precision, threshold-free). All in [0, 1]."""
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        f1_score,
        precision_score,
        recall_score,
    )

    from .validation import MLPCInputError, check_binary, check_labels, check_vector

    y_true = check_binary(check_labels(y_true, "y_true"), "y_true")
    scores = check_vector(scores, "scores")
    if len(scores) != len(y_true):
        raise MLPCInputError(f"y_true and scores must be 1-D of one length (one score per "
                             f"sample); got {len(y_true)} and {len(scores)} (scores).")
    pred = (scores > threshold).astype(int)
    return {
        "accuracy": float(accuracy_score(y_true, pred)),
        "recall": float(recall_score(y_true, pred, zero_division=0)),
        "precision": float(precision_score(y_true, pred, zero_division=0)),
        "f1": float(f1_score(y_true, pred, zero_division=0)),
        "pr_auc": float(average_precision_score(y_true, scores)),
    }


def alarm_summary(is_anomaly, alarm) -> dict[str, float]:
    """Scores of the alarms of a monitoring chart against the truth, all fractions in [0, 1].

    Parameters
    ----------
    is_anomaly : array-like of bool, shape (n,)
        True for the frames that are anomalies.
    alarm : array-like of bool, shape (n,)
        True where the chart raised an alarm.

    Returns
    -------
    dict
        ``accuracy``, ``recall`` (sensitivity), ``precision``, ``f1`` (of the anomaly class)
        and ``false_alarm_rate`` (alarms among the normal frames; 0 when there is none).

    Raises
    ------
    ValueError
        When the two arrays differ in shape.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    from .validation import MLPCInputError, check_binary

    if np.shape(is_anomaly) != np.shape(alarm):
        raise MLPCInputError(f"is_anomaly and alarm need one shape; got {np.shape(is_anomaly)} "
                             f"and {np.shape(alarm)}.")
    y = check_binary(is_anomaly, "is_anomaly").astype(bool)
    a = check_binary(alarm, "alarm").astype(bool)
    return {
        "accuracy": float(accuracy_score(y, a)),
        "recall": float(recall_score(y, a, zero_division=0)),
        "precision": float(precision_score(y, a, zero_division=0)),
        "f1": float(f1_score(y, a, zero_division=0)),
        "false_alarm_rate": float(a[~y].mean()) if (~y).any() else 0.0,
    }


def identification_scores(y_true, y_pred) -> dict[str, float]:
    """Micro-averaged precision, recall and F1 of what was named present against the truth.

    Two forms, one count: 0/1 presence matrices of one shape (n_samples, n_labels) (e.g. the
    mineral groups found in each XRD pattern), or two collections of names (e.g. the elements
    identified in one EDS spectrum and the elements it holds). A true positive is a label
    named in both; precision = TP / (named), recall = TP / (true); F1 their harmonic mean.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 (or bool), one shape; or two collections of str

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, fractions in [0, 1] (0 when undefined, e.g.
        nothing named).

    Raises
    ------
    MLPCInputError
        For matrices of two shapes, values other than 0/1 (threshold probabilities first),
        or an empty set of true names.
    """
    from sklearn.metrics import precision_recall_fscore_support

    from .validation import check_binary

    if _is_names(y_true) or _is_names(y_pred):
        t, p = {str(x) for x in y_true}, {str(x) for x in y_pred}
        if not t:
            raise MLPCInputError("y_true must name at least one label (e.g. an element); got "
                                 "an empty collection.")
        names = sorted(t | p)
        y_true = [n in t for n in names]
        y_pred = [n in p for n in names]
    if np.shape(y_true) != np.shape(y_pred):
        raise MLPCInputError(f"y_true and y_pred need one shape; got {np.shape(y_true)} and "
                             f"{np.shape(y_pred)} (one 0/1 row per sample, one column per "
                             "label).")
    t = check_binary(y_true, "y_true").ravel()
    p = check_binary(y_pred, "y_pred").ravel()
    pr, rc, f1, _ = precision_recall_fscore_support(t, p, average="binary", zero_division=0)
    return {"precision": float(pr), "recall": float(rc), "f1": float(f1)}


def _is_names(x) -> bool:
    """A set, or a 1-D list/tuple/array of strings (names, not a 0/1 matrix or table)."""
    if isinstance(x, (set, frozenset)):
        return True
    if hasattr(x, "iloc") or not isinstance(x, (list, tuple, np.ndarray)):
        return False  # pandas objects and other arrays: 0/1 labels
    a = np.asarray(x, dtype=object)
    return a.ndim == 1 and a.size > 0 and all(isinstance(v, str) for v in a)


# ------------------------------------------------------------------ overlap: IoU and Dice
def _pair(y_true, y_pred, *, labels: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two masks (``labels=False``: bool, 0/1 or 0/255) or class maps (integer labels) of one
    shape (:func:`mlpc_helpers.validation.check_phase_map`)."""
    from .validation import check_phase_map

    t = check_phase_map(y_true, "y_true", labels=labels)
    p = check_phase_map(y_pred, "y_pred", labels=labels)
    if t.shape != p.shape:
        raise MLPCInputError(f"y_true and y_pred must have the same shape; got {t.shape} and "
                             f"{p.shape}. Pass the truth and the prediction of the same "
                             "pixels (or samples).")
    return t, p


def confusion(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Pixel confusion matrix (n_classes, n_classes), int64; rows = true, columns = predicted.

    ``y_true`` and ``y_pred`` are class maps (integer labels 0 .. n_classes - 1) of one shape,
    any number of images; every pixel counts once.

    Raises
    ------
    MLPCInputError
        For maps of two shapes, grey images or probabilities where labels are expected, and
        class indices outside 0 .. n_classes - 1.
    """
    t, p = _pair(y_true, y_pred, labels=True)
    t, p = t.ravel().astype(np.int64), p.ravel().astype(np.int64)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.size and (a.min() < 0 or a.max() >= n_classes):
            raise MLPCInputError(
                f"{name} holds class {a.min() if a.min() < 0 else a.max()}, outside "
                f"0 .. {n_classes - 1}; pass the right n_classes."
            )
    return np.bincount(t * n_classes + p, minlength=n_classes**2).reshape(
        n_classes, n_classes
    )


def iou(y_true, y_pred, n_classes: int | None = None, *, per_image: bool = False):
    """Intersection over union (Jaccard index), in [0, 1]: the one IoU of the course.

    ``IoU = TP / (TP + FP + FN) = |A ∩ B| / |A ∪ B|`` (Jaccard 1901), pooled over every pixel
    (or sample) given; ``scikit-learn``'s ``jaccard_score`` on the flattened arrays gives the
    same number.

    Parameters
    ----------
    y_true, y_pred : array_like, one shape
        ``n_classes=None``: two masks (bool, 0/1 or 0/255), of any shape: 1-D time series,
        one image (H, W) or a stack (n, H, W). Otherwise: class maps with labels
        0 .. n_classes - 1.
    n_classes : int, optional
        None: the IoU of the True pixels. An int: one IoU per class.
    per_image : bool
        One value per entry of the first axis (e.g. per image of a stack) instead of one
        pooled value.

    Returns
    -------
    float, or numpy.ndarray
        Masks: a float (shape (n,) with ``per_image``); 1.0 where both masks are empty (they
        agree). Class maps: shape (n_classes,) (``(n, n_classes)`` with ``per_image``); NaN
        for a class absent from both.

    Raises
    ------
    MLPCInputError
        For two shapes, grey images or probabilities where masks or labels are expected
        (threshold or argmax first), and labels outside 0 .. n_classes - 1.
    """
    if n_classes is None:
        t, p = _pair(y_true, y_pred, labels=False)
        if per_image and t.ndim < 2:
            raise MLPCInputError(f"per_image=True needs a stack (n, ...); got shape {t.shape}.")
        axes = tuple(range(1, t.ndim)) if per_image else None
        inter = np.logical_and(t, p).sum(axis=axes)
        union = np.logical_or(t, p).sum(axis=axes)
        out = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
        return out.astype(float) if per_image else float(out)
    if per_image:
        t, p = _pair(y_true, y_pred, labels=True)
        return np.stack([iou(a, b, n_classes) for a, b in zip(t, p, strict=True)])
    cm = confusion(y_true, y_pred, n_classes).astype(float)
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def dice(y_true, y_pred, n_classes: int | None = None, *, per_image: bool = False):
    """Dice coefficient (F1 of the pixels), in [0, 1]: ``2 TP / (2 TP + FP + FN)``
    ``= 2 IoU / (1 + IoU)`` (Dice 1945). Arguments and returned shapes as :func:`iou`."""
    j = iou(y_true, y_pred, n_classes, per_image=per_image)
    out = 2 * np.asarray(j) / (1 + np.asarray(j))
    return float(out) if np.ndim(out) == 0 else out


def segmentation_scores(y_true, y_pred, class_names) -> pd.DataFrame:
    """Table of per-class IoU and Dice (rows = classes, in [0, 1]) and their means over the
    classes (row ``"mean over classes"``, NaN classes left out). Class maps as :func:`iou`;
    ``class_names`` names labels 0 .. k - 1."""
    import pandas as pd

    k = len(class_names)
    j = iou(y_true, y_pred, k)
    df = pd.DataFrame({"IoU": j, "Dice": 2 * j / (1 + j)},
                      index=pd.Index(list(class_names), name="class"))
    df.loc["mean over classes"] = df.mean()
    return df


# ------------------------------------------------------------------ events in time
def _interval_iou(a, b) -> float:
    """IoU of two ``[start, stop)`` intervals: :func:`iou` of their masks (0 when disjoint)."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union > 0 else 0.0


def match_intervals(*, y_true, y_pred, iou_threshold: float = 0.5) -> dict[str, float]:
    """One-to-one matching of predicted to true intervals; precision, recall, F1.

    Pairs are matched greedily by decreasing IoU; a pair with IoU >= ``iou_threshold`` is a
    true positive (the detection criterion of the PASCAL VOC benchmark, Everingham et al.
    2010, applied to time intervals). Unmatched predictions are false positives, unmatched
    true intervals false negatives. Both arguments are keyword-only: precision and recall
    swap when the two are swapped, so a call names which is which.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (k, 2)
        ``[start, stop)`` intervals in samples
        (:func:`mlpc_helpers.process_signals.mask_to_intervals`).
    iou_threshold : float
        In (0, 1].

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn`` (counts), ``precision``, ``recall``, ``f1`` (in [0, 1]; 0 when
        undefined) and ``mean_iou`` of the matched pairs (NaN when none).

    Raises
    ------
    MLPCInputError
        For a threshold outside (0, 1] or intervals that are not (k, 2) whole indices.
    """
    from .process_signals import check_intervals

    if not 0 < iou_threshold <= 1:
        raise MLPCInputError(f"iou_threshold must be in (0, 1]; got {iou_threshold}.")
    t = check_intervals(y_true, "y_true")
    p = check_intervals(y_pred, "y_pred")
    pairs = sorted(((_interval_iou(a, b), i, j) for i, a in enumerate(p)
                    for j, b in enumerate(t)), reverse=True)
    used_p, used_t, ious = set(), set(), []
    for v, i, j in pairs:
        if v < iou_threshold:
            break
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        ious.append(v)
    tp = len(ious)
    fp, fn = len(p) - tp, len(t) - tp
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": prec, "recall": rec, "f1": f1,
            "mean_iou": float(np.mean(ious)) if ious else float("nan")}
