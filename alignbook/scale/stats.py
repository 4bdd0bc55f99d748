r"""Statistics for any measure: permutation test, bootstrap confidence interval, calibrated score.

All three take a measure as a callable ``measure(X, Y) -> float`` (any function of
:mod:`alignbook.measures`, a ``functools.partial`` of one with options, a chunked or streamed
route, or your own) and paired rows ``X`` (n, d1), ``Y`` (n, d2) as NumPy arrays or tensors.
Randomness comes from ``seed`` alone (a non-negative integer seeding a private
``torch.Generator``, or a generator passed in), so a result is reproducible and global RNG
state is untouched.

* :func:`.permutation_test`: the null hypothesis is "no relation between the pairing of rows",
  simulated by permuting the rows of ``Y``. With ``P`` permutations and ``c`` null values at
  least as extreme as the observed one, the p-value is :math:`(1 + c)/(1 + P)` (Phipson & Smyth
  2010): never 0, and a valid test at every level.
* :func:`.bootstrap_ci`: resample the *examples* (row pairs) and take an interval from the
  re-computed measure. The default draws half of the rows without replacement (half-sampling),
  because the classical bootstrap repeats rows, and a repeated row inflates every dependence
  measure; the percentile and basic bootstrap are available with a warning when that shows.
* :func:`.calibrated_score`: observed value minus the mean of the permutation null (as in Gröger
  et al. 2026), so that 0 means "what unrelated representations of these shapes give"; the
  null's standard deviation and the p-value come with it.
"""
from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from ..core.guards import as_pair, check_choice, check_int, check_progress, make_generator
from ..core.hsic import cka_from_sums, gram_sums, hsic_from_sums
from ..core.kernels import Kernel
from ..core.knn import knn_space, mutual_knn_finish, neighbour_weights, similarity_block
from ..measures.hsic import cka, hsic
from ..measures.kernels import gram
from ..measures.knn import mutual_knn
from ._progress import progress_bar

__all__ = [
    "BootstrapResult",
    "CalibratedScore",
    "PermutationResult",
    "bootstrap_ci",
    "calibrated_score",
    "permutation_null",
    "permutation_test",
]


@dataclass(frozen=True)
class PermutationResult:
    """Outcome of :func:`.permutation_test` (``null`` holds the permuted values).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import permutation_test
    >>> X = np.random.default_rng(0).normal(size=(20, 2))
    >>> r = permutation_test(ab.cka, X, X, n_permutations=9, seed=0)
    >>> r.p_value, r.n_permutations, r.seed, r.null.shape
    (0.1, 9, 0, (9,))
    """

    statistic: float
    p_value: float
    n_permutations: int
    seed: int | None
    alternative: str
    null: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class BootstrapResult:
    """Outcome of :func:`.bootstrap_ci`: the estimate on all rows and the interval ``[low, high]``.

    ``samples`` holds the measure on each resample of ``resample_size`` rows.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import bootstrap_ci
    >>> X = np.random.default_rng(0).normal(size=(20, 2))
    >>> b = bootstrap_ci(ab.cka, X, X**3, n_boot=10, seed=0)
    >>> b.level, b.n_boot, b.resample_size, b.samples.shape
    (0.95, 10, 10, (10,))
    """

    statistic: float
    low: float
    high: float
    level: float
    method: str
    n_boot: int
    seed: int | None
    resample_size: int
    samples: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class CalibratedScore:
    """Outcome of :func:`.calibrated_score`: ``score = statistic - null_mean``.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import calibrated_score
    >>> X = np.random.default_rng(0).normal(size=(20, 2))
    >>> c = calibrated_score(ab.cka, X, X**3, n_permutations=10, seed=0)
    >>> bool(abs(c.score - (c.statistic - c.null_mean)) < 1e-15)
    True
    """

    score: float
    statistic: float
    null_mean: float
    null_std: float
    p_value: float
    n_permutations: int
    seed: int | None
    null: np.ndarray = field(repr=False)


