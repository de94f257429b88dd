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
from sklearn.utils.validation import check_array, check_is_fitted

from ..runtime import check_random_int
from ..validation import check_matrix

__all__ = ["PowerNormalizer", "embedding_pipeline", "preprocessing_grid"]


class PowerNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Signed power normalisation ``x -> sign(x) * |x| ** alpha``, feature by feature.

    ``alpha`` in (0, 1]: 1 leaves the data unchanged, 0.5 is the usual "square-root"
    normalisation of pooled CNN features. ``fit`` checks the input and records
    ``n_features_in_``; output feature names are the input's (``OneToOneFeatureMixin``).
    """

    def __init__(self, alpha: float = 0.5):
        self.alpha = alpha

    def fit(self, X: Any, y: Any = None) -> PowerNormalizer:
        if not 0 < float(self.alpha) <= 1:
            raise ValueError(f"alpha must lie in (0, 1]; got {self.alpha}. Use e.g. alpha=0.5.")
        check_matrix(X, "X")  # NaN/inf named by row and column
        X = check_array(X, dtype=(np.float64, np.float32))
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        check_matrix(X, "X")
        X = check_array(X, dtype=(np.float64, np.float32))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features but the normaliser was fitted on "
                f"{self.n_features_in_}; pass embeddings of the same backbone."
            )
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
        raise ValueError(f"n_components must be a positive integer or None; got {n_components!r}.")
    steps: list[tuple[str, Any]] = []
    if power is not None:
        steps.append(("power", PowerNormalizer(alpha=power)))
    if l2:
        steps.append(("l2", Normalizer(norm="l2")))
    if n_components is not None:
        steps.append(("pca", PCA(n_components=int(n_components),
                                 random_state=check_random_int(random_state))))
    if not steps:
        raise ValueError("The pipeline is empty: set l2=True, a power or n_components.")
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
        raise ValueError(f"embeddings must be (n_images, n_features); got shape {E.shape}.")
    check_matrix(E, "embeddings")  # NaN/inf named by row and column
    if labels_true is not None and len(labels_true) != len(E):
        raise ValueError(
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
