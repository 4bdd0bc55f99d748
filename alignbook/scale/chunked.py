r"""Chunked routes for the measures that need pairwise terms: memory :math:`O(n\cdot b)`, never n-by-n.

Each function here equals its unchunked counterpart in :mod:`alignbook.measures` (same
conventions, same validation) to rounding, but only ever holds ``block`` rows of the
:math:`n\times n` Gram / distance matrices at a time (``block`` is chosen from a memory budget,
``max_bytes``, unless given).

* :func:`cka_chunked` / :func:`hsic_chunked`: RBF and distance kernels (and linear, for
  completeness), biased and unbiased estimators. One pass over row blocks accumulates
  :math:`\sum K\circ L`, :math:`\sum K\circ K`, :math:`\sum L\circ L`, the row sums and the
  diagonals, from which both estimators follow (only blocks on or above the diagonal are formed;
  symmetry supplies the rest, so a pass costs half the products of a full one):
  :math:`\operatorname{tr}(KHLH) = \sum K\circ L - \tfrac2n\,k^\top l + \tfrac{(\mathbf 1^\top k)(\mathbf 1^\top l)}{n^2}`
  with :math:`k = K\mathbf 1, l = L\mathbf 1`, and Song et al.'s terms with the diagonals removed.
* The RBF bandwidth is the **exact** median of the :math:`n^2` squared distances (diagonal
  included, the mean of the two middle values for an even count: the measures' convention), found
  by :func:`median_sq_distance`: a pass counts the values below a bracket taken from a random
  sample of pairs and collects those inside it; if the bracket misses or holds too many values,
  histogram passes narrow it until the middle ranks are pinned down. Every pass recomputes the
  same blocks the same way, so the selected value is an entry of the distance matrix.
* :func:`distance_correlation_chunked`: dCor / dCor² (CKA with the distance kernel). Distances
  come from the matrix-product expansion on centred data; pairs where that expansion is
  unreliable (:math:`\|x_i-x_j\|^2 < 10^{-4}(\|x_i\|^2+\|x_j\|^2)`, i.e. near-duplicates) are
  recomputed from the differences, so no rounding-negative square is ever rooted and nothing is
  clamped. (The unchunked measure uses differences everywhere; the two agree to ~1e-12.)
* :func:`rsa_chunked`: Pearson RSA of Euclidean / squared-Euclidean / cosine / correlation RDMs
  from running sums over the upper triangle (Spearman needs global ranks and is refused).
* :func:`mutual_knn_chunked`: mutual k-NN with ``topk`` per block (ties at the k-th neighbour
  re-resolved by a stable sort of that row, so the neighbour sets equal the measures' ones).
"""
from __future__ import annotations

import math

import torch

from .._validate import as_matrix, as_pair, check_choice, check_int, check_positive, finish
from ..device import REDUCTION_DTYPE
from ..measures.hsic import _scale_free, dcor_from_squared
from ..measures.knn import _prep as _knn_prep
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
    starts = range(0, n, block)
    return progress_bar(starts, progress, desc=desc, total=len(starts))


