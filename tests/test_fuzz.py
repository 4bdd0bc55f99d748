"""Fuzz suite: every public callable of alignbook.measures and alignbook.scale against bad input.

The callables come from the registry ``MEASURES`` (so a new measure is covered without new test
code) plus a small table for the rest; a test asserts that together they cover every public name
of both packages. Each is crossed with a table of bad inputs (mismatched n, NaN/Inf, empty,
1 row, below the estimator minimum, 1-D/3-D, int/bool/complex/half dtypes, lists, constant
columns and rows, d >> n, extreme magnitudes, mixed kinds, non-arrays) and with wrong keyword
arguments generated from its signature (a bool given "yes", an integer given 1.5 and -1, a choice
given a nonsense string or a number, an unknown keyword). The outcome must be a ``ValueError`` or
``TypeError`` whose message names the argument, or a correct value: finite, inside the measure's
bounds, and (for a scale-invariant measure) equal at 1e-300 and 1e300 to its value at scale 1.
Never NaN, never out of range, never another exception.
"""
from __future__ import annotations

import functools
import inspect
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import torch

import alignbook as ab
from alignbook import measures, scale
from alignbook.measures import MEASURES

pytestmark = pytest.mark.usefixtures("one_thread")

R = np.random.default_rng(0)
N = 12
X0 = R.normal(size=(N, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -2.0]
Y0 = np.tanh(X0 @ R.normal(size=(3, 2))) + 0.3 * R.normal(size=(N, 2))
T0 = np.sign(X0[:, 0] + 0.3 * R.normal(size=N))
T0[T0 == 0] = 1.0
UNIT, SIGNED = (0.0, 1.0), (-1.0, 1.0)


@dataclass
class Case:
    """One public callable: ``call(A, B, **kw)`` (``B`` unused for unary ones)."""

    name: str
    call: Callable
    arity: str  # "pair", "target" or "unary"
    bounds: tuple = (None, None)
    scale_invariant: bool = False
    signature: Callable | None = None  # whose keyword parameters are fuzzed
    skip_kwargs: tuple = ()
    covers: tuple = ()  # public names this case stands for
    rename: dict = field(default_factory=dict)  # how the case's arguments are named (X -> Xs)


def _unwrap(fn):
    return fn.func if isinstance(fn, functools.partial) else fn


def _registry_cases():
    out = []
    for name, spec in MEASURES.items():
        f = _unwrap(spec.fn)
        out.append(Case(f"MEASURES[{name}]", lambda A, B, s=spec, **kw: s.fn(A, B, **kw),
                        "target" if spec.target else "pair", spec.bounds, spec.scale_invariant, f,
                        covers=(f.__name__,)))
    return out


def _gram_of(A):
    """A square input for center_gram (X X^T for a well-formed X; anything else as it is)."""
    if isinstance(A, np.ndarray) and A.ndim == 2 and A.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            return A @ A.T
    return A


def _acc(method, *args):
    def call(A, B, **kw):
        return getattr(scale.LinearAccumulator().update(A, B), method)(*args, **kw)
    return call


TABLE = [
    Case("cka_permutation_mean", lambda A, B, **kw: ab.cka_permutation_mean(A, B, **kw), "pair", UNIT, True,
         ab.cka_permutation_mean, covers=("cka_permutation_mean",)),
    Case("cca.rho", lambda A, B, **kw: ab.cca(A, B, **kw).rho, "pair", UNIT, True, ab.cca, covers=("cca", "CCAResult")),
    Case("kernel_cca(all)", lambda A, B, **kw: ab.kernel_cca(A, B, return_all=True, **kw), "pair", UNIT, True,
         ab.kernel_cca, skip_kwargs=("return_all",)),
    Case("Procrustes.score", lambda A, B, **kw: ab.Procrustes(**kw).fit(A, B).score(A, B), "pair", SIGNED, True,
         ab.Procrustes.__init__, covers=("Procrustes",)),
    Case("Procrustes.residual", lambda A, B, **kw: ab.Procrustes(**kw).fit(A, B).residual(A, B), "pair",
         (0.0, None), False, ab.Procrustes.__init__),
    Case("gram", lambda A, B, **kw: ab.gram(A, **kw), "unary", (None, None), False, ab.gram, covers=("gram",)),
    Case("distance_gram", lambda A, B, **kw: ab.distance_gram(A, **kw), "unary", (None, None), False,
         ab.distance_gram, covers=("distance_gram",)),
    Case("center_gram", lambda A, B, **kw: ab.center_gram(_gram_of(A), **kw), "unary", (None, None), False,
         ab.center_gram, covers=("center_gram",)),
    Case("median_bandwidth", lambda A, B, **kw: ab.median_bandwidth(A, **kw), "unary", (0.0, None), False,
         ab.median_bandwidth, covers=("median_bandwidth",)),
    Case("pairwise_distances", lambda A, B, **kw: ab.pairwise_distances(A, **kw), "unary", (0.0, None), False,
         ab.pairwise_distances, covers=("pairwise_distances",)),
    Case("rdm", lambda A, B, **kw: ab.rdm(A, **kw), "unary", (0.0, None), False, ab.rdm, covers=("rdm",)),
    Case("knn_indices", lambda A, B, **kw: ab.knn_indices(A, **{"k": 3, **kw}), "unary", (0, N - 1), True,
         ab.knn_indices, covers=("knn_indices",)),
    Case("label_alignment_curve", lambda A, B, **kw: ab.label_alignment_curve(A, B, **kw)[1], "target",
         (0.0, None), False, ab.label_alignment_curve, covers=("label_alignment_curve",)),
    Case("spectral_alignment(kta)", lambda A, B, **kw: ab.spectral_alignment(A, B, **kw), "target", UNIT, True,
         ab.spectral_alignment, covers=("spectral_alignment",)),
    Case("spectral_alignment(arora)", lambda A, B, **kw: ab.spectral_alignment(A, B, "arora", **kw), "target",
         (0.0, None), False, None),
    Case("spectral_alignment(cumulative)", lambda A, B, **kw: ab.spectral_alignment(A, B, "cumulative", k=2, **kw),
         "target", UNIT, True, None),
    Case("cka_chunked", lambda A, B, **kw: scale.cka_chunked(A, B, **{"block": 5, **kw}), "pair", UNIT, True,
         scale.cka_chunked, covers=("cka_chunked",)),
    Case("cka_chunked(rbf, unbiased)", lambda A, B, **kw: scale.cka_chunked(A, B, "rbf", "unbiased", block=5, **kw),
         "pair", SIGNED, True, None),
    Case("hsic_chunked", lambda A, B, **kw: scale.hsic_chunked(A, B, **{"block": 5, **kw}), "pair", (0.0, None),
         False, scale.hsic_chunked, covers=("hsic_chunked",)),
    Case("distance_correlation_chunked", lambda A, B, **kw: scale.distance_correlation_chunked(A, B, **{"block": 5, **kw}),
         "pair", UNIT, True, scale.distance_correlation_chunked, covers=("distance_correlation_chunked",)),
    Case("rsa_chunked", lambda A, B, **kw: scale.rsa_chunked(A, B, **{"block": 5, **kw}), "pair", SIGNED, True,
         scale.rsa_chunked, covers=("rsa_chunked",)),
    Case("mutual_knn_chunked", lambda A, B, **kw: scale.mutual_knn_chunked(A, B, **{"k": 3, "block": 5, **kw}),
         "pair", UNIT, True, scale.mutual_knn_chunked, covers=("mutual_knn_chunked",)),
    Case("median_sq_distance", lambda A, B, **kw: scale.median_sq_distance(A, **{"block": 5, **kw}), "unary",
         (0.0, None), False, scale.median_sq_distance, covers=("median_sq_distance",)),
    Case("linear_cka", lambda A, B, **kw: scale.linear_cka(A, B, **{"batch_size": 5, **kw}), "pair", UNIT, True,
         scale.linear_cka, covers=("linear_cka",)),
    Case("linear_hsic", lambda A, B, **kw: scale.linear_hsic(A, B, **{"batch_size": 5, **kw}), "pair", (0.0, None),
         False, scale.linear_hsic, covers=("linear_hsic",)),
    Case("LinearAccumulator.cka(unbiased)", _acc("cka", "unbiased"), "pair", SIGNED, True, None,
         covers=("LinearAccumulator",)),
    Case("LinearAccumulator.hsic", _acc("hsic"), "pair", (0.0, None), False, None),
    Case("LinearAccumulator.kernel_alignment", _acc("kernel_alignment"), "pair", UNIT, True, None),
    Case("LinearAccumulator.procrustes_distance", _acc("procrustes_distance"), "pair", (0.0, math.pi / 2), True,
         scale.LinearAccumulator.procrustes_distance),
    Case("LinearAccumulator.canonical_correlations", _acc("canonical_correlations"), "pair", UNIT, True,
         scale.LinearAccumulator.canonical_correlations),
    Case("layer_matrix", lambda A, B, **kw: scale.layer_matrix([A], [B], **kw), "pair", UNIT, True,
         scale.layer_matrix, skip_kwargs=("measure",), covers=("layer_matrix",), rename={"X": "Xs", "Y": "Ys"}),
    Case("layer_matrix(rbf_cka)", lambda A, B, **kw: scale.layer_matrix([A], [B], "rbf_cka", **kw), "pair", UNIT, True,
         None, rename={"X": "Xs", "Y": "Ys"}),
    Case("permutation_test", lambda A, B, **kw: scale.permutation_test(ab.cka, A, B, **{"n_permutations": 3, **kw}).p_value,
         "pair", UNIT, True, scale.permutation_test, covers=("permutation_test", "PermutationResult")),
    Case("permutation_null", lambda A, B, **kw: scale.permutation_null(ab.cka, A, B, **{"n_permutations": 3, **kw}),
         "pair", UNIT, False, scale.permutation_null, covers=("permutation_null",)),
    Case("bootstrap_ci", lambda A, B, **kw: scale.bootstrap_ci(ab.cka, A, B, **{"n_boot": 3, **kw}).statistic,
         "pair", UNIT, True, scale.bootstrap_ci, covers=("bootstrap_ci", "BootstrapResult")),
    Case("calibrated_score", lambda A, B, **kw: scale.calibrated_score(ab.cka, A, B, **{"n_permutations": 3, **kw}).statistic,
         "pair", UNIT, True, scale.calibrated_score, covers=("calibrated_score", "CalibratedScore")),
]
CASES = _registry_cases() + TABLE

#: public names that are not computations on data (types, metadata), with the reason
NOT_FUZZED = {
    "INVARIANCES": "a constant",
    "MEASURES": "the registry the cases are generated from",
    "MeasureSpec": "metadata; its validation has its own test",
    "register": "adds metadata",
    "Kernel": "covered by test_kernel_constructors_are_strict",
    "ROUTES": "the route registry (tests/test_routes.py)",
    "Route": "a record type of ROUTES",
}


def test_every_public_callable_is_covered():
    covered = {c for case in CASES for c in case.covers}
    public = set(measures.__all__) | set(scale.__all__)
    missing = public - covered - set(NOT_FUZZED)
    assert not missing, f"public names without a fuzz case (add them to TABLE or NOT_FUZZED): {sorted(missing)}"


# ----------------------------------------------------------------------------- bad inputs
def _inputs():
    """``(label, A, B, names)``: ``names`` are the arguments the message must name when it refuses."""
    X, Y = X0.copy(), Y0.copy()
    nanX, infY = X.copy(), Y.copy()
    nanX[2, 1] = np.nan
    infY[0, 0] = np.inf
    constX = X.copy()
    constX[:, 1] = 4.0
    return [
        ("mismatched n", X, Y[:-1], ("X", "Y")),
        ("NaN in X", nanX, Y, ("X",)),
        ("inf in Y", X, infY, ("Y",)),
        ("empty", X[:0], Y[:0], ("X", "Y")),
        ("no columns", X[:, :0], Y, ("X",)),
        ("one row", X[:1], Y[:1], ("X", "Y")),
        ("three rows", X[:3], Y[:3], ("X", "Y")),
        ("1-D Y", X, Y[:, 0], ("Y",)),
        ("3-D X", X.reshape(N, 3, 1), Y, ("X",)),
        ("int", (3 * X).astype(int), (3 * Y).astype(np.int32), ("X", "Y")),
        ("bool", X > 0, Y > 0, ("X", "Y")),
        ("complex", X.astype(complex), Y, ("X",)),
        ("half", X.astype(np.float16), Y.astype(np.float16), ("X", "Y")),
        ("lists", X.tolist(), Y.tolist(), ("X", "Y")),
        ("ragged list", [[1.0, 2.0], [3.0]], Y[:2], ("X",)),
        ("string", "X", Y, ("X",)),
        ("None", None, Y, ("X",)),
        ("constant column", constX, Y, ("X", "Y")),
        ("constant rows", np.ones_like(X), Y, ("X",)),
        ("zero matrix", np.zeros_like(X), Y, ("X",)),
        ("d >> n", R.normal(size=(8, 400)), R.normal(size=(8, 300)), ("X", "Y")),
        ("torch and numpy", torch.tensor(X), Y, ("X", "Y")),
        ("torch float32", torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32), ("X", "Y")),
        ("X 1e300", 1e300 * X, Y, ("X", "Y")),
        ("X 1e-300", 1e-300 * X, Y, ("X", "Y")),
        ("both 1e300", 1e300 * X, 1e300 * Y, ("X", "Y")),
        ("both 1e-300", 1e-300 * X, 1e-300 * Y, ("X", "Y")),
        ("X 1e300, Y 1e-300", 1e300 * X, 1e-300 * Y, ("X", "Y")),
    ]


