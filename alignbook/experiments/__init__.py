"""Experiments: training runs, sweeps and stitching runs, one module per chapter; each returns a small dataclass.

``preliminaries`` (the digits running example), ``kernel_alignment`` (layers of networks trained on
digits), ``stitching`` (every layer of A into every layer of B), ``tradeoff`` (redundancy sweeps,
the digit halves).
"""
