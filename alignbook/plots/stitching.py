"""Figures for the stitching chapter.

:func:`penalty_heatmap`, :func:`bound_vs_actual` and :func:`cka_vs_penalty` take one or a list
of :class:`~alignbook.experiments.stitching.StitchResults`; :func:`cka_vs_condition` takes the
:class:`~alignbook.theory.stitching.ConditionSweep` of ``run("rem-ka-stitch").payload``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiments.stitching import StitchResults
from ..theory.stitching import ConditionSweep
from ._checks import expect

__all__ = ["bound_vs_actual", "cka_vs_penalty", "cka_vs_condition", "layer_names", "penalty_heatmap"]


def layer_names(n_layers: int) -> list[str]:
    """``["input", "h1", ..., "logits"]`` for representations indexed 0 .. n_layers - 1.

    Examples
    --------
    >>> from alignbook.plots.stitching import layer_names
    >>> layer_names(4)
    ['input', 'h1', 'h2', 'logits']
    """
    return ["input", *[f"h{k}" for k in range(1, n_layers - 1)], "logits"]


def _as_list(results) -> list[StitchResults]:
    out = list(results) if isinstance(results, (list, tuple)) else [results]
    for k, res in enumerate(out):
        expect(res, StitchResults, f"results[{k}]", 'alignbook.experiments.stitching.run("digits")')
    return out


def penalty_heatmap(results, same_net: bool = False):
    """One panel per result: mean stitching penalty over network pairs for each (layer i of A, layer j of B).

    By default only pairs of *different* networks (``same_net=False``) are averaged.

    Examples
    --------
    >>> from alignbook.data import load_digits
    >>> from alignbook.experiments.stitching import stitch_all, train_nets
    >>> split = load_digits(seed=0)
    >>> res = stitch_all(train_nets(split, seeds=[0, 1], widths=[8], epochs=1, device="cpu"), split, device="cpu")
    >>> from alignbook.plots.stitching import penalty_heatmap
    >>> penalty_heatmap([res, res]).axes[0].get_xlabel()
    'layer j of network B (stitched into)'
    """
    results = _as_list(results)
    fig, axes = plt.subplots(1, len(results), figsize=(4.6 * len(results), 4.0), squeeze=False)
    for ax, res in zip(axes[0], results):
        M = res.layer_matrix(res.penalty, res.mask(same_net=same_net))
        names = layer_names(M.shape[0])
        im = ax.imshow(M, cmap="magma_r", vmin=min(0.0, float(np.nanmin(M))))
        for i in range(M.shape[0]):
            for j in range(M.shape[1]):
                ax.text(j, i, f"{M[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if M[i, j] > 0.5 * np.nanmax(M) else "black")
        ax.set_xticks(range(len(names)), names)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("layer j of network B (stitched into)")
        ax.set_ylabel("layer i of network A (taken from)")
        ax.set_title(f"{res.dataset}: mean penalty")
        fig.colorbar(im, ax=ax, label="test accuracy of B minus stitched")
    fig.tight_layout()
    return fig


def bound_vs_actual(results):
    """Log-log scatter of Theorem 1's bound against the stitched risk, one colour per dataset.

    Examples
    --------
    >>> from alignbook.data import load_digits
    >>> from alignbook.experiments.stitching import stitch_all, train_nets
    >>> split = load_digits(seed=0)
    >>> res = stitch_all(train_nets(split, seeds=[0, 1], widths=[8], epochs=1, device="cpu"), split, device="cpu")
    >>> from alignbook.plots.stitching import bound_vs_actual
    >>> bound_vs_actual(res).axes[0].get_xscale()
    'log'
    """
    results = _as_list(results)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    lo, hi = np.inf, 0.0
    for res, mk in zip(results, "os^v"):
        x, y = res.risk_stitch, res.bound
        ax.scatter(x, y, s=12, alpha=0.6, marker=mk, label=f"{res.dataset} ({len(res)} pairs)")
        lo, hi = min(lo, x.min(), y.min()), max(hi, x.max(), y.max())
    line = np.array([lo, hi])
    ax.plot(line, line, "k--", lw=1, label="bound = actual")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("stitched risk (Brier score, training sample)")
    ax.set_ylabel(r"Theorem 1 bound $(\sqrt{R_B} + \kappa_B\sqrt{\tilde A})^2$")
    ax.legend(fontsize=8)
    ax.set_title("every point lies on or above the diagonal")
    fig.tight_layout()
    return fig


def cka_vs_penalty(results):
    """Scatter of linear CKA between the stitched layers against the stitching penalty (A != B).

    Examples
    --------
    >>> from alignbook.data import load_digits
    >>> from alignbook.experiments.stitching import stitch_all, train_nets
    >>> split = load_digits(seed=0)
    >>> res = stitch_all(train_nets(split, seeds=[0, 1], widths=[8], epochs=1, device="cpu"), split, device="cpu")
    >>> from alignbook.plots.stitching import cka_vs_penalty
    >>> cka_vs_penalty(res).axes[0].get_ylabel()
    'stitching penalty (test accuracy drop)'
    """
    results = _as_list(results)
    fig, axes = plt.subplots(1, len(results), figsize=(4.6 * len(results), 4.0), squeeze=False)
    for ax, res in zip(axes[0], results):
        m = res.mask(same_net=False)
        i, j = res.i[m], res.j[m]
        diag = i == j
        ax.scatter(res.cka[m][~diag], res.penalty[m][~diag], s=10, alpha=0.5, label="different depths (i != j)")
        ax.scatter(res.cka[m][diag], res.penalty[m][diag], s=14, alpha=0.8, label="same depth (i = j)")
        ax.set_xlabel("linear CKA between layer i of A and layer j of B (test)")
        ax.set_ylabel("stitching penalty (test accuracy drop)")
        ax.set_title(res.dataset)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def cka_vs_condition(sweep: ConditionSweep):
    """Remark 5: CKA of F1 and F1 M against the condition number of M (stitching stays perfect).

    The whitened curve falls to its floor ``1/sqrt(dim)``; the anisotropic curve (``cka_unwhitened``,
    when present) falls towards 0.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.stitching import cka_vs_condition
    >>> from alignbook.theory.stitching import ConditionSweep
    >>> fig = cka_vs_condition(ConditionSweep(np.array([1.0, 10.0, 100.0]), np.array([1.0, 0.6, 0.4]), dim=10))
    >>> fig.axes[0].get_xlabel()
    'condition number of the invertible map M'
    """
    expect(sweep, ConditionSweep, "sweep", 'run("rem-ka-stitch").payload')
    dim = sweep.dim
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    ax.semilogx(sweep.condition, sweep.cka, "o-", label=r"whitened $F_1$: CKA$(F_1, F_1M)$")
    if sweep.cka_unwhitened is not None:
        ax.semilogx(sweep.condition ** 1.5, sweep.cka_unwhitened, "s-",
                    label=r"anisotropic $F_1$, $M$ undoing it")
    ax.axhline(1 / np.sqrt(dim), color="gray", ls=":", label=rf"whitened floor $1/\sqrt{{{dim}}}$")
    ax.set_xlabel("condition number of the invertible map M")
    ax.set_ylabel("linear CKA")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
