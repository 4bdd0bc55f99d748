"""The alignment matrix between zoo encoders: values equal the measures, null levels are exact
(checked against all n! permutations on a small case, where the false variant k/n is rejected),
p-values are valid permutation p-values."""
from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

import alignbook
from alignbook import zoo
from alignbook.experiments import zoo as zexp
from alignbook.zoo import MODELS

pytestmark = pytest.mark.skipif(not all(MODELS[m].installed() for m in ("static-64", "glove-50", "minilm-l3")),
                                reason="zoo extra not installed: make setup")


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))


def test_matrix_values_nulls_and_p_values():
    models = ["static-64", "glove-50", "minilm-l3"]
    R = zexp.alignment_matrix(models, "imagenet-descriptions", n=60, seed=0, k=5, n_permutations=9)
    hits = {m: zoo.embed(m, "imagenet-descriptions", n=60) for m in models}
    assert not any(R.from_cache.values()) and all(h.from_cache for h in hits.values())  # it filled the cache
    E = {m: h.X.astype(np.float64) for m, h in hits.items()}
    for s in R.value:
        V = R.value[s]
        np.testing.assert_array_equal(V, V.T)
        np.testing.assert_array_equal(np.diag(V), 1.0)
        off = ~np.eye(3, dtype=bool)
        assert ((R.p[s][off] >= 1 / 10) & (R.p[s][off] <= 1)).all() and np.isnan(np.diag(R.p[s])).all()
    for (i, a), (j, b) in itertools.combinations(enumerate(models), 2):
        assert R.value["cka"][i, j] == pytest.approx(alignbook.cka(E[a], E[b]), abs=1e-12)
        assert R.value["cka_unbiased"][i, j] == pytest.approx(alignbook.cka(E[a], E[b], estimator="unbiased"), abs=1e-12)
        assert R.value["mutual_knn"][i, j] == alignbook.mutual_knn(E[a], E[b], k=5)
        assert R.null["cka"][i, j] == pytest.approx(alignbook.cka_permutation_mean(E[a], E[b]), abs=1e-12)
        assert R.null["cka_unbiased"][i, j] == 0.0
        assert R.null["mutual_knn"][i, j] == 5 / 59
        assert R.value["cka"][i, j] > R.null["cka"][i, j]  # real encoders agree beyond chance
    rows = list(R.pairs())
    assert len(rows) == 3 and rows[0][:2] == ("static-64", "glove-50")
    assert R.get("glove-50", "static-64") == R.value["cka"][0, 1]


def test_mutual_knn_null_is_exactly_k_over_n_minus_1():
    """Average over all 6! permutations of Y's rows: exactly k/(n-1); the variant k/n is far off."""
    g = np.random.default_rng(3)
    X, Y = g.standard_normal((6, 3)), g.standard_normal((6, 2))
    k = 2
    vals = [alignbook.mutual_knn(X, Y[list(p)], k=k) for p in itertools.permutations(range(6))]
    assert np.mean(vals) == pytest.approx(k / 5, abs=1e-12)
    assert abs(np.mean(vals) - k / 6) > 0.05


def test_linear_cka_null_level_matches_all_permutations():
    """The exact null level used for linear CKA is the mean over all n! permutations (n = 6)."""
    g = np.random.default_rng(4)
    X, Y = g.standard_normal((6, 4)), g.standard_normal((6, 3))
    vals = [alignbook.cka(X, Y[list(p)]) for p in itertools.permutations(range(6))]
    assert np.mean(vals) == pytest.approx(alignbook.cka_permutation_mean(X, Y), abs=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least two different"):
        zexp.alignment_matrix(["glove-50"], "imagenet-descriptions", n=10)
    with pytest.raises(ValueError, match="unknown"):
        zexp.alignment_matrix(["glove-50", "static-64"], "imagenet-descriptions", n=10, measures=("rsa",))
    mk = functools.partial(zexp.alignment_matrix, ["glove-50", "static-64"], "imagenet-descriptions")
    assert set(mk(n=12, n_permutations=3, measures=("cka",)).value) == {"cka"}
