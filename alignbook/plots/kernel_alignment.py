"""Figures for the chapter *Kernel alignment and its relatives*.

Each function takes a typed result, the payload of a check (``run(id).payload``) or an
experiment's result, and returns a matplotlib ``Figure`` with labelled axes. matplotlib is
imported when this module is (only chapters import :mod:`alignbook.plots`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiments.kernel_alignment import LayerComparison, NotionAgreement
from ..theory.kernel_alignment.alignment import SpectralCoupling
from ..theory.kernel_alignment.concentration import ConcentrationCurve
from ..theory.kernel_alignment.gaussian import GaussianNotions
from ..theory.kernel_alignment.hsic import HSICEstimates, PermutationNull
from ._checks import expect

__all__ = [
    "concentration_plot",
    "gaussian_notions_plot",
    "hsic_bias_plot",
    "layer_notions_plot",
    "notion_agreement_plot",
    "permutation_null_plot",
    "spectrum_coupling_plot",
]


def spectrum_coupling_plot(coupling: SpectralCoupling, k: int | None = None):
    """Normalised spectra of the two kernels and the squared coupling matrix C12 (``thm-ka-spectral``).

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.kernel_alignment import spectrum_coupling_plot
    >>> from alignbook.theory.kernel_alignment.alignment import SpectralCoupling
    >>> fig = spectrum_coupling_plot(SpectralCoupling(np.array([0.9, 0.4]), np.array([1.0, 0.0]), np.eye(2), 0.9))
    >>> fig.axes[0].get_xlabel()
    'eigenvalue index $i$'
    """
    expect(coupling, SpectralCoupling, "coupling", 'run("thm-ka-spectral").payload')
    e1, e2, C = np.asarray(coupling.eta1), np.asarray(coupling.eta2), np.asarray(coupling.C)
    k = k or len(e1)
    # eigenvalues below 1e-12 (relative) are rounding noise of a low-rank kernel: not plotted,
    # and the eigenfunctions that belong to them carry no weight in the alignment
    keep1 = np.abs(e1[:k]) > 1e-12
    keep2 = np.abs(e2[:k]) > 1e-12
    r2 = int(keep2.sum())
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.3, 1]})
    i = np.arange(1, k + 1)
    axes[0].semilogy(i[keep1], np.abs(e1[:k][keep1]), "o-", ms=3, label=r"$\hat\eta_1$ (RBF kernel)")
    axes[0].semilogy(i[keep2], np.abs(e2[:k][keep2]), "s-", ms=3,
                     label=rf"$\hat\eta_2$ (linear kernel, rank {r2})")
    axes[0].set_xlabel("eigenvalue index $i$")
    axes[0].set_ylabel(r"normalised eigenvalue $\hat\eta_{q,i}$")
    axes[0].set_title("spectra")
    axes[0].legend(fontsize=8)
    im = axes[1].imshow(C[:k, :r2] ** 2, cmap="viridis", vmin=0, vmax=1, origin="upper", aspect="auto",
                        extent=(0.5, r2 + 0.5, k + 0.5, 0.5))
    axes[1].set_xlabel(r"eigenfunction $j$ of kernel 2 (non-zero $\eta_{2,j}$ only)")
    axes[1].set_ylabel(r"eigenfunction $i$ of kernel 1")
    axes[1].set_title(r"coupling $[C_{12}]_{ij}^2$")
    fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.04, label=r"$\langle\phi_{1,i},\phi_{2,j}\rangle^2$")
    fig.tight_layout()
    return fig


def concentration_plot(curve: ConcentrationCurve):
    """Log-log error of empirical KA against n, with the bound (``thm-ka-concentration``).

    Examples
    --------
    >>> from alignbook.plots.kernel_alignment import concentration_plot
    >>> from alignbook.theory import run
    >>> fig = concentration_plot(run("thm-ka-concentration", scale="test", device="cpu").payload)
    >>> fig.axes[0].get_ylabel()
    'error of empirical kernel alignment'
    """
    expect(curve, ConcentrationCurve, "curve", 'run("thm-ka-concentration").payload')
    n = np.asarray(curve.n, dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.loglog(n, curve.mean_error, "o-", label=r"mean $|\hat A - A|$")
    ax.loglog(n, curve.quantile_error, "s-", label=rf"$(1-\delta)$-quantile, $\delta={curve.delta}$")
    ax.loglog(n, curve.bound, "k--", label=r"bound $\sqrt{32\log(2/\delta)/n}$")
    ref = curve.mean_error[0] * (n / n[0]) ** -0.5
    ax.loglog(n, ref, ":", color="gray", label=r"slope $-1/2$ reference")
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel("error of empirical kernel alignment")
    ax.set_title(f"fitted slope {curve.slope:.3f}; bound / quantile = {np.min(curve.looseness):.0f}"
                 f"-{np.max(curve.looseness):.0f}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def gaussian_notions_plot(notions: GaussianNotions):
    r"""HSIC, MI, W2^2 (correct and printed) and CCA cost for one canonical pair (``thm-gauss-cancorr``).

    Examples
    --------
    >>> from alignbook.plots.kernel_alignment import gaussian_notions_plot
    >>> from alignbook.theory import run
    >>> fig = gaussian_notions_plot(run("thm-gauss-cancorr", scale="test", device="cpu").payload)
    >>> fig.axes[0].get_xlabel()
    'canonical correlation $\\rho$'
    """
    expect(notions, GaussianNotions, "notions", 'run("thm-gauss-cancorr").payload')
    rho = notions.rho
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(rho, notions.hsic, label=r"HSIC $=\rho^2$")
    ax.plot(rho, notions.mi, label=r"MI $=-\frac{1}{2}\log(1-\rho^2)$")
    ax.plot(rho, notions.w2, label=r"$W_2^2 = 2(2-\sqrt{1+\rho}-\sqrt{1-\rho})$")
    ax.plot(rho, notions.w2_printed, "--", label=r"printed $2(1-\sqrt{1-\rho^2})$ (wrong)")
    ax.plot(rho, notions.cca_cost, label=r"CCA cost $2(1-\rho)$")
    ax.set_ylim(0, 2.5)
    ax.set_xlabel(r"canonical correlation $\rho$")
    ax.set_ylabel("value for one canonical pair")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def hsic_bias_plot(estimates: HSICEstimates, bins: int = 60):
    """Histograms of the unbiased and biased HSIC estimates with the truth (``thm-hsic-unbiased``).

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.kernel_alignment import hsic_bias_plot
    >>> from alignbook.theory.kernel_alignment.hsic import HSICEstimates
    >>> from alignbook.device import rng
    >>> r = rng(0)
    >>> fig = hsic_bias_plot(HSICEstimates(1.0, 1.2, r.normal(1.0, 0.3, 500), r.normal(1.2, 0.3, 500), n=20))
    >>> fig.axes[0].get_ylabel()
    'number of samples'
    """
    expect(estimates, HSICEstimates, "estimates", 'run("thm-hsic-unbiased").payload')
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    hu, hb = np.asarray(estimates.unbiased), np.asarray(estimates.biased)
    lo, hi = np.quantile(np.concatenate([hu, hb]), [0.005, 0.995])
    edges = np.linspace(lo, hi, bins)
    ax.hist(hu, bins=edges, alpha=0.5, label=r"$\mathrm{HSIC}_u$ (U-statistic)")
    ax.hist(hb, bins=edges, alpha=0.5, label=r"$\mathrm{HSIC}_b$ (biased)")
    ax.axvline(estimates.truth, color="k", label=r"population $\|\Sigma_{xy}\|_F^2$")
    ax.axvline(hu.mean(), color="C0", ls="--", label=r"mean of $\mathrm{HSIC}_u$")
    ax.axvline(hb.mean(), color="C1", ls="--", label=r"mean of $\mathrm{HSIC}_b$")
    ax.set_xlabel(f"HSIC estimate (n = {estimates.n})")
    ax.set_ylabel("number of samples")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def permutation_null_plot(null: PermutationNull, bins: int = 30):
    """Permuted CKAs of unrelated wide representations with the exact null mean (``prop-cka-permutation-null``).

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.kernel_alignment import permutation_null_plot
    >>> from alignbook.theory.kernel_alignment.hsic import PermutationNull
    >>> from alignbook.device import rng
    >>> values = rng(0).normal(0.25, 0.02, 200)
    >>> fig = permutation_null_plot(PermutationNull(values, 0.25, 0.26, n=200, beta_x=60.0, beta_y=50.0))
    >>> fig.axes[0].get_ylabel()
    'number of permutations'
    """
    expect(null, PermutationNull, "null", 'run("prop-cka-permutation-null").payload')
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    values = np.asarray(null.null)
    ax.hist(values, bins=bins, color="0.7", label=f"CKA after permuting rows ({values.size} permutations)")
    ax.axvline(null.exact_mean, color="k", lw=2, label=r"exact null mean $\sqrt{\beta_X\beta_Y}/(n-1)$")
    ax.axvline(values.mean(), color="C0", ls="--", label="mean of the permuted values")
    ax.axvline(null.observed, color="C3", label="observed (unpermuted) CKA")
    ax.set_xlabel(f"biased linear CKA (n = {null.n}, unrelated X and Y)")
    ax.set_ylabel("number of permutations")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # room for the legend above the bars
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def layer_notions_plot(comparison: LayerComparison, notions=None):
    """Heatmaps (layer of net a vs layer of net b) of each notion, averaged over network pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.kernel_alignment import LayerComparison
    >>> from alignbook.plots.kernel_alignment import layer_notions_plot
    >>> comp = LayerComparison(["a"], ["input", "logits"], [(0, 1)], {"a": np.eye(2)[None]}, [0.9, 0.9], 10, 0.0)
    >>> layer_notions_plot(comp).axes[0].get_xlabel()
    'layer of network b'
    """
    expect(comparison, LayerComparison, "comparison", "alignbook.experiments.kernel_alignment.run(scale)")
    notions = list(notions or comparison.notions)
    cols = min(4, len(notions))
    rows = int(np.ceil(len(notions) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.9 * cols, 3.7 * rows), squeeze=False, layout="constrained")
    L = len(comparison.layers)
    for ax, nm in zip(axes.flat, notions):
        M = comparison.mean(nm)
        im = ax.imshow(M, vmin=0, vmax=1, cmap="magma")
        for i in range(L):
            for j in range(L):
                ax.text(j, i, f"{M[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if M[i, j] < 0.6 else "black")
        ax.set_title(nm, fontsize=9)
        ax.set_xticks(range(L), comparison.layers, rotation=45, fontsize=7)
        ax.set_yticks(range(L), comparison.layers, fontsize=7)
        ax.set_xlabel("layer of network b", fontsize=8)
        ax.set_ylabel("layer of network a", fontsize=8)
    for ax in list(axes.flat)[len(notions):]:
        ax.axis("off")
    fig.colorbar(im, ax=axes, fraction=0.02, pad=0.02, label="alignment")
    return fig


def notion_agreement_plot(agreement: NotionAgreement):
    """Spearman rank correlation between notions over every (pair, layer, layer) entry.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.kernel_alignment import NotionAgreement
    >>> from alignbook.plots.kernel_alignment import notion_agreement_plot
    >>> fig = notion_agreement_plot(NotionAgreement(["a", "b"], np.array([[1.0, 0.5], [0.5, 1.0]])))
    >>> fig.axes[0].get_xlabel()
    'notion'
    """
    expect(agreement, NotionAgreement, "agreement", "rank_agreement(comparison)")
    names = agreement.notions
    rho = agreement.rho
    fig, ax = plt.subplots(figsize=(6.0, 5.0))
    im = ax.imshow(rho, vmin=-1, vmax=1, cmap="coolwarm")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{rho[i, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(names)), names, rotation=50, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("notion")
    ax.set_ylabel("notion")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="Spearman rank correlation")
    fig.tight_layout()
    return fig
