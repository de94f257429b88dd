"""Shared base of the per-image feature extractors (texture, stereology, two-point statistics)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..validation import check_stack


class ImageStackTransformer(TransformerMixin, BaseEstimator):
    """Base of the scikit-learn transformers over a stack of images (n, H, W) -> (n, n_features).

    The scikit-learn contract (as PyMKS's ``TwoPointCorrelation``): parameters are stored
    unchanged in ``__init__``; :meth:`fit` validates the stack and learns ``image_shape_``
    (H, W) and ``n_features_out_``; ``transform`` before ``fit`` raises
    ``sklearn.exceptions.NotFittedError``; ``get_feature_names_out`` names the columns. The
    features of one image do not depend on the others, so fitting on a training fold leaks
    nothing into a ``Pipeline``. ``__sklearn_tags__`` declares the input (3-D arrays, not
    tables), so scikit-learn's estimator checks know what it takes. Subclasses implement ``transform`` (starting with
    :meth:`_check_fitted` and :meth:`_check_stack` / :meth:`_check_phase_stack`) and
    ``get_feature_names_out``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a stack of images (n, H, W), not a table
        tags.input_tags.three_d_array = True
        return tags

    def fit(self, X, y=None):  # noqa: N803  (scikit-learn signature)
        """Validate ``X`` (n, H, W) and record ``image_shape_`` and ``n_features_out_``.

        Raises
        ------
        mlpc_helpers.validation.MLPCInputError
            When ``X`` is not a stack of 2-D images (see :func:`mlpc_helpers.validation.check_stack`).
        """
        x = self._check_stack(X)
        self.image_shape_ = tuple(int(v) for v in x.shape[1:])
        self.n_features_out_ = len(self.get_feature_names_out())
        return self

    def _check_fitted(self) -> None:
        """``NotFittedError`` (scikit-learn's) unless :meth:`fit` has run."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "image_shape_")

    @staticmethod
    def _check_stack(X) -> np.ndarray:  # noqa: N803
        return check_stack(X, "X")

    @staticmethod
    def _check_phase_stack(X, labels: bool = False) -> np.ndarray:  # noqa: N803
        """A stack (n, H, W) of phase maps: bool (or 0/1) for two-phase features, integer labels
        with ``labels=True``; an unsegmented grey image raises ``MLPCInputError`` (segment
        first), naming the image."""
        from ..validation import check_phase_map

        return check_phase_map(check_stack(X, "X"), "X", labels=labels)
