r"""Checks for the chapter *Kernel alignment and its relatives* (``chapters/kernel-alignment.md``).

Every check compares a measure of :mod:`alignbook.measures` (or a statement about it) with an
independent route: an explicit :math:`n\times n` sum, an eigendecomposition, ``scipy.linalg``
(``sqrtm``, ``slogdet``, ``subspace_angles``), exhaustive enumeration of every sample of a
discrete law, or Monte Carlo against an exact moment formula. Populations are chosen so that
their values are exact (finite discrete laws, Gaussians with known covariances).

Ids (each is the ``:label:`` of a statement in the chapter):

* definitions and forms: ``def-ka``, ``prop-ka-forms``, ``thm-ka-spectral``, ``prop-kta-spectral``;
* distance alignment: ``thm-ka-da``;
* HSIC family: ``prop-hsic-linear``, ``thm-cka-hsic``, ``thm-hsic-mmd``, ``thm-dcor-cka``,
  ``thm-hsic-unbiased``;
* Gaussians, COCO and kernel CCA: ``thm-gauss-cancorr``, ``prop-mi-hsic-coco``, ``prop-coco-kcca-linear``;
* concentration: ``thm-ka-concentration``;
* invariances: ``prop-cka-invariance``, ``thm-invertible-width``;
* errata: ``err-spectral-square``, ``err-kta-sqrt``, ``err-ka-da-constant``, ``err-hsic-uncentred``,
  ``err-w2-gaussian``, ``err-lemma1-bias``.
"""
from __future__ import annotations

# one module per section of the chapter, imported in the chapter's order (this registers the checks)
from . import alignment, distance, hsic, gaussian, concentration, invariances  # noqa: F401,E401
