"""Two-tower encoders and the symmetric InfoNCE loss (CLIP-style contrastive alignment).

* :func:`symmetric_infonce`: the average of the two cross-entropies of the similarity matrix
  ``z1 @ z2.T / temperature`` against the diagonal (row-wise: modality 1 retrieves modality 2;
  column-wise: the reverse), as in van den Oord et al. (2018) and CLIP.
* :class:`TwoTower`: one MLP per modality, each followed by normalisation onto the unit sphere,
  plus one optional linear read-out head per modality that acts on the *normalised* embedding
  (so whatever the head uses is also what the contrastive term sees).
* :func:`train_two_tower`: Adam on ``(1 - alpha) * supervised + alpha * InfoNCE``, where the
  supervised term is the mean squared error of each head on its own modality's targets.
  ``alpha = 0`` is pure supervised learning, ``alpha = 1`` pure contrastive alignment.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..device import generator, get_device, threads
from .mlp import MLP

__all__ = ["TwoTower", "symmetric_infonce", "train_two_tower"]


def symmetric_infonce(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Symmetric InfoNCE of paired embeddings ``z1[i] <-> z2[i]`` (rows are samples).

    ``0.5 * (CE(S, I) + CE(S.T, I))`` with ``S = z1 @ z2.T / temperature``. The embeddings are used
    as given (normalise them first for the usual cosine-similarity version).
    """
    if not isinstance(z1, torch.Tensor) or not isinstance(z2, torch.Tensor):
        raise TypeError("z1 and z2 must be torch tensors of shape (batch, dim)")
    if z1.ndim != 2 or z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must be 2-D with equal shapes, got {tuple(z1.shape)} and {tuple(z2.shape)}")
    if z1.shape[0] < 2:
        raise ValueError("symmetric_infonce needs a batch of at least 2 pairs (one positive, one negative)")
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature={temperature!r} must be a positive finite number")
    logits = z1 @ z2.T / temperature
    target = torch.arange(z1.shape[0], device=z1.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


class TwoTower(nn.Module):
    """Two MLP encoders ``f_m: R^{p_m} -> S^{dim-1}`` and linear heads ``g_m: R^dim -> R^{t_m}``."""

    def __init__(self, in_dims: tuple[int, int], dim: int = 8, hidden=(64,), target_dims: tuple[int, int] = (1, 1),
                 activation: str = "relu"):
        super().__init__()
        if len(in_dims) != 2 or len(target_dims) != 2:
            raise ValueError("in_dims and target_dims must each name two sizes, one per modality")
        if int(dim) < 1:
            raise ValueError(f"dim={dim} must be a positive integer")
        self.dim = int(dim)
        self.towers = nn.ModuleList(MLP(int(p), hidden=hidden, out_dim=self.dim, activation=activation) for p in in_dims)
        self.heads = nn.ModuleList(nn.Linear(self.dim, int(t)) for t in target_dims)

    def embed(self, x: torch.Tensor, modality: int) -> torch.Tensor:
        """Unit-norm embedding of ``x`` by tower ``modality`` (0 or 1)."""
        if modality not in (0, 1):
            raise ValueError(f"modality={modality!r} must be 0 or 1")
        return F.normalize(self.towers[modality](x), dim=1)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor):
        z1, z2 = self.embed(x1, 0), self.embed(x2, 1)
        return z1, z2, self.heads[0](z1), self.heads[1](z2)


def train_two_tower(model: TwoTower, X1: torch.Tensor, X2: torch.Tensor, Y1: torch.Tensor, Y2: torch.Tensor,
                    alpha: float, epochs: int = 30, batch_size: int = 256, lr: float = 3e-3,
                    temperature: float = 0.1, seed: int = 0, device=None) -> list[float]:
    """Train ``model`` in place on ``(1 - alpha) * (MSE_1 + MSE_2) + alpha * InfoNCE``.

    ``Y1``/``Y2`` are ``(n, t_m)`` targets of each modality's head. Weights are re-initialised from
    ``seed`` and mini-batches drawn from ``seed + 1``; returns the mean training loss per epoch.
    """
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha={alpha!r} must lie in [0, 1] (0: supervised only, 1: alignment only)")
    n = X1.shape[0]
    if not (X2.shape[0] == Y1.shape[0] == Y2.shape[0] == n):
        raise ValueError("X1, X2, Y1 and Y2 must have the same number of rows (paired samples)")
    if Y1.ndim != 2 or Y2.ndim != 2:
        raise ValueError("Y1 and Y2 must be 2-D (n, t); reshape a target vector with y.reshape(-1, 1)")
    if int(batch_size) < 2:
        raise ValueError(f"batch_size={batch_size} must be at least 2 for the contrastive term")
    dev = get_device(device)
    with threads(1, dev):
        return _train(model, X1, X2, Y1, Y2, float(alpha), int(epochs), int(batch_size), lr, temperature, seed, dev)


def _train(model, X1, X2, Y1, Y2, a, epochs, batch_size, lr, temperature, seed, dev):
    n = X1.shape[0]
    torch.manual_seed(int(seed))  # nn.Linear's initialiser draws from the global generator
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.reset_parameters()
    model.to(dev)
    X1, X2, Y1, Y2 = (t.to(dev, torch.float32) for t in (X1, X2, Y1, Y2))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = generator(seed + 1, "cpu")
    losses = []
    model.train()
    for _ in range(int(epochs)):
        perm = torch.randperm(n, generator=g).to(dev)
        total = 0.0
        for i in range(0, n - 1, int(batch_size)):
            idx = perm[i:i + int(batch_size)]
            if idx.numel() < 2:
                continue
            z1, z2, p1, p2 = model(X1[idx], X2[idx])
            loss = torch.zeros((), device=dev)
            if a < 1.0:
                loss = loss + (1.0 - a) * (F.mse_loss(p1, Y1[idx]) + F.mse_loss(p2, Y2[idx]))
            if a > 0.0:
                loss = loss + a * symmetric_infonce(z1, z2, temperature)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        losses.append(total / n)
    model.eval()
    return losses
