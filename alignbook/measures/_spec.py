"""Per-measure metadata and the registry ``MEASURES`` (name -> :class:`.MeasureSpec`).

The invariance test suite iterates over ``MEASURES`` and checks every declared invariance (and
that every undeclared one is broken for some input); the book's appendix renders it as a table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["INVARIANCES", "MEASURES", "MeasureSpec", "register"]

#: The transformations of one argument ``X`` a measure may be invariant to.
INVARIANCES = {
    "orthogonal": "X -> X Q with Q orthogonal (d x d)",
    "isotropic_scaling": "X -> c X with c > 0",
    "translation": "X -> X + 1 b^T (the same shift for every row)",
    "invertible_linear": "X -> X A with A invertible (d x d)",
    "permutation": "X -> X P with P a permutation of the feature columns",
}


@dataclass(frozen=True)
class MeasureSpec:
    """Metadata of one measure.

    ``fn(X, Y) -> float`` is the measure with the options that define this entry;
    ``direction`` is ``"similarity"`` (larger = more alike) or ``"distance"`` (0 = identical, up to
    the invariances); ``bounds`` is the closed range every value lies in (``None`` for an open
    end); ``symmetric`` says whether ``fn(X, Y) == fn(Y, X)``; ``invariances`` lists keys of
    :data:`.INVARIANCES`; ``target`` is true when the second argument is a target vector ``y``
    rather than a representation; ``differentiable`` says whether torch gradients flow;
    ``min_n`` is the smallest number of samples it accepts; ``cost`` is the time complexity;
    ``scale_invariant`` is true when the value is unchanged by rescaling either input (the
    fuzz suite then expects the same value at 1e-300 and 1e300).

    Examples
    --------
    >>> from alignbook.measures import MEASURES
    >>> spec = MEASURES["cka_linear"]
    >>> spec.direction, spec.bounds, spec.min_n
    ('similarity', (0.0, 1.0), 2)
    """

    name: str
    fn: Callable
    direction: str
    symmetric: bool
    invariances: frozenset
    formula: str
    cost: str
    differentiable: bool = True
    target: bool = False
    min_n: int = 2
    reference: str = ""
    options: dict = field(default_factory=dict)
    bounds: tuple = (None, None)

    def __post_init__(self):
        if self.direction not in ("similarity", "distance"):
            raise ValueError(f"direction={self.direction!r} must be 'similarity' or 'distance'.")
        lo, hi = self.bounds
        if lo is not None and hi is not None and not lo <= hi:
            raise ValueError(f"bounds={self.bounds!r} must be (low, high) with low <= high.")
        unknown = set(self.invariances) - set(INVARIANCES)
        if unknown:
            raise ValueError(f"unknown invariances {sorted(unknown)}; use keys of INVARIANCES.")


    @property
    def scale_invariant(self) -> bool:
        """Whether rescaling either input leaves the value unchanged."""
        return "isotropic_scaling" in self.invariances


MEASURES: dict[str, MeasureSpec] = {}


def register(spec: MeasureSpec) -> MeasureSpec:
    """Add ``spec`` to :data:`.MEASURES` (the name must be new); the test suites pick it up.

    Examples
    --------
    >>> from alignbook.measures import MeasureSpec
    >>> MeasureSpec("demo", abs, "similarity", True, frozenset(), "|x|", "O(1)").direction
    'similarity'
    """
    if spec.name in MEASURES:
        raise ValueError(f"a measure named {spec.name!r} is already registered.")
    MEASURES[spec.name] = spec
    return spec