def _check_measure(measure):
    if not callable(measure):
        raise TypeError(
            f"measure must be a callable measure(X, Y) -> float (e.g. alignbook.cka or "
            f"functools.partial(alignbook.cka, kernel='rbf')), got {type(measure).__name__}."
        )


def _value(measure, X, Y, what: str) -> float:
    v = measure(X, Y)
    if isinstance(v, torch.Tensor):
        if v.numel() != 1:
            raise ValueError(f"measure returned a tensor of shape {tuple(v.shape)} on {what}; it must return one number.")
        v = v.detach().cpu().item()
    try:
        v = float(v)
    except (TypeError, ValueError) as err:
        raise TypeError(f"measure returned {type(v).__name__} on {what}; it must return one number.") from err
    if not math.isfinite(v):
        raise ValueError(f"measure returned {v} on {what}; the statistics need finite values.")
    return v


def _take(A, idx: torch.Tensor):
    if isinstance(A, torch.Tensor):
        return A[idx.to(A.device)]
    return np.asarray(A)[idx.numpy()]


def _validated(X, Y):
    Xt, _, _ = as_pair(X, Y)  # raises the standard errors for bad input; the originals are passed on
    return Xt.shape[0]


#: Largest n for which the permuted values of the package's own kernel and kNN measures come from
#: two (n, n) matrices formed once (2 x 8 n^2 bytes) rather than from re-evaluating the measure.
PERMUTE_MATRICES_MAX_N = 3000


def _options(measure):
    """``(function, keyword options)`` of a measure or a ``functools.partial`` of one (else None)."""
    fn, kw = measure, {}
    while isinstance(fn, functools.partial):
        if fn.args:
            return None, None
        kw = {**fn.keywords, **kw}
        fn = fn.func
    return fn, kw


def _permuted_evaluator(measure, X, Y):
    """A function ``idx -> value`` of ``measure(X, Y[idx])`` that reuses work done once, or None.

    For :func:`alignbook.cka` and :func:`alignbook.hsic` (linear, RBF with its median or fixed
    bandwidth, distance kernel, any estimator), permuting the rows of ``Y`` permutes the rows and
    columns of its Gram matrix ``L`` (the median bandwidth does not change), so each permuted value
    is the shared finish of the sums of ``(K, L[idx][:, idx])``: :math:`O(n^2)` instead of a new
    Gram. For :func:`alignbook.mutual_knn` the neighbour weights of ``Y`` are permuted the same way.
    The values equal re-evaluating the measure on the permuted rows to rounding (for mutual kNN,
    up to a near-tie within rounding of the k-th similarity); anything else returns None.
    """
    fn, kw = _options(measure)
    n = _validated(X, Y)
    if fn is None or n > PERMUTE_MATRICES_MAX_N:
        return None
    if fn in (cka, hsic):
        if set(kw) - {"kernel", "estimator", "bandwidth", "sigma", "median", "route"}:
            return None  # e.g. dtype="float32": re-evaluate
        try:
            spec = Kernel.resolve(kw.get("kernel", "linear"), bandwidth=kw.get("bandwidth"), sigma=kw.get("sigma"),
                                  median=kw.get("median"))
        except (TypeError, ValueError):
            return None
        if spec.name not in ("linear", "rbf", "distance"):
            return None  # callables need not commute with permutations; precomputed Grams permute differently
        est = kw.get("estimator", "biased")
        unbiased = est == "unbiased"
        Xt, Yt, _ = as_pair(X, Y, rescale=fn is cka and spec.rescalable)
        # every kernel here is translation invariant in HSIC: centring first keeps the Grams well conditioned
        Xt, Yt = Xt.detach() - Xt.detach().mean(0), Yt.detach() - Yt.detach().mean(0)
        try:
            K, L = gram(Xt, spec), gram(Yt, spec)
        except ValueError:
            return None
        sxx, syy = gram_sums(K, K, unbiased), gram_sums(L, L, unbiased)

        def value(idx):
            sxy = gram_sums(K, L[idx][:, idx], unbiased)
            v = cka_from_sums(sxy, sxx, syy, est) if fn is cka else hsic_from_sums(sxy, est)
            return float(v)

        return value
    if fn is mutual_knn:
        if set(kw) - {"k", "metric", "block"}:
            return None
        k, metric = kw.get("k", 10), kw.get("metric", "cosine")
        if not (isinstance(k, int) and 1 <= k < n) or metric not in ("cosine", "euclidean"):
            return None  # the measure raises the standard message
        Xt, Yt, _ = as_pair(X, Y, rescale=True)
        W = []
        for T, nm in ((Xt, "X"), (Yt, "Y")):
            try:
                Z = knn_space(T.detach(), metric, nm)
            except ValueError:  # e.g. a zero row for the cosine: the measure itself says so
                return None
            S, tol = similarity_block(Z, metric, 0, n)
            W.append(neighbour_weights(S, k, tol))
        Wx, Wy = W

        def value(idx):
            return float(mutual_knn_finish((Wx * Wy[idx][:, idx]).sum(dim=1), n, k))

        return value
    return None


