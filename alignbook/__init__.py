"""alignbook: the companion package of the open textbook *Representation Alignment*.

Measures (``alignbook.cka``, ``alignbook.hsic``, ...) are pure, exact and differentiable; kernels
are :class:`alignbook.Kernel` objects; routes for large data and statistics live in
:mod:`alignbook.scale`; theorem checks live in ``alignbook.theory`` and run with
``python -m alignbook verify``.

Examples
--------
>>> import numpy as np, alignbook
>>> X = np.random.default_rng(0).normal(size=(100, 5))
>>> alignbook.cka(X, 2 * X + 1), alignbook.cka(X, X, kernel=alignbook.Kernel.rbf(0.5))
(1.0, 1.0)
"""
from ._version import __version__  # noqa: F401

from .device import describe, get_device, get_scale  # noqa: F401
from .measures import *  # noqa: F401,F403
from .measures import __all__ as _measures_all
from .measures import distance_alignment  # noqa: F401  (deprecated alias)

__all__ = ["describe", "get_device", "get_scale", *_measures_all]
