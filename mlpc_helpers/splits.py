"""Honest splits, one home: group labels and per-class draws.

Rows that are not independent (frames of one strip, files of one session, duplicate images,
results of one paper) must stay on one side of every split; a test set must not be chosen
by looking at it. The helpers here make the groups and the draws; the splitters themselves
are scikit-learn's (``GroupKFold``, ``StratifiedGroupKFold``, ``LeaveOneGroupOut``).

- groups: :func:`file_blocks` (runs of consecutive file numbers), :func:`merge_groups`
  (join labelings, e.g. blocks and duplicate pairs of
  :func:`mlpc_helpers.imaging.duplicate_groups`), :func:`groups_split` (how many groups a
  set of folds cuts apart);
- per-class draws: :func:`split_pool_test` (a fixed, class-balanced test set and the pool),
  :func:`subsample_per_class`, :func:`learning_curve_draws` (n labelled images per class,
  several draws), :func:`rare_class_subset` (a reproducible imbalanced subset).

Every draw takes ``random_state`` (:func:`mlpc_helpers.runtime.check_random_state`; None:
the course seed ``MLPC_SEED``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .runtime import check_random_int, check_random_state
from .validation import MLPCInputError, check_labels, check_vector


def file_blocks(labels: Any, index: Any, block: int) -> np.ndarray:
    """Group label per file: runs of ``block`` consecutive file numbers within one class.

    Files numbered 1..``block`` of a class form group 0 of that class, the next ``block``
    numbers the next group, and so on. Consecutive numbers of an image set are often frames
    of one strip, specimen or session: a random split puts neighbours on both sides.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Class (or any stratum) of every file; numbering restarts in each.
    index : array_like of int, shape (n,)
        The file number (e.g. 17 for ``crazing_17.jpg``), >= 1.
    block : int
        Files per group, >= 1.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Group ids 0..n_groups-1.

    Raises
    ------
    MLPCInputError
        If the lengths differ, ``block`` < 1 or an index is < 1.
    """
    labels = check_labels(labels, "labels")
    index = check_vector(index, "index", n=len(labels), against="labels")
    if np.any(index != np.round(index)):
        raise MLPCInputError("index: file numbers must be whole numbers (e.g. 17 for "
                             "'crazing_17.jpg').")
    if block < 1:
        raise MLPCInputError(f"block must be >= 1 file; got {block}.")
    if len(index) and index.min() < 1:
        raise MLPCInputError(f"index holds file numbers >= 1; got {index.min()}.")
    keys = np.stack([np.unique(labels, return_inverse=True)[1].ravel(),
                     (index.astype(np.int64) - 1) // block], axis=1)
    return np.unique(keys, axis=0, return_inverse=True)[1].ravel()



def merge_groups(*labelings: Any) -> np.ndarray:
    """Join several group labelings: rows sharing a group in *any* of them share one.

    E.g. blocks of consecutive files (:func:`file_blocks`) and duplicate pairs
    (:func:`mlpc_helpers.imaging.duplicate_groups`): a duplicate pair that spans two blocks
    merges them. Connected components of the union graph.

    Parameters
    ----------
    *labelings : array_like of int, each shape (n,)

    Returns
    -------
    numpy.ndarray of int, shape (n,)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not labelings:
        raise MLPCInputError("merge_groups needs at least one labeling.")
    arrays = [np.unique(check_labels(g, f"labelings[{k}]"), return_inverse=True)[1].ravel()
              for k, g in enumerate(labelings)]
    n = len(arrays[0])
    for a in arrays[1:]:
        _same_length("the first labeling", arrays[0], "another labeling", a)
    rows, cols, offset = [], [], n
    for a in arrays:  # a bipartite graph: row i -- node (offset + group of i)
        rows.append(np.arange(n))
        cols.append(offset + a)
        offset += a.max() + 1 if n else 0
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(offset, offset))
    comp = connected_components(graph, directed=False)[1][:n]
    return np.unique(comp, return_inverse=True)[1].ravel()



def groups_split(groups: Any, splits: Sequence[tuple[Any, Any]]) -> int:
    """How many groups with two or more members a set of CV splits cuts apart.

    Parameters
    ----------
    groups : array_like, shape (n,)
        Group label per row (e.g. a duplicate pair shares one).
    splits : sequence of (train_idx, test_idx)
        The folds (``list(cv.split(X, y, groups))``); the test folds must cover each row once.

    Returns
    -------
    int
        The number of multi-member groups whose members land in more than one test fold, i.e.
        with members on both sides of at least one split.
    """
    groups = check_labels(groups, "groups")
    fold = np.full(len(groups), -1)
    for k, (_, test) in enumerate(splits):
        test = np.asarray(test)
        if test.size and (not np.issubdtype(test.dtype, np.integer) or test.min() < -len(fold)
                          or test.max() >= len(fold)):
            raise MLPCInputError(f"splits: fold {k} holds test indices outside 0.."
                                 f"{len(fold) - 1} (the rows of groups); pass the splits of "
                                 "the same rows, list(cv.split(X, y, groups)).")
        fold[test] = k
    if (fold < 0).any():
        raise MLPCInputError(f"The test folds leave {(fold < 0).sum()} rows out: pass the "
                             "splits of a K-fold-like splitter that covers every row once.")
    cut = 0
    for g in np.unique(groups):
        f = fold[groups == g]
        cut += int(len(f) > 1 and np.unique(f).size > 1)
    return cut



