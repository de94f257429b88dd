"""Eigen-microstructures: what the principal components of an encoding track.

Used by ``week04_encodings`` (section 4): PCA of raw grey fields, of standardised fields and
of two-point statistics, and the correlation of the component scores with known parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .runtime import check_random_int
from .validation import MLPCInputError


def pc_truth_correlation(
    encodings: Mapping[str, np.ndarray],
    truth: pd.DataFrame,
    n_components: int = 3,
    random_state: int | None = None,
) -> tuple[dict, dict[int, pd.DataFrame]]:
    """Fit a PCA to each encoding and correlate its component scores with known parameters.

    Parameters
    ----------
    encodings : mapping of name -> ndarray, shape (n_samples, n_features)
        The encodings to compare (rows: the same samples in the same order as ``truth``).
    truth : DataFrame, shape (n_samples, n_parameters)
        Known parameters of each sample (e.g. imaging brightness, volume fraction).
    n_components : int
        Components kept per PCA.
    random_state : int or None
        Seed of the PCA's randomised solver (None: the course seed, ``runtime.stream()``).

    Returns
    -------
    pcas : dict of name -> fitted ``sklearn.decomposition.PCA``
    corr : dict of component index -> DataFrame (parameters x encodings)
        |Pearson r| of each component's scores with each parameter, e.g. ``corr[0]`` for PC1.
    """
    from sklearn.decomposition import PCA

    seed = check_random_int(random_state)
    pcas, scores = {}, {}
    for name, X in encodings.items():
        if len(X) != len(truth):
            raise MLPCInputError(f"encodings[{name!r}] has {len(X)} rows, truth has {len(truth)}: "
                                 "give one row per sample, in the same order.")
        pcas[name] = PCA(n_components, random_state=seed).fit(X)
        scores[name] = pcas[name].transform(X)
    index = pd.RangeIndex(len(truth))
    truth = truth.reset_index(drop=True)
    corr = {c: pd.DataFrame({name: truth.corrwith(pd.Series(s[:, c], index=index)).abs()
                             for name, s in scores.items()})
            for c in range(n_components)}
    return pcas, corr
