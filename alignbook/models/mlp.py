"""Small multilayer perceptrons whose hidden representations the book compares."""
from __future__ import annotations

import torch
from torch import nn

from ..device import get_device
from .training import reset_parameters, train_loop

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "identity": nn.Identity}


class MLP(nn.Module):
    """``in_dim -> hidden[0] -> ... -> hidden[-1] -> out_dim`` with an activation after each hidden layer.

    ``representations(x)`` returns the list ``[x, h_1, ..., h_L, logits]`` where ``h_l`` is the
    output of hidden layer ``l`` after its activation; these are the matrices the book compares.

    Parameters
    ----------
    in_dim, out_dim : int
        Input and output widths.
    hidden : sequence of int
        Widths of the hidden layers.
    activation : {"relu", "tanh", "gelu", "identity"}
        Applied after every hidden layer.
    bias : bool
        Whether the linear layers have biases.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import MLP
    >>> net = MLP(4, (8, 6), 3)
    >>> [z.shape[1] for z in net.representations(torch.zeros(5, 4))]
    [4, 8, 6, 3]
    >>> net.depth, net.widths
    (2, [4, 8, 6, 3])
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
        """The logits."""
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
    """Train ``model`` in place with Adam on cross-entropy; returns the mean training loss of each epoch.

    With ``init=True`` the weights are re-initialised from ``seed`` first
    (:func:`~alignbook.models.reset_parameters`), so the same seed gives the same network;
    the mini-batch order comes from ``seed + 1`` (:func:`~alignbook.models.train_loop`).

    Parameters
    ----------
    model : torch.nn.Module
        A classifier mapping ``(n, d)`` inputs to ``(n, classes)`` logits; moved to ``device``.
    X : torch.Tensor
        Inputs, shape ``(n, d)``.
    y : torch.Tensor
        Integer labels, shape ``(n,)``.
    epochs, batch_size : int
        Passes over the data and rows per mini-batch.
    lr, weight_decay : float
        Adam's learning rate and weight decay.
    seed : int
        Initialisation and batch-order seed.
    device : str or torch.device, optional
        Default: :func:`alignbook.device.get_device`.
    init : bool
        Re-initialise the weights from ``seed`` first.

    Returns
    -------
    list of float
        Mean cross-entropy per epoch.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import MLP, accuracy, train_classifier
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> X = torch.randn(200, 2, generator=g)
    >>> y = (X[:, 0] > 0).long()
    >>> losses = train_classifier(MLP(2, (8,), 2), X, y, epochs=20, lr=1e-2, seed=0, device="cpu")
    >>> losses[-1] < losses[0]
    True
    """
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must be paired")
    dev = get_device(device)
    if init:
        reset_parameters(model, seed)
    model.to(dev)
    X, y = X.to(dev), y.to(dev)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    losses = train_loop(model.parameters(), lambda idx: loss_fn(model(X[idx]), y[idx]), X.shape[0], epochs=epochs,
                        batch_size=batch_size, lr=lr, seed=seed, device=dev, weight_decay=weight_decay)
    model.eval()
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose arg-max logit equals the label.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import accuracy
    >>> net = torch.nn.Linear(2, 2, bias=False)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.eye(2))
    >>> accuracy(net, torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]), torch.tensor([0, 1, 0]))
    0.6666666666666666
    """
    dev = next(model.parameters()).device
    return float((model(X.to(dev)).argmax(dim=1) == y.to(dev)).double().mean())
