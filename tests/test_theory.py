"""Every registered statement check passes at the test scale on several seeds; the protocol itself behaves.

``make test`` runs every check on the seeds of ``ALIGNBOOK_TEST_SEEDS`` (default ``0-2``);
``make verify-seeds`` runs seeds 0-9 through ``python -m alignbook verify``.
"""
import math
import os

import pytest

from alignbook.theory import Comparisons, load_all, parse_seeds, run
from alignbook.theory._registry import CheckResult, Row

REGISTRY = load_all()
SEEDS = parse_seeds(os.environ.get("ALIGNBOOK_TEST_SEEDS", "0-2"))


def test_registry_is_populated():
    assert REGISTRY, "no check registered: alignbook/theory/*.py must register the book's statements"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_check_passes(check_id, seed):
    result = run(check_id, scale="test", seed=seed, device="cpu")
    assert isinstance(result, CheckResult)
    assert result.rows, f"{check_id} compared nothing"
    assert result.id == check_id and result.scale == "test" and result.seed == seed
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
CHECKED_KINDS = ("theorem", "proposition", "lemma", "corollary", "property", "remark")
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
    for cid in mine:  # the registered kind is the directive of the label
        if cid in prf:
            assert REGISTRY[cid].kind == prf[cid], (
                f"{cid} is a {{prf:{prf[cid]}}} in {path.name} but is registered as kind={REGISTRY[cid].kind!r}")


def test_geq_is_the_mirror_of_leq():
    c = Comparisons().geq("a >= b", [3.0, 1.0], [2.0, 2.0]).geq("ok", 2.0, 1.0)
    assert not c.rows[0].passed and c.rows[0].lhs == 1.0 and c.rows[0].relation == ">="
    assert c.rows[1].passed and c.rows[1].margin == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# The protocol: tightness, false variants, Monte Carlo rows, seeds, provenance
# --------------------------------------------------------------------------------------------
def test_tightness_is_the_relative_gap_of_the_closest_instance():
    c = Comparisons().leq("a <= b", [1.0, 0.5, 2.0], [2.0, 1.0, 2.0 / 0.995])
    assert c.rows[0].tightness == pytest.approx(0.005)  # the third entry is 0.5 % from equality
    c.geq("a >= b", [3.0, 10.0], [1.5, 9.0])
    assert c.rows[1].tightness == pytest.approx(0.1)
    c.leq("0 <= 0", 0.0, 0.0)
    assert c.rows[2].tightness == 0.0
    c.leq("negative bound", -2.0, -1.0)
    assert c.rows[3].tightness == pytest.approx(0.5)
    assert math.isnan(Comparisons().close("x", 1.0, 1.0).rows[0].tightness)


def test_a_tight_row_fails_unless_approached_within_one_percent():
    assert Comparisons().leq("approached", 0.995, 1.0, tight=True).rows[0].passed
    loose = Comparisons().leq("not approached", 0.9, 1.0, tight=True).rows[0]
    assert loose.margin > 0 and not loose.passed
    assert Comparisons().leq("not declared tight", 0.9, 1.0).rows[0].passed
    r = CheckResult("x", "t", "theorem", [loose], "test", 0, "cpu")
    assert not r.passed and r.loosest_gap == pytest.approx(0.1)
    assert "(tight)" in r.table() and "(tight)" in r._repr_markdown_()


def test_declared_constants_terms_and_alternatives():
    from alignbook.theory._registry import _ACTIVE

    c = Comparisons()
    assert c.constant("k", 2.0) == 2.0 and c.term("t", 3.0) == 3.0 and c.alternative("wrong", 1, 2) == 1
    assert c.constant("k", 2.0) == 2.0  # the same declaration again is fine
    assert [v.label for v in c.declared] == ["k x 0.9", "k x 1.01", "drop t", "use wrong"]
    with pytest.raises(ValueError, match="declared twice"):
        c.constant("k", 2.0, stronger="smaller")
    with pytest.raises(ValueError, match="stronger"):
        c.constant("z", 1.0, stronger="weaker")
    with pytest.raises(ValueError, match="nudges"):
        c.constant("z", 1.0, nudges=(1.0,))
    d = Comparisons()
    d.constant("u", 1.0, stronger="smaller")
    d.constant("v", 1.0, stronger="larger")
    assert [v.factor for v in d.declared] == [0.99, 1.01]
    variants = c.declared
    for v, expected in zip(variants, [(1.8, 3.0, 1), (2.02, 3.0, 1), (2.0, 0.0, 1), (2.0, 3.0, 2)]):
        token = _ACTIVE.set(v)
        try:
            e = Comparisons()
            got = (e.constant("k", 2.0), e.term("t", 3.0), e.alternative("wrong", 1, 2))
        finally:
            _ACTIVE.reset(token)
        assert got == pytest.approx(expected), v.label


