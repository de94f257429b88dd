"""The one training loop of the course: every torch model trains through :func:`fit`.

Adam (or AdamW with ``weight_decay``), cosine learning-rate decay, optional early stopping on
a held-out loss with the best weights restored, and a tqdm progress bar over epochs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .. import runtime
from ..validation import MLPCInputError

Batch = tuple[torch.Tensor, ...]


@dataclass
class History:
    """Per-epoch losses of a :func:`fit` run (``val_loss`` empty without a validation set)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def make_loader(
    *arrays: np.ndarray | torch.Tensor,
    batch_size: int = 64,
    shuffle: bool = False,
    random_state: int | np.random.Generator | None = None,
) -> DataLoader:
    """A DataLoader over numpy arrays or tensors (float arrays become float32).

    Shuffling uses a torch generator seeded with ``runtime.check_random_int(random_state)``
    (``None``: the course seed ``MLPC_SEED``), so runs repeat; notebooks pass
    ``random_state=runtime.stream(k)`` for independent streams.
    """
    tensors = []
    for a in arrays:
        t = torch.as_tensor(a)
        if t.is_floating_point():
            t = t.float()
        tensors.append(t)
    n = {len(t) for t in tensors}
    if len(n) != 1:
        raise MLPCInputError(f"arrays: make_loader needs the same first dimension (one row "
                             f"per sample) in every array; got lengths {sorted(n)}. Pass X and "
                             "y of the same samples.")
    return DataLoader(
        TensorDataset(*tensors),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=_torch_generator(random_state) if shuffle else None,
    )


def _torch_generator(random_state: int | np.random.Generator | None) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(runtime.check_random_int(random_state))
    return g


def _default_step(model: nn.Module, batch: Batch, loss_fn: Callable) -> torch.Tensor:
    """Loss of one batch: ``loss_fn(model(x), y)``, or ``loss_fn(model(x), x)`` without labels."""
    x = batch[0]
    target = batch[1] if len(batch) > 1 else x
    return loss_fn(model(x), target)


@torch.no_grad()
def _mean_loss(model, loader, loss_fn, step, device) -> float:
    model.eval()
    total, count = 0.0, 0
    for batch in loader:
        batch = tuple(b.to(device) for b in batch)
        loss = step(model, batch, loss_fn)
        total += float(loss) * len(batch[0])
        count += len(batch[0])
    return total / max(count, 1)


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    epochs: int = 10,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    val_loader: DataLoader | None = None,
    patience: int | None = None,
    step: Callable[[nn.Module, Batch, Callable], torch.Tensor] | None = None,
    augment: Callable[[Batch], Batch] | None = None,
    device: str | None = None,
    schedule: str = "cosine",
    progress: bool = True,
    desc: str = "training",
) -> History:
    """Train ``model`` in place and return its :class:`History`.

    ``loss_fn`` defaults to MSE. ``step(model, batch, loss_fn)`` computes a batch's loss (default:
    ``loss_fn(model(x), y)``; autoencoders pass batches of x only). ``augment(batch)`` transforms
    each training batch on the device (never the validation batches). With ``val_loader`` and
    ``patience``, training stops after ``patience`` epochs without a better validation loss and
    the best weights are restored. The learning rate follows a cosine decay over ``epochs``
    (``schedule="cosine"``) or stays at ``lr`` (``schedule="constant"``). ``train_loader`` is
    any iterable of batches (tuples of tensors): a DataLoader, or ``[(x, y)]`` for full-batch
    training.
    """
    import time

    from mlpc_helpers.runtime import progress_bar as tqdm

    if epochs < 1:
        raise MLPCInputError(f"epochs must be at least 1, got {epochs}: pass e.g. "
                             "epochs=runtime.size(reduced=3, full=40).")
    dev = runtime.device(device)
    model.to(dev)
    loss_fn = loss_fn or nn.MSELoss()
    step = step or _default_step
    opt_cls = torch.optim.AdamW if weight_decay else torch.optim.Adam
    opt = opt_cls(model.parameters(), lr=lr, weight_decay=weight_decay)
    if schedule not in ("cosine", "constant"):
        raise MLPCInputError(f"schedule must be 'cosine' or 'constant'; got {schedule!r}.")
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
             if schedule == "cosine" else None)
    hist = History()
    best, best_state, waited = float("inf"), None, 0
    t0 = time.perf_counter()
    bar = tqdm(range(epochs), desc=desc, unit="epoch", disable=not progress)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for batch in train_loader:
            batch = tuple(b.to(dev) for b in batch)
            if augment is not None:
                batch = augment(batch)
            opt.zero_grad(set_to_none=True)
            loss = step(model, batch, loss_fn)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(batch[0])
            count += len(batch[0])
        if sched is not None:
            sched.step()
        hist.train_loss.append(total / max(count, 1))
        info = {"train": f"{hist.train_loss[-1]:.4g}"}
        if val_loader is not None:
            val = _mean_loss(model, val_loader, loss_fn, step, dev)
            hist.val_loss.append(val)
            info["val"] = f"{val:.4g}"
            if val < best - 1e-12:
                best, hist.best_epoch, waited = val, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
                if patience is not None and waited >= patience:
                    hist.stopped_early = True
                    bar.set_postfix(info)
                    break
        bar.set_postfix(info)
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    elif hist.best_epoch < 0:
        hist.best_epoch = hist.epochs - 1
    model.eval()
    hist.seconds = time.perf_counter() - t0
    return hist


@torch.no_grad()
def predict(
    model: nn.Module,
    x: np.ndarray | torch.Tensor,
    *,
    batch_size: int = 256,
    device: str | None = None,
    fn: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None,
) -> np.ndarray:
    """Run ``model`` (or ``fn(model, batch)``) over ``x`` in batches; returns a numpy array."""
    dev = runtime.device(device)
    model.to(dev).eval()
    xt = torch.as_tensor(x)
    if xt.is_floating_point():
        xt = xt.float()
        bad = ~torch.isfinite(xt.reshape(len(xt), -1)).all(dim=1)
        if bool(bad.any()):  # a NaN input gives a NaN output that wins argmax: refuse it
            rows = torch.nonzero(bad).ravel().tolist()
            raise MLPCInputError(
                f"x: sample(s) {', '.join(map(str, rows[:5]))}{' ...' if len(rows) > 5 else ''}"
                f" ({len(rows)} of {len(xt)}) hold NaN or inf; the model would predict NaN "
                "for them. Drop those samples or fill them the way the training data was "
                "filled, then predict.")
    outs = []
    for i in range(0, len(xt), batch_size):
        b = xt[i:i + batch_size].to(dev)
        outs.append((fn(model, b) if fn else model(b)).float().cpu())
    return torch.cat(outs).numpy()
