r"""Model stitching: plug layer ``i`` of one network into layer ``j`` of another through a linear map.

For two :class:`~alignbook.models.MLP` networks ``A`` and ``B`` with representations
``A.representations(x) = [x, h_1, ..., h_L, logits]`` (indices ``0 .. L+1``), the *stitched model*
is

.. math:: h_{A\to B}(x) = g^B_j\big(s(f^A_i(x))\big),

where :math:`f^A_i` is ``A`` up to its representation ``i``, :math:`g^B_j` = ``B.head(j)`` is the
rest of ``B`` after its representation ``j``, and the *stitcher* :math:`s(z) = zS + b` is affine
(linear on :math:`(z, 1)`). Stitchers are fitted in two ways:

* :func:`least_squares_stitcher` ("direct matching", Csiszárik et al. 2021): regress ``B``'s
  layer on ``A``'s, :math:`\min_{S,b}\frac1n\sum_k\|z^A_kS + b - z^B_k\|^2`, exactly, in float64
  through the pseudo-inverse; optionally with :math:`S` orthogonal (an orthogonal Procrustes
  fit; semi-orthogonal when the widths differ);
* :func:`train_stitcher` (task loss, Lenc & Vedaldi 2015; Bansal et al. 2021): both networks
  frozen, only the stitcher trained on cross-entropy, optionally constrained orthogonal.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from ..device import REDUCTION_DTYPE, get_device
from .training import train_loop

__all__ = [
    "LinearStitcher",
    "StitchedModel",
    "least_squares_stitcher",
    "stitch_residual",
    "train_stitcher",
]


def _as_matrix(Z, name: str) -> torch.Tensor:
    if not isinstance(Z, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (n, d), got {type(Z).__name__}")
    if Z.ndim != 2 or Z.shape[0] == 0 or Z.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n, d) with n, d >= 1, got {tuple(Z.shape)}; "
                         f"flatten it first, e.g. {name}.reshape(len({name}), -1)")
    if not bool(torch.isfinite(Z).all()):
        raise ValueError(f"{name} has non-finite entries; a stitcher needs finite representations")
    return Z


def _pair(Z1, Z2):
    Z1, Z2 = _as_matrix(Z1, "Z1"), _as_matrix(Z2, "Z2")
    if Z1.shape[0] != Z2.shape[0]:
        raise ValueError(f"Z1 has {Z1.shape[0]} rows and Z2 has {Z2.shape[0]}; stitching needs paired rows "
                         "(the same inputs passed through both networks)")
    if Z1.device != Z2.device:
        raise ValueError(f"Z1 is on {Z1.device} and Z2 on {Z2.device}; move them to one device")
    return Z1, Z2


class LinearStitcher(nn.Module):
    """The affine map ``z -> z @ S + b`` from width ``in_dim`` to width ``out_dim``.

    ``S`` (``in_dim x out_dim``) is stored as ``self.linear.weight = S.T``. With
    ``orthogonal=True`` the weight is constrained to have orthonormal rows or columns (whichever
    the shape allows) through :func:`torch.nn.utils.parametrizations.orthogonal`. ``method``
    records how it was fitted.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import LinearStitcher
    >>> st = LinearStitcher.from_matrix(torch.eye(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
    >>> with torch.no_grad():
    ...     print(st(torch.tensor([[1.0, 2.0]], dtype=torch.float64)))
    tensor([[2., 3.]], dtype=torch.float64)
    """

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True, orthogonal: bool = False,
                 dtype: torch.dtype = torch.float32, method: str = "untrained"):
        super().__init__()
        for nm, v in (("in_dim", in_dim), ("out_dim", out_dim)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{nm} must be a positive int, got {v!r}")
        self.in_dim, self.out_dim = in_dim, out_dim
        self.orthogonal = bool(orthogonal)
        self.method = method
        self.linear = nn.Linear(in_dim, out_dim, bias=bias, dtype=dtype)
        if self.orthogonal:
            nn.utils.parametrizations.orthogonal(self.linear, "weight")

    @property
    def S(self) -> torch.Tensor:
        """The matrix ``S`` with ``s(z) = z @ S + b`` (shape ``in_dim x out_dim``)."""
        return self.linear.weight.T

    @property
    def b(self) -> torch.Tensor:
        """The offset ``b`` (zeros when the stitcher has no bias)."""
        if self.linear.bias is None:
            return torch.zeros(self.out_dim, dtype=self.linear.weight.dtype, device=self.linear.weight.device)
        return self.linear.bias

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``z @ S + b`` in the stitcher's dtype."""
        if z.shape[-1] != self.in_dim:
            raise ValueError(f"the stitcher maps width {self.in_dim} to {self.out_dim}; got input of width {z.shape[-1]}")
        return self.linear(z.to(self.linear.weight.dtype))

    @classmethod
    def from_matrix(cls, S: torch.Tensor, b: torch.Tensor | None = None, method: str = "given") -> "LinearStitcher":
        """A stitcher with the given ``S`` (``in x out``) and ``b`` (kept in their dtype and device).

        Examples
        --------
        >>> import torch
        >>> from alignbook.models import LinearStitcher
        >>> LinearStitcher.from_matrix(torch.zeros(3, 2)).S.shape
        torch.Size([3, 2])
        """
        S = _as_matrix(S, "S")
        st = cls(S.shape[0], S.shape[1], bias=b is not None, dtype=S.dtype, method=method).to(S.device)
        with torch.no_grad():
            st.linear.weight.copy_(S.T)
            if b is not None:
                if b.shape != (S.shape[1],):
                    raise ValueError(f"b must have shape ({S.shape[1]},) to match S, got {tuple(b.shape)}")
                st.linear.bias.copy_(b)
        return st


def least_squares_stitcher(Z1: torch.Tensor, Z2: torch.Tensor, bias: bool = True,
                           orthogonal: bool = False) -> LinearStitcher:
    r"""Direct matching: the affine (or linear) map that best predicts ``Z2`` from ``Z1`` in mean square.

    Solves :math:`\min_{S,b}\frac1n\|Z_1S + \mathbf 1b^\top - Z_2\|_F^2` in float64: with column
    means :math:`m_1, m_2` and centred :math:`\bar Z_q = Z_q - \mathbf 1m_q^\top`,
    :math:`S = \bar Z_1^+\bar Z_2` (the minimum-norm minimiser, so rank-deficient ``Z1``, e.g.
    dead ReLU units, is fine) and :math:`b = m_2 - Sm_1`. ``bias=False`` uses the raw
    (uncentred) ``Z1, Z2`` and no offset, the setting of Theorem 1 in the book.
    With ``orthogonal=True``, :math:`S = UV^\top` from the thin SVD
    :math:`\bar Z_1^\top\bar Z_2 = U\Sigma V^\top` (orthogonal Procrustes; semi-orthogonal if the
    widths differ), which minimises the same loss over such :math:`S`.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import least_squares_stitcher, stitch_residual
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> Z1 = torch.randn(50, 3, generator=g, dtype=torch.float64)
    >>> Z2 = Z1 @ torch.randn(3, 2, generator=g, dtype=torch.float64) + 1.0  # an affine image
    >>> stitch_residual(least_squares_stitcher(Z1, Z2), Z1, Z2) < 1e-25
    True
    """
    Z1, Z2 = _pair(Z1, Z2)
    X, Y = Z1.to(REDUCTION_DTYPE), Z2.to(REDUCTION_DTYPE)
    if bias:
        m1, m2 = X.mean(dim=0), Y.mean(dim=0)
        X, Y = X - m1, Y - m2
    if orthogonal:
        U, _, Vh = torch.linalg.svd(X.T @ Y, full_matrices=False)
        S = U @ Vh
    else:
        S = torch.linalg.pinv(X) @ Y
    b = (m2 - m1 @ S) if bias else None
    st = LinearStitcher.from_matrix(S, b, method="least-squares" + ("-orthogonal" if orthogonal else ""))
    if orthogonal:  # keep the constraint for any later training
        st.orthogonal = True
    return st


@torch.no_grad()
def stitch_residual(stitcher: nn.Module, Z1: torch.Tensor, Z2: torch.Tensor) -> float:
    r"""The mean squared matching error :math:`\frac1n\sum_k\|s(z^{(1)}_k) - z^{(2)}_k\|^2` in float64.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import LinearStitcher, stitch_residual
    >>> st = LinearStitcher.from_matrix(torch.eye(2, dtype=torch.float64))
    >>> stitch_residual(st, torch.zeros(4, 2, dtype=torch.float64), torch.ones(4, 2, dtype=torch.float64))
    2.0
    """
    Z1, Z2 = _pair(Z1, Z2)
    R = stitcher(Z1).to(REDUCTION_DTYPE) - Z2.to(REDUCTION_DTYPE)
    return float((R * R).sum() / Z1.shape[0])


def _check_layer(model, idx: int, name: str) -> int:
    n_reps = len(model.layers) + 1
    if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < n_reps:
        raise ValueError(f"{name}={idx!r} must be an int in 0..{n_reps - 1} (an index into "
                         f"model.representations(x): 0 = input, {n_reps - 1} = logits)")
    return idx


class StitchedModel(nn.Module):
    """``x -> B.head(j)(stitcher(A.representations(x)[i]))``: A's bottom, a stitcher, B's top.

    The stitched model holds ``A`` and ``B`` themselves (not copies), so it shares their weights;
    call ``.double()`` on a deep copy for float64 evaluation.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import MLP, LinearStitcher, StitchedModel
    >>> A = MLP(4, (6,), 3).double()
    >>> identity = LinearStitcher.from_matrix(torch.eye(6, dtype=torch.float64), torch.zeros(6, dtype=torch.float64))
    >>> x = torch.randn(5, 4, dtype=torch.float64)
    >>> bool(torch.allclose(StitchedModel(A, 1, identity, A, 1)(x), A(x)))
    True
    """

    def __init__(self, A: nn.Module, i: int, stitcher: nn.Module, B: nn.Module, j: int):
        super().__init__()
        self.i, self.j = _check_layer(A, i, "i"), _check_layer(B, j, "j")
        wa, wb = A.widths[i], B.widths[j]
        if getattr(stitcher, "in_dim", wa) != wa or getattr(stitcher, "out_dim", wb) != wb:
            raise ValueError(f"the stitcher maps width {stitcher.in_dim} to {stitcher.out_dim}, but layer i={i} "
                             f"of A has width {wa} and layer j={j} of B has width {wb}")
        self.A, self.B, self.stitcher = A, B, stitcher

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """B's logits from A's representation ``i`` through the stitcher."""
        z = self.A.representations(x)[self.i]
        dtype = next(self.B.parameters()).dtype
        return self.B.head(self.j)(self.stitcher(z).to(dtype))


def train_stitcher(A: nn.Module, i: int, B: nn.Module, j: int, X: torch.Tensor, y: torch.Tensor,
                   epochs: int = 20, lr: float = 1e-2, batch_size: int = 256, seed: int = 0,
                   init: str = "least-squares", orthogonal: bool = False, weight_decay: float = 0.0,
                   device=None) -> LinearStitcher:
    """Fit a stitcher from A's layer ``i`` into B's layer ``j`` on the task loss (cross-entropy).

    Both networks stay frozen (their parameters are not touched); only the stitcher is trained,
    by :func:`~alignbook.models.train_loop` (Adam, mini-batches drawn from ``seed + 1``).
    ``init="least-squares"`` starts from the direct-matching solution (orthogonal Procrustes if
    ``orthogonal``), ``init="random"`` from PyTorch's default initialisation under ``seed``.

    Parameters
    ----------
    A, B : MLP
        The networks stitched: A up to its representation ``i``, B after its representation ``j``.
    i, j : int
        Indices into ``representations(x)`` (0 = input, last = logits).
    X, y : torch.Tensor
        Inputs ``(n, d)`` and integer labels ``(n,)``.
    epochs, batch_size : int
        Passes over the data and rows per mini-batch.
    lr, weight_decay : float
        Adam's learning rate and weight decay.
    seed : int
        Seed of the initial weights and of the batch order.
    init : {"least-squares", "random"}
        Starting point.
    orthogonal : bool
        Constrain ``S`` to have orthonormal rows or columns.
    device : str or torch.device, optional
        Default: :func:`alignbook.device.get_device`.

    Returns
    -------
    LinearStitcher
        A float32 stitcher on ``device``, in eval mode.

    Examples
    --------
    >>> import torch
    >>> from alignbook.models import MLP, train_stitcher
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> A, B = MLP(4, (6,), 3), MLP(4, (5,), 3)
    >>> X, y = torch.randn(40, 4, generator=g), torch.randint(0, 3, (40,), generator=g)
    >>> st = train_stitcher(A, 1, B, 1, X, y, epochs=2, batch_size=16, device="cpu")
    >>> st.S.shape, st.method
    (torch.Size([6, 5]), 'task')
    """
    if init not in ("least-squares", "random"):
        raise ValueError(f"init={init!r} must be 'least-squares' or 'random'")
    i, j = _check_layer(A, i, "i"), _check_layer(B, j, "j")
    X = _as_matrix(X, "X")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be a 1-D label vector with {X.shape[0]} entries (one per row of X), "
                         f"got shape {tuple(y.shape)}")
    dev = get_device(device)
    A_, B_ = copy.deepcopy(A).to(dev).float().eval(), copy.deepcopy(B).to(dev).float().eval()
    for p in (*A_.parameters(), *B_.parameters()):
        p.requires_grad_(False)
    X, y = X.to(dev).float(), y.to(dev)
    with torch.no_grad():
        Z1 = A_.representations(X)[i]
    with torch.random.fork_rng(devices=[]):  # built on the CPU: seed its initial weights, keep the global state
        torch.manual_seed(int(seed))
        st = LinearStitcher(A.widths[i], B.widths[j], orthogonal=orthogonal,
                            method="task" + ("-orthogonal" if orthogonal else "")).to(dev)
    if init == "least-squares":
        with torch.no_grad():
            Z2 = B_.representations(X)[j]
            ls = least_squares_stitcher(Z1, Z2, orthogonal=orthogonal)
            if orthogonal:  # assignment goes through the parametrisation's right inverse
                st.linear.weight = ls.linear.weight.detach().float()
            else:
                st.linear.weight.copy_(ls.linear.weight)
            st.linear.bias.copy_(ls.linear.bias)
    head = B_.head(j)
    loss_fn = nn.CrossEntropyLoss()
    train_loop(st.parameters(), lambda idx: loss_fn(head(st(Z1[idx])), y[idx]), X.shape[0], epochs=epochs,
               batch_size=batch_size, lr=lr, seed=seed, device=dev, weight_decay=weight_decay)
    st.method = "task" + ("-orthogonal" if orthogonal else "")
    return st.eval()
