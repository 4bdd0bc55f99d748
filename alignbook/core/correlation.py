r"""RSA's Pearson finish: one correlation of two RDMs from running sums, with one constant-RDM guard.

Both the dense RSA and its chunked route gather, over the :math:`m = n(n-1)/2` pairs
:math:`i < j`, the sums of :math:`a - c_a`, :math:`b - c_b`, their squares and products about
reference values :math:`c_a, c_b` (the dense route uses the means, the chunked route the mean of
its first block), and call :func:`.pearson_finish`. An RDM whose entries agree to within their
rounding error (``tol``, supplied by the route from how the entries were computed) is constant,
and the correlation with it is 0/0: :func:`.check_rdm_spread` refuses it, with one message,
instead of returning a correlation of rounding noise.

Examples
--------
>>> import torch
>>> from alignbook.core.correlation import pearson_sums, pearson_finish
>>> a = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64)
>>> round(float(pearson_finish(pearson_sums(a, 2 * a + 1), ("X", "Y"), 0.0, 0.0)), 12)
1.0
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["PearsonSums", "check_rdm_spread", "pearson_finish", "pearson_sums", "ranks", "rdm_tolerance", "unit_rows"]


@dataclass(frozen=True)
class PearsonSums:
    """Sums over the entries of two RDMs, shifted by reference values."""

    m: int
    sa: torch.Tensor
    sb: torch.Tensor
    saa: torch.Tensor
    sbb: torch.Tensor
    sab: torch.Tensor

    def __add__(self, o: "PearsonSums") -> "PearsonSums":
        return PearsonSums(self.m + o.m, self.sa + o.sa, self.sb + o.sb, self.saa + o.saa,
                           self.sbb + o.sbb, self.sab + o.sab)


def pearson_sums(a: torch.Tensor, b: torch.Tensor, ca=None, cb=None) -> PearsonSums:
    """The sums of ``a - ca`` and ``b - cb`` (default: their means, the dense route's choice)."""
    ca = a.mean() if ca is None else ca
    cb = b.mean() if cb is None else cb
    x, y = a.reshape(-1) - ca, b.reshape(-1) - cb
    return PearsonSums(x.numel(), x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum())


def rdm_tolerance(rdm: str, d: int, top, eps: float) -> float:
    """Absolute rounding error of the RDM entries: ``8 (d + 2) eps max|entry|`` (every RDM is computed
    from differences, so relative to its entries), plus ``8 (d + 2) eps^2`` for the cosine and
    correlation RDMs (the rounding of the normalised rows themselves)."""
    t = 8.0 * (d + 2) * eps * float(top)
    return t + 8.0 * (d + 2) * eps * eps if rdm in ("cosine", "correlation") else t


def check_rdm_spread(var: torch.Tensor, tol: float, name: str) -> None:
    """Refuse an RDM whose entries have standard deviation at rounding level (one message)."""
    if not bool(var > tol * tol):
        raise ValueError(
            f"all entries of the RDM of {name} are equal (to within their rounding error), so its "
            "correlation with the other RDM is 0/0 (undefined); this happens for n = 2, a constant "
            "representation, equidistant samples, or (cosine/correlation RDMs) rows that are all "
            "parallel."
        )


def pearson_finish(s: PearsonSums, names, tol_a: float, tol_b: float) -> torch.Tensor:
    """The Pearson correlation of the two RDMs from their sums, after the constant-RDM guard."""
    vaa = (s.saa - s.sa * s.sa / s.m) / s.m
    vbb = (s.sbb - s.sb * s.sb / s.m) / s.m
    check_rdm_spread(vaa, tol_a, names[0])
    check_rdm_spread(vbb, tol_b, names[1])
    return (s.sab - s.sa * s.sb / s.m) / (s.m * torch.sqrt(vaa * vbb))


def unit_rows(X: torch.Tensor, metric: str, name: str) -> torch.Tensor:
    r"""Rows normalised for the cosine / correlation RDMs (refusing zero or row-constant rows).

    Both RDMs are then :math:`1 - \hat z_i^	op\hat z_j = 	frac12\|\hat z_i - \hat z_j\|^2`, computed
    from differences (no cancellation for nearly parallel rows).
    """
    if metric == "correlation":
        if X.shape[1] < 2:
            raise ValueError(f"rdm='correlation' needs at least 2 features per row; {name} has 1.")
        Z, why = X - X.mean(dim=1, keepdim=True), "constant across features"
    else:
        Z, why = X, "zero"
    nrm = torch.linalg.vector_norm(Z, dim=1, keepdim=True)
    if not bool((nrm > 0).all()):
        bad = int((nrm == 0).sum())
        raise ValueError(f"{bad} row(s) of {name} are {why}, so the {metric} RDM divides by 0.")
    return Z / nrm


def ranks(v: torch.Tensor, tol: float = 0.0) -> torch.Tensor:
    """Ranks 1..m with ties given their average rank (as ``scipy.stats.rankdata``); the package's one rank helper.

    With ``tol > 0``, sorted neighbours closer than ``tol`` (values that differ by rounding only)
    are tied too, so rounding noise never decides a rank.
    """
    s, idx = torch.sort(v, stable=True)
    if s.numel() == 0:
        return s
    new = torch.ones_like(s, dtype=torch.bool)
    new[1:] = (s[1:] - s[:-1]) > tol  # a new group starts where the gap exceeds the tolerance
    group = torch.cumsum(new.to(torch.long), 0) - 1
    counts = torch.bincount(group)
    ends = torch.cumsum(counts, 0).to(v.dtype)
    avg = ends - (counts.to(v.dtype) - 1.0) / 2.0
    r = torch.empty_like(v)
    r[idx] = avg[group]
    return r