# ----------------------------------------------------------------------------- distances
class _SqDist:
    """Blocks of the squared-distance matrix of one input, as the measures compute it.

    ``block(start, stop, c0, c1)`` is rows ``start:stop`` and columns ``c0:c1`` (default: all);
    the chunked routes ask only for columns ``>= start`` and use the symmetry for the rest.
    """

    def __init__(self, X: torch.Tensor):
        self.Xc = X - X.mean(dim=0, keepdim=True)
        self.r = (self.Xc * self.Xc).sum(dim=1)
        self.n = X.shape[0]

    def _diag(self, start, stop, c0, c1, device):
        """Local (row, column) indices of the entries i == j inside the block."""
        lo, hi = max(start, c0), min(stop, c1)
        if lo >= hi:
            return None
        i = torch.arange(lo, hi, device=device)
        return i - start, i - c0

    def block(self, start: int, stop: int, c0: int = 0, c1=None) -> torch.Tensor:
        c1 = self.n if c1 is None else c1
        D2 = self.r[start:stop, None] + self.r[None, c0:c1] - 2.0 * (self.Xc[start:stop] @ self.Xc[c0:c1].T)
        d = self._diag(start, stop, c0, c1, D2.device)
        if d is not None:
            D2[d] = 0.0
        return D2

    def block_exactish(self, start: int, stop: int, c0: int = 0, c1=None) -> torch.Tensor:
        """Squared distances with near-duplicate pairs recomputed from differences (>= 0)."""
        c1 = self.n if c1 is None else c1
        D2 = self.block(start, stop, c0, c1)
        bad = D2 < 1e-4 * (self.r[start:stop, None] + self.r[None, c0:c1])
        d = self._diag(start, stop, c0, c1, D2.device)
        if d is not None:
            bad[d] = False
        if bool(bad.any()):
            ii, jj = bad.nonzero(as_tuple=True)
            for s in range(0, ii.numel(), 65536):
                i, j = ii[s:s + 65536], jj[s:s + 65536]
                diff = self.Xc[i + start] - self.Xc[j + c0]
                D2[i, j] = (diff * diff).sum(dim=1)
        return D2



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
                       seed: int = 0, progress=None):
    r"""Exact median of the squared pairwise distances of ``X``, in row blocks.

    Equals ``alignbook.median_bandwidth(X, include_diagonal) ** 2`` (the measures' convention:
    all :math:`n^2` entries with the zero diagonal, or the :math:`n(n-1)/2` pairs ``i < j``;
    the mean of the two middle values for an even count), with memory :math:`O(n\cdot b)`.
    ``seed`` only picks the sample of pairs that guesses the first bracket; the result does not
    depend on it. NumPy in: a float; torch in: a 0-d tensor.
    """
    Xt, ctx = as_matrix(X, "X")
    return finish(torch.as_tensor(_median_sq(Xt, include_diagonal, block, max_bytes, seed, progress),
                                  dtype=REDUCTION_DTYPE, device=Xt.device), ctx)


def _median_sq(Xt: torch.Tensor, include_diagonal: bool, block, max_bytes, seed, progress) -> float:
    n = Xt.shape[0]
    if not include_diagonal and n < 2:
        raise ValueError("X needs at least 2 rows for an off-diagonal median distance.")
    sd = _SqDist(Xt)
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
    g = torch.Generator(device="cpu").manual_seed(int(seed))
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
KERNELS = ("linear", "rbf", "distance")


class _KernelBlocks:
    def __init__(self, X, kernel, bandwidth, sigma, median, name, block, max_bytes, progress):
        self.kind = kernel
        self.name = name
        self.sd = _SqDist(X) if kernel in ("rbf", "distance") else None
        self.X = X
        if kernel == "rbf":
            check_choice(median, "median", ("all", "offdiag"))
            if sigma is None:
                bw = check_positive(bandwidth, "bandwidth")
                m2 = _median_sq(X, median == "all", block, max_bytes, 0, progress)
                if not m2 > 0:
                    raise ValueError(
                        f"the median pairwise distance of {name} is 0 (it is constant, or more than half "
                        "of the pairwise distances are zero), so the median-heuristic RBF bandwidth is "
                        "undefined; pass an explicit sigma=..."
                    )
                s = bw * math.sqrt(m2)
            else:
                s = check_positive(sigma, "sigma")
            self.two_s2 = 2.0 * s * s

    def block(self, start, stop, c0=0, c1=None):
        c1 = self.X.shape[0] if c1 is None else c1
        if self.kind == "linear":
            return self.X[start:stop] @ self.X[c0:c1].T
        if self.kind == "rbf":
            return torch.exp(-self.sd.block(start, stop, c0, c1) / self.two_s2)
        # distance kernel up to f_i + f_j terms (which both estimators remove): -D/2
        return -0.5 * torch.sqrt(self.sd.block_exactish(start, stop, c0, c1))

    def diag(self):
        n = self.X.shape[0]
        if self.kind == "linear":
            return (self.X * self.X).sum(1)
        if self.kind == "rbf":
            return torch.ones(n, dtype=self.X.dtype, device=self.X.device)
        return torch.zeros(n, dtype=self.X.dtype, device=self.X.device)


