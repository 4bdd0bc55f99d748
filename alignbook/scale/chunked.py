r"""Chunked routes for the measures that need pairwise terms: memory :math:`O(n\cdot b)`, never n-by-n.

Each function here equals its unchunked counterpart in :mod:`alignbook.measures` (same
conventions, same validation, same finish) to rounding, but only ever holds ``block`` rows of the
:math:`n\times n` Gram / distance matrices at a time (``block`` is chosen from a memory budget,
``max_bytes``, unless given). Only the gathering of the sufficient statistics differs: the
blocks are built by the same :class:`~alignbook.Kernel` construction as the full Gram matrices,
and the finish is the shared one of :mod:`alignbook.core`.

* :func:`.cka_chunked` / :func:`.hsic_chunked`: linear (the default, as :func:`~alignbook.measures.cka`),
  RBF and distance kernels, biased and unbiased estimators. One pass over row blocks of the
  HSIC-equivalent Grams (centred features for the linear kernel, :math:`e^{-d^2/2\sigma^2} - 1`,
  :math:`-\tfrac12 d`) accumulates :math:`\sum K\circ L`, :math:`\sum K\circ K`, :math:`\sum L\circ L`,
  the row sums and the diagonals, the sums of :class:`alignbook.core.hsic.HSICSums` (only blocks
  on or above the diagonal are formed; symmetry supplies the rest, so a pass costs half the
  products of a full one).
* The RBF bandwidth is the **exact** median of the :math:`n^2` squared distances (diagonal
  included, the mean of the two middle values for an even count: the measures' convention), found
  by :func:`.median_sq_distance`: a pass counts the values below a bracket taken from a random
  sample of pairs and collects those inside it; if the bracket misses or holds too many values,
  histogram passes narrow it until the middle ranks are pinned down. Every pass recomputes the
  same blocks the same way, so the selected value is an entry of the distance matrix.
* :func:`.distance_correlation_chunked`: dCor / dCor² (CKA with the distance kernel).
* :func:`.rsa_chunked`: Pearson RSA of Euclidean / squared-Euclidean / cosine / correlation RDMs
  from running sums over the upper triangle (Spearman needs global ranks and is refused), with
  RSA's Pearson finish.
* :func:`.mutual_knn_chunked`: mutual k-NN with the neighbour weights and tie rule of
  :mod:`alignbook.core.knn` (the measure's own core), with a block size from a memory budget.
"""
from __future__ import annotations

import math

import torch

from ..core.correlation import pearson_finish, pearson_sums, rdm_tolerance, unit_rows
from ..core.guards import (
    as_matrix,
    as_pair,
    check_bool,
    check_choice,
    check_estimator,
    check_int,
    check_positive,
    check_progress,
    finish,
    make_generator,
    pow2_scaled,
    refuse_constants,
    scale_back,
)
from ..core.hsic import HSICSums, cka_from_sums, dcor_finish, hsic_from_sums
from ..core.kernels import Kernel, SqDistances
from ..core.knn import METRICS, knn_space, mutual_knn_finish, shared_neighbours
from ..device import REDUCTION_DTYPE
from ._progress import progress_bar

__all__ = [
    "cka_chunked",
    "distance_correlation_chunked",
    "hsic_chunked",
    "median_sq_distance",
    "mutual_knn_chunked",
    "rsa_chunked",
]

_DEFAULT_BYTES = 512 * 2**20
_STRIPE_ROWS = 512  # measured on a 2-core CPU: taller stripes spill the caches in the elementwise work


