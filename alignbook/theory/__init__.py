"""Registered numerical checks, one per statement of the book (see :mod:`._registry`)."""
from ._registry import (  # noqa: F401
    CHECK_MODULES,
    REGISTRY,
    Check,
    CheckResult,
    Comparisons,
    Row,
    check,
    get,
    load_all,
    run,
)
