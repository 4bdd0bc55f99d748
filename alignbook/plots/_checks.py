"""Argument checks shared by the figure functions."""
from __future__ import annotations


def expect(obj, cls, name: str, how: str) -> None:
    """Raise a ``TypeError`` naming the argument when ``obj`` is not a ``cls`` (``how`` says where one comes from)."""
    if isinstance(obj, cls):
        return
    hint = ""
    if hasattr(obj, "payload") and isinstance(getattr(obj, "payload"), cls):
        hint = " (this is a check result: pass its .payload)"
    raise TypeError(f"{name} must be a {cls.__name__}, e.g. {how}; got {type(obj).__name__}{hint}")
