"""Registered numerical checks, one per statement of the book (see :mod:`._registry`).

One module (or package of section modules) per chapter: ``alignbook.theory.preliminaries``,
``alignbook.theory.kernel_alignment``, ``alignbook.theory.stitching``,
``alignbook.theory.tradeoff``; importing one registers its checks, :func:`load_all` imports
them all. :func:`sweep` runs a check over several seeds and its false variants
(:meth:`Check.falsify`).
"""
from ._registry import (  # noqa: F401
    CHECK_MODULES,
    KINDS,
    REGISTRY,
    STATUSES,
    TIGHT_TOL,
    Check,
    CheckResult,
    Comparisons,
    Row,
    Sweep,
    Variant,
    VariantOutcome,
    anchor,
    chapter_of,
    check,
    draws_for_power,
    get,
    load_all,
    parse_seeds,
    run,
    sweep,
)
from ._report import Report, statement_ref, verification_report  # noqa: F401

__all__ = ["CHECK_MODULES", "KINDS", "REGISTRY", "STATUSES", "TIGHT_TOL", "Check", "CheckResult", "Comparisons",
           "Row", "Sweep", "Variant", "VariantOutcome", "anchor", "chapter_of", "check", "draws_for_power", "get",
           "load_all", "parse_seeds", "run", "sweep", "Report", "statement_ref", "verification_report"]