def permutation_null(measure, X, Y, *, n_permutations: int = 1000, seed=0, progress=None) -> np.ndarray:
    """The measure on ``(X, Y[perm])`` for ``n_permutations`` random row permutations (float64 array).

    For the package's own CKA, HSIC and mutual kNN (and ``functools.partial`` of them) with
    ``n <= PERMUTE_MATRICES_MAX_N``, the two ``(n, n)`` Gram (or neighbour-weight) matrices are
    formed once and permuted, which gives the same values (to rounding) for the same ``seed`` at
    a fraction of the cost; any other measure is re-evaluated on each permuted copy of ``Y``.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import permutation_null
    >>> X = np.random.default_rng(0).normal(size=(30, 2))
    >>> null = permutation_null(ab.cka, X, X, n_permutations=5, seed=1)
    >>> null.shape, bool((null < 1).all())
    ((5,), True)
    """
    _check_measure(measure)
    check_progress(progress)
    n = _validated(X, Y)
    P = check_int(n_permutations, "n_permutations", 1)
    g, _ = make_generator(seed)
    fast = _permuted_evaluator(measure, X, Y)
    null = np.empty(P, dtype=np.float64)
    for p in progress_bar(range(P), progress, desc="permutations"):
        idx = torch.randperm(n, generator=g)
        if fast is not None:
            null[p] = fast(idx.to(_device_of(X)))
        else:
            null[p] = _value(measure, X, _take(Y, idx), "permuted rows")
    return null


def _device_of(A):
    return A.device if isinstance(A, torch.Tensor) else torch.device("cpu")


def _p_value(obs: float, null: np.ndarray, alternative: str) -> float:
    P = null.size
    if alternative == "greater":
        return (1 + int(np.sum(null >= obs))) / (1 + P)
    if alternative == "less":
        return (1 + int(np.sum(null <= obs))) / (1 + P)
    return min(1.0, 2.0 * min(_p_value(obs, null, "greater"), _p_value(obs, null, "less")))


def permutation_test(measure, X, Y, *, n_permutations: int = 1000, seed=0,
                     alternative: str = "greater", progress=None) -> PermutationResult:
    r"""Permutation test of "no relation between X and Y" for any measure.

    The rows of ``Y`` are permuted ``n_permutations`` times (``seed`` fixes them); the p-value is
    :math:`(1 + \#\{\text{null} \ge \text{observed}\})/(1 + P)` for ``alternative="greater"`` (a
    similarity; use ``"less"`` for a distance, ``"two-sided"`` for twice the smaller one-sided
    p-value, capped at 1). The smallest attainable p-value is :math:`1/(P+1)`.


    Parameters
    ----------
    measure : callable
        ``measure(X, Y) -> float``.
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    n_permutations : int
        Number of row permutations of ``Y``.
    seed : int or generator
        A non-negative integer, a ``torch.Generator`` or a ``numpy.random.Generator``.
    alternative : {"greater", "less", "two-sided"}
        The direction of the test.
    progress : None or bool
        A progress bar.

    Returns
    -------
    PermutationResult
        The statistic, the p-value and the null values.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import permutation_test
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> permutation_test(ab.cka, X, X**3, n_permutations=99, seed=0).p_value  # 1/(P+1): nothing beats it
    0.01
    """
    _check_measure(measure)
    check_choice(alternative, "alternative", ("greater", "less", "two-sided"))
    _validated(X, Y)
    g, seed_int = make_generator(seed)
    obs = _value(measure, X, Y, "the observed rows")
    null = permutation_null(measure, X, Y, n_permutations=n_permutations, seed=g, progress=progress)
    return PermutationResult(obs, _p_value(obs, null, alternative), null.size, seed_int, alternative, null)


