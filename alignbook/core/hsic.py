r"""HSIC, CKA and kernel alignment as *sufficient statistics -> finish*: one finish for every route.

For Gram matrices :math:`K, L` of :math:`n` paired rows (any HSIC-equivalent forms: adding
:math:`f_i + f_j + c` to either changes nothing below), both estimators are functions of the
sums collected in :class:`.HSICSums`:

* :math:`\Sigma_{KL} = \sum_{ij} K_{ij}L_{ij}`, :math:`k = K\mathbf 1`, :math:`l = L\mathbf 1`,
  :math:`\mathbf 1^\top k`, :math:`\mathbf 1^\top l`, :math:`k^\top l`;
* for the unbiased estimator also :math:`\sum_i K_{ii}L_{ii}`, :math:`\operatorname{tr}K`,
  :math:`\operatorname{tr}L` and :math:`(k - \operatorname{diag}K)^\top(l - \operatorname{diag}L)`.

Then (Gretton et al. 2005; Song et al. 2012)

.. math::
   \mathrm{HSIC}_b = \frac{\Sigma_{KL} - \tfrac2n k^\top l + \tfrac1{n^2}(\mathbf 1^\top k)(\mathbf 1^\top l)}{(n-1)^2},
   \qquad
   \mathrm{HSIC}_u = \frac{\Sigma_{KL} - \sum_i K_{ii}L_{ii}
   + \frac{(\mathbf 1^\top k - \operatorname{tr}K)(\mathbf 1^\top l - \operatorname{tr}L)}{(n-1)(n-2)}
   - \frac{2}{n-2}(k - \operatorname{diag}K)^\top(l - \operatorname{diag}L)}{n(n-3)}.

A route (dense Grams, centred features, row blocks, streamed batches, a layer matrix) only
gathers these sums its own way: :func:`.gram_sums` from full matrices, :func:`.feature_sums` from
centred features (where :math:`k = 0` and the unbiased terms need only the row norms
:math:`r_i = \|x_i\|^2`, computed once per input and shared by the XY, XX and YY statistics, so
the unbiased estimator costs the three products of the biased one plus :math:`O(nd)`), and the
chunked, streamed and layer routes in :mod:`alignbook.scale`. Every route then calls
:func:`.hsic_from_sums`, :func:`.cka_from_sums`, :func:`.alignment_from_sums` or
:func:`.permutation_mean_from_sums`, which apply the same guards with the same messages.

Examples
--------
>>> import torch
>>> from alignbook.core.hsic import FeatureRep, feature_sums, cka_from_sums, gram_sums
>>> g = torch.Generator().manual_seed(0)
>>> X = torch.randn(20, 3, generator=g, dtype=torch.float64)
>>> Y = X @ torch.randn(3, 2, generator=g, dtype=torch.float64) + 0.1
>>> a, b = FeatureRep(X), FeatureRep(Y)
>>> f = cka_from_sums(feature_sums(a, b, True), feature_sums(a, a, True), feature_sums(b, b, True), "unbiased")
>>> K, L = a.Xc @ a.Xc.T, b.Xc @ b.Xc.T
>>> s = cka_from_sums(gram_sums(K, L, True), gram_sums(K, K, True), gram_sums(L, L, True), "unbiased")
>>> bool(abs(f - s) < 1e-12)
True
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .guards import check_self_hsic, is_constant
from .linalg import gram_fro2, row_sq_norms, same_tensor, sumsq

__all__ = [
    "FeatureRep",
    "HSICSums",
    "alignment_from_sums",
    "center",
    "centered_sums",
    "cka_from_sums",
    "dcor_finish",
    "feature_sums",
    "gram_sums",
    "hsic_from_sums",
    "hsic_value",
    "permutation_mean_from_sums",
    "u_center",
]


@dataclass(frozen=True)
class HSICSums:
    """The sufficient statistics of HSIC(K, L) (see the module docstring); unbiased fields may be None."""

    n: int
    kl: torch.Tensor
    k_sum: torch.Tensor
    l_sum: torch.Tensor
    k_dot_l: torch.Tensor
    diag: torch.Tensor | None = None
    k_trace: torch.Tensor | None = None
    l_trace: torch.Tensor | None = None
    kt_dot_lt: torch.Tensor | None = None


def hsic_value(s: HSICSums, estimator: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(value, magnitude)``: the estimate and the size of its summed terms (its rounding scale)."""
    n = s.n
    if estimator == "biased":
        den = (n - 1) ** 2
        value = (s.kl - 2.0 * s.k_dot_l / n + s.k_sum * s.l_sum / n**2) / den
        mag = (s.kl.abs() + 2.0 * s.k_dot_l.abs() / n + (s.k_sum * s.l_sum).abs() / n**2) / den
        return value, mag
    if s.diag is None or s.kt_dot_lt is None:  # pragma: no cover - a route bug
        raise RuntimeError("internal: these sums were gathered for the biased estimator only")
    tr = s.kl - s.diag
    prod = (s.k_sum - s.k_trace) * (s.l_sum - s.l_trace)
    den = n * (n - 3)
    value = (tr + prod / ((n - 1) * (n - 2)) - 2.0 * s.kt_dot_lt / (n - 2)) / den
    mag = (s.kl.abs() + s.diag.abs() + prod.abs() / ((n - 1) * (n - 2)) + 2.0 * s.kt_dot_lt.abs() / (n - 2)) / den
    return value, mag