def test_falsify_finds_a_check_without_power():
    from alignbook.theory import REGISTRY as REG, check

    @check("thm-protocol-probe", title="x <= 2x for x >= 0", kind="theorem", status="new")
    def _probe(scale, seed, device):
        c = Comparisons()
        xs = [0.5, 1.0, 4.0]
        two = c.constant("2 in x <= 2x", 2.0, stronger="smaller")
        c.leq("x <= 2x (loose instances only)", xs, [two * x for x in xs])
        c.close("1 + 1 = 2", 1 + 1, c.term("1 in 1 + 1", 1.0) + 1.0)
        return c

    try:
        chk = REG["thm-protocol-probe"]
        outcomes = {o.variant.label: o for o in chk.falsify(scale="test", device="cpu")}
        assert not outcomes["2 in x <= 2x x 0.99"].rejected  # no instance near equality: no power
        assert outcomes["drop 1 in 1 + 1"].rejected and outcomes["drop 1 in 1 + 1"].failed_rows == ["1 + 1 = 2"]
        base = chk.run(scale="test", device="cpu")
        assert base.status == "new" and base.provenance == "new" and base.variant is None
        assert base.loosest_gap == pytest.approx(0.5)
    finally:
        del REG["thm-protocol-probe"]


def test_monte_carlo_rows():
    c = Comparisons().within("mean ~ 1", 1.03, 1.0, se=0.01).apart("mean !~ 1.2", 1.03, 1.2, se=0.01)
    assert c.rows[0].passed and c.rows[0].margin == pytest.approx(0.01) and c.rows[1].passed
    assert not Comparisons().within("too far", 1.05, 1.0, se=0.01).rows[0].passed
    assert not Comparisons().apart("too close", 1.03, 1.0, se=0.01).rows[0].passed
    assert not Comparisons().within("nan se", 1.0, 1.0, se=float("nan")).rows[0].passed


def test_draws_for_power_separates_the_wrong_value():
    from alignbook.theory import draws_for_power

    m = draws_for_power(gap=0.05, sd=2.0)
    se = 2.0 / math.sqrt(m)
    assert 0.05 >= 8 * se and 0.05 < 8 * 2.0 / math.sqrt(m - 2)
    with pytest.raises(ValueError, match="gap"):
        draws_for_power(gap=0.0, sd=1.0)


def test_parse_seeds():
    assert parse_seeds("0-9") == list(range(10))
    assert parse_seeds("0,3,5-7,3") == [0, 3, 5, 6, 7]
    assert parse_seeds([2, 1]) == [2, 1] and parse_seeds(4) == [4]
    for bad in ("", "a-b", "5-2", "1-"):
        with pytest.raises(ValueError, match="seeds"):
            parse_seeds(bad)


def test_sweep_aggregates_seeds():
    from alignbook.theory import sweep

    s = sweep("prop-centering-projector", scale="test", seeds="0-1", device="cpu", falsify=True)
    assert s.passed and s.passed_seeds == [0, 1] and s.powerful and s.rejected == len(s.outcomes) >= 1
    d = s.to_dict()
    assert d["status"] == "standard" and d["passed_seeds"] == [0, 1] and len(d["results"]) == 2


def test_a_zero_bound_measures_its_gap_on_a_given_scale():
    c = Comparisons().geq("lambda_min/lambda_max >= 0", [1e-17, 0.3], 0.0, scale=1.0)
    assert c.rows[0].tightness == pytest.approx(1e-17)
    assert Comparisons().geq("relative to max(|lhs|, |rhs|)", 1e-17, 0.0).rows[0].tightness == 1.0


def test_the_verification_report_covers_every_check():
    from alignbook.theory import verification_report

    ids = sorted(REGISTRY)[:3]
    rep = verification_report(ids=ids, seeds="0-1", falsify=True)
    summary, details = rep.summary(), rep.details()
    for cid in ids:
        assert f"(verify-{cid})=" in details and f"verify-{cid}" in summary
        assert "{prf:ref}`" + cid + "`" in summary or "{ref}`" + cid + " <" + cid + ">`" in summary
    t = rep.totals()
    assert t["statements"] == 3 and t["rejected"] == t["variants"] >= 3
    page = (Path(__file__).resolve().parents[1] / "book" / "verification.md").read_text()
    assert "(verification)=" in page and "verification_report(" in page  # built from the registry
    # every chapter's check table links to its entry on the report page
    r = run(ids[0], scale="test", device="cpu")
    assert f'verification.html#verify-{ids[0]}"' in r._repr_markdown_()
