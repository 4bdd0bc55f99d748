"""Scale and statistics for the measures of :mod:`alignbook.measures`.

* :mod:`~alignbook.scale.streaming`: :class:`LinearAccumulator`, mini-batch sufficient statistics
  that finalise to the full-data biased/unbiased linear HSIC and CKA, kernel alignment and the
  covariance blocks of Procrustes/CCA, with exact ``merge`` and ``all_reduce``.
* :mod:`~alignbook.scale.chunked`: RBF / distance-kernel CKA, dCor, RSA and mutual kNN in row
  blocks (memory O(n * block)), equal to the unchunked measures.
* :mod:`~alignbook.scale.layers`: the L1-by-L2 matrix of a measure over all layer pairs.
* :mod:`~alignbook.scale.stats`: permutation test, bootstrap confidence interval and the
  permutation-calibrated score for any measure.
"""
from .chunked import (
    cka_chunked,
    distance_correlation_chunked,
    hsic_chunked,
    median_sq_distance,
    mutual_knn_chunked,
    rsa_chunked,
)
from .layers import layer_matrix
from .stats import (
    BootstrapResult,
    CalibratedScore,
    PermutationResult,
    bootstrap_ci,
    calibrated_score,
    permutation_null,
    permutation_test,
)
from .streaming import LinearAccumulator, linear_cka, linear_hsic

__all__ = [
    "BootstrapResult",
    "CalibratedScore",
    "LinearAccumulator",
    "PermutationResult",
    "bootstrap_ci",
    "calibrated_score",
    "layer_matrix",
    "permutation_null",
    "permutation_test",
    "cka_chunked",
    "distance_correlation_chunked",
    "hsic_chunked",
    "linear_cka",
    "linear_hsic",
    "median_sq_distance",
    "mutual_knn_chunked",
    "rsa_chunked",
]
