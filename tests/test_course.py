"""The course kit follows the chapters: conventions every chapter keeps, generated pages that are current.

Conventions (documented in book/how-to-run.md, "Writing a chapter"): an "At a glance" box with
learning goals, prerequisites and a reading time close to the syllabus' estimate; every exercise
titled, with a difficulty mark, an ``ex-`` label and exactly one folded solution; every statement
labelled; every figure named and captioned; every glossary term used. The syllabus and the
exercise index equal what ``alignbook.booktools.course`` makes of the sources.
"""
import re
from pathlib import Path

import pytest

from alignbook.booktools import BookError
from alignbook.booktools.course import DIFFICULTY, MAX_WEEKS, MIN_WEEKS, difficulty, generated, plan, reading_minutes
from alignbook.booktools.numbering import BookIndex, glossary_terms
from alignbook.booktools.project import Book

ROOT = Path(__file__).resolve().parents[1]
BOOK = Book(ROOT)
INDEX = BookIndex(BOOK)
CHAPTERS = BOOK.chapters


@pytest.mark.parametrize("rel", ["book/syllabus.md", "book/exercises.md"])
def test_course_pages_are_current(rel):
    assert (ROOT / rel).read_text(encoding="utf-8") == generated(BOOK)[rel], f"{rel} is stale: run `make notebooks`"


def test_course_pages_are_in_the_table_of_contents():
    docs = {p.docname for p in BOOK.pages}
    assert {"book/syllabus", "book/exercises", "book/glossary"} <= docs


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.docname)
def test_opening_box(page):
    box = INDEX.overviews.get(page.docname)
    assert box is not None, f"{page.path.name}: add an ```{{admonition}} At a glance``` box after the title"
    body = box.body
    assert "**You will learn to**" in body and re.search(r"^- ", body, re.M), "learning goals as a list"
    assert "**Prerequisites.**" in body
    m = re.search(r"\*\*Reading time\.\*\* About (\d+) minutes", body)
    assert m, "the box states **Reading time.** About N minutes"
    stated, estimate = int(m.group(1)), reading_minutes(INDEX, page)
    assert 0.7 * estimate <= stated <= 1.3 * estimate, \
        f"{page.path.name}: reading time {stated} min, but the syllabus estimates {estimate:.0f} min"
    # the box is the first thing after the title
    first = INDEX.sections[page.docname][0]
    assert first.level == 1 and box.line > first.line
    assert page.text.index("At a glance") < page.text.index("\n## ")


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.docname)
def test_exercise_conventions(page):
    exercises = INDEX.exercises[page.docname]
    assert exercises, f"{page.path.name} has no exercises"
    for ex in exercises:
        assert ex.label.startswith("ex-"), f"{page.path.name}:{ex.line}: exercise label must start with ex-"
        assert ex.number is not None
        assert difficulty(ex) in DIFFICULTY
        assert re.sub(r"\s*★+$", "", ex.title).strip(), f"{ex.label}: the exercise needs a title before its mark"
        assert ex.solutions == 1, f"{ex.label}: exactly one solution ({ex.solutions} found)"
        assert ex.folded, f"{ex.label}: the solution needs :class: dropdown"
    exercise_sections = [s for s in INDEX.sections[page.docname] if s.title == "Exercises"]
    assert len(exercise_sections) == 1 and all(ex.section[:2] == exercise_sections[0].number for ex in exercises)


def test_difficulty_is_required():
    from alignbook.booktools.numbering import Exercise

    with pytest.raises(BookError, match="difficulty"):
        difficulty(Exercise("ex-x", "chapters/x", (1, 1), "A title without a mark", 1, (1, 7)))


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.docname)
def test_statements_and_figures_are_labelled(page):
    text = page.text
    for m in re.finditer(r"^(`{3,})\{prf:(\w+)\}.*\n(?P<opts>(?::.*\n)*)", text, re.M):
        if m.group(2) != "proof":
            assert ":label:" in m["opts"], f"{page.path.name}: {{prf:{m.group(2)}}} without :label:"
    for lab in INDEX.by_docname.get(page.docname, []):
        if lab.kind == "figure":
            assert lab.name.startswith("fig-") and len(lab.title) > 40, f"{lab.name}: caption says what to see"


def test_glossary_terms_are_linked_from_the_chapters():
    body = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    m = re.search(r"```\{glossary\}\n(.*?)\n```", body, re.S)
    terms = {t.lower() for t in glossary_terms(m.group(1))}
    used = {t for refs in INDEX.term_refs.values() for t in refs}
    assert used <= terms, f"{{term}} links to terms not in the glossary: {used - terms}"
    # every entry (a group of synonyms) is linked from some page
    for entry in re.split(r"\n\n", m.group(1).strip()):
        names = {ln.strip().lower() for ln in entry.split("\n") if ln and not ln[0].isspace()}
        assert names & used, f"glossary entry {sorted(names)} is never linked with {{term}}"


def test_syllabus_plan():
    weeks = plan(INDEX)
    assert MIN_WEEKS <= len(weeks) <= MAX_WEEKS
    assert [w.number for w in weeks] == list(range(1, len(weeks) + 1))
    # every chapter, in order, every reading section exactly once, every exercise exactly once
    order = [p.docname for p in CHAPTERS]
    seen = [w.page.docname for w in weeks]
    assert seen == sorted(seen, key=order.index) and set(seen) == set(order)
    for page in CHAPTERS:
        secs = [s.number for w in weeks if w.page is page for s in w.sections]
        expected = [s.number for s in INDEX.sections[page.docname]
                    if s.level == 2 and s.title not in ("Exercises", "Summary")]
        assert secs == expected
        exs = sorted(e.label for w in weeks if w.page is page for e in w.exercises)
        assert exs == sorted(e.label for e in INDEX.exercises[page.docname])
    # an exercise comes no earlier than the statements of its chapter that it uses
    for w in weeks:
        for ex in w.exercises:
            for ref in ex.refs:
                lab = INDEX.labels.get(ref)
                if lab is None or lab.docname != w.page.docname:
                    continue
                later = [v for v in weeks if v.page is w.page and any(s.number == lab.section[:2] for s in v.sections)]
                assert not later or later[0].number <= w.number, (ex.label, ref)


def test_syllabus_page_content():
    text = (ROOT / "book" / "syllabus.md").read_text(encoding="utf-8")
    weeks = plan(INDEX)
    assert len(re.findall(r"^## Week \d+:", text, re.M)) == len(weeks)
    for w in weeks:
        section = text.split(f"## Week {w.number}:")[1].split("\n## ")[0]
        assert "**Reading.**" in section and "**Lab.**" in section and "**Exercises.**" in section