def hsic_from_sums(s: HSICSums, estimator: str) -> torch.Tensor:
    """HSIC (``"biased"`` V-statistic or ``"unbiased"`` U-statistic) from its sums."""
    return hsic_value(s, estimator)[0]


def cka_from_sums(sxy: HSICSums, sxx: HSICSums, syy: HSICSums, estimator: str, names=("X", "Y"),
                  what: str = "CKA") -> torch.Tensor:
    """CKA = HSIC(K, L)/sqrt(HSIC(K, K) HSIC(L, L)), the same estimator throughout, with the guards."""
    hxy, _ = hsic_value(sxy, estimator)
    hxx, mx = hsic_value(sxx, estimator)
    hyy, my = hsic_value(syy, estimator)
    check_self_hsic(hxx, mx, names[0], estimator, what)
    check_self_hsic(hyy, my, names[1], estimator, what)
    return hxy / torch.sqrt(hxx * hyy)


def alignment_from_sums(kl: torch.Tensor, kk: torch.Tensor, ll: torch.Tensor, names=("X", "Y"),
                        what: str = "KA") -> torch.Tensor:
    r"""Uncentred kernel alignment :math:`\langle K, L\rangle_F/(\|K\|_F\|L\|_F)` from its three sums."""
    for v, nm in ((kk, names[0]), (ll, names[1])):
        if not bool(v > 0):
            raise ValueError(
                f"the Gram matrix of {nm} is zero (e.g. {nm} is all zeros), so {what} is 0/0, undefined."
            )
    return kl / torch.sqrt(kk * ll)


def permutation_mean_from_sums(sxx: HSICSums, syy: HSICSums, names=("X", "Y"), what: str = "CKA") -> torch.Tensor:
    r"""Exact mean of biased CKA over all row permutations of one input (``prop-cka-permutation-null``):

    :math:`\operatorname{tr}\bar K\operatorname{tr}\bar L/((n-1)\|\bar K\|_F\|\bar L\|_F)` with
    :math:`\bar K = HKH`, from the self-sums (which must carry the traces).
    """
    n = sxx.n
    parts = []
    for s, nm in ((sxx, names[0]), (syy, names[1])):
        h, mag = hsic_value(s, "biased")
        check_self_hsic(h, mag, nm, "biased", what)
        fro = (n - 1) * torch.sqrt(h)  # ||HKH||_F
        tr = s.k_trace - s.k_sum / n  # tr(HKH)
        parts.append(tr / fro)
    return parts[0] * parts[1] / (n - 1)


def dcor_finish(r2: torch.Tensor, estimator: str, squared: bool) -> torch.Tensor:
    """Distance correlation from its square (CKA with the distance kernel); refuses sqrt of < 0."""
    if squared:
        return r2
    if not bool(r2 >= 0):
        raise ValueError(
            f"the {estimator} squared distance correlation is {float(r2):.3g} < 0, so its square "
            "root is undefined; pass squared=True to get the (legitimately negative) value."
        )
    return torch.sqrt(r2)


