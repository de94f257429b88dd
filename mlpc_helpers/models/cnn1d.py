"""A 1-D CNN with two heads for powder diffraction: phase presence and phase fractions.

After Lee et al. 2020 (doi:10.1038/s41467-019-13749-3): 1-D convolutions along 2θ (peaks are
local), pooling, a flatten that keeps *where* along 2θ a feature fired (peak positions identify
a phase), a shared fully connected layer and two heads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from mlpc_helpers.models.training import History

from ..validation import MLPCInputError


class PhaseCNN1D(nn.Module):
    """Conv blocks (conv1d -> batch norm -> ReLU -> max-pool) -> adaptive pool to ``n_bins``
    positions -> flatten -> dense -> two heads.

    Input: (n, n_points) or (n, 1, n_points) float (patterns scaled to max 1).
    Output: a tuple ``(presence_logits, fraction_logits)``, each (n, n_phases). Presence is
    multi-label (sigmoid); fractions are a softmax over the phases (they sum to 1).
    """

    def __init__(
        self,
        n_phases: int,
        widths: Sequence[int] = (8, 16, 32, 32, 64),
        kernel_sizes: Sequence[int] = (15, 9, 9, 7, 5),
        pools: Sequence[int] = (4, 2, 2, 2, 2),
        n_bins: int = 32,
        hidden: int = 256,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        if not (len(widths) == len(kernel_sizes) == len(pools)):
            raise MLPCInputError(f"widths, kernel_sizes and pools need one entry per conv block; "
                                 f"got {len(widths)}, {len(kernel_sizes)} and {len(pools)}: "
                                 "give the three lists the same length.")
        if n_phases < 1:
            raise MLPCInputError(f"n_phases must be at least 1, got {n_phases}: pass the "
                                 "number of phases of the library.")
        layers: list[nn.Module] = []
        c = 1
        for w, k, p in zip(widths, kernel_sizes, pools, strict=True):
            layers += [
                nn.Conv1d(c, w, kernel_size=k, padding=k // 2, bias=False),
                nn.BatchNorm1d(w),
                nn.ReLU(inplace=True),
                nn.MaxPool1d(p),
            ]
            c = w
        self.n_phases = n_phases
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool1d(n_bins), nn.Flatten())
        self.dense = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(c * n_bins, hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout),
        )
        self.presence = nn.Linear(hidden, n_phases)
        self.fraction = nn.Linear(hidden, n_phases)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim == 2:
            x = x[:, None, :]
        if x.ndim != 3 or x.shape[1] != 1:
            raise MLPCInputError(
                f"PhaseCNN1D expects (n, n_points) or (n, 1, n_points); got {tuple(x.shape)}."
            )
        h = self.dense(self.features(x))
        return self.presence(h), self.fraction(h)


class PhaseLoss(nn.Module):
    """Binary cross-entropy on presence + ``weight`` × soft cross-entropy on fractions.

    ``target`` is (n, 2·n_phases): presence (0/1) then weight fractions (sum 1), as made by
    ``torch.cat([presence, fractions], 1)``; ``outputs`` is the tuple of :class:`PhaseCNN1D`.
    """

    def __init__(self, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = weight
        self.bce = nn.BCEWithLogitsLoss()

    def forward(self, outputs: tuple[torch.Tensor, torch.Tensor],
                target: torch.Tensor) -> torch.Tensor:
        presence_logits, fraction_logits = outputs
        p = presence_logits.shape[1]
        if target.shape[1] != 2 * p:
            raise MLPCInputError(
                f"target must be (n, 2*n_phases) = (n, {2 * p}): presence then fractions; "
                f"got {tuple(target.shape)}."
            )
        soft_ce = -(target[:, p:] * torch.log_softmax(fraction_logits, dim=1)).sum(1).mean()
        return self.bce(presence_logits, target[:, :p]) + self.weight * soft_ce


def phase_probabilities(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``(n, 2·n_phases)``: sigmoid presence probabilities then softmax fractions.

    Pass as ``fn`` to :func:`mlpc_helpers.models.predict`.
    """
    presence_logits, fraction_logits = model(x)
    return torch.cat([torch.sigmoid(presence_logits), torch.softmax(fraction_logits, 1)], 1)


def train_phase_cnn(
    x: np.ndarray,
    presence: np.ndarray,
    fractions: np.ndarray,
    *,
    epochs: int = 12,
    val_fraction: float = 0.1,
    batch_size: int = 64,
    lr: float = 2e-3,
    patience: int | None = 5,
    random_state: int | np.random.Generator | None = None,
    progress: bool = True,
    **model_kw,
) -> tuple[PhaseCNN1D, History, np.ndarray]:
    """Train a :class:`PhaseCNN1D` on network inputs ``x`` (n, n_points), seeded.

    The first ``val_fraction`` of the rows is the (simulated) validation set for early
    stopping; torch's initialisation and the shuffling are seeded from ``random_state``
    (``None``: the course seed). Returns the model (best validation loss, eval mode), its
    :class:`~mlpc_helpers.models.training.History` and the validation row indices.
    """
    from mlpc_helpers import runtime
    from mlpc_helpers.models.training import fit, make_loader
    from mlpc_helpers.validation import MLPCInputError

    x = np.asarray(x, dtype=np.float32)
    presence = np.asarray(presence, dtype=np.float32)
    fractions = np.asarray(fractions, dtype=np.float32)
    if not (len(x) == len(presence) == len(fractions)):
        raise MLPCInputError(
            f"x, presence and fractions need one row per pattern; got {len(x)}, "
            f"{len(presence)} and {len(fractions)} rows. Pass the three arrays that "
            "synthetic.xrd_patterns.simulate_mixtures returned, in the same row order.")
    if presence.shape != fractions.shape:
        raise MLPCInputError(
            f"presence {presence.shape} and fractions {fractions.shape} must both be "
            "(n, n_phases): one column per library phase, in the same order.")
    if not 0 < val_fraction < 1:
        raise MLPCInputError(f"val_fraction must be in (0, 1), e.g. 0.1; got {val_fraction}.")
    seed = runtime.check_random_int(random_state)
    torch.manual_seed(seed)
    n_val = max(1, int(round(val_fraction * len(x))))
    target = np.concatenate([presence, fractions], axis=1)
    train = make_loader(x[n_val:], target[n_val:], batch_size=batch_size, shuffle=True,
                        random_state=seed)
    val = make_loader(x[:n_val], target[:n_val], batch_size=256)
    model = PhaseCNN1D(n_phases=presence.shape[1], **model_kw)
    hist = fit(model, train, loss_fn=PhaseLoss(), epochs=epochs, lr=lr, val_loader=val,
               patience=patience, progress=progress, desc="1-D CNN")
    return model, hist, np.arange(n_val)
