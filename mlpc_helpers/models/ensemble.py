"""A deep ensemble of small Gaussian MLPs for tabular regression (torch, CPU-friendly).

Lakshminarayanan, Pritzel & Blundell (2017), "Simple and scalable predictive uncertainty
estimation using deep ensembles", NeurIPS: each of M networks outputs a mean
:math:`\\mu_m(x)` and a variance :math:`\\sigma_m^2(x)` and is trained on the Gaussian
negative log-likelihood; the ensemble predicts the moment-matched mixture

.. math:: \\mu = \\tfrac1M\\sum_m \\mu_m,\\qquad
          \\sigma^2 = \\underbrace{\\tfrac1M\\sum_m \\sigma_m^2}_{\\text{aleatoric}}
          + \\underbrace{\\tfrac1M\\sum_m (\\mu_m-\\mu)^2}_{\\text{epistemic}} .

The M members are stored as one batched network (weights of shape (M, in, out), one
``torch.baddbmm`` per layer) and trained full-batch together, so an ensemble of 5 costs
about as much Python overhead as one network: a few tenths of a second for a few hundred
rows on one CPU thread. Not a scikit-learn ``MLPRegressor``: that one has no variance head
and cannot be trained on the Gaussian NLL.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .. import runtime
from ..validation import check_table, check_target


class DeepEnsembleRegressor(RegressorMixin, BaseEstimator):
    """M small MLPs with a mean and a variance head, trained on the Gaussian NLL.

    Parameters
    ----------
    n_members : int
        Ensemble size M (5 in Lakshminarayanan et al. 2017).
    hidden : tuple of int
        Widths of the hidden layers (SiLU activations).
    epochs : int
        Full-batch Adam steps.
    lr : float
        Adam learning rate.
    weight_decay : float
        L2 penalty (AdamW decoupled weight decay).
    warmup : float
        Fraction of the epochs trained on the squared error of the mean only before the
        NLL takes over (keeps the variance head from explaining everything as noise early).
    min_sd : float
        Floor of each member's predicted SD, in standardised target units.
    random_state : int, numpy.random.Generator or None
        Seeds the initial weights (``runtime.check_random_int``); None = course seed.

    Attributes
    ----------
    x_mean_, x_scale_, y_mean_, y_scale_ : standardisation learnt in :meth:`fit`.
    loss_ : list of float, the training loss per epoch.
    n_features_in_ : int, the number of columns d of ``X``.

    Notes
    -----
    A scikit-learn regressor (``clone``, ``get_params``, ``Pipeline``, ``cross_val_predict``
    work; ``tests/test_common.py`` runs scikit-learn's estimator checks on it). torch is
    imported in :meth:`fit` and :meth:`predict`, not with the module.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(0, 1, 40)[:, None]
    >>> ens = DeepEnsembleRegressor(n_members=3, epochs=50, random_state=0).fit(X, 2 * X[:, 0])
    >>> mean, sd = ens.predict(X[:2], return_std=True)
    >>> mean.shape, sd.shape, bool((sd > 0).all())
    ((2,), (2,), True)
    """

    def __init__(self, n_members: int = 5, hidden: tuple[int, ...] = (16, 16),
                 epochs: int = 300, lr: float = 5e-3, weight_decay: float = 1e-2,
                 warmup: float = 0.25, min_sd: float = 1e-3,
                 random_state: int | np.random.Generator | None = None) -> None:
        self.n_members = n_members
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.min_sd = min_sd
        self.random_state = random_state

    # ------------------------------------------------------------------ internals
    def _forward(self, x: Any) -> tuple[Any, Any]:
        import torch

        h = x.unsqueeze(0).expand(self.n_members, -1, -1)
        for i, (w, b) in enumerate(zip(self._weights, self._biases, strict=True)):
            h = torch.baddbmm(b.unsqueeze(1), h, w)
            if i < len(self._weights) - 1:
                h = torch.nn.functional.silu(h)
        mu = h[..., 0]
        sd = torch.nn.functional.softplus(h[..., 1]) + self.min_sd
        return mu, sd  # each (M, n)

    # ------------------------------------------------------------------ public API
    def fit(self, X: Any, y: Any) -> DeepEnsembleRegressor:
        """Train all members on ``X`` (n, d) and ``y`` (n,); returns self.

        Raises
        ------
        MLPCInputError
            If X is not a finite numeric table (n, d) or y not one finite number per row.
        """
        import torch

        from .training import fit as train

        X = check_table(self, X, reset=True, predict=False)  # NaN/inf named by row, column
        y = check_target(self, y, n=len(X))
        self.x_mean_, self.x_scale_ = X.mean(0), X.std(0) + 1e-12
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() + 1e-12)
        xt = torch.as_tensor((X - self.x_mean_) / self.x_scale_, dtype=torch.float32)
        yt = torch.as_tensor((y - self.y_mean_) / self.y_scale_, dtype=torch.float32)

        gen = torch.Generator().manual_seed(runtime.check_random_int(self.random_state))
        sizes = [X.shape[1], *self.hidden, 2]
        self._weights, self._biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = 1.0 / np.sqrt(n_in)  # torch's default Linear init
            w = (torch.rand(self.n_members, n_in, n_out, generator=gen) * 2 - 1) * bound
            b = (torch.rand(self.n_members, n_out, generator=gen) * 2 - 1) * bound
            self._weights.append(w)
            self._biases.append(b)
        # the M members as one module, trained full-batch by the course's one training loop
        net = torch.nn.Module()
        net.weights = torch.nn.ParameterList(self._weights)
        net.biases = torch.nn.ParameterList(self._biases)
        self._weights, self._biases = list(net.weights), list(net.biases)
        n_warm = int(self.warmup * self.epochs)
        epochs = iter(range(self.epochs))

        def step(model: Any, batch: tuple, loss_fn: Any) -> Any:
            x, target = batch
            mu, sd = self._forward(x)
            if next(epochs) < n_warm:  # squared error of the mean first, then the NLL
                return ((mu - target) ** 2).mean()
            return (torch.log(sd) + 0.5 * ((target - mu) / sd) ** 2).mean()

        hist = train(net, [(xt, yt)], epochs=self.epochs, lr=self.lr,
                     weight_decay=self.weight_decay, step=step, schedule="constant",
                     device="cpu", progress=False, desc="deep ensemble")
        self.loss_ = hist.train_loss
        return self

    def predict_members(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Each member's mean and SD, shape (M, n), in the units of ``y``."""
        import torch

        check_is_fitted(self, "loss_")
        X = check_table(self, X, reset=False)  # checked like training inputs: no NaN out
        xt = torch.as_tensor((X - self.x_mean_) / self.x_scale_, dtype=torch.float32)
        with torch.no_grad():
            mu, sd = self._forward(xt)
        return (mu.numpy() * self.y_scale_ + self.y_mean_, sd.numpy() * self.y_scale_)

    def predict(self, X: Any, return_std: bool = False,
                return_components: bool = False) -> Any:
        """Mixture mean (n,); with ``return_std`` also its SD (n,); with
        ``return_components`` (mean, aleatoric SD, epistemic SD)."""
        mus, sds = self.predict_members(X)
        mu = mus.mean(0)
        alea = np.sqrt((sds**2).mean(0))
        epi = mus.std(0)
        if return_components:
            return mu, alea, epi
        if return_std:
            return mu, np.sqrt(alea**2 + epi**2)
        return mu