# ----------------------------------------------------------------------------- gatherers
def center(K: torch.Tensor) -> torch.Tensor:
    r""":math:`HKH` by subtracting row, column and grand means (:math:`O(n^2)`, no :math:`H` built)."""
    row = K.mean(dim=0, keepdim=True)
    col = K.mean(dim=1, keepdim=True)
    return K - row - col + K.mean()


def u_center(K: torch.Tensor) -> torch.Tensor:
    """Székely–Rizzo U-centring of K with its diagonal zeroed (needs n >= 3)."""
    n = K.shape[0]
    Kt = K - torch.diag(torch.diagonal(K))
    row = Kt.sum(dim=0, keepdim=True) / (n - 2)
    col = Kt.sum(dim=1, keepdim=True) / (n - 2)
    U = Kt - row - col + Kt.sum() / ((n - 1) * (n - 2))
    return U - torch.diag(torch.diagonal(U))


def gram_sums(K: torch.Tensor, L: torch.Tensor, unbiased: bool, traces: bool = False) -> HSICSums:
    """The sums of :class:`.HSICSums` from two full ``(n, n)`` Gram matrices (dense route)."""
    n = K.shape[0]
    k, l = K.sum(dim=1), L.sum(dim=1)
    kl = (K * L).sum()
    base = dict(n=n, kl=kl, k_sum=k.sum(), l_sum=l.sum(), k_dot_l=k @ l)
    if not (unbiased or traces):
        return HSICSums(**base)
    dk, dl = torch.diagonal(K), torch.diagonal(L)
    return HSICSums(**base, diag=dk @ dl, k_trace=dk.sum(), l_trace=dl.sum(), kt_dot_lt=(k - dk) @ (l - dl))


class FeatureRep:
    """Centred features of one input (linear kernel); the row norms and ``||X'X||^2`` are computed once."""

    def __init__(self, X: torch.Tensor, centered: bool = False):
        self.Xc = X if centered else X - X.mean(dim=0, keepdim=True)
        self.n = X.shape[0]
        self._r = None
        self._fro2 = None

    @property
    def r(self) -> torch.Tensor:
        """Squared row norms of the centred features (the diagonal of the centred Gram)."""
        if self._r is None:
            self._r = row_sq_norms(self.Xc)
        return self._r

    def self_fro2(self) -> torch.Tensor:
        r""":math:`\|X_c^\top X_c\|_F^2 = \|X_cX_c^\top\|_F^2`."""
        if self._fro2 is None:
            self._fro2 = gram_fro2(self.Xc)
        return self._fro2

    def is_constant(self) -> bool:
        return is_constant(self.Xc)


def feature_sums(a: FeatureRep, b: FeatureRep, unbiased: bool, traces: bool = False) -> HSICSums:
    r"""The sums of :class:`.HSICSums` for :math:`K = X_cX_c^\top`, :math:`L = Y_cY_c^\top` from d-by-d products.

    For centred features :math:`k = K\mathbf 1 = 0`, so :math:`\Sigma_{KL} = \|X_c^\top Y_c\|_F^2`
    is the only product; the unbiased terms are :math:`r^\top s`, :math:`\sum r`, :math:`\sum s`.
    """
    kl = a.self_fro2() if (a is b or same_tensor(a.Xc, b.Xc)) else sumsq(a.Xc.T @ b.Xc)
    return centered_sums(a, b, kl, unbiased, traces)


def centered_sums(a: FeatureRep, b: FeatureRep, kl: torch.Tensor, unbiased: bool, traces: bool = False) -> HSICSums:
    r"""The sums for the centred Grams of ``a`` and ``b`` given :math:`\Sigma_{KL}` (however it was formed)."""
    zero = torch.zeros((), dtype=kl.dtype, device=kl.device)
    base = dict(n=a.n, kl=kl, k_sum=zero, l_sum=zero, k_dot_l=zero)
    if not (unbiased or traces):
        return HSICSums(**base)
    rs = (a.r * b.r).sum()
    return HSICSums(**base, diag=rs, k_trace=a.r.sum(), l_trace=b.r.sum(), kt_dot_lt=rs)
