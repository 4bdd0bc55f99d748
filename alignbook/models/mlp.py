"""Small multilayer perceptrons whose hidden representations the book compares."""
from __future__ import annotations

import torch
from torch import nn

from ..device import generator, get_device

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "identity": nn.Identity}


class MLP(nn.Module):
    """``in_dim -> hidden[0] -> ... -> hidden[-1] -> out_dim`` with an activation after each hidden layer.

    ``representations(x)`` returns the list ``[x, h_1, ..., h_L, logits]`` where ``h_l`` is the
    output of hidden layer ``l`` after its activation; these are the matrices the book compares.
    """

    def __init__(self, in_dim: int, hidden=(64, 64), out_dim: int = 10, activation: str = "relu",
                 bias: bool = True):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation={activation!r} is not one of {sorted(_ACTIVATIONS)}")
        widths = [int(in_dim), *[int(h) for h in hidden], int(out_dim)]
        if any(w <= 0 for w in widths):
            raise ValueError(f"all widths must be positive, got {widths}")
        self.widths = widths
        self.activation_name = activation
        self.layers = nn.ModuleList(nn.Linear(a, b, bias=bias) for a, b in zip(widths[:-1], widths[1:]))
        self.act = _ACTIVATIONS[activation]()

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.layers) - 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """``[x, h_1, ..., h_L, logits]``."""
        reps = [x]
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
            reps.append(x)
        reps.append(self.layers[-1](x))
        return reps

    def head(self, layer: int):
        """The map from representation ``layer`` (index into :meth:`representations`) to the logits."""
        def f(z: torch.Tensor) -> torch.Tensor:
            for i in range(layer, len(self.layers)):
                z = self.layers[i](z)
                if i < len(self.layers) - 1:
                    z = self.act(z)
            return z
        return f

    def head_lipschitz_bound(self, layer: int) -> float:
        """Product of the spectral norms of the linear layers after ``layer`` (activations are 1-Lipschitz)."""
        if self.activation_name not in ("relu", "tanh", "identity"):
            raise ValueError("head_lipschitz_bound assumes a 1-Lipschitz activation (relu, tanh, identity)")
        k = 1.0
        for i in range(layer, len(self.layers)):
            k *= float(torch.linalg.matrix_norm(self.layers[i].weight.detach().double(), ord=2))
        return k


def train_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, epochs: int = 30, lr: float = 1e-3,
                     batch_size: int = 128, seed: int = 0, device=None, weight_decay: float = 0.0,
                     init: bool = True) -> list[float]:
    """Train with Adam on cross-entropy; returns the mean training loss of each epoch.

    With ``init=True`` the weights are re-initialised from ``seed`` first, so the same seed gives the
    same network; mini-batch order is drawn from the same seed.
    """
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must be paired")
    dev = get_device(device)
    if init:
        torch.manual_seed(int(seed))  # nn.Linear's initialiser draws from the global generator
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
    model.to(dev)
    X, y = X.to(dev), y.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    g = generator(seed + 1, "cpu")
    losses = []
    model.train()
    for _ in range(int(epochs)):
        perm = torch.randperm(X.shape[0], generator=g).to(dev)
        total = 0.0
        for i in range(0, X.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        losses.append(total / X.shape[0])
    model.eval()
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose arg-max logit equals the label."""
    dev = next(model.parameters()).device
    return float((model(X.to(dev)).argmax(dim=1) == y.to(dev)).double().mean())
