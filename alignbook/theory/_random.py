"""Seeded draws for the checks: the one random-number convention of :mod:`alignbook.theory`.

A check takes all its randomness from its ``seed`` argument:

* torch work: ``g = generator(seed, device)`` (:func:`alignbook.device.generator`) and the
  draws below, which land on the generator's device in float64;
* NumPy work (only where a NumPy/SciPy route needs NumPy draws): ``r = rng(seed)``;
* a second, independent stream: ``generator(seed + k, device)`` or ``rng(seed + k)``.

No check touches the global generators (``torch.nn`` initialisers are seeded through
:func:`alignbook.models.reset_parameters`, which restores the global state).
"""
from __future__ import annotations

import torch

from ..device import REDUCTION_DTYPE


def randn(g: torch.Generator, *shape) -> torch.Tensor:
    """Standard normal float64 draws of ``shape`` on the device of ``g``."""
    return torch.randn(*shape, generator=g, device=g.device, dtype=REDUCTION_DTYPE)


def randint(g: torch.Generator, lo: int, hi: int) -> int:
    """An integer in [lo, hi] from the seeded generator ``g`` (which may live on a GPU)."""
    u = torch.rand((), generator=g, device=g.device, dtype=REDUCTION_DTYPE).item()
    return lo + int(u * (hi - lo + 1)) if hi > lo else lo


def orthogonal(g: torch.Generator, d: int) -> torch.Tensor:
    """A Haar-distributed d x d orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = torch.linalg.qr(randn(g, d, d))
    return q * torch.sign(torch.diagonal(r)).unsqueeze(0)
