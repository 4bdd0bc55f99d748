"""Every public figure function runs on a small typed result and labels every axis it draws.

``CASES`` has one entry per public function of every :mod:`alignbook.plots` module (a new
figure without an entry fails :func:`test_every_plot_function_has_a_case`). Each entry builds a
small result by hand, of the type the function documents, so this file runs in seconds and does
not depend on any experiment; ``test_plots_take_real_payloads`` feeds the real check payloads at
the test scale.
"""
from __future__ import annotations

import importlib
import pkgutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import alignbook.plots  # noqa: E402
from alignbook.device import rng  # noqa: E402
from alignbook.experiments.kernel_alignment import LayerComparison, NotionAgreement  # noqa: E402
from alignbook.experiments.preliminaries import GramMatrices  # noqa: E402
from alignbook.experiments.stitching import COLUMNS, StitchResults, TrainedNet  # noqa: E402
from alignbook.experiments.tradeoff import (  # noqa: E402
    ContrastiveSweep,
    HalvesExperiment,
    LinearSweep,
    ProbeReference,
)
from alignbook.models import MLP  # noqa: E402
from alignbook.scale.stats import PermutationResult  # noqa: E402
from alignbook.theory import run  # noqa: E402
from alignbook.theory.kernel_alignment.alignment import SpectralCoupling  # noqa: E402
from alignbook.theory.kernel_alignment.concentration import ConcentrationCurve  # noqa: E402
from alignbook.theory.kernel_alignment.gaussian import GaussianNotions  # noqa: E402
from alignbook.theory.kernel_alignment.hsic import HSICEstimates, PermutationNull  # noqa: E402
from alignbook.theory.preliminaries import SingularSpectra, SpectrumConvergence  # noqa: E402
from alignbook.theory.stitching import ConditionSweep  # noqa: E402
from alignbook.theory.tradeoff.redundancy import RedundancySweeps  # noqa: E402

R = rng(0)


def _stitch_results(name="toy") -> StitchResults:
    """Two networks with 3 representations each: every (a, b, i, j), plausible values."""
    idx = np.array([(a, b, i, j) for a in range(2) for b in range(2) for i in range(3) for j in range(3)])
    n = len(idx)
    risk_B, A_tilde, kappa = R.uniform(0.05, 0.2, n), R.uniform(0, 1, n), R.uniform(0.5, 3, n)
    bound = (np.sqrt(risk_B) + kappa * np.sqrt(A_tilde)) ** 2
    risk_stitch = bound * R.uniform(0.1, 1.0, n)
    acc_B, acc_stitch = R.uniform(0.8, 0.95, n), R.uniform(0.5, 0.95, n)
    cols = dict(a=idx[:, 0], b=idx[:, 1], i=idx[:, 2], j=idx[:, 3], risk_B=risk_B, A_tilde=A_tilde, kappa=kappa,
                risk_stitch=risk_stitch, bound=bound, ratio=bound / risk_stitch, acc_B=acc_B, acc_stitch=acc_stitch,
                penalty=acc_B - acc_stitch, cka=R.uniform(0, 1, n), acc_task=np.full(n, np.nan))
    assert set(cols) == set(COLUMNS)
    nets = [TrainedNet(MLP(4, (3,), 2), s, (3,), 0.9, 0.9) for s in range(2)]
    return StitchResults(name, nets, **cols)


def _layer_comparison() -> LayerComparison:
    names = ["CKA (linear)", "dCor^2", "CCA R^2"]
    return LayerComparison(names, ["input", "hidden 1", "logits"], [(0, 1)],
                           {k: R.uniform(0, 1, (1, 3, 3)) for k in names}, [0.9, 0.9], 50, 0.0)


def _linear_sweep(levels=(1.0, 0.0)) -> LinearSweep:
    lam = np.concatenate([[0.0], np.logspace(-2, 3, 8)])
    risk = np.array([np.linspace(0.1, 0.1 + 0.5 * (1 - lev), lam.size) for lev in levels])
    align = np.array([np.linspace(0.5, 0.0, lam.size) for _ in levels])
    return LinearSweep(np.asarray(levels), lam, risk, risk, align, np.full(len(levels), 0.9),
                       np.asarray(levels) * 0.9, risk[:, -1] - risk[:, 0])


def _contrastive_sweep() -> ContrastiveSweep:
    risk = np.array([[0.2, 0.22], [0.2, 0.6]])
    return ContrastiveSweep(np.array([1.0, 0.0]), np.array([0.0, 1.0]), risk, risk, risk, risk[:, -1] - risk[:, 0],
                            risk[:, -1] - risk[:, 0], n_train=64, seeds=[0])


