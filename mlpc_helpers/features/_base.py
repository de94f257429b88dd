"""Shared base of the per-image feature extractors."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..imaging import check_stack


class ImageStackTransformer(TransformerMixin, BaseEstimator):
    """A stateless scikit-learn transformer over a stack of images (n, H, W).

    ``fit`` learns nothing, so it is safe before a train-fold-only scaler in a Pipeline;
    subclasses implement ``transform`` and call :meth:`_check_stack` first.
    """

    def fit(self, X, y=None):  # noqa: N803  (scikit-learn signature)
        return self

    @staticmethod
    def _check_stack(X) -> np.ndarray:  # noqa: N803
        return check_stack(X, "X")