def _target_inputs():
    X, y = X0.copy(), T0.copy()
    nan = y.copy()
    nan[1] = np.nan
    return [
        ("mismatched n", X, y[:-1], ("y",)),
        ("NaN in y", X, nan, ("y",)),
        ("NaN in Phi", np.where(X > 1.5, np.nan, X), y, ("Phi",)),
        ("empty", X[:0], y[:0], ("Phi", "y")),
        ("2-D target", X, np.c_[y, -y], ("y",)),
        ("3-D Phi", X.reshape(N, 3, 1), y, ("Phi",)),
        ("zero target", X, 0 * y, ("y",)),
        ("int", (3 * X).astype(int), y.astype(int), ("Phi", "y")),
        ("complex", X.astype(complex), y, ("Phi",)),
        ("lists", X.tolist(), y.tolist(), ("Phi", "y")),
        ("torch and numpy", torch.tensor(X), y, ("y", "Phi")),
        ("d >> n", R.normal(size=(8, 300)), y[:8], ("Phi",)),
        ("Phi 1e300", 1e300 * X, y, ("Phi",)),
        ("Phi 1e-300", 1e-300 * X, y, ("Phi",)),
        ("y 1e300", X, 1e300 * y, ("y",)),
        ("y 1e-300", X, 1e-300 * y, ("y",)),
    ]