def rare_class_subset(y: Any, rare: int, fraction: float,
                      random_state: int | np.random.Generator | None = None) -> np.ndarray:
    """Indices of an imbalanced subset: every row of the other classes and a random few of
    class ``rare``, so that it makes up ``fraction`` of the subset.

    Parameters
    ----------
    y : array_like, shape (n,)
    rare : int
        The class that becomes rare.
    fraction : float
        Wanted share of the rare class, 0 < fraction < 1; the count is rounded, at least 1.
    random_state : int, numpy.random.Generator or None
        Resolved with :func:`mlpc_helpers.runtime.check_random_state` (None: the course seed).

    Returns
    -------
    numpy.ndarray of int, sorted
    """
    y = check_labels(y, "y")
    if not 0 < fraction < 1:
        raise MLPCInputError(f"fraction must lie in (0, 1); got {fraction}.")
    pos, neg = np.flatnonzero(y == rare), np.flatnonzero(y != rare)
    if len(pos) == 0:
        raise MLPCInputError(f"class {rare!r} does not occur in y.")
    n_pos = max(1, int(round(fraction * len(neg) / (1 - fraction))))
    if n_pos > len(pos):
        raise MLPCInputError(f"fraction {fraction} needs {n_pos} rows of class {rare!r}; "
                             f"there are {len(pos)}.")
    rng = check_random_state(random_state, offset=31)
    return np.sort(np.r_[neg, rng.choice(pos, n_pos, replace=False)])


def _same_length(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise MLPCInputError(f"{name_a} and {name_b} must have one length; got {len(a)} and "
                             f"{len(b)}. Pass the rows and labels of the same table.")


def _labels(y: Any) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise MLPCInputError(f"y must be a non-empty 1-D array of class labels; got shape {y.shape}.")
    return y



def split_pool_test(
    y: np.ndarray,
    n_test_per_class: int,
    *,
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, class-balanced test set and the pool the labelled subsets are drawn from.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Class labels.
    n_test_per_class : int
        Test images per class; every class needs more than this many images.
    random_state : int, Generator or None
        Resolved by :func:`mlpc_helpers.runtime.check_random_state` (None: course seed).

    Returns
    -------
    pool, test : ndarray of int
        Sorted, disjoint indices into ``y``.

    Raises
    ------
    MLPCInputError
        When a class has ``n_test_per_class`` images or fewer.
    """
    y = _labels(y)
    rng = check_random_state(random_state, offset=61)
    test = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) <= n_test_per_class:
            raise MLPCInputError(
                f"class {c!r} has {len(idx)} images; n_test_per_class={n_test_per_class} "
                "leaves none for training. Lower n_test_per_class."
            )
        test.append(rng.choice(idx, n_test_per_class, replace=False))
    test = np.sort(np.concatenate(test))
    pool = np.setdiff1d(np.arange(len(y)), test)
    return pool, test



def subsample_per_class(
    y: np.ndarray,
    n_per_class: int,
    *,
    pool: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Draw ``n_per_class`` indices of every class from ``pool`` without replacement.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Class labels of the whole dataset.
    n_per_class : int
        Labelled images per class (at least 1).
    pool : ndarray of int, optional
        Indices allowed in the draw (default: all).
    random_state : int, Generator or None
        Resolved by :func:`mlpc_helpers.runtime.check_random_state`.

    Returns
    -------
    ndarray of int, shape (n_classes * n_per_class,)
        Sorted indices into ``y``.

    Raises
    ------
    MLPCInputError
        When ``n_per_class`` < 1 or a class of the pool has fewer images.
    """
    y = _labels(y)
    if int(n_per_class) != n_per_class or n_per_class < 1:
        raise MLPCInputError(f"n_per_class must be a positive integer; got {n_per_class!r}.")
    pool = np.arange(len(y)) if pool is None else np.asarray(pool)
    rng = check_random_state(random_state, offset=62)
    out = []
    for c in np.unique(y):
        idx = pool[y[pool] == c]
        if len(idx) < n_per_class:
            raise MLPCInputError(
                f"class {c!r} has {len(idx)} images in the pool, fewer than "
                f"n_per_class={n_per_class}. Lower n_per_class or enlarge the pool."
            )
        out.append(rng.choice(idx, int(n_per_class), replace=False))
    return np.sort(np.concatenate(out))



def learning_curve_draws(
    y: np.ndarray,
    sizes: Iterable[int],
    n_draws: int,
    *,
    pool: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> list[tuple[int, int, np.ndarray]]:
    """Labelled subsets for a learning curve: ``n_draws`` random draws per size.

    Returns a list of ``(n_per_class, draw, indices)``. Draw ``d`` of every size comes from
    its own stream, so adding a size does not change the others. A size equal to the
    smallest class of the pool gives one draw only (all images; further draws would repeat).
    """
    y = _labels(y)
    pool_arr = np.arange(len(y)) if pool is None else np.asarray(pool)
    smallest = min(int(np.sum(y[pool_arr] == c)) for c in np.unique(y[pool_arr]))
    seed = check_random_int(random_state, offset=63)
    out = []
    for n in sizes:
        draws = 1 if n >= smallest else n_draws
        for d in range(draws):
            idx = subsample_per_class(y, min(int(n), smallest), pool=pool_arr,
                                      random_state=np.random.default_rng([seed, int(n), d]))
            out.append((int(n), d, idx))
    return out
