r"""Checks for the chapter *Kernel alignment and its relatives* (``chapters/kernel-alignment.md``).

Every check compares a measure of :mod:`alignbook.measures` (or a statement about it) with an
independent route: an explicit :math:`n\times n` sum, an eigendecomposition, ``scipy.linalg``
(``sqrtm``, ``slogdet``, ``subspace_angles``), exhaustive enumeration of every sample of a
discrete law, or Monte Carlo against an exact moment formula. Populations are chosen so that
their values are exact (finite discrete laws, Gaussians with known covariances).

One module per section of the chapter, with the ids it checks (each is the ``:label:`` of a
statement in the chapter); shared independent routes in ``_routes``, the sympy derivations the
chapter displays in :mod:`.symbolic`:

* ``alignment``: ``def-ka``, ``prop-ka-forms``, ``thm-ka-spectral``, ``err-spectral-square``,
  ``prop-kta-spectral``, ``err-kta-sqrt``, ``thm-kta-risk``, ``err-kta-risk-sqrt``, ``prop-kare-gcv``;
* ``distance``: ``thm-ka-da``, ``err-ka-da-constant``;
* ``hsic``: ``prop-hsic-linear``, ``thm-cka-hsic``, ``err-hsic-uncentred``, ``thm-hsic-mmd``,
  ``thm-dcor-cka``, ``thm-hsic-unbiased``, ``prop-cka-permutation-null``, ``thm-hsic-characteristic``,
  ``prop-dcov-null``;
* ``gaussian``: ``thm-gauss-cancorr``, ``rem-two-rhos``, ``prop-mi-hsic-coco``, ``prop-coco-kcca-linear``,
  ``err-w2-gaussian``;
* ``concentration``: ``thm-ka-concentration``, ``err-lemma1-bias``;
* ``invariances``: ``prop-cka-invariance``, ``thm-invertible-width``, ``prop-cka-cca-whitened``.
"""
from __future__ import annotations

# one module per section of the chapter, imported in the chapter's order (this registers the checks)
from . import alignment, distance, hsic, gaussian, concentration, invariances  # noqa: F401,E401
