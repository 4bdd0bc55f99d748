"""Deprecated location of the input checks; they live in :mod:`alignbook.core.guards` now.

Kept so that old imports keep working (``from alignbook._validate import as_pair``).
"""
from .core.guards import *  # noqa: F401,F403
from .core.guards import __all__  # noqa: F401
from .core.guards import check_2d as _check_2d  # noqa: F401  (old private names)
from .core.guards import check_finite as _check_finite  # noqa: F401


def _to_tensor(a, name, dtype):  # noqa: D401 - old private helper (tensor only)
    from .core.guards import to_tensor

    return to_tensor(a, name, dtype)[0]
