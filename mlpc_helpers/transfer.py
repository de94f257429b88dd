"""Data scarcity and transfer learning (week 6): learning-curve draws, linear probes,
augmentation families for micrographs and the SimCLR contrastive objective.

Torch is imported inside the functions that need it (``import mlpc_helpers.transfer`` stays
light); the trainable networks live in :mod:`mlpc_helpers.models.finetune` and
:mod:`mlpc_helpers.models.unet_pretrained`.

Contents
--------
- :func:`split_pool_test`, :func:`subsample_per_class`, :func:`learning_curve_draws`: a fixed
  test set, and several random draws of ``n`` labelled images per class from the rest.
- :func:`resize_stack`: fast antialiased resize of an image stack (torch).
- :func:`probe_accuracy`: a linear probe (standardise + logistic regression) on frozen
  features, scored on the test set.
- :data:`AUGMENTATION_FAMILIES`, :func:`augmenter`: label-preserving transforms grouped by the
  physics they mimic (mirror flips, 90-degree rotations, detector gain/offset), as batch
  hooks for :func:`mlpc_helpers.models.fit`.
- :func:`nt_xent`, :func:`simclr_views`, :func:`simclr_step`: the SimCLR objective
  (Chen et al. 2020) for self-supervised pretraining on unlabelled images.
- :func:`curve_table`: mean and spread of learning-curve results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .runtime import check_random_int, check_random_state
from .validation import MLPCInputError

__all__ = [
    "AUGMENTATION_FAMILIES",
    "augmenter",
    "curve_table",
    "learning_curve_draws",
    "nt_xent",
    "probe_accuracy",
    "resize_stack",
    "simclr_step",
    "simclr_views",
    "split_pool_test",
    "subsample_per_class",
]

#: Augmentation families and the acquisition change each one mimics.
AUGMENTATION_FAMILIES = {
    "none": "no augmentation",
    "flip": "mirror images (left-right, up-down): a specimen viewed from the other side",
    "rot90": "the 8 symmetries of the square (flips and 90-degree rotations)",
    "gain": "detector gain and offset: x -> g x + b, g in [1-s, 1+s], |b| <= s",
    "all": "rot90 and gain together",
}


# ----------------------------------------------------------------------- subsampling
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


def curve_table(rows: Sequence[dict]) -> Any:
    """Mean, min and max of ``accuracy`` per (method, n_per_class) from result rows.

    ``rows``: dicts with keys ``method``, ``n_per_class``, ``draw``, ``accuracy`` (0-1).
    Returns a DataFrame indexed by (method, n_per_class) with columns mean, min, max, draws.
    """
    import pandas as pd

    df = pd.DataFrame(list(rows))
    missing = {"method", "n_per_class", "accuracy"} - set(df.columns)
    if missing:
        raise MLPCInputError(f"rows lack the keys {sorted(missing)}.")
    g = df.groupby(["method", "n_per_class"])["accuracy"]
    return pd.DataFrame({"mean": g.mean(), "min": g.min(), "max": g.max(), "draws": g.size()})


# ------------------------------------------------------------------------- features
def resize_stack(images: np.ndarray, size: int) -> np.ndarray:
    """Antialiased bilinear resize of (n, H, W) to (n, size, size), float32 in [0, 1].

    uint8 input is divided by 255; float input is kept in its units. Uses torch's
    ``interpolate(antialias=True)``, ~20x faster than scikit-image on a stack.
    """
    import torch
    from torch.nn import functional as F

    x = np.asarray(images)
    if x.ndim != 3:
        raise MLPCInputError(f"images must be (n, H, W); got shape {x.shape}.")
    if size < 4:
        raise MLPCInputError(f"size must be at least 4 pixels; got {size}.")
    t = torch.from_numpy(np.ascontiguousarray(x)).float()[:, None]
    if np.issubdtype(x.dtype, np.integer):
        t = t / 255.0
    out = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False,
                        antialias=True)
    return out[:, 0].numpy().astype(np.float32)


def probe_accuracy(
    features_train: np.ndarray,
    y_train: np.ndarray,
    features_test: np.ndarray,
    y_test: np.ndarray,
    *,
    C: float = 1.0,
) -> float:
    """Test accuracy (0-1) of a linear probe on frozen features.

    The probe is ``StandardScaler`` + multinomial ``LogisticRegression(C=C)`` (L2), fitted on
    the training features only. ``C`` is fixed beforehand, never tuned on the test labels.
    Shapes: (n_train, d), (n_train,), (n_test, d), (n_test,).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Ftr, Fte = np.asarray(features_train), np.asarray(features_test)
    if Ftr.ndim != 2 or Fte.ndim != 2 or Ftr.shape[1] != Fte.shape[1]:
        raise MLPCInputError(
            f"features must be 2-D with the same number of columns; got {Ftr.shape} and "
            f"{Fte.shape}."
        )
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    clf.fit(Ftr, np.asarray(y_train))
    return float(np.mean(clf.predict(Fte) == np.asarray(y_test)))


# --------------------------------------------------------------------- augmentation
def _symmetry(x: Any, k: int, flip: bool) -> Any:
    import torch

    x = torch.rot90(x, k, dims=(-2, -1))
    return torch.flip(x, dims=(-1,)) if flip else x


