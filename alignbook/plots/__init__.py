"""Figures from typed results, one module per chapter (and ``scale`` for :mod:`alignbook.scale`); every axis is labelled.

Only chapters import this package (``tests/test_mirror.py``).
"""
from . import _style  # noqa: F401,E402  (figure defaults: print resolution, readable multi-panel fonts)
