"""alignbook: the companion package of the open textbook *Representation Alignment*.

Measures (``alignbook.cka``, ``alignbook.hsic``, ...) are pure, exact and differentiable;
theorem checks live in :mod:`alignbook.theory` and run with ``python -m alignbook verify``.
"""
from ._version import __version__  # noqa: F401

from .device import describe, get_device, get_scale  # noqa: F401

try:  # the measures library (alignbook.measures) re-exported at the top level
    from .measures import *  # noqa: F401,F403
    from .measures import __all__ as _measures_all
except ImportError as _err:  # pragma: no cover - only while the library is being written
    if "alignbook.measures" not in str(_err):
        raise
    _measures_all = []

__all__ = ["describe", "get_device", "get_scale", *_measures_all]
