"""Two-tower encoders and the symmetric InfoNCE loss (CLIP-style contrastive alignment).

* :func:`symmetric_infonce_loss`: the average of the two cross-entropies of the similarity matrix
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

from ..device import get_device
from .mlp import MLP
from .training import reset_parameters, train_loop

__all__ = ["TwoTower", "symmetric_infonce_loss", "train_two_tower"]


def symmetric_infonce_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Symmetric InfoNCE of paired embeddings ``z1[i] <-> z2[i]`` (rows are samples).

    ``0.5 * (CE(S, I) + CE(S.T, I))`` with ``S = z1 @ z2.T / temperature``. The embeddings are used
    as given (normalise them first for the usual cosine-similarity version). It falls as the
    pairs become easier to retrieve: a loss, not a similarity.

    Parameters
    ----------
    z1, z2 : torch.Tensor
        Paired embeddings, both ``(batch, dim)`` with ``batch >= 2``.
    temperature : float
        Positive scale of the similarities.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> import math, torch
    >>> from alignbook.models import symmetric_infonce_loss
    >>> z = torch.eye(3, dtype=torch.float64)  # aligned, orthonormal pairs
    >>> loss = float(symmetric_infonce_loss(z, z, temperature=0.5))
    >>> abs(loss - (math.log(math.exp(2.0) + 2) - 2.0)) < 1e-12
    True
    """
    if not isinstance(z1, torch.Tensor) or not isinstance(z2, torch.Tensor):
        raise TypeError("z1 and z2 must be torch tensors of shape (batch, dim)")
    if z1.ndim != 2 or z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must be 2-D with equal shapes, got {tuple(z1.shape)} and {tuple(z2.shape)}")
    if z1.shape[0] < 2:
        raise ValueError("symmetric_infonce_loss needs a batch of at least 2 pairs (one positive, one negative)")
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature={temperature!r} must be a positive finite number")
    logits = z1 @ z2.T / temperature
    target = torch.arange(z1.shape[0], device=z1.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


class TwoTower(nn.Module):
    """Two MLP encoders ``f_m: R^{p_m} -> S^{dim-1}`` and linear heads ``g_m: R^dim -> R^{t_m}``.

    Parameters
    ----------
    in_dims : (int, int)
        Input widths of the two modalities.
    dim : int
        Embedding dimension (the embeddings lie on the unit sphere).
    hidden : sequence of int
        Hidden widths of each tower (:class:`~alignbook.models.MLP`).
    target_dims : (int, int)
        Output widths of the two heads.
    activation : str
        Activation of the towers.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import TwoTower
    >>> net = TwoTower((3, 5), dim=4, hidden=(8,), target_dims=(1, 2))
    >>> with torch.no_grad():
    ...     z1, z2, p1, p2 = net(torch.zeros(6, 3), torch.zeros(6, 5))
    >>> z1.shape, p2.shape, float(z1.norm(dim=1).max()) <= 1.0
    (torch.Size([6, 4]), torch.Size([6, 2]), True)
    """

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
        """Unit-norm embedding of ``x`` by tower ``modality`` (0 or 1).

        Examples
        --------
        >>> import torch
        >>> from alignbook.models import TwoTower
        >>> z = TwoTower((3, 3), dim=2).embed(torch.randn(4, 3), 0)
        >>> torch.allclose(z.norm(dim=1), torch.ones(4))
        True
        """
        if modality not in (0, 1):
            raise ValueError(f"modality={modality!r} must be 0 or 1")
        return F.normalize(self.towers[modality](x), dim=1)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor):
        """``(z1, z2, head_1(z1), head_2(z2))`` for paired inputs."""
        z1, z2 = self.embed(x1, 0), self.embed(x2, 1)
        return z1, z2, self.heads[0](z1), self.heads[1](z2)


def train_two_tower(model: TwoTower, X1: torch.Tensor, X2: torch.Tensor, Y1: torch.Tensor, Y2: torch.Tensor,
                    alpha: float, epochs: int = 30, batch_size: int = 256, lr: float = 3e-3,
                    temperature: float = 0.1, seed: int = 0, device=None) -> list[float]:
    """Train ``model`` in place on ``(1 - alpha) * (MSE_1 + MSE_2) + alpha * InfoNCE``.

    Weights are re-initialised from ``seed`` (:func:`~alignbook.models.reset_parameters`) and
    mini-batches drawn from ``seed + 1`` by :func:`~alignbook.models.train_loop`; a last batch
    of one pair is skipped (the contrastive term needs a negative).

    Parameters
    ----------
    model : TwoTower
        The two towers and their heads; moved to ``device``.
    X1, X2 : torch.Tensor
        Paired inputs of the two modalities, ``(n, p1)`` and ``(n, p2)``.
    Y1, Y2 : torch.Tensor
        ``(n, t_m)`` targets of each modality's head.
    alpha : float
        Weight of the InfoNCE term in [0, 1] (0: supervised only, 1: alignment only).
    epochs, batch_size : int
        Passes over the data and pairs per batch (at least 2).
    lr, temperature : float
        Adam's learning rate and the InfoNCE temperature.
    seed : int
        Initialisation and batch-order seed.
    device : str or torch.device, optional
        Default: :func:`alignbook.device.get_device`.

    Returns
    -------
    list of float
        Mean training loss per epoch.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import TwoTower, train_two_tower
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> X1 = torch.randn(64, 3, generator=g)
    >>> X2 = X1 @ torch.randn(3, 4, generator=g)
    >>> Y1, Y2 = X1[:, :1], X2[:, :1]
    >>> net = TwoTower((3, 4), dim=2, hidden=(8,))
    >>> losses = train_two_tower(net, X1, X2, Y1, Y2, alpha=1.0, epochs=5, batch_size=16, seed=0, device="cpu")
    >>> len(losses), losses[-1] < losses[0]
    (5, True)
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
    a = float(alpha)
    reset_parameters(model, seed)
    model.to(dev)
    X1, X2, Y1, Y2 = (t.to(dev, torch.float32) for t in (X1, X2, Y1, Y2))

    def batch_loss(idx):
        z1, z2, p1, p2 = model(X1[idx], X2[idx])
        loss = torch.zeros((), device=dev)
        if a < 1.0:
            loss = loss + (1.0 - a) * (F.mse_loss(p1, Y1[idx]) + F.mse_loss(p2, Y2[idx]))
        if a > 0.0:
            loss = loss + a * symmetric_infonce_loss(z1, z2, temperature)
        return loss

    model.train()
    losses = train_loop(model.parameters(), batch_loss, n, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                        device=dev, min_batch=2)
    model.eval()
    return losses
