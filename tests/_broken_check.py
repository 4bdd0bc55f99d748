"""A deliberately broken check, imported only by tests/test_cli.py to see verify fail."""
from alignbook.theory import Comparisons, check


@check("thm-deliberately-broken", title="1 + 1 = 3", kind="theorem")
def _broken(scale, seed, device):
    return Comparisons().close("1 + 1 vs 3", 1 + 1, 3)


@check("thm-deliberately-crashing", title="raises", kind="theorem")
def _crashing(scale, seed, device):
    raise RuntimeError("boom")


@check("thm-deliberately-weak", title="x <= 2x, checked only far from equality", kind="theorem", status="new")
def _weak(scale, seed, device):
    c = Comparisons()
    two = c.constant("2 in x <= 2x", 2.0, stronger="smaller")
    return c.leq("x <= 2x at x = 1", 1.0, two * 1.0)
