"""Figures for the chapter "What alignment throws away"; every axis is labelled.

* :func:`pareto_plot`: a :class:`~alignbook.experiments.tradeoff.LinearSweep`;
* :func:`risk_vs_weight`: the :class:`~alignbook.theory.tradeoff.redundancy.RedundancySweeps` of
  ``run("prop-tradeoff-ordering").payload``;
* :func:`digits_plot`: a :class:`~alignbook.experiments.tradeoff.HalvesExperiment`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiments.tradeoff import HalvesExperiment, LinearSweep
from ..theory.tradeoff.redundancy import RedundancySweeps
from ._checks import expect

__all__ = ["pareto_plot", "risk_vs_weight", "digits_plot"]


def _levels_cmap(n):
    return plt.cm.viridis(np.linspace(0.0, 0.9, n))


def pareto_plot(sweep: LinearSweep, ax=None):
    """Pareto fronts of the penalised linear objective, one per redundancy level.

    ``sweep`` is :func:`alignbook.experiments.tradeoff.linear_sweep`'s result: for each level,
    alignment loss (x, over Var Y1) against prediction risk (y, over Var Y1) along ``lambda``.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import linear_sweep
    >>> from alignbook.plots.tradeoff import pareto_plot
    >>> pareto_plot(linear_sweep(levels=(1.0, 0.0), device="cpu")).axes[0].get_title()
    'Exact minimisers of the penalised objective'
    """
    expect(sweep, LinearSweep, "sweep", "linear_sweep()")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.0))
    else:
        fig = ax.figure
    lam = np.asarray(sweep.lambdas)
    for col, lev, r, a in zip(_levels_cmap(len(sweep.levels)), sweep.levels, sweep.risk, sweep.align):
        ax.plot(a, r, "-", color=col, label=f"redundancy {lev:.2f}")
        for mark, target in (("o", 0.0), ("s", 1.0), ("^", 100.0)):
            k = int(np.argmin(np.abs(lam - target)))
            ax.plot(a[k], r[k], mark, color=col, ms=5)
    ax.plot([], [], "ko", ms=5, label=r"$\lambda=0$")
    ax.plot([], [], "ks", ms=5, label=r"$\lambda=1$")
    ax.plot([], [], "k^", ms=5, label=r"$\lambda=100$")
    ax.set_xlabel(r"alignment loss $\mathbb{E}(w^\top X_1-u^\top X_2)^2$ / Var $Y_1$")
    ax.set_ylabel(r"prediction risk $\mathbb{E}(Y_1-w^\top X_1)^2$ / Var $Y_1$")
    ax.set_title("Exact minimisers of the penalised objective")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def risk_vs_weight(sweeps: RedundancySweeps):
    """Prediction risk of Y1 against the alignment weight, one curve per redundancy level.

    Left: closed-form linear encoders (``lambda``, log scale). Right (when ``sweeps.contrastive``
    is not None): MLP towers trained on ``(1 - alpha) * MSE + alpha * InfoNCE``, risk of a k-NN
    probe (solid) and a linear probe (dashed) of Y1 from the unit-norm embedding of X1.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import linear_sweep
    >>> from alignbook.plots.tradeoff import risk_vs_weight
    >>> from alignbook.theory.tradeoff.redundancy import RedundancySweeps
    >>> fig = risk_vs_weight(RedundancySweeps(linear=linear_sweep(levels=(1.0, 0.0), device="cpu")))
    >>> len(fig.axes), fig.axes[0].get_xscale()
    (1, 'log')
    """
    expect(sweeps, RedundancySweeps, "sweeps", 'run("prop-tradeoff-ordering").payload')
    linear, contrastive = sweeps.linear, sweeps.contrastive
    ncol = 2 if contrastive is not None else 1
    fig, axes = plt.subplots(1, ncol, figsize=(5.2 * ncol, 3.9), squeeze=False)
    ax = axes[0, 0]
    lam = np.asarray(linear.lambdas)
    pos = lam > 0
    for col, lev, r in zip(_levels_cmap(len(linear.levels)), linear.levels, linear.risk):
        ax.semilogx(lam[pos], r[pos], color=col, label=f"redundancy {lev:.2f}")
    ax.set_xlabel(r"alignment weight $\lambda$")
    ax.set_ylabel(r"risk of $Y_1$ / Var $Y_1$")
    ax.set_title("Linear encoders (exact)")
    ax.legend(fontsize=7)
    if contrastive is not None:
        ax = axes[0, 1]
        al = np.asarray(contrastive.alphas)
        for col, lev, rk, rl in zip(_levels_cmap(len(contrastive.levels)), contrastive.levels,
                                    contrastive.knn_risk, contrastive.risk):
            ax.plot(al, rk, "o-", color=col, label=f"redundancy {lev:.2f}")
            ax.plot(al, rl, "--", color=col, alpha=0.6)
        ax.plot([], [], "k-", label="k-NN probe")
        ax.plot([], [], "k--", alpha=0.6, label="linear probe")
        ax.set_xlabel(r"alignment weight $\alpha$ (0: supervised, 1: InfoNCE only)")
        ax.set_ylabel(r"test risk of $Y_1$ from $h_1(X_1)$ / Var $Y_1$")
        ax.set_title("MLP towers, symmetric InfoNCE")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def digits_plot(result: HalvesExperiment):
    """Digits halves: specific target (ink of the left half) and shared target (digit) vs alpha.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.tradeoff import HalvesExperiment, ProbeReference
    >>> from alignbook.plots.tradeoff import digits_plot
    >>> res = HalvesExperiment(np.array([0.0, 1.0]), np.array([0.1, 0.5]), np.array([0.8, 0.9]), np.array([1.0, 0.2]),
    ...                        ProbeReference(0.0, 0.6, 0.8, 0.7))
    >>> [ax.get_title() for ax in digits_plot(res).axes]
    ['Modality-specific target', 'Shared target']
    """
    expect(result, HalvesExperiment, "result", "digits_experiment()")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    al = result.alphas
    ref = result.reference
    a1.plot(al, result.risk_y1, "o-", color="C3", label="left tower embedding")
    a1.axhline(ref.risk_y1_from_x1, color="k", ls=":", label="linear probe on left pixels")
    a1.axhline(ref.risk_y1_from_x2, color="C0", ls="--", label="linear probe on right pixels")
    a1.set_xlabel(r"alignment weight $\alpha$")
    a1.set_ylabel("test risk of left-half ink / its variance")
    a1.set_title("Modality-specific target")
    a1.legend(fontsize=7)
    a2.plot(al, result.accuracy, "o-", color="C2", label="left tower embedding")
    a2.axhline(ref.accuracy_x1, color="k", ls=":", label="probe on left pixels")
    a2.axhline(ref.accuracy_x2, color="C0", ls="--", label="probe on right pixels")
    a2.set_xlabel(r"alignment weight $\alpha$")
    a2.set_ylabel("test accuracy of a linear probe (digit)")
    a2.set_title("Shared target")
    a2.legend(fontsize=7)
    fig.tight_layout()
    return fig
