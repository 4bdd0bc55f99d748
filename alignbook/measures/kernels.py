r"""Kernels, Gram matrices, distances and centring: the building blocks of the kernel measures.

Kernels are :class:`~alignbook.Kernel` objects (``alignbook.Kernel.linear()``,
``Kernel.rbf(bandwidth=1.0 | sigma=..., median="all" | "offdiag")``, ``Kernel.distance()``,
``Kernel.from_callable(f)``, ``Kernel.precomputed()``) or the strings ``"linear"``, ``"rbf"``,
``"distance"`` and callables that stand for them:

* ``"linear"``: :math:`k(x, x') = x^\top x'`, so :math:`K = XX^\top`.
* ``"rbf"``: :math:`k(x, x') = \exp(-\|x-x'\|^2 / (2\sigma^2))` with
  :math:`\sigma = \text{bandwidth}\cdot m(X)`, where :math:`m(X)` is the median pairwise
  distance of that input (:func:`.median_bandwidth`; Kornblith et al.'s convention: the median is
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

from ..core.guards import as_matrix, as_square, check_bool, finish, finish_array, pow2_scaled, scale_back
from ..core.hsic import center, u_center
from ..core.kernels import Kernel, SqDistances, dense_median_sq

__all__ = [
    "center_gram",
    "distance_gram",
    "gram",
    "median_bandwidth",
    "pairwise_distances",
    "sq_distances",
]


def sq_distances(X: torch.Tensor) -> torch.Tensor:
    r"""Squared Euclidean distances :math:`\|x_i-x_j\|^2` of the rows of a tensor (tensor in, tensor out).

    The construction every route shares (:class:`alignbook.core.kernels.SqDistances`): the
    matrix-product expansion :math:`r_i + r_j - 2x_i^\top x_j` on the column-centred input, with
    near-duplicate pairs recomputed from their differences; every entry is :math:`\ge 0`,
    duplicated rows give exactly 0 and the diagonal is exactly 0.

    Examples
    --------
    >>> import torch
    >>> from alignbook.measures.kernels import sq_distances
    >>> sq_distances(torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]], dtype=torch.float64))
    tensor([[ 0., 25.,  0.],
            [25.,  0., 25.],
            [ 0., 25.,  0.]], dtype=torch.float64)
    """
    return SqDistances(X).block()


def pairwise_distances(X, *, dtype=None):
    r"""Euclidean distances :math:`\|x_i - x_j\|` computed from the differences (exact, :math:`\ge 0`).

    Takes NumPy arrays, nested lists or tensors (validated like every measure); NumPy in gives a
    NumPy array, torch in a tensor. Extreme magnitudes are handled by an exact power-of-two
    rescaling. Costs :math:`O(n^2 d)` time and :math:`O(n^2)` memory.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.pairwise_distances([[0, 0], [3, 4]])
    array([[0., 5.],
           [5., 0.]])
    """
    Xt, ctx = as_matrix(X, "X", dtype=dtype)
    Xs, e = pow2_scaled(Xt)
    D = torch.cdist(Xs, Xs, compute_mode="donot_use_mm_for_euclid_dist")
    return finish_array(scale_back(D, e), ctx, "pairwise_distances")


def median_bandwidth(X, include_diagonal: bool = True, *, dtype=None):
    r"""Median pairwise Euclidean distance :math:`m(X)` used by the RBF kernel.

    .. math:: m(X)^2 = \operatorname{median}\{\|x_i - x_j\|^2\}

    over all :math:`n^2` pairs ``(i, j)`` including ``i == j`` (Kornblith et al.'s colab) when
    ``include_diagonal`` is true, else over the :math:`n(n-1)/2` pairs ``i < j``. For an odd
    count this is exactly the median distance; for an even count it is the root mean square of
    the two middle distances (the colab's rule). Returns 0 for a constant input (the RBF kernel
    then refuses the median rule). NumPy in gives a float; torch in gives a 0-d tensor.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.median_bandwidth([[0.0], [1.0], [3.0]], include_diagonal=False)
    2.0
    """
    include_diagonal = check_bool(include_diagonal, "include_diagonal")
    Xt, ctx = as_matrix(X, "X", dtype=dtype)
    Xs, e = pow2_scaled(Xt)
    m2 = dense_median_sq(SqDistances(Xs), include_diagonal, "X")
    return finish(scale_back(torch.sqrt(m2), e), ctx, "median_bandwidth")


def gram(X, kernel="linear", *, bandwidth=None, sigma=None, median=None, dtype=None):
    r"""The Gram matrix :math:`K_{ij} = k(x_i, x_j)` of one representation.

    ``kernel`` is a :class:`~alignbook.Kernel` or ``"linear"`` (:math:`XX^\top`), ``"rbf"``
    (:math:`\exp(-\|x_i-x_j\|^2/2\sigma^2)`, :math:`\sigma` = ``sigma`` if given, else
    ``bandwidth`` (default 1) times :func:`.median_bandwidth` with ``median="all"`` (diagonal
    included, Kornblith et al.) or ``"offdiag"``), ``"distance"``
    (:math:`\tfrac12(\|x_i\|+\|x_j\|-\|x_i-x_j\|)`) or a callable ``kernel(X) -> K`` on tensors
    (its output is validated: symmetric, positive semi-definite within rounding). Returns an
    ``(n, n)`` array (NumPy in) or tensor.


    Parameters
    ----------
    X : array-like or torch.Tensor
        One representation ``(n, d)``.
    kernel : Kernel, str or callable
        ``"linear"`` (default), ``"rbf"``, ``"distance"``, a callable ``kernel(X) -> K`` or an
        :class:`~alignbook.Kernel`.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    array or torch.Tensor
        The ``(n, n)`` Gram matrix.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.gram([[1.0, 0.0], [1.0, 1.0]])
    array([[1., 1.],
           [1., 2.]])
    >>> ab.gram([[0.0], [1.0]], "rbf", sigma=1.0).round(4)
    array([[1.    , 0.6065],
           [0.6065, 1.    ]])
    """
    spec = Kernel.resolve(kernel, bandwidth=bandwidth, sigma=sigma, median=median)
    spec.require(("linear", "rbf", "distance", "callable"), "gram (a precomputed input already is a Gram matrix)")
    Xt, ctx = as_matrix(X, "X", dtype=dtype)
    e = 0
    if spec.rescalable:
        Xt, e = pow2_scaled(Xt)
    K = spec.bind(Xt, "X").gram()
    return finish_array(scale_back(K, spec.degree * e) if e else K, ctx, "gram")


def distance_gram(X, *, dtype=None):
    r"""Gram matrix of the distance-induced kernel :math:`\tfrac12(\|x_i\|+\|x_j\|-\|x_i-x_j\|)`.

    Its doubly centred form is :math:`-\tfrac12 HDH` with :math:`D_{ij}=\|x_i-x_j\|`
    (Sejdinovic et al. 2013), which is what distance covariance centres.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.distance_gram([[0.0], [2.0]])
    array([[0., 0.],
           [0., 2.]])
    """
    return gram(X, "distance", dtype=dtype)


def center_gram(K, unbiased: bool = False, *, dtype=None):
    r"""Centre a Gram matrix.

    ``unbiased=False``: :math:`HKH` with :math:`H = I - \tfrac1n\mathbf 1\mathbf 1^\top`
    (row, column and grand means removed; :math:`H` is never formed).

    ``unbiased=True``: the U-centring of Székely & Rizzo (2014) applied to :math:`\tilde K`
    (:math:`K` with zeroed diagonal): for :math:`i \ne j`,
    :math:`\tilde K_{ij} - \frac{1}{n-2}\sum_l \tilde K_{il} - \frac1{n-2}\sum_k \tilde K_{kj}
    + \frac{1}{(n-1)(n-2)}\sum_{kl}\tilde K_{kl}`, and 0 on the diagonal. Then
    :math:`\langle \tilde U_K, \tilde U_L\rangle / (n(n-3))` is Song et al.'s unbiased HSIC.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.center_gram([[2.0, 0.0], [0.0, 2.0]])
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    unbiased = check_bool(unbiased, "unbiased")
    Kt, ctx = as_square(K, "K", dtype=dtype)
    Ks, e = pow2_scaled(Kt)
    if unbiased:
        if Kt.shape[0] < 3:
            raise ValueError("K needs n >= 3 rows for U-centring (it divides by n - 2); pass a larger K.")
        return finish_array(scale_back(u_center(Ks), e), ctx, "center_gram")
    return finish_array(scale_back(center(Ks), e), ctx, "center_gram")
