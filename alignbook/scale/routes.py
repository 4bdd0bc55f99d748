"""The registry of routes: for each quantity, every way the package computes it.

``ROUTES[quantity]`` is a tuple of :class:`.Route` objects; the first is the reference (the dense
measure of :mod:`alignbook.measures`), the others gather the same sufficient statistics another
way (the other dense route, row blocks, streamed batches, the layer matrix, float32, a GPU) and
call the same finish of :mod:`alignbook.core`. ``tests/test_routes.py`` asserts, for every
quantity and every route, equality to rounding with the reference (or the same refusal) on
shifted, rescaled, tied and wide data; a new route is covered by adding it here.

Examples
--------
>>> import numpy as np
>>> from alignbook.scale import ROUTES
>>> X = np.random.default_rng(0).normal(size=(30, 3))
>>> [r.name for r in ROUTES["cka_linear_unbiased"]][:4]
['dense-features', 'dense-samples', 'chunked', 'streamed']
>>> vals = [r.fn(X, X**2) for r in ROUTES["cka_linear_unbiased"] if r.name != "float32"]
>>> bool(max(vals) - min(vals) < 1e-12)
True
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import torch

from .. import measures as M
from .chunked import cka_chunked, distance_correlation_chunked, hsic_chunked, mutual_knn_chunked, rsa_chunked
from .layers import layer_matrix
from .streaming import LinearAccumulator, linear_cka, linear_hsic

__all__ = ["ROUTES", "Route"]


@dataclass(frozen=True)
class Route:
    """One way of computing a quantity: ``fn(X, Y) -> float`` on NumPy arrays.

    ``tol`` is the agreement with the reference route, relative to ``max(1, |value|)`` (or to
    the quantity's ``magnitude`` for unnormalised ones); ``exact_range`` is False for a route
    that cannot represent every float64 magnitude (float32), which the route test then feeds
    only well-scaled data; ``min_n`` the smallest number of rows it takes.

    Examples
    --------
    >>> from alignbook.scale import ROUTES
    >>> r = ROUTES["rsa_cosine"][1]
    >>> r.quantity, r.name, r.tol
    ('rsa_cosine', 'chunked', 1e-09)
    """

    quantity: str
    name: str
    fn: Callable
    tol: float = 1e-9
    exact_range: bool = True
    min_n: int = 2


def _acc(X, Y, parts: int = 3) -> LinearAccumulator:
    """An accumulator fed in uneven batches and merged from two halves (exercises update and merge)."""
    n = X.shape[0]
    cut = max(1, n // 3)
    a = LinearAccumulator()
    for s in range(0, cut, max(1, cut // parts)):
        a.update(X[s:min(s + max(1, cut // parts), cut)], Y[s:min(s + max(1, cut // parts), cut)])
    b = LinearAccumulator().update(X[cut:], Y[cut:])
    return a.merge(b)


def _f(v) -> float:
    return float(v.detach().cpu()) if isinstance(v, torch.Tensor) else float(v)


def _f32(fn):
    return lambda X, Y: _f(fn(X, Y, dtype="float32"))


def _cuda(fn):
    return lambda X, Y: _f(fn(torch.tensor(X, device="cuda"), torch.tensor(Y, device="cuda")))


def _add(table, quantity, *routes):
    table[quantity] = tuple(Route(quantity, *r[:2], **(r[2] if len(r) > 2 else {})) for r in routes)


def _build() -> dict:
    R: dict = {}
    cuda = torch.cuda.is_available()
    for est in ("biased", "unbiased"):
        m4 = {"min_n": 4} if est == "unbiased" else {}
        # HSIC (linear): not scale invariant; compared relative to its magnitude
        _add(R, f"hsic_linear_{est}",
             ("dense-features", partial(M.hsic, estimator=est, route="features"), m4),
             ("dense-samples", partial(M.hsic, estimator=est, route="samples"), m4),
             ("chunked", lambda X, Y, e=est: hsic_chunked(X, Y, "linear", e, block=7), m4),
             ("streamed", lambda X, Y, e=est: linear_hsic(X, Y, e, batch_size=5), m4),
             ("accumulator-merge", lambda X, Y, e=est: _acc(X, Y).hsic(e), m4))
        cka = [("dense-features", partial(M.cka, estimator=est, route="features"), m4),
               ("dense-samples", partial(M.cka, estimator=est, route="samples"), m4),
               ("chunked", lambda X, Y, e=est: cka_chunked(X, Y, "linear", e, block=7), m4),
               ("streamed", lambda X, Y, e=est: linear_cka(X, Y, e, batch_size=5), m4),
               ("accumulator-merge", lambda X, Y, e=est: _acc(X, Y).cka(e), m4),
               ("layer-matrix", lambda X, Y, e=est: layer_matrix([X], [Y], estimator=e)[0, 0], m4),
               ("layer-matrix-samples", lambda X, Y, e=est: layer_matrix([X], [Y], estimator=e, route="samples")[0, 0], m4),
               ("float32", _f32(partial(M.cka, estimator=est)), {"tol": 1e-4, "exact_range": False, **m4})]
        if cuda:
            cka.append(("cuda", _cuda(partial(M.cka, estimator=est)), m4))
        _add(R, f"cka_linear_{est}", *cka)
        for kern, named in (("rbf", "rbf_cka"), ("distance", "distance_cka")):
            _add(R, f"cka_{kern}_{est}",
                 ("dense", partial(M.cka, kernel=kern, estimator=est), m4),
                 ("chunked", lambda X, Y, k=kern, e=est: cka_chunked(X, Y, k, e, block=6), m4),
                 ("layer-matrix", lambda X, Y, k=named, e=est: layer_matrix([X], [Y], k, estimator=e)[0, 0], m4),
                 ("kernel-object", lambda X, Y, k=kern, e=est: M.cka(X, Y, M.Kernel.resolve(k), e), m4))
    _add(R, "distance_correlation",
         ("dense", M.distance_correlation),
         ("chunked", lambda X, Y: distance_correlation_chunked(X, Y, block=5)),
         ("distance-cka", lambda X, Y: np.sqrt(M.cka(X, Y, "distance"))))
    _add(R, "kernel_alignment_linear",
         ("dense-features", partial(M.kernel_alignment, route="features")),
         ("dense-samples", partial(M.kernel_alignment, route="samples")),
         ("accumulator-merge", lambda X, Y: _acc(X, Y).kernel_alignment()))
    for rdm in ("euclidean", "sqeuclidean", "correlation", "cosine"):
        _add(R, f"rsa_{rdm}",
             ("dense", partial(M.rsa, rdm=rdm), {"min_n": 3}),
             ("chunked", lambda X, Y, r=rdm: rsa_chunked(X, Y, r, block=4), {"min_n": 3}))
    for metric in ("cosine", "euclidean"):
        _add(R, f"mutual_knn_{metric}",
             ("dense", partial(M.mutual_knn, k=3, metric=metric), {"tol": 0.0, "min_n": 4}),
             ("dense-block", partial(M.mutual_knn, k=3, metric=metric, block=3), {"tol": 0.0, "min_n": 4}),
             ("chunked", lambda X, Y, m=metric: mutual_knn_chunked(X, Y, 3, m, block=5), {"tol": 0.0, "min_n": 4}))
    for metric in ("angular", "euclidean", "disparity"):
        _add(R, f"procrustes_{metric}",
             ("dense-features", partial(M.procrustes_distance, metric=metric, route="features"), {"min_n": 2}),
             ("dense-samples", partial(M.procrustes_distance, metric=metric, route="samples"), {"min_n": 2}),
             ("accumulator", lambda X, Y, m=metric: _acc(X, Y).procrustes_distance(m), {"tol": 1e-6}),
             ("accumulator-samples", lambda X, Y, m=metric: _acc(X, Y).procrustes_distance(m, route="samples"),
              {"tol": 1e-6}))
    _add(R, "procrustes_score",
         ("fit-features", lambda X, Y: M.Procrustes(route="features").fit(X, Y).score(X, Y)),
         ("fit-samples", lambda X, Y: M.Procrustes(route="samples").fit(X, Y).score(X, Y)),
         ("one-minus-disparity", lambda X, Y: np.sqrt(1.0 - M.procrustes_distance(X, Y, "disparity"))))
    _add(R, "cca_mean",
         ("dense", M.cca_similarity),
         ("accumulator", lambda X, Y: float(_acc(X, Y).canonical_correlations().mean()), {"tol": 1e-6}),
         ("accumulator-samples", lambda X, Y: float(_acc(X, Y).canonical_correlations(route="samples").mean()),
          {"tol": 1e-6}))
    _add(R, "cca_ridge",
         ("dense", partial(M.cca_similarity, reg=0.1)),
         ("dense-weights", lambda X, Y: float(np.mean(M.cca(X, Y, reg=0.1).rho))))
    return R


#: quantity -> routes (the first is the reference)
ROUTES: dict = _build()
