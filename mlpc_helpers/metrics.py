"""Metrics shared by the notebooks: thin, documented wrappers around scikit-learn and scikit-image."""

from __future__ import annotations

import numpy as np


def classification_summary(y_true, y_pred, labels=None) -> dict:
    """Accuracy, macro F1 and the confusion matrix (rows: true, columns: predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=labels)),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels),
    }


def psnr(reference: np.ndarray, image: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of ``image`` against ``reference`` (same shape)."""
    from skimage.metrics import peak_signal_noise_ratio

    reference, image = np.asarray(reference, float), np.asarray(image, float)
    if reference.shape != image.shape:
        raise ValueError(f"psnr needs equal shapes; got {reference.shape} and {image.shape}.")
    return float(peak_signal_noise_ratio(reference, image, data_range=data_range))


def ssim(reference: np.ndarray, image: np.ndarray, data_range: float = 1.0) -> float:
    """Structural similarity (−1…1, 1 = identical) of two 2-D images."""
    from skimage.metrics import structural_similarity

    reference, image = np.asarray(reference, float), np.asarray(image, float)
    if reference.shape != image.shape or reference.ndim != 2:
        raise ValueError(f"ssim needs two 2-D images of one shape; got {reference.shape}, {image.shape}.")
    return float(structural_similarity(reference, image, data_range=data_range))
