"""The one training loop of the package: seeded, device-aware mini-batch Adam.

:func:`train_loop` is what :func:`~alignbook.models.train_classifier`,
:func:`~alignbook.models.train_two_tower` and :func:`~alignbook.models.train_stitcher` call;
each of them only says which parameters move and what the loss of a mini-batch is.

* Seeds: mini-batch order is drawn from ``seed + 1`` by a CPU generator (the same order on
  every device); :func:`reset_parameters` re-initialises ``torch.nn`` layers from ``seed``
  and leaves the global random state as it found it.
* Device: the loss function receives index tensors on ``device``; the caller has moved its
  data and model there.
* Threads: on a CPU the loop runs with one intra-op thread (:class:`alignbook.device.threads`):
  small models gain nothing from more, and a busy 2-core machine loses a lot.
"""
from __future__ import annotations

import numbers
from typing import Callable, Iterable

import torch
from torch import nn

from ..device import generator, get_device, threads

__all__ = ["reset_parameters", "train_loop"]


def reset_parameters(model: nn.Module, seed: int) -> nn.Module:
    """Re-initialise every ``nn.Linear`` of ``model`` from ``seed``, in module order.

    PyTorch's initialisers draw from the global generator; this seeds it for the duration of
    the call only (:func:`torch.random.fork_rng`), so the global state is left untouched. The
    result is the same as constructing the model right after ``torch.manual_seed(seed)``.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; its ``nn.Linear`` submodules are re-initialised in place.
    seed : int
        Non-negative integer seed.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import MLP, reset_parameters
    >>> a, b = reset_parameters(MLP(4, (3,), 2), seed=0), reset_parameters(MLP(4, (3,), 2), seed=0)
    >>> all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed={seed!r} must be a non-negative int")
    seed = int(seed)
    cuda = sorted({p.device.index for p in model.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
    return model


def train_loop(parameters: Iterable[torch.nn.Parameter], batch_loss: Callable[[torch.Tensor], torch.Tensor],
               n: int, *, epochs: int, batch_size: int, lr: float, seed: int = 0, device=None,
               weight_decay: float = 0.0, min_batch: int = 1) -> list[float]:
    """Adam on mini-batches of ``n`` paired rows; returns the mean training loss of each epoch.

    Each epoch draws a permutation of ``range(n)`` (CPU generator seeded with ``seed + 1``, the
    stream continuing across epochs), cuts it into consecutive batches of ``batch_size``
    indices, skips a batch with fewer than ``min_batch`` rows (a contrastive loss needs two),
    and takes one Adam step on ``batch_loss(idx)`` per batch. The epoch's loss is the
    batch losses weighted by batch size, over ``n``.

    Parameters
    ----------
    parameters : iterable of torch.nn.Parameter
        What the optimiser moves (already on ``device``).
    batch_loss : callable
        ``batch_loss(idx) -> scalar tensor`` for a 1-D index tensor on ``device``.
    n : int
        Number of rows to draw batches from.
    epochs, batch_size : int
        Passes over the data and rows per batch.
    lr, weight_decay : float
        Adam's learning rate and (L2) weight decay.
    seed : int
        The batch order comes from ``seed + 1`` (``seed`` itself initialises the weights in the
        callers, see :func:`reset_parameters`).
    device : str or torch.device, optional
        Where ``idx`` lives; default :func:`alignbook.device.get_device`.
    min_batch : int
        Smallest batch that is used.

    Returns
    -------
    list of float
        Mean training loss per epoch.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import train_loop
    >>> w = torch.nn.Parameter(torch.zeros(1))
    >>> x = torch.linspace(-1, 1, 32)
    >>> losses = train_loop([w], lambda idx: ((w * x[idx] - 2 * x[idx]) ** 2).mean(), 32,
    ...                     epochs=60, batch_size=8, lr=0.1, seed=0, device="cpu")
    >>> losses[-1] < 1e-3 < losses[0], round(w.detach().item(), 2)
    (True, 2.0)
    """
    for name, v, lo in (("n", n, 1), ("epochs", epochs, 0), ("batch_size", batch_size, 1), ("min_batch", min_batch, 1)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
            raise ValueError(f"{name}={v!r} must be an int >= {lo}")
    n, epochs, batch_size, min_batch = int(n), int(epochs), int(batch_size), int(min_batch)
    dev = get_device(device)
    opt = torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    g = generator(seed + 1, "cpu")
    losses = []
    with threads(1, dev):
        for _ in range(epochs):
            perm = torch.randperm(n, generator=g).to(dev)
            total = 0.0
            for i in range(0, n, batch_size):
                idx = perm[i:i + batch_size]
                if idx.numel() < min_batch:
                    continue
                opt.zero_grad()
                loss = batch_loss(idx)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * idx.numel()
            losses.append(total / n)
    return losses