def bootstrap_ci(measure, X, Y, *, n_boot: int = 1000, level: float = 0.95, seed=0,
                 method: str = "subsample", subsample_size=None, progress=None) -> BootstrapResult:
    r"""Confidence interval over examples for any measure, by resampling the row pairs.

    ``n_boot`` resamples of the rows (the same rows of ``X`` and ``Y``) are drawn with ``seed``,
    the measure is evaluated on each, and the ``level`` interval comes from the quantiles
    :math:`q_p` of those values (linear interpolation, NumPy's default). ``method`` says how the
    rows are drawn and how the interval is formed:

    ``"subsample"`` (default): half-sampling, i.e. ``m = subsample_size`` rows (default
        :math:`\lfloor n/2\rfloor`) drawn *without* replacement (Wu 1990; Politis, Romano & Wolf
        1999). No row is repeated, so no spurious perfectly matched pairs are created. The
        deviations :math:`\theta^*_m-\hat\theta` are rescaled by
        :math:`c=\sqrt{m/(n-m)}` (the finite-population factor that makes their spread match
        that of :math:`\hat\theta` at ``n`` rows; :math:`c=1` for half-samples) and the interval is
        :math:`[\hat\theta - c\,(q_{1-\alpha/2}-\hat\theta),\ \hat\theta - c\,(q_{\alpha/2}-\hat\theta)]`.
        For a statistic with bias :math:`b/n` (biased CKA/HSIC) the half-samples carry bias
        :math:`2b/n`, so this interval is also bias-corrected to first order, like the jackknife.
    ``"percentile"``: the classical bootstrap, ``n`` rows *with* replacement, interval
        :math:`[q_{\alpha/2}, q_{1-\alpha/2}]`.
    ``"basic"``: the same resamples, interval
        :math:`[2\hat\theta - q_{1-\alpha/2},\ 2\hat\theta - q_{\alpha/2}]`.

    .. warning:: Resampling *with* replacement (``"percentile"``, ``"basic"``) repeats rows, and a
       repeated row is a perfectly matched pair in *both* representations, so kernel dependence
       measures (CKA, HSIC, KA, dCor, RSA, mutual kNN) are inflated on such samples: the
       distribution is shifted upward, most visibly when the dependence is weak, and the interval
       under-covers. When it does not even contain the observed value, a ``UserWarning`` says so.
       ``"subsample"`` has no repeated rows. To ask whether there is any relation at all, use
       :func:`.permutation_test` or :func:`.calibrated_score`.


    Parameters
    ----------
    measure : callable
        ``measure(X, Y) -> float``.
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    n_boot : int
        Number of resamples (>= 2).
    level : float
        Coverage in (0, 1).
    seed : int or generator
        As in :func:`.permutation_test`.
    method : {"subsample", "percentile", "basic"}
        How rows are drawn and the interval formed.
    subsample_size : int or None
        Rows per half-sample (default ``n // 2``).
    progress : None or bool
        A progress bar.

    Returns
    -------
    BootstrapResult
        The estimate, the interval and the resampled values.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import bootstrap_ci
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> res = bootstrap_ci(ab.cka, X, X + np.random.default_rng(1).normal(size=(60, 3)), n_boot=50, seed=0)
    >>> res.method, res.resample_size, bool(res.low < res.statistic < res.high)
    ('subsample', 30, True)
    """
    _check_measure(measure)
    check_choice(method, "method", ("subsample", "percentile", "basic"))
    check_progress(progress)
    B = check_int(n_boot, "n_boot", 2)
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, (int, float)):
        raise TypeError(f"level must be a number strictly between 0 and 1, e.g. 0.95; got {level!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level={level!r} must be a number strictly between 0 and 1, e.g. 0.95.")
    n = _validated(X, Y)
    if method == "subsample":
        if n < 4:
            raise ValueError(f"X and Y have n={n} paired rows; method='subsample' needs n >= 4 (it draws half of them).")
        m = n // 2 if subsample_size is None else check_int(
            subsample_size, "subsample_size", 2, n - 1, " (rows per subsample, fewer than n)")
    elif subsample_size is not None:
        raise ValueError(f"subsample_size is only used by method='subsample', not method={method!r}.")
    g, seed_int = make_generator(seed)
    obs = _value(measure, X, Y, "the observed rows")
    samples = np.empty(B, dtype=np.float64)
    for b in progress_bar(range(B), progress, desc="bootstrap"):
        if method == "subsample":
            idx = torch.randperm(n, generator=g)[:m]
        else:
            idx = torch.randint(0, n, (n,), generator=g)
        samples[b] = _value(measure, _take(X, idx), _take(Y, idx), "a resample of the rows")
    alpha = 1.0 - level
    qlo, qhi = np.quantile(samples, [alpha / 2, 1 - alpha / 2])
    if method == "subsample":
        c = math.sqrt(m / (n - m))
        return BootstrapResult(obs, float(obs - c * (qhi - obs)), float(obs - c * (qlo - obs)), float(level),
                               method, B, seed_int, m, samples)
    if method == "basic":
        qlo, qhi = 2 * obs - qhi, 2 * obs - qlo
    if not qlo <= obs <= qhi:
        warnings.warn(
            f"the {level:.0%} bootstrap interval [{qlo:.4g}, {qhi:.4g}] does not contain the observed "
            f"value {obs:.4g}: resampling with replacement repeats rows, which inflates dependence "
            "measures such as CKA/HSIC. Use method='subsample' (no repeated rows), or permutation_test "
            "/ calibrated_score to test for a relation.",
            UserWarning, stacklevel=2,
        )
    return BootstrapResult(obs, float(qlo), float(qhi), float(level), method, B, seed_int, n, samples)


