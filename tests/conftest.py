"""Shared test configuration: deterministic hypothesis profile; the book build runs last."""
import os

# Idle OpenMP threads spin by default and steal the other core; must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "alignbook", deadline=None, derandomize=True, max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "alignbook"))


def pytest_collection_modifyitems(config, items):
    # Chapters execute (and fill the jupyter-cache) before the book build reuses them.
    order = {"chapters": 1, "book": 2}
    items.sort(key=lambda it: max((order.get(m.name, 0) for m in it.iter_markers()), default=0))


@pytest.fixture(scope="module")
def one_thread():
    """Small problems: one torch and one BLAS thread are faster and immune to CPU contention."""
    import threadpoolctl

    from alignbook.device import threads

    with threads(1), threadpoolctl.threadpool_limits(1):
        yield


@pytest.fixture(autouse=True)
def _close_figures():
    """Tests that draw leave no open pyplot figures behind (they would pile up across tests)."""
    yield
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
