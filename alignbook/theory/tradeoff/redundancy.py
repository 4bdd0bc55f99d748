"""Trade-off chapter, section *The redundancy sweep* (``prop-tradeoff-ordering``)."""
from __future__ import annotations

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
    contrastive : ContrastiveSweep or None
        MLP towers trained with InfoNCE (not run at the ``test`` scale).

    Examples
    --------
    >>> from alignbook.theory import run
    >>> sweeps = run("prop-tradeoff-ordering", scale="test", device="cpu").payload
    >>> sweeps.linear.levels.tolist(), sweeps.contrastive is None
    ([1.0, 0.75, 0.5, 0.25, 0.0], True)
    """

    linear: LinearSweep
    contrastive: ContrastiveSweep | None = None


# ----------------------------------------------------------------------------------------------
# the redundancy sweep: the predicted ordering
# ----------------------------------------------------------------------------------------------
@check("prop-tradeoff-ordering", title="Alignment costs nothing when modalities are redundant, more as they "
       "become complementary", kind="property")
def _prop_tradeoff_ordering(scale, seed, device):
    c = Comparisons()
    levels = (1.0, 0.75, 0.5, 0.25, 0.0)
    lin = linear_sweep(levels=levels, seed=seed, device=device)
    loss = lin.risk - lin.risk[:, :1]  # risk(lambda) - risk(0), over Var Y1, one row per level
    lam = lin.lambdas
    j = int(np.argmin(np.abs(lam - 1.0)))
    pos = lam > 0
    c.leq("linear: loss(lambda) grows as redundancy falls, every lambda > 0", loss[:-1, pos], loss[1:, pos],
          draws=int(loss[:, pos].size))
    c.true("linear: the loss grows strictly at lambda = 1", bool(np.all(np.diff(loss[:, j]) > 0)),
           value=float(np.diff(loss[:, j]).min()))
    c.leq("linear, fully redundant: loss at lambda = 1", loss[0, j], 0.01)
    c.geq("linear, fully complementary: loss at lambda = 1", loss[-1, j], 0.2)
    nce = None
    if scale != "test":  # two MLP towers, symmetric InfoNCE + supervised term
        nce = contrastive_sweep(levels=(1.0, 0.5, 0.0), scale=scale, seed=seed, device=device)
        kl = nce.knn_loss
        c.true("InfoNCE towers: loss(alpha = 1) ordered by redundancy", bool(np.all(np.diff(kl) > 0)),
               value=float(np.diff(kl).min()))
        c.leq("InfoNCE towers, fully redundant: loss at alpha = 1", kl[0], 0.1)
        c.geq("InfoNCE towers, fully complementary: loss at alpha = 1", kl[-1], 0.3)
    c.attach(RedundancySweeps(linear=lin, contrastive=nce))
    return c
