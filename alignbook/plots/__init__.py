"""Figures from typed results, one module per chapter (and ``scale`` for :mod:`alignbook.scale`); every axis is labelled.

Only chapters import this package (``tests/test_mirror.py``).
"""