def calibrated_score(measure, X, Y, *, n_permutations: int = 200, seed=0,
                     alternative: str = "greater", progress=None) -> CalibratedScore:
    r"""Observed value minus the permutation-null mean (Gröger et al. 2026).

    .. math:: s_\mathrm{cal} = m(X, Y) - \frac1P\sum_{p=1}^P m(X, Y_{\pi_p})

    The null mean is what the measure gives for *unrelated* rows of the same two
    representations (it is far from 0 for biased CKA at high width / low ``n``); subtracting it
    makes scores comparable across widths and depths. Also returned: the null's standard
    deviation (ddof=1) and the permutation p-value. For CKA the null mean is known exactly
    (:func:`~alignbook.measures.cka_permutation_mean`: no permutations needed, 0 for the unbiased estimator).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import calibrated_score
    >>> g = np.random.default_rng(0)
    >>> X, Y = g.normal(size=(40, 30)), g.normal(size=(40, 20))  # unrelated but wide
    >>> c = calibrated_score(ab.cka, X, Y, n_permutations=50, seed=0)
    >>> bool(c.statistic > 0.3 and abs(c.score) < 3 * c.null_std)
    True
    """
    res = permutation_test(measure, X, Y, n_permutations=n_permutations, seed=seed,
                           alternative=alternative, progress=progress)
    if res.null.size < 2:
        raise ValueError("calibrated_score needs n_permutations >= 2 (it reports the null's standard deviation).")
    mu = float(res.null.mean())
    return CalibratedScore(res.statistic - mu, res.statistic, mu, float(res.null.std(ddof=1)), res.p_value,
                           res.n_permutations, res.seed, res.null)