CASES = {
    "preliminaries.spectrum_plot": lambda P: P.spectrum_plot(
        SingularSpectra({"pixels": np.array([5.0, 2.0, 1.0, 0.0]), "features": np.array([9.0, 1.0, 0.5, 0.1])}, n=4),
        k_mark=2),
    "preliminaries.gram_heatmaps": lambda P: P.gram_heatmaps(
        GramMatrices({"linear $XX^\\top$": torch.eye(6), "centred": torch.eye(6) - 1 / 6, "third": torch.ones(6, 6)},
                     torch.tensor([0, 0, 1, 1, 2, 2]))),
    "preliminaries.convergence_plot": lambda P: P.convergence_plot(
        SpectrumConvergence([50, 200, 800], [0.4, 0.2, 0.1], np.array([3.0, 1.0]), slope=-0.5)),
    "kernel_alignment.spectrum_coupling_plot": lambda P: P.spectrum_coupling_plot(
        SpectralCoupling(np.array([0.8, 0.5, 0.3, 0.1]), np.array([0.9, 0.4, 0.0, 0.0]), R.uniform(-1, 1, (4, 4)), 0.7)),
    "kernel_alignment.concentration_plot": lambda P: P.concentration_plot(ConcentrationCurve(
        n=np.array([50, 200, 800]), mean_error=np.array([0.1, 0.05, 0.025]), quantile_error=np.array([0.2, 0.1, 0.05]),
        bound=np.array([2.0, 1.0, 0.5]), bound_a12=np.array([1.0, 0.5, 0.25]), quantile_a12=np.array([0.1, 0.05, 0.02]),
        slope=-0.5, population_ka=0.6, delta=0.05, looseness=np.array([10.0, 10.0, 10.0]))),
    "kernel_alignment.gaussian_notions_plot": lambda P: P.gaussian_notions_plot(GaussianNotions(
        *(lambda g: (g, g**2, -0.5 * np.log1p(-g**2), 2 * (2 - np.sqrt(1 + g) - np.sqrt(1 - g)),
                     2 * (1 - np.sqrt(1 - g**2)), 2 * (1 - g)))(np.linspace(0, 0.99, 20)))),
    "kernel_alignment.hsic_bias_plot": lambda P: P.hsic_bias_plot(
        HSICEstimates(1.0, 1.1, R.normal(1.0, 0.3, 200), R.normal(1.1, 0.3, 200), n=20), bins=10),
    "kernel_alignment.permutation_null_plot": lambda P: P.permutation_null_plot(
        PermutationNull(R.normal(0.25, 0.02, 100), 0.25, 0.3, n=60, beta_x=20.0, beta_y=15.0)),
    "kernel_alignment.layer_notions_plot": lambda P: P.layer_notions_plot(_layer_comparison()),
    "kernel_alignment.notion_agreement_plot": lambda P: P.notion_agreement_plot(
        NotionAgreement(["a", "b", "c"], np.array([[1.0, 0.8, -0.1], [0.8, 1.0, 0.0], [-0.1, 0.0, 1.0]]))),
    "stitching.penalty_heatmap": lambda P: P.penalty_heatmap([_stitch_results("one"), _stitch_results("two")]),
    "stitching.bound_vs_actual": lambda P: P.bound_vs_actual([_stitch_results("one"), _stitch_results("two")]),
    "stitching.cka_vs_penalty": lambda P: P.cka_vs_penalty(_stitch_results()),
    "stitching.cka_vs_condition": lambda P: P.cka_vs_condition(
        ConditionSweep(np.array([1.0, 10.0, 100.0]), np.array([1.0, 0.6, 0.4]), dim=10)),
    "stitching.layer_names": None,  # not a figure: checked in test_layer_names
    "tradeoff.pareto_plot": lambda P: P.pareto_plot(_linear_sweep()),
    "tradeoff.risk_vs_weight": lambda P: P.risk_vs_weight(RedundancySweeps(_linear_sweep(), _contrastive_sweep())),
    "tradeoff.digits_plot": lambda P: P.digits_plot(HalvesExperiment(
        np.array([0.0, 0.5, 1.0]), np.array([0.1, 0.3, 0.6]), np.array([0.8, 0.85, 0.9]), np.array([1.0, 0.5, 0.1]),
        ProbeReference(0.0, 0.6, 0.8, 0.7))),
    "zoo.alignment_heatmaps": lambda P: P.alignment_heatmaps(_alignment_matrix(), titles="three encoders"),
    "scale.layer_heatmap": lambda P: P.layer_heatmap(R.uniform(0, 1, (3, 4)), title="CKA"),
    "scale.null_histogram": lambda P: P.null_histogram(
        PermutationResult(statistic=0.4, p_value=0.02, n_permutations=50, seed=0, alternative="greater",
                          null=R.normal(0.1, 0.05, 50))),
}


