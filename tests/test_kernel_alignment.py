"""The chapter *Kernel alignment and its relatives*: its checks, derivations, experiment and figures.

``tests/test_theory.py`` already runs every registered check at the test scale. Here we test what
is specific to this chapter: every statement label has a check with the same id (and the chapter
runs it), errata really show a failing printed formula next to an exact corrected one, the sympy
derivations verify, the layer experiment returns sane numbers, figures have labelled axes, and
the counterexample of the exercise is one.
"""
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import alignbook  # noqa: E402
from alignbook.theory.kernel_alignment import symbolic  # noqa: E402
from alignbook.theory import load_all, run  # noqa: E402
from alignbook.theory import kernel_alignment as ka  # noqa: E402
from alignbook.theory.kernel_alignment import _routes, hsic as ka_hsic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = (ROOT / "chapters" / "kernel-alignment.md").read_text()
REGISTRY = load_all()
MINE = sorted(k for k, v in REGISTRY.items() if v.module.startswith(ka.__name__ + "."))


def _labels(kinds):
    pat = r"````\{prf:(" + "|".join(kinds) + r")\}[^\n]*\n:label: ([\w-]+)"
    return {m.group(2) for m in re.finditer(pat, CHAPTER)}


def test_every_statement_has_a_check_with_its_label():
    statements = _labels(["theorem", "proposition", "lemma", "corollary"])
    assert statements, "no statements found in the chapter"
    missing = statements - set(MINE)
    assert not missing, f"statements without a registered check: {missing}"


def test_every_check_is_run_in_the_chapter_and_every_run_is_registered():
    runs = set(re.findall(r'run\("([\w-]+)"\)', CHAPTER))
    assert set(MINE) <= runs, f"checks not shown in the chapter: {set(MINE) - runs}"
    assert runs <= set(REGISTRY), f"chapter runs unknown ids: {runs - set(REGISTRY)}"
    # definitions with a check are labelled by the same id
    for cid in MINE:
        if cid.startswith("def-"):
            assert cid in _labels(["definition"]), cid


def test_errata_have_an_admonition_a_failing_printed_row_and_an_exact_row():
    errata = [cid for cid in MINE if REGISTRY[cid].kind == "erratum"]
    assert len(errata) == 7
    n_admonitions = len(re.findall(r"\{admonition\} Erratum:", CHAPTER))
    assert n_admonitions == len(errata)
    for cid in errata:
        assert cid.startswith("err-")
        res = run(cid, scale="test")
        relations = {r.relation for r in res.rows}
        assert "!=" in relations or any(r.relation == "true" and "fail" in r.label for r in res.rows), cid
        assert "==" in relations or "<=" in relations, cid
        assert res.passed, res.table()


def test_checks_pass_and_row_labels_render_in_a_markdown_table():
    # a "|" in a label would split the table cell; "<a,b>" could be read as HTML
    for cid in MINE:
        res = run(cid, scale="test", device="cpu")
        assert res.passed, res.table()
        for row in res.rows:
            assert "|" not in row.label and not re.search(r"<[A-Za-z]", row.label), (cid, row.label)


def test_check_modules_are_within_budget_and_deterministic():
    a = run("thm-ka-concentration", scale="test", seed=3)
    b = run("thm-ka-concentration", scale="test", seed=3)
    assert a.passed and a.seconds < 10
    assert np.array_equal(a.payload.mean_error, b.payload.mean_error)
    assert -0.75 <= a.payload.slope <= -0.3


def test_printed_formulas_really_differ_from_the_truth():
    rho = np.array([0.9, 0.5, 0.1])
    Sw = np.block([[np.eye(3), np.diag(rho)], [np.diag(rho), np.eye(3)]])
    truth = _routes._w2_sq_gaussian(Sw, np.eye(6))
    assert abs(_routes._w2_corrected(rho) - truth) < 1e-10
    assert abs(_routes._w2_printed(rho) - truth) > 0.5
    # the corrected formula tends to 2(2 - sqrt 2) per component at rho = 1
    assert abs(_routes._w2_corrected([1.0]) - (4 - 2 * np.sqrt(2))) < 1e-12


