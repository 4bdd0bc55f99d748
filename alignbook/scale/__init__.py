"""Scale and statistics for the measures of :mod:`alignbook.measures`.

Every route here gathers a quantity's sufficient statistics its own way and calls the same finish
(and the same guards) as the dense measure, from :mod:`alignbook.core`; ``ROUTES`` lists them all.

* :mod:`~alignbook.scale.streaming`: :class:`.LinearAccumulator`, mini-batch sufficient statistics
  that finalise to the full-data biased/unbiased linear HSIC and CKA, kernel alignment, the
  Procrustes distance and the canonical correlations, with exact ``merge`` and ``all_reduce``.
* :mod:`~alignbook.scale.chunked`: linear / RBF / distance-kernel CKA and HSIC, dCor, RSA and
  mutual kNN in row blocks (memory O(n * block)), equal to the unchunked measures.
* :mod:`~alignbook.scale.layers`: the L1-by-L2 matrix of a measure over all layer pairs.
* :mod:`~alignbook.scale.stats`: permutation test, bootstrap confidence interval and the
  permutation-calibrated score for any measure.
* :mod:`~alignbook.scale.routes`: the registry ``ROUTES`` of every route of every quantity.
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
from .routes import ROUTES, Route
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
    "ROUTES",
    "Route",
    "bootstrap_ci",
    "calibrated_score",
    "cka_chunked",
    "distance_correlation_chunked",
    "hsic_chunked",
    "layer_matrix",
    "linear_cka",
    "linear_hsic",
    "median_sq_distance",
    "mutual_knn_chunked",
    "permutation_null",
    "permutation_test",
    "rsa_chunked",
]
