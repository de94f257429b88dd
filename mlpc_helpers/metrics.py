"""Metrics shared by the notebooks: thin, documented wrappers around scikit-learn and scikit-image.

One scale: rates and scores (accuracy, recall, precision, F1, false-alarm rate, PR-AUC) are
fractions in [0, 1]; notebooks multiply by 100 where they print or record a percentage.
Physical quantities keep their units (PSNR in dB).
"""

from __future__ import annotations

import numpy as np


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


def psnr(reference: np.ndarray, image: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of ``image`` against ``reference`` (same shape)."""
    from skimage.metrics import peak_signal_noise_ratio

    reference, image = _grey_pair(reference, image)
    if reference.shape != image.shape:
        raise ValueError(f"psnr needs equal shapes; got {reference.shape} and {image.shape}.")
    return float(peak_signal_noise_ratio(reference, image, data_range=data_range))


def ssim(reference: np.ndarray, image: np.ndarray, data_range: float = 1.0) -> float:
    """Structural similarity (−1…1, 1 = identical) of two 2-D images."""
    from skimage.metrics import structural_similarity

    reference, image = _grey_pair(reference, image)
    if reference.shape != image.shape or reference.ndim != 2:
        raise ValueError(f"ssim needs two 2-D images of one shape; got {reference.shape}, {image.shape}.")
    return float(structural_similarity(reference, image, data_range=data_range))


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
