"""Data scarcity and transfer learning (week 6): linear probes, learning-curve tables and the
SimCLR contrastive objective.

Torch is imported inside the functions that need it (``import mlpc_helpers.transfer`` stays
light); the trainable networks live in :mod:`mlpc_helpers.models.finetune` and
:mod:`mlpc_helpers.models.unet_pretrained`. The labelled subsets (fixed test set, draws of n
images per class) are in :mod:`mlpc_helpers.splits`, the augmentation families in
:func:`mlpc_helpers.imaging.augmenter`, the stack resize in
:func:`mlpc_helpers.imaging.resize_stack`.

Contents
--------
- :func:`probe_accuracy`: a linear probe (standardise + logistic regression) on frozen
  features, scored on the test set.
- :func:`nt_xent`, :func:`simclr_views`, :func:`simclr_step`: the SimCLR objective
  (Chen et al. 2020) for self-supervised pretraining on unlabelled images.
- :func:`curve_table`: mean and spread of learning-curve results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .runtime import check_random_int
from .validation import MLPCInputError

__all__ = [
    "curve_table",
    "nt_xent",
    "probe_accuracy",
    "simclr_step",
    "simclr_views",
]


# ----------------------------------------------------------------------- subsampling


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


def probe_accuracy(*args: Any, **kwargs: Any) -> float:
    """Moved to :func:`mlpc_helpers.models.probe_accuracy` (this module is being dissolved)."""
    from .models.backbones import probe_accuracy as probe

    return probe(*args, **kwargs)


# ------------------------------------------------------------------- SimCLR views
def _symmetry(x: Any, k: int, flip: bool) -> Any:
    import torch

    x = torch.rot90(x, k, dims=(-2, -1))
    return torch.flip(x, dims=(-1,)) if flip else x


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
    random_state: Any = None,
) -> Any:
    """One random view per image for SimCLR: a random ``crop`` x ``crop`` window, a random
    symmetry of the square, a detector gain/offset change and Gaussian noise.

    ``x``: (n, C, H, W) standardised images; returns (n, C, crop, crop). The crop keeps the
    pixel size (no rescaling: the texture scale of a micrograph is physical).
    ``random_state``: a ``torch.Generator`` is drawn from as it is (so that successive calls
    continue one stream); an int or a numpy Generator seeds a new one; None draws from
    torch's global generator (seeded by :func:`runtime.seed_torch`).
    """
    import torch

    generator = random_state
    if random_state is not None and not isinstance(random_state, torch.Generator):
        generator = torch.Generator()
        generator.manual_seed(check_random_int(random_state))
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
        v1 = simclr_views(x, crop=crop, random_state=gen, **view_kw).to(dev)
        v2 = simclr_views(x, crop=crop, random_state=gen, **view_kw).to(dev)
        z = model(torch.cat([v1, v2]))
        return nt_xent(z[: len(x)], z[len(x):], temperature)

    return step