def _sums(kx: _KernelBlocks, ky: _KernelBlocks, n, block, progress):
    """One pass over the upper triangle: sum K.L, K.K, L.L and the row sums of K and L.

    Row stripe ``start:stop`` is formed against columns ``>= start`` only: the square diagonal
    block counts once, the rest twice (the Grams are symmetric), and the rest's column sums are
    the row sums of the later rows. Half the products of a full pass.
    """
    f = dict(dtype=REDUCTION_DTYPE, device=kx.X.device)
    rk, rl = torch.zeros(n, **f), torch.zeros(n, **f)
    kl = kk = ll = torch.zeros((), **f)
    for start, stop, c0, c1, mirrored in _upper_stripes(n, block, progress, "pairwise blocks"):
        w = 2.0 if mirrored else 1.0
        K, L = kx.block(start, stop, c0, c1), ky.block(start, stop, c0, c1)
        kl = kl + w * (K * L).sum()
        kk = kk + w * (K * K).sum()
        ll = ll + w * (L * L).sum()
        rk[start:stop] += K.sum(1)
        rl[start:stop] += L.sum(1)
        if mirrored:
            rk[c0:c1] += K.sum(0)
            rl[c0:c1] += L.sum(0)
    return kl, kk, ll, rk, rl


def _hsic_from_sums(est, n, kl, rk, rl, dk, dl):
    if est == "biased":
        return (kl - 2.0 * (rk @ rl) / n + rk.sum() * rl.sum() / n**2) / (n - 1) ** 2
    tr = kl - (dk * dl).sum()
    k1, l1 = rk - dk, rl - dl
    return (tr + k1.sum() * l1.sum() / ((n - 1) * (n - 2)) - 2.0 * (k1 @ l1) / (n - 2)) / (n * (n - 3))


def _check_est(estimator, n):
    check_choice(estimator, "estimator", ("biased", "unbiased"))
    if estimator == "unbiased" and n < 4:
        raise ValueError(f"estimator='unbiased' needs n >= 4 paired rows; X and Y have n={n}.")
    if n < 2:
        raise ValueError(f"X and Y have n={n} rows; HSIC needs n >= 2.")


def _prepare(X, Y, kernel, bandwidth, sigma, median, block, max_bytes, progress):
    if not (isinstance(kernel, str) and kernel in KERNELS):
        raise ValueError(
            f"kernel={kernel!r} is not one of {KERNELS} for the chunked route; callables and "
            "'precomputed' need the full Gram matrix, use alignbook.cka instead."
        )
    n = X.shape[0]
    b = _block_rows(n, block, max_bytes, 6)
    kx = _KernelBlocks(X, kernel, bandwidth, sigma, median, "X", b, max_bytes, progress)
    ky = _KernelBlocks(Y, kernel, bandwidth, sigma, median, "Y", b, max_bytes, progress)
    return kx, ky, b


def hsic_chunked(X, Y, kernel="rbf", estimator="biased", *, bandwidth=1.0, sigma=None, median="all",
                 block=None, max_bytes=_DEFAULT_BYTES, progress=None):
    r"""HSIC with memory :math:`O(n\cdot\mathrm{block})`; equals ``alignbook.hsic`` with the same options.

    ``kernel`` is ``"rbf"`` (median-heuristic bandwidth computed exactly in blocks),
    ``"distance"`` or ``"linear"``. NumPy in: a float; torch in: a 0-d tensor (not differentiable).
    """
    X, Y, ctx = as_pair(X, Y)
    X, Y = X.detach(), Y.detach()
    n = X.shape[0]
    _check_est(estimator, n)
    kx, ky, b = _prepare(X, Y, kernel, bandwidth, sigma, median, block, max_bytes, progress)
    kl, _, _, rk, rl = _sums(kx, ky, n, b, progress)
    return finish(_hsic_from_sums(estimator, n, kl, rk, rl, kx.diag(), ky.diag()), ctx)