def augmenter(
    family: str,
    *,
    strength: float = 0.3,
    random_state: int | np.random.Generator | None = None,
) -> Callable[[tuple], tuple] | None:
    """A batch hook for :func:`models.fit` that applies one augmentation family per image.

    Parameters
    ----------
    family : {"none", "flip", "rot90", "gain", "all"}
        See :data:`AUGMENTATION_FAMILIES`. ``flip``: a random left-right and a random
        up-down mirror; ``rot90``: one of the 8 symmetries of the square (dihedral group
        D4); ``gain``: ``x -> g x + b`` with ``g`` uniform in [1 - strength, 1 + strength]
        and ``b`` uniform in [-strength, strength] (images standardised, so in units of
        their standard deviation) — a change of detector gain and black level;
        ``all``: rot90 then gain.
    strength : float
        Amplitude of the gain family.
    random_state : int, Generator or None
        Seeds a private torch generator (via :func:`runtime.check_random_int`).

    Returns
    -------
    callable or None
        ``augment(batch) -> batch`` transforming ``batch[0]`` (n, C, H, W), labels kept;
        None for ``"none"``.

    Raises
    ------
    MLPCInputError
        For an unknown family.
    """
    import torch

    if family not in AUGMENTATION_FAMILIES:
        raise MLPCInputError(
            f"unknown augmentation family {family!r}; choose from {list(AUGMENTATION_FAMILIES)}."
        )
    if family == "none":
        return None
    gen = torch.Generator()
    gen.manual_seed(check_random_int(random_state, offset=64))

    def augment(batch: tuple) -> tuple:
        x = batch[0]
        n = x.shape[0]
        if family == "flip":
            lr, ud = torch.rand(2, n, generator=gen) < 0.5
            x = torch.where(lr.view(-1, 1, 1, 1).to(x.device), torch.flip(x, (-1,)), x)
            x = torch.where(ud.view(-1, 1, 1, 1).to(x.device), torch.flip(x, (-2,)), x)
        if family in ("rot90", "all"):
            sym = torch.randint(0, 8, (n,), generator=gen)
            out = x.clone()
            for s in range(8):
                m = (sym == s).to(x.device)
                if m.any():
                    out[m] = _symmetry(x[m], s % 4, s >= 4)
            x = out
        if family in ("gain", "all"):
            u = torch.rand(2, n, 1, 1, 1, generator=gen).to(x.device)
            x = x * (1 + strength * (2 * u[0] - 1)) + strength * (2 * u[1] - 1)
        return (x, *batch[1:])

    return augment


# -------------------------------------------------------------------- SimCLR (SSL)
def nt_xent(z1: Any, z2: Any, temperature: float = 0.2) -> Any:
    """SimCLR's normalised-temperature cross-entropy (NT-Xent) of two batches of views.

    ``z1``, ``z2``: (n, d) projections of two augmented views of the same n images (row i of
    each is a positive pair). Every other of the 2n - 2 views in the batch is a negative.
    With cosine similarity ``s_ij`` and temperature ``tau``, the loss of view i is
    ``-log( exp(s_ip / tau) / sum_{k != i} exp(s_ik / tau) )``, averaged over all 2n views
    (Chen et al. 2020, ICML, eq. 1). Returns a scalar tensor; its minimum tends to 0.

    Raises
    ------
    MLPCInputError
        When the shapes differ or n < 2 (no negatives).
    """
    import torch
    from torch.nn import functional as F

    if z1.shape != z2.shape or z1.ndim != 2 or z1.shape[0] < 2:
        raise MLPCInputError(
            f"z1 and z2 must both be (n, d) with n >= 2; got {tuple(z1.shape)} and "
            f"{tuple(z2.shape)}."
        )
    if temperature <= 0:
        raise MLPCInputError(f"temperature must be positive; got {temperature}.")
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, target)


def simclr_views(
    x: Any,
    *,
    crop: int,
    gain: float = 0.3,
    noise: float = 0.1,
    generator: Any = None,
) -> Any:
    """One random view per image for SimCLR: a random ``crop`` x ``crop`` window, a random
    symmetry of the square, a detector gain/offset change and Gaussian noise.

    ``x``: (n, C, H, W) standardised images; returns (n, C, crop, crop). The crop keeps the
    pixel size (no rescaling: the texture scale of a micrograph is physical).
    """
    import torch

    n, _, h, w = x.shape
    if crop > min(h, w):
        raise MLPCInputError(f"crop {crop} exceeds the image size {h} x {w}.")
    r = torch.randint(0, h - crop + 1, (n,), generator=generator)
    c = torch.randint(0, w - crop + 1, (n,), generator=generator)
    out = torch.stack([x[i, :, r[i]:r[i] + crop, c[i]:c[i] + crop] for i in range(n)])
    sym = torch.randint(0, 8, (n,), generator=generator)
    for s in range(8):
        m = sym == s
        if m.any():
            out[m] = _symmetry(out[m], s % 4, s >= 4)
    u = torch.rand(2, n, 1, 1, 1, generator=generator)
    out = out * (1 + gain * (2 * u[0] - 1)) + gain * (2 * u[1] - 1)
    return out + noise * torch.randn(out.shape, generator=generator)


def simclr_step(
    *,
    crop: int,
    temperature: float = 0.2,
    random_state: int | np.random.Generator | None = None,
    **view_kw: float,
) -> Callable:
    """A ``step(model, batch, loss_fn)`` for :func:`models.fit` that trains with NT-Xent.

    Each batch ``(x,)`` of unlabelled images gives two views (:func:`simclr_views`); the
    model maps views to projections; ``loss_fn`` is ignored. ``random_state`` seeds the
    views' private torch generator.
    """
    import torch

    gen = torch.Generator()
    gen.manual_seed(check_random_int(random_state, offset=65))

    def step(model: Any, batch: tuple, loss_fn: Any) -> Any:
        x = batch[0].cpu()
        dev = next(model.parameters()).device
        v1 = simclr_views(x, crop=crop, generator=gen, **view_kw).to(dev)
        v2 = simclr_views(x, crop=crop, generator=gen, **view_kw).to(dev)
        z = model(torch.cat([v1, v2]))
        return nt_xent(z[: len(x)], z[len(x):], temperature)

    return step
