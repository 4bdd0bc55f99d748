"""alignbook.core: the computational cores shared by every route (the bottom layer, above ``device``).

A quantity is computed as *sufficient statistics -> finish*: a route (dense, feature, chunked,
streamed, layer matrix, float32, GPU) only gathers the statistics its own way, then calls the
one finish and the one set of guards here.

* :mod:`~alignbook.core.guards`: input conversion and validation, strict argument checks, the
  shared refusals and their messages, exact power-of-two rescaling.
* :mod:`~alignbook.core.kernels`: the kernel specification :class:`.Kernel` (full Grams, blocks,
  features; precomputed-Gram validation) and the squared-distance construction.
* :mod:`~alignbook.core.hsic`: HSIC/CKA/kernel alignment sums and finishes.
* :mod:`~alignbook.core.linear`: canonical-correlation and Procrustes finishes.
* :mod:`~alignbook.core.correlation`: RSA's Pearson finish.
* :mod:`~alignbook.core.knn`: neighbour weights with the tie rule, the mutual-kNN finish.
* :mod:`~alignbook.core.linalg`: symmetric products (BLAS syrk), row norms, numerical rank.
"""
from .kernels import Kernel  # noqa: F401

__all__ = ["Kernel"]