def _cka_value(X, Y, kernel, estimator, bandwidth, sigma, median, block, max_bytes, progress, what="CKA"):
    n = X.shape[0]
    _check_est(estimator, n)
    for M, nm in ((X, "X"), (Y, "Y")):
        if bool((M == M[0:1]).all()):
            raise ValueError(
                f"{nm} is constant (all rows identical), so its centred Gram matrix is zero and "
                f"{what} is 0/0, i.e. undefined."
            )
    kx, ky, b = _prepare(X, Y, kernel, bandwidth, sigma, median, block, max_bytes, progress)
    kl, kk, ll, rk, rl = _sums(kx, ky, n, b, progress)
    dk, dl = kx.diag(), ky.diag()
    hxy = _hsic_from_sums(estimator, n, kl, rk, rl, dk, dl)
    hxx = _hsic_from_sums(estimator, n, kk, rk, rk, dk, dk)
    hyy = _hsic_from_sums(estimator, n, ll, rl, rl, dl, dl)
    for h, nm in ((hxx, "X"), (hyy, "Y")):
        if not bool(h > 0):
            raise ValueError(
                f"the {estimator} self-HSIC of {nm} is {float(h):.3g} (not > 0), so {what} is undefined"
                + (" for these samples; use estimator='biased' or more samples." if estimator == "unbiased" else ".")
            )
    return hxy / torch.sqrt(hxx * hyy)


def cka_chunked(X, Y, kernel="rbf", estimator="biased", *, bandwidth=1.0, sigma=None, median="all",
                block=None, max_bytes=_DEFAULT_BYTES, progress=None):
    r"""CKA with memory :math:`O(n\cdot\mathrm{block})`; equals ``alignbook.cka`` with the same options.

    ``kernel``: ``"rbf"`` (:math:`\sigma` = ``bandwidth`` x the exact median distance of each
    input, or ``sigma``), ``"distance"`` (gives dCor²) or ``"linear"``. ``block`` rows of the
    Gram matrices are held at a time (default: as many as fit in ``max_bytes``, at most 512).
    ``progress``: a tqdm bar over the blocks (None = shown only when it runs for more than 2 s).
    """
    X, Y, ctx = as_pair(X, Y, rescale=_scale_free(kernel, sigma))
    return finish(_cka_value(X.detach(), Y.detach(), kernel, estimator, bandwidth, sigma, median,
                             block, max_bytes, progress), ctx)


def distance_correlation_chunked(X, Y, estimator="biased", *, squared=False, block=None,
                                 max_bytes=_DEFAULT_BYTES, progress=None):
    r"""Distance correlation in row blocks; equals ``alignbook.distance_correlation`` (same options).

    dCor² is CKA with the distance kernel (Sejdinovic et al. 2013); returns dCor unless
    ``squared=True``. Memory :math:`O(n\cdot\mathrm{block})`, time :math:`O(n^2 d)`.
    """
    X, Y, ctx = as_pair(X, Y, rescale=True)
    r2 = _cka_value(X.detach(), Y.detach(), "distance", estimator, 1.0, None, "all", block, max_bytes,
                    progress, what="distance correlation")
    return dcor_from_squared(r2, estimator, squared, ctx)


# ----------------------------------------------------------------------------- RSA
def _rdm_block(kind, P, start, stop, c0, c1):
    if kind in ("euclidean", "sqeuclidean"):
        D2 = P.block_exactish(start, stop, c0, c1) if kind == "euclidean" else P.block(start, stop, c0, c1)
        return torch.sqrt(D2) if kind == "euclidean" else D2
    return 1.0 - P[start:stop] @ P[c0:c1].T


def _rdm_prep(X, kind, name):
    if kind in ("euclidean", "sqeuclidean"):
        return _SqDist(X)
    if kind == "correlation":
        if X.shape[1] < 2:
            raise ValueError(f"rdm='correlation' needs at least 2 features per row; {name} has 1.")
        Z = X - X.mean(dim=1, keepdim=True)
        why = "constant across features"
    else:
        Z = X
        why = "zero"
    nrm = torch.linalg.vector_norm(Z, dim=1, keepdim=True)
    if not bool((nrm > 0).all()):
        raise ValueError(f"{int((nrm == 0).sum())} row(s) of {name} are {why}, so the RDM divides by 0.")
    return Z / nrm


