"""Checks for the chapter "What alignment throws away" (Thoreau, Levillain & Derksen 2025).

The paper's full statements are not public; the statements checked here are precise, provable
versions of its claims (see the chapter). Two kinds of data are used:

* exact finite distributions (a random joint probability table), where conditional
  expectations, and so the (nonlinear) mmse, are computed exactly: these test the statements
  for *arbitrary* encoders;
* the linear-Gaussian model :class:`alignbook.data.TwoModalityModel`, with its
  exact population covariance or a sample (the linear statements are exact on the empirical
  measure).

One module per section of the chapter (``prediction``, ``cca``, ``pareto``, ``redundancy``), shared
routes in ``_routes``, and the sympy derivation of the Pareto front in :mod:`.symbolic`.
"""
from __future__ import annotations
from __future__ import annotations

# one module per section of the chapter, imported in the chapter's order (this registers the checks)
from . import prediction, cca, pareto, redundancy  # noqa: F401,E401