def _alignment_matrix():
    from alignbook.experiments.zoo import AlignmentMatrix

    models = ["a", "b", "c"]
    sym = lambda M: (M + M.T) / 2  # noqa: E731
    value = {m: sym(R.uniform(0.2, 0.9, (3, 3))) for m in ("cka", "cka_unbiased", "mutual_knn")}
    for v in value.values():
        np.fill_diagonal(v, 1.0)
    p = {m: np.full((3, 3), 0.02) for m in value}
    return AlignmentMatrix("toy", models, n=50, seed=0, k=5, n_permutations=49, value=value,
                           null={m: np.full((3, 3), 0.1) for m in value}, perm_mean={m: np.full((3, 3), 0.1) for m in value},
                           p=p, encode_seconds={m: 0.1 for m in models}, from_cache={m: True for m in models})


def _public_plot_functions() -> list[str]:
    out = []
    for info in pkgutil.iter_modules(alignbook.plots.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"alignbook.plots.{info.name}")
        assert hasattr(mod, "__all__"), f"alignbook.plots.{info.name} must list its figures in __all__"
        out += [f"{info.name}.{name}" for name in mod.__all__ if callable(getattr(mod, name))]
    return sorted(out)


def test_every_plot_function_has_a_case():
    assert sorted(CASES) == _public_plot_functions(), "add the new figure function to CASES in tests/test_plots.py"


def _figure(out):
    return out.figure if isinstance(out, matplotlib.axes.Axes) else out


def _assert_labelled(fig):
    fig.canvas.draw()  # renders every label: a mathtext error surfaces here
    drawn = 0
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        if ax.get_label() == "<colorbar>":
            assert ax.get_ylabel() or ax.get_xlabel(), f"{fig}: a colorbar without a label"
            continue
        assert ax.get_xlabel() and ax.get_ylabel(), f"axes titled {ax.get_title()!r} lacks an axis label"
        drawn += 1
    assert drawn, "the figure has no labelled axes"


@pytest.mark.parametrize("case", sorted(k for k, v in CASES.items() if v is not None))
def test_plot_runs_on_a_small_typed_result_and_labels_its_axes(case):
    module, _ = case.split(".")
    P = importlib.import_module(f"alignbook.plots.{module}")
    fig = _figure(CASES[case](P))
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        _assert_labelled(fig)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("case", sorted(k for k, v in CASES.items() if v is not None and not k.startswith("scale.")))
def test_plots_refuse_untyped_input_with_a_clear_error(case):
    """A dict or a raw check result is refused with a TypeError that names the argument."""
    module, name = case.split(".")
    fn = getattr(importlib.import_module(f"alignbook.plots.{module}"), name)
    with pytest.raises(TypeError, match="must be a"):
        fn({"not": "typed"})


def test_a_check_result_is_refused_with_a_hint_to_pass_its_payload():
    from alignbook.plots import preliminaries as P

    with pytest.raises(TypeError, match=r"pass its \.payload"):
        P.spectrum_plot(run("thm-eckart-young", scale="test", device="cpu"))


def test_layer_names():
    from alignbook.plots.stitching import layer_names

    assert layer_names(2) == ["input", "logits"]
    assert layer_names(5) == ["input", "h1", "h2", "h3", "logits"]


REAL = {
    "thm-eckart-young": ("preliminaries", "spectrum_plot"),
    "prop-empirical-operator": ("preliminaries", "convergence_plot"),
    "thm-ka-spectral": ("kernel_alignment", "spectrum_coupling_plot"),
    "thm-ka-concentration": ("kernel_alignment", "concentration_plot"),
    "thm-gauss-cancorr": ("kernel_alignment", "gaussian_notions_plot"),
    "thm-hsic-unbiased": ("kernel_alignment", "hsic_bias_plot"),
    "prop-cka-permutation-null": ("kernel_alignment", "permutation_null_plot"),
    "rem-ka-stitch": ("stitching", "cka_vs_condition"),
    "prop-tradeoff-ordering": ("tradeoff", "risk_vs_weight"),
}


@pytest.mark.parametrize("check_id", sorted(REAL))
def test_plots_take_real_payloads(check_id):
    module, name = REAL[check_id]
    fig = getattr(importlib.import_module(f"alignbook.plots.{module}"), name)(
        run(check_id, scale="test", device="cpu").payload)
    try:
        _assert_labelled(fig)
    finally:
        plt.close(fig)
