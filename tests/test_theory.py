"""Every registered statement check passes at the test scale; the protocol itself behaves."""
import math

import pytest

from alignbook.theory import Comparisons, load_all, run
from alignbook.theory._registry import CheckResult, Row

REGISTRY = load_all()


def test_registry_is_populated():
    assert REGISTRY, "no check registered: alignbook/theory/*.py must register the book's statements"


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_check_passes(check_id):
    result = run(check_id, scale="test", seed=0, device="cpu")
    assert isinstance(result, CheckResult)
    assert result.rows, f"{check_id} compared nothing"
    assert result.id == check_id and result.scale == "test"
    assert result.passed, "\n" + result.table()


def test_margins_fail_when_they_should():
    c = Comparisons()
    c.close("exact", 1.0, 1.0 + 1e-13)
    assert c.rows[-1].passed
    c.close("off", 1.0, 1.1, tol=1e-10)
    assert not c.rows[-1].passed
    c.leq("ineq", [0.0, 2.0], [1.0, 1.0])
    assert not c.rows[-1].passed and c.rows[-1].lhs == 2.0
    c.differ("erratum", 1.0, 1.0)
    assert not c.rows[-1].passed
    c.close("nan never passes", float("nan"), 1.0)
    assert c.rows[-1].margin == -math.inf
    r = CheckResult("x", "t", "theorem", c.rows, "test", 0, "cpu")
    assert not r.passed and r.worst_margin == -math.inf
    assert not CheckResult("x", "t", "theorem", [], "test", 0, "cpu").passed  # comparing nothing fails
    assert CheckResult("x", "t", "theorem", [Row("a", "==", 1, 1, 0.5)], "test", 0, "cpu").passed


def test_result_renders_markdown_and_text():
    c = Comparisons().close("a == b", 2.0, 2.0).leq("x <= y", 1.0, 3.0)
    r = CheckResult("thm-demo", "demo", "theorem", c.rows, "test", 0, "cpu")
    md = r._repr_markdown_()
    assert "thm-demo" in md and "PASS" in md and "| a == b |" in md
    assert "PASS" in r.table()


def test_labels_are_safe_in_markdown_tables():
    from alignbook.theory._registry import _cell

    assert _cell("a|b_c") == "a\\|b\\_c"  # text: escaped so the cell is not split / emphasised
    assert _cell("$\\|X\\|_F$ and $|x|$") == "$\\Vert X\\Vert _F$ and $\\vert x\\vert $"  # maths kept


# --------------------------------------------------------------------------------------------
# One id per statement: the book label, the registered check and its test share it.
# --------------------------------------------------------------------------------------------
import re  # noqa: E402
from pathlib import Path  # noqa: E402

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.md"))
CHECKED_KINDS = ("theorem", "proposition", "lemma", "corollary", "property")
# Statements that are cited, not checked (and why).
UNCHECKED = {"thm-moore-aronszajn": "an existence theorem, stated with a reference"}


def _labels(text):
    prf = dict((lab, kind) for kind, lab in re.findall(
        r"`{3,}\{prf:(\w+)\}[^\n]*\n(?::[^\n]*\n)*?:label: ([\w-]+)", text))
    errata = re.findall(r"`{3,}\{admonition\} Erratum:[^\n]*\n(?::[^\n]*\n)*?:name: ([\w-]+)", text)
    return prf, set(errata)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_statement_has_one_id(path):
    text = path.read_text()
    prf, errata = _labels(text)
    runs = set(re.findall(r"run\(\s*[\"']([\w-]+)[\"']", text))
    mine = {cid for cid, c in REGISTRY.items() if c.chapter == path.stem}
    for label, kind in prf.items():
        if kind in CHECKED_KINDS and label not in UNCHECKED:
            assert label in REGISTRY, f"{path.name}: {{prf:{kind}}} {label} has no registered check"
    for cid in mine:
        assert cid in prf or cid in errata, f"check {cid} is neither a prf label nor an erratum :name: in {path.name}"
        assert cid in runs, f"{path.name} never shows the result of its check {cid} (run({cid!r}))"
    for cid in errata:
        assert REGISTRY[cid].kind == "erratum", cid


def test_geq_is_the_mirror_of_leq():
    c = Comparisons().geq("a >= b", [3.0, 1.0], [2.0, 2.0]).geq("ok", 2.0, 1.0)
    assert not c.rows[0].passed and c.rows[0].lhs == 1.0 and c.rows[0].relation == ">="
    assert c.rows[1].passed and c.rows[1].margin == pytest.approx(1.0)
