"""Trade-off chapter, section *The redundancy sweep* (``prop-tradeoff-ordering``)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ...experiments.tradeoff import ContrastiveSweep, LinearSweep, contrastive_sweep, linear_sweep
from .._registry import Comparisons, check

__all__ = ["RedundancySweeps"]


@dataclass
class RedundancySweeps:
    """The two redundancy sweeps behind ``prop-tradeoff-ordering`` (its payload).

    Attributes
    ----------
    linear : LinearSweep
        Exact minimisers with linear encoders, five redundancy levels.
    contrastive : ContrastiveSweep
        MLP towers trained with InfoNCE (at the ``test`` scale: alignment weights 0 and 1 only).

    Examples
    --------
    >>> from alignbook.theory import run
    >>> sweeps = run("prop-tradeoff-ordering", scale="test", device="cpu").payload
    >>> sweeps.linear.levels.tolist(), sweeps.contrastive.alphas.tolist()
    ([1.0, 0.75, 0.5, 0.25, 0.0], [0.0, 1.0])
    """

    linear: LinearSweep
    contrastive: ContrastiveSweep | None = None


@functools.lru_cache(maxsize=16)
def _nce(scale: str, seed: int, device: str) -> ContrastiveSweep:
    """The InfoNCE sweep of one (scale, seed, device), trained once per process (the false variants of
    the check only change what is asserted about it). At the test scale: alignment weights 0 and 1,
    512 training pairs and 25 epochs, about two seconds on one CPU core."""
    if scale == "test":
        return contrastive_sweep(levels=(1.0, 0.5, 0.0), alphas=(0.0, 1.0), scale=scale, seed=seed, device=device,
                                 epochs=25)
    return contrastive_sweep(levels=(1.0, 0.5, 0.0), scale=scale, seed=seed, device=device)


# ----------------------------------------------------------------------------------------------
# the redundancy sweep: the predicted ordering
# ----------------------------------------------------------------------------------------------
@check("prop-tradeoff-ordering", title="Alignment costs nothing when modalities are redundant, more as they "
       "become complementary", kind="property", status="reconstructed",
       source="Thoreau et al. 2025 (alignment hurts only non-redundant modalities)")
def _prop_tradeoff_ordering(scale, seed, device):
    c = Comparisons()
    # false variant: the opposite ordering (alignment hurts redundant modalities more), applied to both
    # sweeps; the thresholds are those of the statement (an empirical property of this model, so its
    # inequalities have no equality case to approach, and their gaps are reported as they are)
    rev = c.alternative("the reversed ordering (loss falls as redundancy falls)", False, True)
    order = (lambda a: a[::-1]) if rev else (lambda a: a)
    levels = (1.0, 0.75, 0.5, 0.25, 0.0)
    lin = linear_sweep(levels=levels, seed=seed, device=device)
    loss = order(lin.risk - lin.risk[:, :1])  # risk(lambda) - risk(0), over Var Y1, one row per level
    lam = lin.lambdas
    j = int(np.argmin(np.abs(lam - 1.0)))
    pos = lam > 0
    c.leq("linear: loss(lambda) grows as redundancy falls, every lambda > 0", loss[:-1, pos], loss[1:, pos],
          draws=int(loss[:, pos].size))
    c.true("linear: the loss grows strictly at lambda = 1", bool(np.all(np.diff(loss[:, j]) > 0)),
           value=float(np.diff(loss[:, j]).min()))
    c.leq("linear, fully redundant: loss at lambda = 1 <= 0.01", loss[0, j], 0.01)
    c.geq("linear, fully complementary: loss at lambda = 1 >= 0.2", loss[-1, j], 0.2)
    # two MLP towers, symmetric InfoNCE + supervised term (at every scale; cached per process)
    nce = _nce(scale, int(seed), str(device))
    kl = order(nce.knn_loss)
    c.true("InfoNCE towers: loss(alpha = 1) strictly ordered by redundancy (1 -> 0.5 -> 0)",
           bool(np.all(np.diff(kl) > 0)), value=float(np.diff(kl).min()))
    c.leq("InfoNCE towers, fully redundant: loss at alpha = 1 <= 0.1", kl[0], 0.1)
    c.geq("InfoNCE towers, fully complementary: loss at alpha = 1 >= 0.3", kl[-1], 0.3)
    c.attach(RedundancySweeps(linear=lin, contrastive=nce))
    return c
