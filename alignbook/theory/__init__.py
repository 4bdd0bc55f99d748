"""Registered numerical checks, one per statement of the book (see :mod:`._registry`).

One module (or package of section modules) per chapter: ``alignbook.theory.preliminaries``,
``alignbook.theory.kernel_alignment``, ``alignbook.theory.stitching``,
``alignbook.theory.tradeoff``; importing one registers its checks, :func:`load_all` imports
them all.
"""
from ._registry import (  # noqa: F401
    CHECK_MODULES,
    KINDS,
    REGISTRY,
    Check,
    CheckResult,
    Comparisons,
    Row,
    chapter_of,
    check,
    get,
    load_all,
    run,
)

__all__ = ["CHECK_MODULES", "KINDS", "REGISTRY", "Check", "CheckResult", "Comparisons", "Row", "chapter_of", "check",
           "get", "load_all", "run"]
