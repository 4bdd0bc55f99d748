r"""Finishes of the linear-map measures: canonical correlations and the Procrustes distances.

Every route reduces CCA to a *whitened cross matrix* :math:`M` whose singular values are the
canonical correlations: :math:`M = \operatorname{diag}(c_X)\,U_X^\top U_Y\operatorname{diag}(c_Y)`
from the thin SVDs :math:`X_c = U_XS_XV_X^\top` of the rows (the measures; an n-by-n route when
:math:`d > n`), or :math:`M = F_X^+ C_{XY}F_Y^{+\top}` from factors :math:`G_{XX} = F_XF_X^\top` of the
covariance blocks (the streaming accumulator). With ridge ``reg`` :math:`=\lambda`, the shrinkage
:math:`c = S/\sqrt{S^2 + (n-1)\lambda}` (:func:`.ridge_shrink`) gives the singular values of
:math:`(\Sigma_{XX}+\lambda I)^{-1/2}\Sigma_{XY}(\Sigma_{YY}+\lambda I)^{-1/2}`; :math:`\lambda = 0` gives
:math:`c = 1`. :func:`.cca_finish` takes the SVD of :math:`M`.

Procrustes: with unit-Frobenius centred inputs, :math:`\nu = \|\hat X^\top\hat Y\|_*` and the fitted
residual :math:`e = \min_Q\|\hat XQ - \hat Y\|_F = \sqrt{2 - 2\nu}`, :func:`.procrustes_finish` maps
:math:`e` to the three distances (a route that only has :math:`\nu` uses :func:`.procrustes_from_cosine`).

Examples
--------
>>> import math, torch
>>> from alignbook.core.linear import procrustes_finish
>>> e = torch.tensor(0.5, dtype=torch.float64)
>>> round(float(procrustes_finish(e, "angular")), 12) == round(2 * math.asin(0.25), 12)
True
"""
from __future__ import annotations

import torch

from .guards import check_choice

__all__ = ["PROCRUSTES_METRICS", "cca_finish", "procrustes_finish", "procrustes_from_cosine", "ridge_shrink"]

PROCRUSTES_METRICS = ("angular", "euclidean", "disparity")

#: a Procrustes cosine that rounding puts above 1 by at most this much is taken as 1
NU_EXCESS = 1e-12


def ridge_shrink(S: torch.Tensor, n: int, reg: float) -> torch.Tensor:
    r"""The factors :math:`S/\sqrt{S^2 + (n-1)\lambda}` (exactly 1 for ``reg == 0``)."""
    if reg == 0.0:
        return torch.ones_like(S)
    return S / torch.sqrt(S * S + (n - 1) * reg)


def cca_finish(M: torch.Tensor, k: int | None = None):
    """Canonical correlations (descending) and the singular vectors of the whitened cross matrix ``M``.

    Returns ``(rho, A, B)`` with ``M = A diag(rho) B^T`` truncated to the top ``k`` (all when None).
    """
    A, rho, Bh = torch.linalg.svd(M, full_matrices=False)
    kmax = rho.shape[0]
    k = kmax if k is None else min(k, kmax)
    return rho[:k], A[:, :k], Bh[:k].T


def procrustes_finish(e: torch.Tensor, metric: str) -> torch.Tensor:
    r"""The Procrustes distances from the fitted residual :math:`e` of the unit-Frobenius inputs.

    ``"angular"``: :math:`2\arcsin(e/2) = \arccos\nu`; ``"euclidean"``: :math:`e`;
    ``"disparity"``: :math:`e^2(1 - e^2/4) = 1 - \nu^2` (SciPy's).
    """
    check_choice(metric, "metric", PROCRUSTES_METRICS)
    if metric == "euclidean":
        return e
    if metric == "angular":
        return 2.0 * torch.arcsin(e / 2.0)
    return e * e * (1.0 - e * e / 4.0)


def procrustes_from_cosine(nu: torch.Tensor, metric: str) -> torch.Tensor:
    r"""The Procrustes distances from :math:`\nu` (routes without rows): :math:`e = \sqrt{2 - 2\nu}`.

    Keeps fewer digits than the residual near :math:`\nu = 1`; a :math:`\nu` that rounding puts
    above 1 by at most ``1e-12`` is taken as 1 (documented; a larger excess is an error).
    """
    check_choice(metric, "metric", PROCRUSTES_METRICS)
    if bool(nu > 1.0 + NU_EXCESS) or not bool(nu >= 0):
        raise RuntimeError(f"internal: Procrustes cosine {float(nu)} outside [0, 1]")  # pragma: no cover
    nu = torch.clamp(nu, max=1.0)  # only the documented rounding excess reaches here
    return procrustes_finish(torch.sqrt(2.0 - 2.0 * nu), metric)
