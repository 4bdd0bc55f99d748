"""Per-measure metadata and the registry ``MEASURES`` (name -> :class:`MeasureSpec`).

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
    ``kind`` is ``"similarity"`` (larger = more alike) or ``"distance"`` (0 = identical, up to the
    invariances); ``symmetric`` says whether ``fn(X, Y) == fn(Y, X)``; ``invariances`` lists keys of
    :data:`INVARIANCES`; ``target`` is true when the second argument is a target vector ``y``
    rather than a representation; ``differentiable`` says whether torch gradients flow;
    ``min_n`` is the smallest number of samples it accepts; ``cost`` is the time complexity.
    """

    name: str
    fn: Callable
    kind: str
    symmetric: bool
    invariances: frozenset
    formula: str
    cost: str
    differentiable: bool = True
    target: bool = False
    min_n: int = 2
    reference: str = ""
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in ("similarity", "distance"):
            raise ValueError(f"kind={self.kind!r} must be 'similarity' or 'distance'.")
        unknown = set(self.invariances) - set(INVARIANCES)
        if unknown:
            raise ValueError(f"unknown invariances {sorted(unknown)}; use keys of INVARIANCES.")


MEASURES: dict[str, MeasureSpec] = {}


def register(spec: MeasureSpec) -> MeasureSpec:
    """Add ``spec`` to :data:`MEASURES` (the name must be new)."""
    if spec.name in MEASURES:
        raise ValueError(f"a measure named {spec.name!r} is already registered.")
    MEASURES[spec.name] = spec
    return spec