ARG_NAME = r"(?<![\w.]){}(?=[\s=`'\",:.()\[\]]|$)"


def _names(msg: str, names) -> bool:
    return any(re.search(ARG_NAME.format(re.escape(nm)), msg) for nm in names)


def _values(v):
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().double().numpy().reshape(-1)
    return np.asarray(v, dtype=np.float64).reshape(-1)


def _check_value(case, v, label):
    vals = _values(v)
    assert vals.size and np.all(np.isfinite(vals)), f"{case.name} on {label}: non-finite result {v!r}"
    lo, hi = case.bounds
    tol = 1e-12
    if lo is not None:
        assert vals.min() >= lo - tol * max(1.0, abs(lo)), f"{case.name} on {label}: {vals.min()} < {lo}"
    if hi is not None:
        assert vals.max() <= hi + tol * max(1.0, abs(hi)), f"{case.name} on {label}: {vals.max()} > {hi}"
    return vals


def run(case, A, B, names, label, **kw):
    """Run one call; return its values (None if it refused) after asserting the contract."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            v = case.call(A, B, **kw)
        except (ValueError, TypeError) as err:
            assert _names(str(err), names), (
                f"{case.name} on {label}: {type(err).__name__} does not name {names}: {err}")
            return None
        except Exception as err:  # noqa: BLE001 - the point of the suite
            pytest.fail(f"{case.name} on {label}: raw {type(err).__name__}: {err}")
    return _check_value(case, v, label)


PAIR_INPUTS = _inputs()
TARGET_INPUTS = _target_inputs()
ITEMS = []
for _case in CASES:
    if _case.arity == "target":
        ITEMS += [(_case, lab, a, b, nm) for lab, a, b, nm in TARGET_INPUTS]
    else:
        ITEMS += [(_case, lab, a, b, nm) for lab, a, b, nm in PAIR_INPUTS
                  if not (_case.arity == "unary" and lab in ("mismatched n", "1-D Y", "torch and numpy"))]
        if _case.arity == "unary":
            ITEMS.append((_case, "1-D X", X0[:, 0], None, ("X",)))


@pytest.mark.parametrize("case,label,A,B,names", ITEMS, ids=[f"{c.name}-{lab}" for c, lab, *_ in ITEMS])
def test_bad_input_gives_a_clear_error_or_a_correct_value(case, label, A, B, names):
    if case.arity == "unary":
        names = tuple(n.replace("Y", "X") for n in names) + ("K",)
    names = tuple(case.rename.get(n, n) for n in names)
    if label in ("one row", "three rows", "d >> n"):
        names += ("k",)  # a neighbour count larger than n - 1 is the argument at fault
    vals = run(case, A, B, names, label)
    scaled = re.match(r"(X|Y|both|Phi|y) 1e|X 1e300, Y", label)
    if vals is not None and scaled and case.scale_invariant:
        ref = _values(case.call(X0, T0 if case.arity == "target" else Y0))
        assert np.allclose(vals, ref, rtol=1e-9, atol=1e-12), (
            f"{case.name} is scale invariant but gives {vals} on {label} against {ref}")
    if vals is None and scaled and case.scale_invariant and case.arity != "unary":
        pytest.fail(f"{case.name} is scale invariant but refused {label}")


# ----------------------------------------------------------------------------- wrong keywords
def _bad_values(param: inspect.Parameter):
    d = param.default
    if isinstance(d, bool):
        return ["yes", 1]
    if isinstance(d, int):
        return [1.5, -1, "3"]
    if isinstance(d, float):
        return ["x", float("nan"), -1.0]
    if isinstance(d, str):
        return ["nonsense", 3]
    if d is None:
        return ["nonsense", [1, 2], -1]
    return []


KW_ITEMS = []
for _case in CASES:
    if _case.signature is None:
        continue
    for p in inspect.signature(_case.signature).parameters.values():
        if p.default is inspect.Parameter.empty or p.name in _case.skip_kwargs or p.name in ("self",):
            continue
        for bad in _bad_values(p):
            KW_ITEMS.append((_case, p.name, bad))
    KW_ITEMS.append((_case, "nonsense_keyword", 1))


@pytest.mark.parametrize("case,param,bad", KW_ITEMS, ids=[f"{c.name}-{p}={b!r}" for c, p, b in KW_ITEMS])
def test_wrong_keyword_gives_a_clear_error_or_a_correct_value(case, param, bad):
    B = T0 if case.arity == "target" else Y0
    run(case, X0, B, (param,), f"{param}={bad!r}", **{param: bad})


def test_kernel_constructors_are_strict():
    for call, name in ((lambda: ab.Kernel.rbf(bandwidth="wide"), "bandwidth"), (lambda: ab.Kernel.rbf(-1.0), "bandwidth"),
                       (lambda: ab.Kernel.rbf(sigma=0.0), "sigma"), (lambda: ab.Kernel.rbf(median="mid"), "median"),
                       (lambda: ab.Kernel.from_callable(3), "callable"), (lambda: ab.Kernel("cubic"), "Kernel name"),
                       (lambda: ab.Kernel.resolve(3), "kernel"), (lambda: ab.Kernel.resolve("rbf", sigma=1, bandwidth=2), "sigma"),
                       (lambda: ab.Kernel.resolve(ab.Kernel.rbf(), bandwidth=2.0), "bandwidth")):
        with pytest.raises((TypeError, ValueError), match=re.escape(name)):
            call()


def test_the_contract_check_can_fail():
    """A function that returns NaN, an out-of-range value or a raw error is caught by run()."""
    for fn, label in ((lambda A, B: float("nan"), "nan"), (lambda A, B: 1.5, "range"),
                      (lambda A, B: np.zeros(3)[5], "raw"), (lambda A, B: ab.cka(A, B, estimator=7), "unnamed")):
        case = Case("bad", fn, "pair", UNIT)
        with pytest.raises((AssertionError, pytest.fail.Exception)):
            run(case, X0, Y0, ("X",), label)
