"""Cross-validated predictions of a torch model trained from scratch on each training fold.

The scikit-learn ``cross_val_predict`` for the course's torch models: one fresh network per
fold, the target standardised with the training fold's statistics only, every test sample
predicted by the network that did not see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from torch import nn

from ..runtime import check_random_int
from .training import fit, make_loader, predict


def cross_val_predict_cnn(
    make_model: Callable[[], nn.Module],
    X: np.ndarray,
    y: np.ndarray,
    splits: Iterable[tuple[np.ndarray, np.ndarray]],
    *,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int = 32,
    augment: Callable | None = None,
    random_state: int | None = None,
    desc: str = "CNN",
) -> np.ndarray:
    """Out-of-fold predictions of a regression network, one new network per fold.

    For each ``(train, test)`` of ``splits``: the target is standardised with the mean and
    standard deviation of ``y[train]`` (the test fold never informs them), ``make_model()``
    builds a fresh network, :func:`~mlpc_helpers.models.fit` trains it on the shuffled
    training fold, and its predictions for ``X[test]`` are put back on the scale of ``y``.

    Parameters
    ----------
    make_model : callable
        Returns a new, untrained ``nn.Module`` with one output, e.g.
        ``lambda: models.SmallCNN(n_outputs=1)``.
    X : ndarray, shape (n, C, H, W), float32
        Inputs.
    y : ndarray, shape (n,)
        Target (any unit; the predictions are returned in the same unit).
    splits : iterable of (train indices, test indices)
        E.g. ``cv.split(X, y, groups)`` of a ``GroupKFold``; every index should be tested once.
    epochs, lr, batch_size : training settings of :func:`~mlpc_helpers.models.fit`.
    augment : callable, optional
        Batch augmentation, e.g. ``imaging.augmenter("flip")``
        (:func:`mlpc_helpers.imaging.augmenter`).
    random_state : int or None
        Shuffling seed of fold ``k`` is ``runtime.stream(k)`` for None (the course seed
        ``MLPC_SEED``), else ``random_state + k``.
    desc : str
        Progress-bar label; the fold number is appended.

    Returns
    -------
    ndarray, shape (n,)
        Out-of-fold predictions (0 for indices no fold tests).
    """
    splits = list(splits)
    y = np.asarray(y, dtype=float)
    pred = np.zeros_like(y)
    for k, (train, test) in enumerate(splits):
        mu, sd = y[train].mean(), y[train].std()
        model = make_model()
        seed = check_random_int(None, offset=k) if random_state is None else random_state + k
        loader = make_loader(X[train], ((y[train] - mu) / sd)[:, None], batch_size=batch_size,
                             shuffle=True, random_state=seed)
        fit(model, loader, epochs=epochs, lr=lr, augment=augment,
            desc=f"{desc} fold {k + 1}/{len(splits)}")
        pred[test] = predict(model, X[test])[:, 0] * sd + mu
    return pred