def test_population_hsic_is_zero_for_independent_discrete_laws():
    # a product law: atoms (x_a, y_b) with p_a q_b; HSIC must vanish exactly
    r = np.random.default_rng(1)
    xs, ys = r.standard_normal((3, 2)), r.standard_normal((2, 2))
    X = np.repeat(xs, 2, axis=0)
    Y = np.tile(ys, (3, 1))
    p = np.outer([0.2, 0.3, 0.5], [0.6, 0.4]).reshape(-1)
    assert abs(ka_hsic._population_hsic(_routes._rbf(X, 1.0), _routes._rbf(Y, 1.0), p)) < 1e-14
    # and is positive for a dependent law on the same atoms
    q = np.array([0.3, 0.0, 0.0, 0.3, 0.2, 0.2])
    assert ka_hsic._population_hsic(_routes._rbf(X, 1.0), _routes._rbf(Y, 1.0), q) > 1e-4


@pytest.mark.parametrize("name", ["gaussian_mi", "gaussian_w2", "ka_da_expansion", "kta_spectral"])
def test_symbolic_derivations_verify(name):
    d = getattr(symbolic, name)()
    assert d.verified and d.ok, d
    md = d._repr_markdown_()
    assert "NO" not in md and "$" in md


def test_layer_experiment_test_scale():
    from alignbook.experiments import kernel_alignment as layers

    res = layers.run("test")
    L = len(res.layers)
    assert res.layers[0] == "input" and res.layers[-1] == "logits"
    assert all(0.5 < a <= 1.0 for a in res.accuracies)
    for nm in res.notions:
        v = res.values[nm]
        assert v.shape == (len(res.pairs), L, L)
        # both networks see the same inputs: input-vs-input is exactly 1 for every notion
        assert np.allclose(v[:, 0, 0], 1.0, atol=1e-10), nm
        if nm != "CKA (linear, unbiased)":  # the unbiased estimator may leave [0, 1]
            assert np.all(v >= -1e-12) and np.all(v <= 1 + 1e-12), nm
    agree = layers.rank_agreement(res).rho
    assert agree.shape == (len(res.notions),) * 2
    assert np.allclose(agree, agree.T) and np.allclose(np.diag(agree), 1.0)
    assert "| notion |" in res._repr_markdown_()


def test_figures_have_labelled_axes():
    import matplotlib.pyplot as plt

    from alignbook.experiments.kernel_alignment import LayerComparison, rank_agreement
    from alignbook.plots import kernel_alignment as kp

    figs = [
        kp.spectrum_coupling_plot(run("thm-ka-spectral", scale="test").payload),
        kp.concentration_plot(run("thm-ka-concentration", scale="test").payload),
        kp.gaussian_notions_plot(run("thm-gauss-cancorr", scale="test").payload),
        kp.hsic_bias_plot(run("thm-hsic-unbiased", scale="test").payload),
        kp.permutation_null_plot(run("prop-cka-permutation-null", scale="test").payload),
    ]
    r = np.random.default_rng(0)
    fake = LayerComparison(["a", "b", "c"], ["input", "h1", "logits"], [(0, 1)],
                           {k: r.uniform(0, 1, (1, 3, 3)) for k in "abc"}, [0.9, 0.9], 10, 0.0)
    figs += [kp.layer_notions_plot(fake), kp.notion_agreement_plot(rank_agreement(fake))]
    for fig in figs:
        fig.canvas.draw()  # renders every label (mathtext errors surface here)
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            if not ax.axison:
                continue
            assert ax.get_xlabel() and ax.get_ylabel(), (fig, ax)
        plt.close(fig)


def test_exercise_counterexample_is_one():
    r = np.random.default_rng(0)
    X = r.standard_normal((200, 5)) + 3.0
    Y = r.standard_normal((200, 5)) + 10.0
    Z = X - 3.0 + 1.5 * r.standard_normal((200, 5))
    assert alignbook.kernel_alignment(X, Y) > alignbook.kernel_alignment(X, Z)
    assert alignbook.cka(X, Y) < alignbook.cka(X, Z)


def test_chapter_has_the_required_parts():
    assert "(ch-kernel-alignment)=" in CHAPTER
    assert "print(alignbook.describe())" in CHAPTER and "ALIGNBOOK_SCALE=full" in CHAPTER
    assert len(re.findall(r"\{exercise\}", CHAPTER)) >= 4
    assert len(re.findall(r"\{solution\} ex-", CHAPTER)) == len(re.findall(r"\{exercise\}", CHAPTER))
    assert CHAPTER.count("caption: |") >= 5
    # chapters call the package; they do not define algorithms
    assert not re.search(r"^def |^class ", CHAPTER, flags=re.M)
