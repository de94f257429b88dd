"""Post-processing of frozen-CNN embeddings before clustering (Unit 5 §B).

The deck's recipe (slides 15-16): L2-normalise every embedding, optionally PCA to a few tens of
dimensions, then K-means or a Gaussian mixture. :func:`embedding_pipeline` builds that recipe as
a scikit-learn :class:`~sklearn.pipeline.Pipeline`, with an optional signed power
normalisation (``sign(x)·|x|^alpha``, Perronnin et al. 2010) in front, which damps the few
very large activations that otherwise dominate Euclidean distances.

:func:`preprocessing_grid` scores a grid of such pipelines WITHOUT labels (K-means silhouette),
and, only when ``labels_true`` is passed, also against labels (ARI/NMI) for a post-hoc look.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer
from sklearn.utils.validation import check_is_fitted

from ..runtime import check_random_int
from ..validation import MLPCInputError, check_matrix, check_table

__all__ = ["PowerNormalizer", "embedding_pipeline", "preprocessing_grid"]


class PowerNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Signed power normalisation ``x -> sign(x) * |x| ** alpha``, feature by feature.

    ``alpha`` in (0, 1]: 1 leaves the data unchanged, 0.5 is the usual "square-root"
    normalisation of pooled CNN features (Perronnin, Sánchez & Mensink 2010, "Improving the
    Fisher kernel for large-scale image classification", ECCV, doi:10.1007/978-3-642-15561-1_11).
    ``fit`` checks the input and records ``n_features_in_``; output feature names are the
    input's (``OneToOneFeatureMixin``).

    Parameters
    ----------
    alpha : float
        Exponent in (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> PowerNormalizer(alpha=0.5).fit_transform(np.array([[4.0, -9.0], [0.25, 1.0]]))
    array([[ 2. , -3. ],
           [ 0.5,  1. ]])
    """

    def __init__(self, alpha: float = 0.5):
        self.alpha = alpha

    def fit(self, X: Any, y: Any = None) -> PowerNormalizer:
        """Check ``X`` (n_samples, n_features) and ``alpha``; nothing else to learn.

        Raises
        ------
        MLPCInputError
            ``alpha`` outside (0, 1]; ``X`` not a finite numeric table.
        """
        if not 0 < float(self.alpha) <= 1:
            raise MLPCInputError(f"alpha must lie in (0, 1]; got {self.alpha}. Use e.g. "
                                 "alpha=0.5.")
        check_table(self, X, reset=True)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """``sign(X) * |X| ** alpha``, shape (n_samples, n_features), float64."""
        check_is_fitted(self, "n_features_in_")
        X = check_table(self, X, reset=False,
                        hint="pass embeddings of the same backbone")
        return np.sign(X) * np.abs(X) ** float(self.alpha)


def embedding_pipeline(
    n_components: int | None = 50,
    *,
    power: float | None = None,
    l2: bool = True,
    random_state: int | np.random.Generator | None = None,
) -> Pipeline:
    """The deck's embedding recipe as an unfitted scikit-learn Pipeline.

    Steps, in order: conversion to float64 (Gaussian mixtures need it), signed power normalisation with exponent ``power`` (skipped when None),
    L2 normalisation of every row (``l2``), PCA to ``n_components`` dimensions (skipped when
    None; ``random_state`` seeds its randomized solver, resolved to an int by
    :func:`mlpc_helpers.runtime.check_random_int`, None = the course seed). Input: embeddings (n_images,
    n_features); output: (n_images, n_components), unitless.
    """
    if n_components is not None and (int(n_components) != n_components or n_components < 1):
        raise MLPCInputError(f"n_components must be a positive integer or None; got "
                             f"{n_components!r}. Use e.g. n_components=50.")
    steps: list[tuple[str, Any]] = []
    if power is not None:
        steps.append(("power", PowerNormalizer(alpha=power)))
    if l2:
        steps.append(("l2", Normalizer(norm="l2")))
    if n_components is not None:
        steps.append(("pca", PCA(n_components=int(n_components),
                                 random_state=check_random_int(random_state))))
    if not steps:
        raise MLPCInputError("embedding_pipeline: power=None, l2=False and n_components=None "
                             "leave the pipeline empty; set l2=True, a power or n_components.")
    to64 = FunctionTransformer(np.asarray, kw_args={"dtype": np.float64})
    return Pipeline([("float64", to64), *steps])


def preprocessing_grid(
    embeddings: np.ndarray,
    n_components: Iterable[int] = (10, 20, 50, 100),
    powers: Iterable[float | None] = (None, 0.5),
    *,
    k: int = 6,
    random_state: int | np.random.Generator | None = None,
    n_init: int = 10,
    labels_true: np.ndarray | None = None,
    progress: bool = True,
):
    """K-means with ``k`` clusters after every (power, n_components) pipeline of the grid.

    Returns a DataFrame, one row per setting, with columns ``power`` (None shown as "none"),
    ``n_components``, ``explained_variance`` (fraction kept by the PCA) and ``silhouette``
    (label-free, Euclidean in the reduced space). Only when ``labels_true`` is given, ``ari``
    and ``nmi`` against it are added: use them to look AFTER a choice, never to make it.
    """
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    from mlpc_helpers.runtime import progress_bar as tqdm

    from ..clustering import score

    E = np.asarray(embeddings)
    if E.ndim != 2:
        raise MLPCInputError(f"embeddings must be (n_images, n_features); got shape {E.shape}. "
                             "Flatten per-image features with E.reshape(len(E), -1).")
    check_matrix(E, "embeddings")  # NaN/inf named by row and column
    if labels_true is not None and len(labels_true) != len(E):
        raise MLPCInputError(
            f"labels_true has {len(labels_true)} entries for {len(E)} embeddings; "
            "pass one label per image."
        )
    random_state = check_random_int(random_state)
    grid = [(p, d) for p in powers for d in n_components]
    rows = []
    for p, d in tqdm(grid, desc="preprocessing grid", disable=not progress):
        pipe = embedding_pipeline(d, power=p, random_state=random_state)
        X = pipe.fit_transform(E)
        km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X)
        row = {
            "power": "none" if p is None else p,
            "n_components": d,
            "explained_variance": float(pipe.named_steps["pca"].explained_variance_ratio_.sum()),
            "silhouette": float(silhouette_score(X, km.labels_)),
        }
        if labels_true is not None:
            row.update(score(labels_true, km.labels_))
        rows.append(row)
    return pd.DataFrame(rows)
