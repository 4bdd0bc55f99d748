"""The built-in entries of :data:`alignbook.measures.MEASURES` (one per measure and setting)."""
from __future__ import annotations

import math
from functools import partial

from ._spec import MeasureSpec, register
from .cca import cca_similarity, kernel_cca, svcca
from .hsic import cka, distance_correlation, distance_misalignment, hsic, kernel_alignment
from .knn import mutual_knn
from .procrustes import procrustes_distance
from .rsa import rsa
from .target import kernel_target_alignment, label_alignment

__all__: list[str] = []

ALL = frozenset({"orthogonal", "isotropic_scaling", "translation", "permutation"})
OPI = frozenset({"orthogonal", "isotropic_scaling", "permutation"})
OTP = frozenset({"orthogonal", "translation", "permutation"})


UNIT = (0.0, 1.0)
SIGNED = (-1.0, 1.0)


def _reg(name, fn, direction, symmetric, inv, formula, cost, ref, **kw):
    register(MeasureSpec(name=name, fn=fn, direction=direction, symmetric=symmetric, invariances=frozenset(inv),
                         formula=formula, cost=cost, reference=ref, **kw))


_reg("cka_linear", cka, "similarity", True, ALL,
     r"\|X_c^\top Y_c\|_F^2/(\|X_c^\top X_c\|_F\|Y_c^\top Y_c\|_F)",
     "O(n d1 d2) features / O(n^2 d) samples", "kornblith2019", bounds=UNIT)
_reg("cka_linear_unbiased", partial(cka, estimator="unbiased"), "similarity", True, ALL,
     r"\HSIC_u(K,L)/\sqrt{\HSIC_u(K,K)\HSIC_u(L,L)}", "O(n d1 d2) features / O(n^2 d) samples",
     "song2012", min_n=4, bounds=SIGNED)
_reg("cka_rbf", partial(cka, kernel="rbf"), "similarity", True, ALL,
     r"\CKA with k = \exp(-\|x-x'\|^2/2\sigma^2), \sigma = median distance", "O(n^2 d)", "kornblith2019", bounds=UNIT)
_reg("hsic_linear", hsic, "similarity", True, OTP,
     r"\|X_c^\top Y_c\|_F^2/(n-1)^2", "O(n d1 d2)", "gretton2005", bounds=(0.0, None))
_reg("hsic_linear_unbiased", partial(hsic, estimator="unbiased"), "similarity", True, OTP,
     "Song et al. U-statistic", "O(n d1 d2)", "song2012", min_n=4, bounds=(None, None))
_reg("kernel_alignment", kernel_alignment, "similarity", True, OPI,
     r"\langle K,L\rangle_F/(\|K\|_F\|L\|_F)", "O(n d1 d2) features / O(n^2 d) samples", "cristianini2001", bounds=UNIT)
_reg("distance_correlation", distance_correlation, "similarity", True, ALL,
     r"\mathrm{dCov}_n(X,Y)/\sqrt{\mathrm{dVar}_n(X)\mathrm{dVar}_n(Y)}", "O(n^2 d)", "szekely2007", bounds=UNIT)
_reg("distance_misalignment", distance_misalignment, "distance", True, OTP,
     r"\frac1{n^2}\sum_{ij}(\|x_i-x_j\|^2-\|y_i-y_j\|^2)^2", "O(n (d1+d2)^2) features / O(n^2 d) samples",
     "insulla2025", bounds=(0.0, None))
_reg("rsa_euclidean_pearson", rsa, "similarity", True, ALL,
     r"\mathrm{pearson}(\{\|x_i-x_j\|\}_{i<j}, \{\|y_i-y_j\|\}_{i<j})", "O(n^2 d)", "kriegeskorte2008", min_n=3, bounds=SIGNED)
_reg("rsa_correlation_spearman", partial(rsa, rdm="correlation", compare="spearman"), "similarity", True,
     {"isotropic_scaling", "permutation"},
     r"\mathrm{spearman}(\{1-\mathrm{corr}(x_i,x_j)\}, \{1-\mathrm{corr}(y_i,y_j)\})", "O(n^2 d + n^2 log n)",
     "kriegeskorte2008", min_n=3, differentiable=False, bounds=SIGNED)
_reg("procrustes_angular", procrustes_distance, "distance", True, ALL,
     r"\arccos\|\hat X^\top\hat Y\|_*", "O(n d1 d2 + d1 d2 min(d1,d2))", "williams2021", bounds=(0.0, math.pi / 2))
_reg("procrustes_euclidean", partial(procrustes_distance, metric="euclidean"), "distance", True, ALL,
     r"\min_Q\|\hat XQ-\hat Y\|_F=\sqrt{2-2\|\hat X^\top\hat Y\|_*}", "O(n d1 d2 + d1 d2 min(d1,d2))",
     "schonemann1966", bounds=(0.0, math.sqrt(2.0)))
_reg("cca_mean", cca_similarity, "similarity", True, ALL | {"invertible_linear"},
     r"\frac1k\sum_i\rho_i", "O(n (d1^2 + d2^2))", "hotelling1936", bounds=UNIT)
_reg("svcca", svcca, "similarity", True, ALL,
     r"mean \rho_i after keeping 99\% of the variance", "O(n (d1^2 + d2^2))", "raghu2017", bounds=UNIT)
_reg("kernel_cca_rbf", kernel_cca, "similarity", True, ALL,
     r"\sup \widehat{\mathrm{cov}}(f,g)/\sqrt{(\widehat{\mathrm{var}}f+\kappa\|f\|^2)(\cdot)}, \kappa=0.02",
     "O(n^3)", "bach2002", bounds=UNIT)
_reg("mutual_knn", mutual_knn, "similarity", True, OPI,
     r"\frac1n\sum_i|N_k^X(i)\cap N_k^Y(i)|/k (cosine, k=10)", "O(n^2 (d1+d2) + n^2 log n)", "huh2024",
     differentiable=False, min_n=11, bounds=UNIT)
_reg("label_alignment", partial(label_alignment, tau=1.0), "similarity", False,
     {"orthogonal", "permutation"}, r"\sum_{\sigma_i\ge\tau}(u_i^\top y)^2 (\tau = 1)", "O(n k^2)",
     "imani2022", target=True, differentiable=False, bounds=(0.0, None))
_reg("kernel_target_alignment", kernel_target_alignment, "similarity", False, OPI,
     r"y^\top\Phi\Phi^\top y/(\|\Phi^\top\Phi\|_F\|y\|^2)", "O(n k^2)", "cristianini2001", target=True, bounds=UNIT)
