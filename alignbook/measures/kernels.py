r"""Kernels, Gram matrices and centring: the building blocks of the kernel measures.

Conventions (used by :func:`~alignbook.measures.hsic`, :func:`~alignbook.measures.cka`, ...):

* ``"linear"``: :math:`k(x, x') = x^\top x'`, so :math:`K = XX^\top`.
* ``"rbf"``: :math:`k(x, x') = \exp(-\|x-x'\|^2 / (2\sigma^2))` with
  :math:`\sigma = \text{bandwidth}\cdot m(X)`, where :math:`m(X)` is the median pairwise
  distance of that input (:func:`median_bandwidth`; Kornblith et al.'s convention: the median is
  taken over all :math:`n^2` entries, the zero diagonal included, and computed on squared
  distances, so for an even count :math:`m^2` is the mean of the two middle squared distances).
* ``"distance"``: the distance-induced kernel of Sejdinovic et al. (2013),
  :math:`k(x, x') = \tfrac12(\|x\| + \|x'\| - \|x - x'\|)`; HSIC with it is a quarter of the
  squared distance covariance, so CKA with it is the squared distance correlation.
* a callable ``kernel(X) -> K`` taking the ``(n, d)`` float tensor and returning the ``(n, n)``
  Gram matrix (a torch tensor); and ``"precomputed"`` (the inputs already are Gram matrices).
"""
from __future__ import annotations

import torch

from .._validate import as_matrix, check_choice, check_positive, finish, finish_array

__all__ = [
    "center_gram",
    "distance_gram",
    "gram",
    "median_bandwidth",
    "pairwise_distances",
    "sq_distances",
]

KERNELS = ("linear", "rbf", "distance")


def sq_distances(X: torch.Tensor) -> torch.Tensor:
    r"""Squared Euclidean distances :math:`\|x_i-x_j\|^2 = r_i + r_j - 2x_i^\top x_j` (tensor in, tensor out).

    Uses the matrix-product expansion on the column-centred input (translation does not change
    distances, and centring keeps the cancellation error near :math:`\varepsilon\|x\|^2` small);
    the diagonal is set to exactly 0. Off-diagonal entries of duplicated rows can come out as
    rounding-sized numbers of either sign; use :func:`pairwise_distances` when exact
    non-negative distances are needed.
    """
    Xc = X - X.mean(dim=0, keepdim=True)
    r = (Xc * Xc).sum(dim=1)
    D2 = r[:, None] + r[None, :] - 2.0 * (Xc @ Xc.T)
    return D2 - torch.diag(torch.diagonal(D2))


def pairwise_distances(X: torch.Tensor) -> torch.Tensor:
    r"""Euclidean distances :math:`\|x_i - x_j\|` computed from the differences (exact, :math:`\ge 0`).

    Tensor in, tensor out; costs :math:`O(n^2 d)` time and :math:`O(n^2)` memory.
    """
    return torch.cdist(X, X, compute_mode="donot_use_mm_for_euclid_dist")


