"""How aligned are real pretrained encoders? Every pair of zoo models on one data set, with nulls
(the experiment of the model-zoo appendix, ``book/zoo.md``).

:func:`alignment_matrix` embeds one data set with several zoo models (through the cache) and, for
every pair, computes three measures of :mod:`alignbook.measures` together with the level they
take on *unrelated* pairs (the permutation null) and a permutation p-value:

* linear CKA (biased): the null level is exact, :func:`alignbook.cka_permutation_mean`, the mean
  over all :math:`n!` row permutations, which is far from 0 for wide representations at small n;
* unbiased CKA: its permutation mean is exactly 0;
* mutual k-NN: its permutation mean is exactly :math:`k/(n-1)` (for any fixed point, a random
  relabelling makes each of the other :math:`n-1` points one of its k neighbours with
  probability :math:`k/(n-1)`).

The p-values come from :func:`alignbook.scale.permutation_test` with the same permuted rows for
all three measures; with ``P`` permutations the smallest possible p-value is :math:`1/(P+1)`.
The empirical means of those permutation values are kept too (``perm_mean``), a check on the
exact null levels.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import torch

from ..device import get_device, threads
from ..measures import cka, cka_permutation_mean, mutual_knn
from ..scale import permutation_test
from ..zoo import embed

__all__ = ["MEASURES", "AlignmentMatrix", "alignment_matrix"]

MEASURES = ("cka", "cka_unbiased", "mutual_knn")
LABELS = {"cka": "linear CKA", "cka_unbiased": "unbiased linear CKA", "mutual_knn": "mutual k-NN"}


@dataclass
class AlignmentMatrix:
    """Symmetric ``(m, m)`` matrices, one per measure, over ``models`` on ``dataset``.

    ``value[m]``: the measure (diagonal 1: self-similarity); ``null[m]``: its exact permutation
    mean; ``perm_mean[m]``: the mean of the ``n_permutations`` permuted values; ``p[m]``: the
    permutation p-value (diagonal NaN). ``encode_seconds[model]``: the encoding time of each
    model on these inputs (measured when the entry was computed), ``from_cache[model]``.
    """

    dataset: str
    models: list[str]
    n: int
    seed: int
    k: int
    n_permutations: int
    value: dict[str, np.ndarray]
    null: dict[str, np.ndarray]
    perm_mean: dict[str, np.ndarray]
    p: dict[str, np.ndarray]
    encode_seconds: dict[str, float]
    from_cache: dict[str, bool]
    dims: dict[str, int] = field(default_factory=dict)

    def pairs(self):
        """Rows ``(model_a, model_b, {measure: (value, null, p)})`` for every pair ``a < b``."""
        m = len(self.models)
        for i in range(m):
            for j in range(i + 1, m):
                yield self.models[i], self.models[j], {
                    s: (float(self.value[s][i, j]), float(self.null[s][i, j]), float(self.p[s][i, j]))
                    for s in self.value}

    def get(self, a: str, b: str, measure: str = "cka") -> float:
        return float(self.value[measure][self.models.index(a), self.models.index(b)])


def alignment_matrix(models, dataset: str, *, n: int, seed: int = 0, k: int = 10, n_permutations: int = 99,
                     measures=MEASURES, device=None, progress=False) -> AlignmentMatrix:
    """Embed ``dataset`` (``n`` items, ``seed``) with every model and compare every pair.

    ``k``: neighbours for mutual k-NN (cosine). ``n_permutations``: permutations per pair for
    the p-values (the same permuted rows for every measure). Models whose packages are missing
    raise :class:`~alignbook.zoo.ZooUnavailable`; drop them (``[m for m in models if
    MODELS[m].installed()]``) to run on what is there.
    """

    models = list(models)
    if len(models) < 2 or len(set(models)) != len(models):
        raise ValueError(f"models must name at least two different zoo models, got {models}")
    bad = [s for s in measures if s not in MEASURES]
    if bad:
        raise ValueError(f"measures: unknown {bad}; choose from {MEASURES}")
    fns = {"cka": cka, "cka_unbiased": functools.partial(cka, estimator="unbiased"),
           "mutual_knn": functools.partial(mutual_knn, k=k)}
    E = {m: embed(m, dataset, n=n, seed=seed, device=device, progress=progress) for m in models}
    dev = get_device(device)
    feats = {m: torch.from_numpy(np.asarray(e.X, dtype=np.float64)).to(dev) for m, e in E.items()}
    size = len(models)
    value = {s: np.eye(size) for s in measures}
    null = {s: np.full((size, size), np.nan) for s in measures}
    perm_mean = {s: np.full((size, size), np.nan) for s in measures}
    p = {s: np.full((size, size), np.nan) for s in measures}
    with threads(1, dev):  # small matrices: one thread is as fast, and immune to a busy machine
        for i in range(size):
            for j in range(i + 1, size):
                X, Y = feats[models[i]], feats[models[j]]
                for s in measures:
                    r = permutation_test(fns[s], X, Y, n_permutations=n_permutations, seed=seed, progress=False)
                    if s == "cka":
                        level = float(cka_permutation_mean(X, Y))
                    elif s == "cka_unbiased":
                        level = float(cka_permutation_mean(X, Y, estimator="unbiased"))
                    else:
                        level = k / (X.shape[0] - 1)
                    for a, b in ((i, j), (j, i)):
                        value[s][a, b] = r.statistic
                        null[s][a, b] = level
                        perm_mean[s][a, b] = float(np.mean(r.null))
                        p[s][a, b] = r.p_value
    return AlignmentMatrix(dataset, models, int(n), int(seed), int(k), int(n_permutations), value, null, perm_mean, p,
                           {m: e.seconds for m, e in E.items()}, {m: e.from_cache for m, e in E.items()},
                           {m: int(e.X.shape[1]) for m, e in E.items()})