def _block_rows(n: int, block, max_bytes, n_mats: int, cap=_STRIPE_ROWS) -> int:
    if block is not None:
        return check_int(block, "block", 1)
    max_bytes = check_positive(max_bytes, "max_bytes")
    return int(max(1, min(n, cap or n, max_bytes // (8 * n * n_mats))))


def _blocks(n: int, block: int, progress, desc: str):
    check_progress(progress)
    starts = range(0, n, block)
    return progress_bar(starts, progress, desc=desc, total=len(starts))


def _upper_stripes(n: int, block: int, progress, desc: str):
    """Row stripes against the columns on or after their first row: ``(start, stop, c0, c1, mirrored)``.

    Each stripe gives its square diagonal block (``mirrored=False``: it holds both copies of its
    pairs) and, unless it is the last, the rest of its columns (``mirrored=True``: those values
    also stand for their mirror images below the diagonal). Together: the upper triangle, once.
    """
    for start in _blocks(n, block, progress, desc):
        stop = min(start + block, n)
        yield start, stop, start, stop, False
        if stop < n:
            yield start, stop, stop, n, True


def _strict_upper(M: torch.Tensor) -> torch.Tensor:
    """The entries above the diagonal of a square block, as a 1-D tensor."""
    iu = torch.triu_indices(M.shape[0], M.shape[1], 1, device=M.device)
    return M[iu[0], iu[1]]


def _kth_values(blocks, ranks, total: int, lo: float, hi: float, cap: int, device):
    """Exact values of the given 1-based ``ranks`` among all entries produced by ``blocks()``.

    ``blocks`` is a zero-argument callable returning an iterator over tensors or ``(tensor,
    multiplicity)`` pairs (the same values on every call; a multiplicity of 2 stands for the two
    symmetric copies of an off-diagonal block). ``[lo, hi]`` is a first guess of a bracket.
    """
    ranks = sorted(ranks)
    bins = 4096
    while True:
        below = 0
        inside = 0
        kept = []
        collecting = True
        vmin, vmax = math.inf, -math.inf
        in_min, in_max = math.inf, -math.inf
        hist = torch.zeros(bins, dtype=torch.long, device=device)
        finite_bracket = math.isfinite(lo) and math.isfinite(hi) and hi > lo
        edges = torch.linspace(lo, hi, bins + 1, dtype=REDUCTION_DTYPE, device=device) if finite_bracket else None
        for item in blocks():
            v, w = item if isinstance(item, tuple) else (item, 1)
            v = v.reshape(-1)
            if v.numel() == 0:
                continue
            vmin, vmax = min(vmin, float(v.min())), max(vmax, float(v.max()))
            below += w * int((v < lo).sum())
            sel = v[(v >= lo) & (v <= hi)]
            if sel.numel():
                inside += w * sel.numel()
                in_min, in_max = min(in_min, float(sel.min())), max(in_max, float(sel.max()))
                if collecting:
                    if inside <= cap:
                        kept.append(sel.repeat(w) if w > 1 else sel.clone())
                    else:
                        collecting, kept = False, []
                if edges is not None:
                    idx = torch.bucketize(sel, edges[1:-1], right=True)
                    hist += w * torch.bincount(idx, minlength=bins)
        if vmin == math.inf:  # pragma: no cover - blocks produced nothing
            raise ValueError("no values to take a median of.")
        r_lo, r_hi = ranks[0], ranks[-1]
        if r_lo > below and r_hi <= below + inside:
            if collecting:
                allv = torch.sort(torch.cat(kept)).values
                return [float(allv[r - below - 1]) for r in ranks]
            if in_min == in_max:
                return [in_min for _ in ranks]
            if edges is None:
                lo, hi = in_min, in_max
                continue
            cum = torch.cumsum(hist, 0) + below
            b1 = int(torch.searchsorted(cum, torch.tensor(r_lo, device=device)))
            b2 = int(torch.searchsorted(cum, torch.tensor(r_hi, device=device)))
            new_lo = float(edges[b1])
            new_hi = float(edges[b2 + 1]) if b2 + 1 < bins else hi
            if b2 + 1 < bins:
                new_hi = math.nextafter(new_hi, -math.inf)
            new_lo, new_hi = max(new_lo, in_min), min(new_hi, in_max)
            if (new_lo, new_hi) == (lo, hi):  # cannot narrow by edges (tiny range): use the data range
                lo, hi = in_min, in_max
                cap *= 4
            else:
                lo, hi = new_lo, new_hi
            continue
        # bracket missed some rank: widen to the data range on that side
        if r_lo <= below:
            lo = vmin
        if r_hi > below + inside:
            hi = vmax


def median_sq_distance(X, include_diagonal: bool = True, *, block=None, max_bytes=_DEFAULT_BYTES,
                       seed=0, progress=None):
    r"""Exact median of the squared pairwise distances of ``X``, in row blocks.

    Equals ``alignbook.median_bandwidth(X, include_diagonal) ** 2`` (the measures' convention:
    all :math:`n^2` entries with the zero diagonal, or the :math:`n(n-1)/2` pairs ``i < j``;
    the mean of the two middle values for an even count), with memory :math:`O(n\cdot b)`.
    ``seed`` (a non-negative integer or a generator) only picks the sample of pairs that guesses
    the first bracket; the result does not depend on it. NumPy in: a float; torch in: a 0-d tensor.

    Examples
    --------
    >>> import alignbook as ab
    >>> from alignbook.scale import median_sq_distance
    >>> median_sq_distance([[0.0], [1.0], [3.0]], include_diagonal=False, block=1)
    4.0
    """
    include_diagonal = check_bool(include_diagonal, "include_diagonal")
    Xt, ctx = as_matrix(X, "X")
    Xs, e = pow2_scaled(Xt.detach())
    m2 = _median_sq(Xs, include_diagonal, block, max_bytes, seed, progress)
    return finish(scale_back(torch.as_tensor(m2, dtype=REDUCTION_DTYPE, device=Xt.device), 2 * e), ctx,
                  "median_sq_distance")


def _median_sq(Xt: torch.Tensor, include_diagonal: bool, block, max_bytes, seed, progress) -> float:
    n = Xt.shape[0]
    if not include_diagonal and n < 2:
        raise ValueError("X needs at least 2 rows for an off-diagonal median distance.")
    g, _ = make_generator(seed)
    sd = SqDistances(Xt)
    b = _block_rows(n, block, max_bytes, 2)
    total = n * n if include_diagonal else n * (n - 1) // 2

    def blocks():
        for start, stop, c0, c1, mirrored in _upper_stripes(n, b, progress, "median distance"):
            D2 = sd.block(start, stop, c0, c1)
            if mirrored:
                yield (D2, 2 if include_diagonal else 1)
            else:
                yield D2 if include_diagonal else _strict_upper(D2)

    ranks = [(total + 1) // 2] if total % 2 else [total // 2, total // 2 + 1]
    # first bracket from a random sample of pairs
    m = min(50_000, total)  # gathering sampled pairs is memory-bound: keep it well below one pass
    i = torch.randint(0, n, (m,), generator=g).to(Xt.device)
    j = torch.randint(0, n, (m,), generator=g).to(Xt.device)
    if not include_diagonal:
        keep = i != j
        i, j = i[keep], j[keep]
    if i.numel() >= 100:
        parts = []
        for s0 in range(0, i.numel(), 8192):  # in pieces: 8192 pairs x d at a time
            diff = sd.Xc[i[s0:s0 + 8192]] - sd.Xc[j[s0:s0 + 8192]]
            parts.append((diff * diff).sum(1))
        samp = torch.sort(torch.cat(parts)).values
        k = samp.numel()
        half = 6.0 * math.sqrt(k) / 2 + 2  # 6 standard deviations of the sample median's rank
        lo = float(samp[max(0, int(k / 2 - half))])
        hi = float(samp[min(k - 1, int(k / 2 + half))])
        lo, hi = lo * (1 - 1e-6), hi * (1 + 1e-6)
    else:
        lo, hi = -math.inf, math.inf
    cap = max(4 * n, 1_000_000, int(max_bytes) // 32)  # values kept from one pass (a quarter of the budget)
    vals = _kth_values(blocks, ranks, total, lo, hi, cap, Xt.device)
    return sum(vals) / len(vals)


# ----------------------------------------------------------------------------- HSIC / CKA
_CHUNKED_KERNELS = ("linear", "rbf", "distance")


def _bind(X, Y, kernel, bandwidth, sigma, median, block, max_bytes, progress):
    spec = Kernel.resolve(kernel, bandwidth=bandwidth, sigma=sigma, median=median)
    spec.require(_CHUNKED_KERNELS, "the chunked route (callables and precomputed Grams need the full "
                 "Gram matrix: use alignbook.cka / alignbook.hsic)")
    n = X.shape[0]
    b = _block_rows(n, block, max_bytes, 6)
    bound = []
    for M, nm in ((X, "X"), (Y, "Y")):
        m2 = None
        if spec.name == "rbf" and spec.sigma is None:
            m2 = torch.as_tensor(_median_sq(M, spec.median == "all", block, max_bytes, 0, progress),
                                 dtype=M.dtype, device=M.device)
        bound.append(spec.bind(M, nm, median_sq=m2))
    return spec, bound[0], bound[1], b


def _block_sums(kx, ky, n, block, progress):
    """One pass over the upper triangle of the HSIC-equivalent Grams: the sums of (X, Y), (X, X), (Y, Y).

    Row stripe ``start:stop`` is formed against columns ``>= start`` only: the square diagonal
    block counts once, the rest twice (the Grams are symmetric), and the rest's column sums are
    the row sums of the later rows. Half the products of a full pass.
    """
    f = dict(dtype=REDUCTION_DTYPE, device=kx.X.device)
    rk, rl = torch.zeros(n, **f), torch.zeros(n, **f)
    kl = kk = ll = torch.zeros((), **f)
    for start, stop, c0, c1, mirrored in _upper_stripes(n, block, progress, "pairwise blocks"):
        w = 2.0 if mirrored else 1.0
        K, L = kx.hsic_block(start, stop, c0, c1), ky.hsic_block(start, stop, c0, c1)
        kl = kl + w * (K * L).sum()
        kk = kk + w * (K * K).sum()
        ll = ll + w * (L * L).sum()
        rk[start:stop] += K.sum(1)
        rl[start:stop] += L.sum(1)
        if mirrored:
            rk[c0:c1] += K.sum(0)
            rl[c0:c1] += L.sum(0)
    dk, dl = kx.hsic_diag().to(REDUCTION_DTYPE), ky.hsic_diag().to(REDUCTION_DTYPE)

    def sums(s_kl, a, b, da, db):
        return HSICSums(n=n, kl=s_kl, k_sum=a.sum(), l_sum=b.sum(), k_dot_l=a @ b, diag=da @ db,
                        k_trace=da.sum(), l_trace=db.sum(), kt_dot_lt=(a - da) @ (b - db))

    return sums(kl, rk, rl, dk, dl), sums(kk, rk, rk, dk, dk), sums(ll, rl, rl, dl, dl)


def _pair(X, Y, kernel, bandwidth, sigma, median, estimator):
    spec = Kernel.resolve(kernel, bandwidth=bandwidth, sigma=sigma, median=median)
    X, Y, ctx = as_pair(X, Y)
    X, Y = X.detach(), Y.detach()
    check_estimator(estimator, X.shape[0])
    ex = ey = 0
    if spec.rescalable:
        (X, ex), (Y, ey) = pow2_scaled(X), pow2_scaled(Y)
    return spec, X, Y, ctx, ex, ey


def hsic_chunked(X, Y, kernel="linear", estimator="biased", *, bandwidth=None, sigma=None, median=None,
                 block=None, max_bytes=_DEFAULT_BYTES, progress=None):
    r"""HSIC with memory :math:`O(n\cdot\mathrm{block})`; equals ``alignbook.hsic`` with the same options.

    ``kernel`` is a :class:`~alignbook.Kernel` or ``"linear"`` (default), ``"rbf"``
    (median-heuristic bandwidth computed exactly in blocks) or ``"distance"``. NumPy in: a float;
    torch in: a 0-d tensor (not differentiable).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel or str
        ``"linear"`` (default), ``"rbf"`` or ``"distance"``, or an :class:`~alignbook.Kernel` of those.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    block : int or None
        Rows per block.
    max_bytes : float
        Memory budget for the blocks.
    progress : None or bool
        A progress bar.

    Returns
    -------
    float or torch.Tensor
        Equal to ``alignbook.hsic`` with the same options, to rounding.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import hsic_chunked
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> abs(hsic_chunked(X, X**2, "rbf", block=7) - ab.hsic(X, X**2, "rbf")) < 1e-12
    True
    """
    spec, X, Y, ctx, ex, ey = _pair(X, Y, kernel, bandwidth, sigma, median, estimator)
    _, kx, ky, b = _bind(X, Y, spec, None, None, None, block, max_bytes, progress)
    sxy, _, _ = _block_sums(kx, ky, X.shape[0], b, progress)
    value = hsic_from_sums(sxy, estimator)
    if spec.degree:
        value = scale_back(value, spec.degree * (ex + ey))
    return finish(value, ctx, "HSIC")


def cka_chunked(X, Y, kernel="linear", estimator="biased", *, bandwidth=None, sigma=None, median=None,
                block=None, max_bytes=_DEFAULT_BYTES, progress=None):
    r"""CKA with memory :math:`O(n\cdot\mathrm{block})`; equals ``alignbook.cka`` with the same options.

    ``kernel``: a :class:`~alignbook.Kernel`, ``"linear"`` (default, as ``alignbook.cka``),
    ``"rbf"`` (:math:`\sigma` = ``bandwidth`` x the exact median distance of each input, or
    ``sigma``) or ``"distance"`` (gives dCor²). ``block`` rows of the Gram matrices are held at a
    time (default: as many as fit in ``max_bytes``, at most 512). ``progress``: a tqdm bar over
    the blocks (None = shown only when it runs for more than 2 s).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel or str
        ``"linear"`` (default), ``"rbf"`` or ``"distance"``, or an :class:`~alignbook.Kernel` of those.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    block : int or None
        Rows per block (default: from ``max_bytes``, at most 512).
    max_bytes : float
        Memory budget for the blocks.
    progress : None or bool
        A progress bar (None: only after 2 s).

    Returns
    -------
    float or torch.Tensor
        Equal to ``alignbook.cka`` with the same options, to rounding.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import cka_chunked
    >>> X = np.random.default_rng(0).normal(size=(60, 3)) + 1e5
    >>> abs(cka_chunked(X, X**2, block=7) - ab.cka(X, X**2)) < 1e-9
    True
    """
    spec, X, Y, ctx, _, _ = _pair(X, Y, kernel, bandwidth, sigma, median, estimator)
    refuse_constants(((X, "X"), (Y, "Y")), "CKA")
    _, kx, ky, b = _bind(X, Y, spec, None, None, None, block, max_bytes, progress)
    return finish(cka_from_sums(*_block_sums(kx, ky, X.shape[0], b, progress), estimator), ctx, "CKA")


def distance_correlation_chunked(X, Y, estimator="biased", *, squared=False, block=None,
                                 max_bytes=_DEFAULT_BYTES, progress=None):
    r"""Distance correlation in row blocks; equals ``alignbook.distance_correlation`` (same options).

    dCor² is CKA with the distance kernel (Sejdinovic et al. 2013); returns dCor unless
    ``squared=True``. Memory :math:`O(n\cdot\mathrm{block})`, time :math:`O(n^2 d)`.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import distance_correlation_chunked
    >>> X = np.random.default_rng(0).normal(size=(60, 2))
    >>> abs(distance_correlation_chunked(X, X**2, block=9) - ab.distance_correlation(X, X**2)) < 1e-12
    True
    """
    squared = check_bool(squared, "squared")
    spec, X, Y, ctx, _, _ = _pair(X, Y, "distance", None, None, None, estimator)
    refuse_constants(((X, "X"), (Y, "Y")), "distance correlation")
    _, kx, ky, b = _bind(X, Y, spec, None, None, None, block, max_bytes, progress)
    r2 = cka_from_sums(*_block_sums(kx, ky, X.shape[0], b, progress), estimator, what="distance correlation")
    return finish(dcor_finish(r2, estimator, squared), ctx, "distance correlation")


# ----------------------------------------------------------------------------- RSA
def _rdm_block(rdm, P, start, stop, c0, c1):
    if rdm == "euclidean":
        return P.distances(start, stop, c0, c1)
    if rdm == "sqeuclidean":
        return P.block(start, stop, c0, c1)
    return 0.5 * P.block(start, stop, c0, c1)  # 1 - z_i'z_j = |z_i - z_j|^2 / 2 for unit rows


def rsa_chunked(X, Y, rdm="euclidean", compare="pearson", *, block=None, max_bytes=_DEFAULT_BYTES,
                progress=None):
    r"""Pearson RSA over the upper triangles of the two RDMs, in row blocks (memory :math:`O(n\cdot b)`).

    Equals ``alignbook.rsa(X, Y, rdm, "pearson")`` to rounding, with the same Pearson finish and
    the same refusal of an RDM that is constant to within rounding. The sums are of the RDM
    entries shifted by a reference value (the mean of the first block), which keeps the one-pass
    sums well conditioned. ``compare="spearman"`` is refused: it needs the global ranks of all
    :math:`n(n-1)/2` entries (use ``alignbook.rsa``).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import rsa_chunked
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> abs(rsa_chunked(X, X**3, "cosine", block=6) - ab.rsa(X, X**3, "cosine")) < 1e-12
    True
    """
    X, Y, ctx = as_pair(X, Y, min_n=3, rescale=True)
    X, Y = X.detach(), Y.detach()
    check_choice(rdm, "rdm", ("euclidean", "sqeuclidean", "correlation", "cosine"))
    check_choice(compare, "compare", ("pearson", "spearman"))
    if compare == "spearman":
        raise ValueError(
            "compare='spearman' needs the ranks of all n(n-1)/2 RDM entries at once, which the "
            "chunked route does not do; use alignbook.rsa(X, Y, rdm, 'spearman') or compare='pearson'."
        )
    n = X.shape[0]
    b = _block_rows(n, block, max_bytes, 6)
    if rdm in ("euclidean", "sqeuclidean"):
        P, Q = SqDistances(X), SqDistances(Y)
    else:
        P, Q = SqDistances(unit_rows(X, rdm, "X")), SqDistances(unit_rows(Y, rdm, "Y"))
    total, ca, cb = None, None, None
    top_a = top_b = 0.0
    for start, stop, c0, c1, mirrored in _upper_stripes(n, b, progress, "RSA blocks"):
        a, c = _rdm_block(rdm, P, start, stop, c0, c1), _rdm_block(rdm, Q, start, stop, c0, c1)
        if not mirrored:
            a, c = _strict_upper(a), _strict_upper(c)
        if a.numel() == 0:
            continue
        if ca is None:
            ca, cb = a.mean(), c.mean()
        top_a, top_b = max(top_a, float(a.abs().max())), max(top_b, float(c.abs().max()))
        part = pearson_sums(a.to(REDUCTION_DTYPE), c.to(REDUCTION_DTYPE), ca, cb)
        total = part if total is None else total + part
    eps = torch.finfo(X.dtype).eps
    tol_a = rdm_tolerance(rdm, X.shape[1], top_a, eps)
    tol_b = rdm_tolerance(rdm, Y.shape[1], top_b, eps)
    return finish(pearson_finish(total, ("X", "Y"), tol_a, tol_b), ctx, "RSA")


# ----------------------------------------------------------------------------- mutual kNN
def mutual_knn_chunked(X, Y, k=10, metric="cosine", *, block=None, max_bytes=_DEFAULT_BYTES,
                       dtype=None, progress=None):
    r"""Mutual k-NN alignment in row blocks (memory :math:`O(n\cdot b)`), with ``block`` from a memory budget.

    Equals ``alignbook.mutual_knn(X, Y, k, metric)``: the same core (similarity blocks,
    neighbour weights with the fractional tie rule of :mod:`alignbook.core.knn`, the same
    finish), both spaces handled in the same pass so no ``(n, k)`` index array is stored.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    k : int
        Neighbours per sample.
    metric : {"cosine", "euclidean"}
        The similarity.
    block : int or None
        Rows per block (default: from ``max_bytes``).
    max_bytes : float
        Memory budget.
    dtype : None or "float32"
        Computation precision (float64 by default).
    progress : None or bool
        A progress bar.

    Returns
    -------
    float or torch.Tensor
        Equal to ``alignbook.mutual_knn``.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import mutual_knn_chunked
    >>> X = np.random.default_rng(0).integers(0, 3, size=(50, 2)).astype(float) + 1  # many ties
    >>> mutual_knn_chunked(X, X**2, k=5, block=7) == ab.mutual_knn(X, X**2, k=5)
    True
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=True)
    X, Y = X.detach(), Y.detach()
    n = X.shape[0]
    k = check_int(k, "k", 1, n - 1, " (the number of other samples, n - 1)")
    check_choice(metric, "metric", METRICS)
    b = _block_rows(n, block, max_bytes, 8, cap=None)  # kNN: full rows; taller is faster
    refuse_constants(((X, "X"), (Y, "Y")), "mutual k-NN", "every sample is equally near every other, so its neighbour sets carry no information")
    Zx, Zy = knn_space(X, metric, "X"), knn_space(Y, metric, "Y")
    shared = shared_neighbours(Zx, Zy, k, metric, _blocks(n, b, progress, "mutual kNN"), b)
    return finish(mutual_knn_finish(shared, n, k).to(X.dtype), ctx, "mutual k-NN")
