"""Every route of every quantity equals the reference route, as a property of the data.

``alignbook.scale.ROUTES`` lists, per quantity, every way the package computes it (dense feature
and sample routes, row blocks, streamed batches merged from uneven pieces, the layer matrix,
float32, a GPU when present); the first is the dense measure. On hypothesis-generated data of four
kinds, each route must give the reference's value to its documented tolerance, or refuse it too:

* ``shifted``: every column offset by about 1e5 (a route that forgets to centre is off by orders);
* ``rescaled``: X and Y multiplied by independent powers of ten in 1e-300..1e300;
* ``tied``: duplicated rows and integer-valued data (ties in distances and neighbours);
* ``wide``: d >> n (the n-by-n routes, ranks n - 1).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignbook.scale import ROUTES

pytestmark = pytest.mark.usefixtures("one_thread")

KINDS = ("shifted", "rescaled", "tied", "wide")
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def paired(draw, kind: str, min_n: int):
    seed = draw(st.integers(0, 2**31 - 1))
    r = np.random.default_rng(seed)
    if kind == "wide":
        n = draw(st.integers(max(min_n, 6), 12))
        d1, d2 = draw(st.integers(30, 90)), draw(st.integers(30, 90))
    else:
        n = draw(st.integers(max(min_n, 8), 30))
        d1, d2 = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    X = r.normal(size=(n, d1)) * np.exp(r.uniform(-1, 1, d1))
    Y = np.tanh(X @ r.normal(size=(d1, d2)) / math.sqrt(d1)) + 0.5 * r.normal(size=(n, d2))
    if kind == "shifted":
        X = X + 1e5 * r.choice([-1.0, 1.0], d1) * r.uniform(0.5, 1.5, d1)
        Y = Y + 1e5 * r.choice([-1.0, 1.0], d2) * r.uniform(0.5, 1.5, d2)
    elif kind == "rescaled":
        X = X * 10.0 ** draw(st.floats(-300, 300))
        Y = Y * 10.0 ** draw(st.floats(-300, 300))
    elif kind == "tied":
        if draw(st.booleans()):  # integer-valued: many tied distances and neighbours
            X, Y = np.round(1.5 * X), np.round(2.0 * Y)
        src, dst = r.integers(0, n, n // 3), r.integers(0, n, n // 3)
        X[dst], Y[dst] = X[src], Y[src]  # duplicated samples
    return X, Y


def outcome(fn, X, Y):
    try:
        v = fn(X, Y)
    except ValueError as err:
        return "error", str(err)
    assert math.isfinite(v), f"a route returned {v}"
    return "value", v


def _magnitude(quantity, X, Y):
    """The size a route's rounding error is relative to: 1 for normalised quantities, the
    Cauchy-Schwarz bound sqrt(HSIC(X,X) HSIC(Y,Y)) for HSIC."""
    if not quantity.startswith("hsic"):
        return 1.0
    import alignbook as ab

    try:
        return math.sqrt(ab.hsic(X, X) * ab.hsic(Y, Y))
    except ValueError:
        return math.inf


CASES = [(q, kind) for q in ROUTES for kind in KINDS]


@pytest.mark.parametrize("quantity,kind", CASES, ids=[f"{q}-{k}" for q, k in CASES])
def test_every_route_agrees_with_the_reference(quantity, kind):
    routes = ROUTES[quantity]
    min_n = max(r.min_n for r in routes)

    @SETTINGS
    @given(paired(kind, min_n))
    def check(data):
        X, Y = data
        ref_kind, ref = outcome(routes[0].fn, X, Y)
        mag = _magnitude(quantity, X, Y)
        for route in routes[1:]:
            if not route.exact_range and kind in ("shifted", "rescaled"):
                continue  # float32 cannot represent these inputs; refused or inexact by design
            got_kind, got = outcome(route.fn, X, Y)
            assert got_kind == ref_kind, (
                f"{quantity}: route {route.name!r} gave {got_kind} {got!r} but the reference "
                f"{routes[0].name!r} gave {ref_kind} {ref!r}"
            )
            if ref_kind == "value":
                scale = max(1.0, abs(ref)) if mag == 1.0 else mag
                assert abs(got - ref) <= route.tol * scale, (
                    f"{quantity}: route {route.name!r} = {got!r}, reference = {ref!r} "
                    f"(difference {abs(got - ref):.3g} > {route.tol:g} x {scale:.3g})"
                )

    check()


def test_every_quantity_has_several_routes_and_a_dense_reference():
    for q, routes in ROUTES.items():
        assert len(routes) >= 2, q
        assert routes[0].name.startswith(("dense", "fit")), q
        assert len({r.name for r in routes}) == len(routes), q


def test_the_route_check_can_fail():
    """A route that forgets to centre (the old chunked linear bug) is caught on shifted data."""
    import alignbook as ab

    def uncentred_cka(X, Y):
        K, L = X @ X.T, Y @ Y.T
        return float((K * L).sum() / np.sqrt((K * K).sum() * (L * L).sum()))

    r = np.random.default_rng(0)
    X = r.normal(size=(20, 3)) + 1e5
    Y = np.tanh(X - 1e5) + 0.5 * r.normal(size=(20, 3)) - 1e5
    assert abs(uncentred_cka(X, Y) - ab.cka(X, Y)) > 0.1