def _median(values: torch.Tensor) -> torch.Tensor:
    """Median of a flat tensor, averaging the two middle values for an even count (NumPy's rule)."""
    m = values.numel()
    if m % 2:
        return values.kthvalue((m + 1) // 2).values
    return 0.5 * (values.kthvalue(m // 2).values + values.kthvalue(m // 2 + 1).values)


def _median_bandwidth(X: torch.Tensor, include_diagonal: bool = True, name: str = "X") -> torch.Tensor:
    n = X.shape[0]
    D2 = sq_distances(X)
    if include_diagonal:
        vals = D2.reshape(-1)
    else:
        if n < 2:
            raise ValueError(f"{name} needs at least 2 rows for an off-diagonal median distance.")
        iu = torch.triu_indices(n, n, offset=1, device=X.device)
        vals = D2[iu[0], iu[1]]
    med2 = _median(vals)
    if not bool(med2 > 0):
        raise ValueError(
            f"the median pairwise distance of {name} is 0 (it is constant, or more than half of "
            f"the {'n^2 entries, diagonal included,' if include_diagonal else 'pairs'} are zero "
            "distances), so the median-heuristic RBF bandwidth is undefined; pass an explicit "
            "sigma=..., or median='offdiag' if only the diagonal zeros dominate (tiny n)."
        )
    return torch.sqrt(med2)


def median_bandwidth(X, include_diagonal: bool = True, *, dtype=None):
    r"""Median pairwise Euclidean distance :math:`m(X)` used by the RBF kernel.

    .. math:: m(X)^2 = \operatorname{median}\{\|x_i - x_j\|^2\}

    over all :math:`n^2` pairs ``(i, j)`` including ``i == j`` (Kornblith et al.'s colab) when
    ``include_diagonal`` is true, else over the :math:`n(n-1)/2` pairs ``i < j``. For an odd
    count this is exactly the median distance; for an even count it is the root mean square of
    the two middle distances (the colab's rule). Raises ``ValueError`` when it is 0.
    NumPy in gives a float; torch in gives a 0-d tensor.
    """
    Xt, ctx = as_matrix(X, "X", dtype=dtype)
    return finish(_median_bandwidth(Xt, include_diagonal), ctx)


def _gram(X: torch.Tensor, kernel, bandwidth=1.0, sigma=None, median="all", name="X") -> torch.Tensor:
    if callable(kernel):
        K = kernel(X)
        if not isinstance(K, torch.Tensor) or K.shape != (X.shape[0], X.shape[0]):
            raise ValueError(
                f"the kernel callable must return an (n, n) torch tensor for {name}; got "
                f"{type(K).__name__} {tuple(getattr(K, 'shape', ()))}."
            )
        K = K.to(X.dtype)
        if not bool(torch.isfinite(K).all()):
            raise ValueError(f"the kernel callable returned non-finite entries for {name}.")
        return K
    check_choice(kernel, "kernel", KERNELS)
    if kernel == "linear":
        return X @ X.T
    if kernel == "rbf":
        check_choice(median, "median", ("all", "offdiag"))
        if sigma is None:
            s = check_positive(bandwidth, "bandwidth") * _median_bandwidth(X, median == "all", name)
        else:
            s = check_positive(sigma, "sigma")
        return torch.exp(-sq_distances(X) / (2.0 * s * s))
    return _distance_gram(X)


def _distance_gram(X: torch.Tensor) -> torch.Tensor:
    norms = torch.linalg.vector_norm(X, dim=1)
    return 0.5 * (norms[:, None] + norms[None, :] - pairwise_distances(X))


def gram(X, kernel="linear", *, bandwidth: float = 1.0, sigma=None, median: str = "all", dtype=None):
    r"""The Gram matrix :math:`K_{ij} = k(x_i, x_j)` of one representation.

    ``kernel`` is ``"linear"`` (:math:`XX^\top`), ``"rbf"``
    (:math:`\exp(-\|x_i-x_j\|^2/2\sigma^2)`, :math:`\sigma` = ``sigma`` if given, else
    ``bandwidth`` times :func:`median_bandwidth` with ``median="all"`` (diagonal included,
    Kornblith et al.) or ``"offdiag"``), ``"distance"`` (:math:`\tfrac12(\|x_i\|+\|x_j\|-\|x_i-x_j\|)`)
    or a callable ``kernel(X) -> K`` on tensors. Returns an ``(n, n)`` array (NumPy in) or tensor.
    """
    Xt, ctx = as_matrix(X, "X", dtype=dtype)
    return finish_array(_gram(Xt, kernel, bandwidth, sigma, median), ctx)


def distance_gram(X, *, dtype=None):
    r"""Gram matrix of the distance-induced kernel :math:`\tfrac12(\|x_i\|+\|x_j\|-\|x_i-x_j\|)`.

    Its doubly centred form is :math:`-\tfrac12 HDH` with :math:`D_{ij}=\|x_i-x_j\|`
    (Sejdinovic et al. 2013), which is what distance covariance centres.
    """
    return gram(X, "distance", dtype=dtype)


def _center(K: torch.Tensor) -> torch.Tensor:
    """:math:`HKH` by subtracting row, column and grand means (:math:`O(n^2)`, no :math:`H` built)."""
    row = K.mean(dim=0, keepdim=True)
    col = K.mean(dim=1, keepdim=True)
    return K - row - col + K.mean()


def _u_center(K: torch.Tensor) -> torch.Tensor:
    """Székely–Rizzo U-centring of K with its diagonal zeroed (needs n >= 3)."""
    n = K.shape[0]
    Kt = K - torch.diag(torch.diagonal(K))
    row = Kt.sum(dim=0, keepdim=True) / (n - 2)
    col = Kt.sum(dim=1, keepdim=True) / (n - 2)
    U = Kt - row - col + Kt.sum() / ((n - 1) * (n - 2))
    return U - torch.diag(torch.diagonal(U))


def center_gram(K, unbiased: bool = False, *, dtype=None):
    r"""Centre a Gram matrix.

    ``unbiased=False``: :math:`HKH` with :math:`H = I - \tfrac1n\mathbf 1\mathbf 1^\top`
    (row, column and grand means removed; :math:`H` is never formed).

    ``unbiased=True``: the U-centring of Székely & Rizzo (2014) applied to :math:`\tilde K`
    (:math:`K` with zeroed diagonal): for :math:`i \ne j`,
    :math:`\tilde K_{ij} - \frac{1}{n-2}\sum_l \tilde K_{il} - \frac1{n-2}\sum_k \tilde K_{kj}
    + \frac{1}{(n-1)(n-2)}\sum_{kl}\tilde K_{kl}`, and 0 on the diagonal. Then
    :math:`\langle \tilde U_K, \tilde U_L\rangle / (n(n-3))` is Song et al.'s unbiased HSIC.
    """
    Kt, ctx = as_matrix(K, "K", dtype=dtype)
    if Kt.shape[0] != Kt.shape[1]:
        raise ValueError(f"K must be a square (n, n) Gram matrix; got shape {tuple(Kt.shape)}.")
    if unbiased:
        if Kt.shape[0] < 3:
            raise ValueError("U-centring needs n >= 3 (it divides by n - 2); pass a larger K.")
        return finish_array(_u_center(Kt), ctx)
    return finish_array(_center(Kt), ctx)