def rsa_chunked(X, Y, rdm="euclidean", compare="pearson", *, block=None, max_bytes=_DEFAULT_BYTES,
                progress=None):
    r"""Pearson RSA over the upper triangles of the two RDMs, in row blocks (memory :math:`O(n\cdot b)`).

    Equals ``alignbook.rsa(X, Y, rdm, "pearson")`` to rounding. The Pearson correlation is
    formed from sums of the RDM entries shifted by a reference value (the mean of the first
    block), which keeps the one-pass sums well conditioned. ``compare="spearman"`` is refused:
    it needs the global ranks of all :math:`n(n-1)/2` entries (use ``alignbook.rsa``).
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
    P, Q = _rdm_prep(X, rdm, "X"), _rdm_prep(Y, rdm, "Y")
    f = dict(dtype=REDUCTION_DTYPE, device=X.device)
    m = 0
    sa = sb = saa = sbb = sab = torch.zeros((), **f)
    ca = cb = None
    for start, stop, c0, c1, mirrored in _upper_stripes(n, b, progress, "RSA blocks"):
        a, c = _rdm_block(rdm, P, start, stop, c0, c1), _rdm_block(rdm, Q, start, stop, c0, c1)
        if not mirrored:
            a, c = _strict_upper(a), _strict_upper(c)
        if a.numel() == 0:
            continue
        if ca is None:
            ca, cb = a.mean(), c.mean()
        a, c = a.reshape(-1) - ca, c.reshape(-1) - cb
        m += a.numel()
        sa, sb = sa + a.sum(), sb + c.sum()
        saa, sbb, sab = saa + (a * a).sum(), sbb + (c * c).sum(), sab + (a * c).sum()
    vaa = saa - sa * sa / m
    vbb = sbb - sb * sb / m
    for v, nm in ((vaa, "X"), (vbb, "Y")):
        if not bool(v > 0):
            raise ValueError(
                f"all entries of the RDM of {nm} are equal, so its correlation with the other RDM is "
                "0/0 (undefined)."
            )
    return finish((sab - sa * sb / m) / torch.sqrt(vaa * vbb), ctx)


# ----------------------------------------------------------------------------- mutual kNN
def _knn_block_topk(Z, sq, k, metric, start, stop):
    S = Z[start:stop] @ Z.T
    if metric == "euclidean":
        S = 2.0 * S - sq[None, :]
    rows = torch.arange(stop - start, device=Z.device)
    S[rows, rows + start] = -torch.inf
    vals, idx = torch.topk(S, k, dim=1, largest=True, sorted=True)
    kth = vals[:, -1:]
    # rows whose k-th value is tied with a value outside the chosen k: redo them with a stable sort
    n_ge = (S >= kth).sum(1)
    tied = (n_ge > k).nonzero(as_tuple=True)[0]
    if tied.numel():
        idx[tied] = torch.sort(S[tied], dim=1, descending=True, stable=True).indices[:, :k]
    return idx


def mutual_knn_chunked(X, Y, k=10, metric="cosine", *, block=None, max_bytes=_DEFAULT_BYTES,
                       dtype=None, progress=None):
    r"""Mutual k-NN alignment in row blocks with ``topk`` (memory :math:`O(n\cdot b)`).

    Equals ``alignbook.mutual_knn(X, Y, k, metric)``: the same neighbour sets (the query itself
    excluded; a tie at the k-th neighbour resolved towards the smaller index), but selected with
    ``topk`` instead of a full sort of each row, and both spaces handled in the same pass so the
    ``(n, k)`` index arrays are never stored.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=True)
    X, Y = X.detach(), Y.detach()
    n = X.shape[0]
    k = check_int(k, "k", 1, n - 1, " (the number of other samples, n - 1)")
    check_choice(metric, "metric", ("cosine", "euclidean"))
    b = _block_rows(n, block, max_bytes, 4, cap=None)  # kNN: full rows for topk; taller is faster

    Zx, Zy = _knn_prep(X, metric, "X"), _knn_prep(Y, metric, "Y")
    sqx, sqy = (Zx * Zx).sum(1), (Zy * Zy).sum(1)
    shared = 0
    for start in _blocks(n, b, progress, "mutual kNN"):
        stop = min(start + b, n)
        ix = _knn_block_topk(Zx, sqx, k, metric, start, stop)
        iy = _knn_block_topk(Zy, sqy, k, metric, start, stop)
        shared += int((ix[:, :, None] == iy[:, None, :]).sum())
    return finish(torch.tensor(shared / (n * k), dtype=X.dtype, device=X.device), ctx)
