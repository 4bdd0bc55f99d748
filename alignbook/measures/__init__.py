"""alignbook.measures: exact, differentiable alignment measures (the bottom layer of the package).

Every measure takes paired rows ``X`` of shape ``(n, d1)`` and ``Y`` of shape ``(n, d2)`` as NumPy
arrays or torch tensors (any device). NumPy in gives a Python float; torch in gives a 0-d float64
tensor on the input's device, differentiable where the maths allows. Reductions run in float64
unless ``dtype="float32"`` is passed. ``MEASURES`` maps a name to a :class:`.MeasureSpec` with the
measure's metadata (similarity or distance, bounds, symmetry, invariances, cost); the reference
page (book appendix "Reference: the alignment measures") documents each one. Kernels are
:class:`~alignbook.Kernel` objects or the strings that name them. The computations are the
shared cores of :mod:`alignbook.core`, which the routes of :mod:`alignbook.scale` call too.
"""
from ..core.kernels import Kernel
from . import registry as _registry  # noqa: F401  (fills MEASURES)
from ._spec import INVARIANCES, MEASURES, MeasureSpec, register
from .cca import CCAResult, cca, cca_similarity, kernel_cca, svcca
from .hsic import (
    cka,
    cka_permutation_mean,
    distance_alignment,  # noqa: F401  (deprecated alias of distance_misalignment, not in __all__)
    distance_correlation,
    distance_misalignment,
    hsic,
    kernel_alignment,
)
from .kernels import center_gram, distance_gram, gram, median_bandwidth, pairwise_distances
from .knn import knn_indices, mutual_knn
from .procrustes import Procrustes, procrustes_distance
from .rsa import rdm, rsa
from .target import kernel_target_alignment, label_alignment, label_alignment_curve, spectral_alignment

__all__ = [
    "CCAResult",
    "INVARIANCES",
    "Kernel",
    "MEASURES",
    "MeasureSpec",
    "Procrustes",
    "cca",
    "cca_similarity",
    "center_gram",
    "cka",
    "cka_permutation_mean",
    "distance_correlation",
    "distance_gram",
    "distance_misalignment",
    "gram",
    "hsic",
    "kernel_alignment",
    "kernel_cca",
    "kernel_target_alignment",
    "knn_indices",
    "label_alignment",
    "label_alignment_curve",
    "median_bandwidth",
    "mutual_knn",
    "pairwise_distances",
    "procrustes_distance",
    "rdm",
    "register",
    "rsa",
    "spectral_alignment",
    "svcca",
]
