"""Extra tests for the Preliminaries chapter's checks, helpers and figures.

``tests/test_theory.py`` already runs every registered check at the test scale with seed 0;
here the chapter's checks must also pass on other seeds, must *fail* when fed a wrong identity,
and the helpers and figures must do what the chapter says.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from alignbook.theory import load_all, run  # noqa: E402
from alignbook.experiments import preliminaries as EP  # noqa: E402
from alignbook.theory import preliminaries as P  # noqa: E402

REGISTRY = load_all()
IDS = sorted(i for i, c in REGISTRY.items() if c.chapter == "preliminaries")


def test_the_chapter_registers_its_statements():
    expected = {
        "prop-frobenius-routes", "prop-psd-kernels", "prop-centering-projector", "prop-centered-gram",
        "prop-double-centering", "prop-gram-spectrum", "prop-orthogonal-invariance", "thm-eckart-young",
        "prop-column-projector", "prop-reproducing-property", "prop-empirical-operator",
    }
    assert expected <= set(IDS)


@pytest.mark.parametrize("check_id", IDS)
@pytest.mark.parametrize("seed", [1, 7])
def test_checks_pass_on_other_seeds(check_id, seed):
    r = run(check_id, scale="test", seed=seed, device="cpu")
    assert r.passed, "\n" + r.table()


def test_checks_are_reproducible():
    a = run("prop-frobenius-routes", scale="test", seed=3, device="cpu")
    b = run("prop-frobenius-routes", scale="test", seed=3, device="cpu")
    assert [(r.lhs, r.rhs) for r in a.rows] == [(r.lhs, r.rhs) for r in b.rows]


def test_thread_count_is_restored():
    before = torch.get_num_threads()
    run("prop-centering-projector", scale="test", device="cpu")
    assert torch.get_num_threads() == before


def test_labels_render_in_markdown_tables():
    """Row labels contain no '|' (it would split a markdown table cell)."""
    for cid in IDS:
        r = run(cid, scale="test", device="cpu")
        assert all("|" not in row.label for row in r.rows), cid


def test_poly2_features_reproduce_the_kernel():
    g = torch.Generator().manual_seed(0)
    for p in (1, 2, 5):
        X = torch.randn(7, p, generator=g, dtype=torch.float64)
        Z = torch.randn(4, p, generator=g, dtype=torch.float64)
        for c in (0.0, 1.0, 2.5):
            Phi, PhiZ = P.poly2_features(X, c), P.poly2_features(Z, c)
            assert Phi.shape == (7, p * (p + 1) // 2 + p + 1)
            torch.testing.assert_close(Phi @ PhiZ.T, (X @ Z.T + c) ** 2, rtol=1e-12, atol=1e-12)


def test_a_wrong_identity_would_fail():
    """The margins are sharp: the uncentred Gram is not the Gram of centred features."""
    from alignbook.theory import Comparisons

    g = torch.Generator().manual_seed(0)
    X = torch.randn(20, 3, generator=g, dtype=torch.float64) + 1.0
    H = P._centering_matrix(20, "cpu")
    c = Comparisons().close("XX' vs HXX'H", (X @ X.T).abs().max(), (H @ X @ X.T @ H).abs().max())
    assert not c.rows[0].passed


def test_digits_representations_are_paired_float64():
    X, Y, labels = EP.digits_representations(50, width=32, seed=0, device="cpu")
    assert X.shape == (50, 64) and Y.shape == (50, 32) and labels.shape == (50,)
    assert X.dtype == Y.dtype == torch.float64
    assert bool((Y >= 0).all())  # ReLU features
    X2, Y2, _ = EP.digits_representations(50, width=32, seed=0, device="cpu")
    assert torch.equal(Y, Y2)
    _, Y3, _ = EP.digits_representations(50, width=32, seed=1, device="cpu")
    assert not torch.equal(Y, Y3)


def test_gram_matrices_are_sorted_by_class_and_symmetric():
    mats, labels = EP.digits_gram_matrices(60, device="cpu")
    assert bool((labels[1:] >= labels[:-1]).all())
    for K in mats.values():
        assert K.shape == (60, 60)
        torch.testing.assert_close(K, K.T, rtol=0, atol=1e-10)
    centred = list(mats.values())[-1]
    torch.testing.assert_close(centred.sum(0), torch.zeros(60, dtype=torch.float64), rtol=0, atol=1e-8)


def _labelled(fig):
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert axes
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    return axes


def test_figures_have_labelled_axes():
    r = run("thm-eckart-young", scale="test", device="cpu")
    fig = P_plots().spectrum_plot(r.payload)
    assert len(_labelled(fig)) == 2
    plt.close(fig)
    grams = EP.digits_gram_matrices(40, device="cpu")
    fig = P_plots().gram_heatmaps(grams)
    assert len(_labelled(fig)) >= len(grams.matrices)
    plt.close(fig)
    op = run("prop-empirical-operator", scale="test", device="cpu")
    fig = P_plots().convergence_plot(op.payload)
    _labelled(fig)
    plt.close(fig)


def test_eckart_young_curve_is_the_tail():
    """The figure's right panel plots exactly the Eckart-Young tail ratio."""
    s = np.array([3.0, 2.0, 1.0])
    fig = P_plots().spectrum_plot(P.SingularSpectra({"toy": s}, n=3), k_mark=1)
    line = fig.axes[1].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [1.0, 5 / 14, 1 / 14])
    plt.close(fig)


def P_plots():
    from alignbook.plots import preliminaries

    return preliminaries


def test_result_tables_render_cleanly():
    """Each check's markdown table renders as a table with seven cells per row (gap included) and no stray emphasis."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    for cid in IDS:
        r = run(cid, scale="test", device="cpu")
        html = md.render(r._repr_markdown_())
        body = html.split("<tbody>")[1]
        rows = body.split("<tr>")[1:]
        assert len(rows) == len(r.rows), cid
        assert all(row.count("<td") == 7 for row in rows), cid
        assert "<em>" not in body, cid
