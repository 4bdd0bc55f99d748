"""Course pages generated from the chapters: ``python -m alignbook.booktools.course``.

``book/syllabus.md`` is a week-by-week plan and ``book/exercises.md`` the index of every exercise
with its difficulty. Both are computed from the table of contents and the chapters (sections,
statements, registered checks, exercises and the references inside them), so they cannot go
stale: ``tests/test_course.py`` fails when a committed page differs from what this module makes
of the sources, and ``make notebooks`` regenerates them.

The plan: every chapter's reading time is estimated (:func:`reading_minutes`); the course has
between 6 and 10 weeks, about 35 minutes of reading a week, shared out among the chapters in
proportion to their reading time (each chapter at least one week); a chapter's sections
(``##``) are split into its weeks in order, balancing reading time. An exercise is set in the
first week by which every statement, equation or figure of its chapter that it refers to has been
read (exercises that refer to nothing are set in the chapter's last week).
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, field

from . import BookError
from .numbering import BookIndex, Exercise, Section
from .project import Book, Page

DIFFICULTY = {"★": "routine: apply a definition or a result (about 10 minutes)",
              "★★": "standard: several steps or a short computation (about 20 minutes)",
              "★★★": "harder: needs an idea, a search or a longer experiment (45 minutes or more)"}
_DIFF = re.compile(r"\s(★{1,3})$")
WORDS_PER_MINUTE = 120          # mathematical prose
MINUTES_PER_STATEMENT = 1.5     # a definition, theorem, ... read with its proof
MINUTES_PER_DISPLAY = 0.5
MINUTES_PER_WEEK = 35
MIN_WEEKS, MAX_WEEKS = 6, 10
GENERATOR = "python -m alignbook.booktools.course"


def difficulty(ex: Exercise) -> str:
    m = _DIFF.search(ex.title.strip())
    if not m:
        raise BookError(f"{ex.docname}:{ex.line}: exercise {ex.label!r} needs a title ending in a difficulty "
                        f"mark ★, ★★ or ★★★ (see book/how-to-run.md)")
    return m.group(1)


def plain_title(ex: Exercise) -> str:
    return _DIFF.sub("", ex.title.strip())


def _section_minutes(sec: Section) -> float:
    return sec.words / WORDS_PER_MINUTE + MINUTES_PER_STATEMENT * len(sec.statements) \
        + MINUTES_PER_DISPLAY * sec.displays


def reading_minutes(index: BookIndex, page: Page) -> float:
    """Estimated reading time of a page, its exercises and summary excluded."""
    total, skip = 0.0, False
    for s in index.sections[page.docname]:
        if s.level == 2:
            skip = _is_exercise_section(s)
        if not skip:
            total += _section_minutes(s)
    return total


def _is_exercise_section(sec: Section) -> bool:
    return sec.title.strip().lower() in ("exercises", "summary")


def _units(index: BookIndex, page: Page, with_exercises=False) -> list[Section]:
    """The ``##`` sections of a page, each with the words of its subsections added."""
    units: list[Section] = []
    for s in index.sections[page.docname]:
        if s.level == 2:
            units.append(Section(s.docname, 2, s.number, s.title, s.label, s.line, s.words, s.displays,
                                 s.code_cells, list(s.checks), list(s.figures), list(s.statements)))
        elif s.level > 2 and units:
            u = units[-1]
            u.words += s.words
            u.displays += s.displays
            u.code_cells += s.code_cells
            u.checks += s.checks
            u.figures += s.figures
            u.statements += s.statements
    return units if with_exercises else [u for u in units if not _is_exercise_section(u)]


@dataclass
class Week:
    number: int
    page: Page
    sections: list = field(default_factory=list)
    exercises: list = field(default_factory=list)
    part: int = 1
    parts: int = 1

    @property
    def minutes(self) -> float:
        return sum(_section_minutes(s) for s in self.sections)


def _split(units: list[Section], k: int) -> list[list[Section]]:
    """Split ``units`` in order into ``k`` non-empty groups with balanced reading time."""
    k = max(1, min(k, len(units)))
    total = sum(_section_minutes(u) for u in units)
    groups: list[list[Section]] = [[] for _ in range(k)]
    acc, g = 0.0, 0
    for i, u in enumerate(units):
        m = _section_minutes(u)
        if groups[g] and g < k - 1:
            full = acc + m / 2 > total * (g + 1) / k           # this group has its share
            needed = len(units) - i <= k - 1 - g                 # the rest must fill the other groups
            if full or needed:
                g += 1
        groups[g].append(u)
        acc += m
    return groups


def plan(index: BookIndex) -> list[Week]:
    chapters = index.book.chapters
    if not chapters:
        raise BookError("_toc.yml has no numbered chapters: nothing to plan")
    if len(chapters) > MAX_WEEKS:
        raise BookError(f"{len(chapters)} chapters do not fit a {MAX_WEEKS}-week plan: raise MAX_WEEKS in "
                        "alignbook/booktools/course.py")
    minutes = [reading_minutes(index, p) for p in chapters]
    total = sum(minutes)
    n_weeks = min(MAX_WEEKS, max(MIN_WEEKS, len(chapters), math.ceil(total / MINUTES_PER_WEEK)))
    # largest-remainder apportionment, at least one week per chapter, no more weeks than sections
    caps = [max(1, len(_units(index, p))) for p in chapters]
    share = [n_weeks * m / total for m in minutes]
    weeks = [min(cap, max(1, math.floor(s))) for s, cap in zip(share, caps)]
    order = sorted(range(len(chapters)), key=lambda i: share[i] - math.floor(share[i]), reverse=True)
    while sum(weeks) < n_weeks and any(w < c for w, c in zip(weeks, caps)):
        for i in order:
            if sum(weeks) < n_weeks and weeks[i] < caps[i]:
                weeks[i] += 1
    out: list[Week] = []
    for page, k in zip(chapters, weeks):
        groups = _split(_units(index, page), k)
        first = len(out) + 1
        for j, grp in enumerate(groups, start=1):
            out.append(Week(len(out) + 1, page, grp, part=j, parts=len(groups)))
        chapter_weeks = out[first - 1:]
        where = {}
        for w in chapter_weeks:
            for s in w.sections:
                where[s.number] = w
        for ex in index.exercises[page.docname]:
            targets = [index.labels[r] for r in ex.refs if r in index.labels]
            own = [where.get(t.section[:2]) for t in targets if t.docname == page.docname and t.section[:2] in where]
            week = max(own, key=lambda w: w.number) if own else chapter_weeks[-1]
            week.exercises.append(ex)
    return out


# -- rendering ---------------------------------------------------------------------------------
def _num(t: tuple) -> str:
    return ".".join(map(str, t))


def _ex_ref(ex: Exercise) -> str:
    return f"{{ref}}`Exercise {ex.number_text} <{ex.label}>`"


def syllabus(index: BookIndex) -> str:
    book = index.book
    weeks = plan(index)
    lines = [
        "(syllabus)=",
        "# Syllabus",
        "",
        f"A {len(weeks)}-week course on representation alignment built on this book: each week has a "
        "reading, a lab (the chapter's notebook, run in Colab or locally, whose registered checks "
        "execute as you go) and exercises. The plan is generated from the table of contents and the "
        f"chapters by `{GENERATOR}` (run by `make notebooks`), so it follows the book as chapters "
        "change; a test fails if this page is stale.",
        "",
        "**How the plan is made.** Reading time is estimated from each section "
        f"({WORDS_PER_MINUTE} words a minute of mathematical prose, {MINUTES_PER_STATEMENT:g} minutes "
        f"per definition or theorem, {MINUTES_PER_DISPLAY:g} per displayed formula); the weeks get "
        f"about {MINUTES_PER_WEEK} minutes of reading each, a chapter at least one week. An exercise is "
        "set in the first week after the statements it uses. Difficulty marks are explained on the "
        "{ref}`exercise index <exercise-index>`; solutions are folded under each exercise. "
        f"Pin the course to a release: the notebooks of version {book.tag} install `alignbook` "
        f"{book.tag} (see {{ref}}`how-to-run`).",
        "",
        "| week | chapter | reading | lab: checks run | exercises |",
        "|---|---|---|---|---|",
    ]
    for w in weeks:
        secs = f"§{_num(w.sections[0].number)}–{_num(w.sections[-1].number)}" if len(w.sections) > 1 \
            else f"§{_num(w.sections[0].number)}"
        checks = sum(len(s.checks) for s in w.sections)
        exs = ", ".join(f"{e.number_text} {difficulty(e)}" for e in w.exercises) or "none"
        chapter = index.labels[w.page.docname]
        lines.append(f"| {w.number} | {_num(w.page.number)}. {{doc}}`{chapter.title} </{w.page.docname}>` "
                     f"| {secs}, about {5 * round(w.minutes / 5) or 5} min | {checks} | {exs} |")
    lines.append("")
    for w in weeks:
        chapter = index.labels[w.page.docname]
        suffix = f" (part {w.part} of {w.parts})" if w.parts > 1 else ""
        lines += [f"## Week {w.number}: {chapter.title}{suffix}", ""]
        if w.part == 1:
            goals = index.overviews.get(w.page.docname)
            if goals is not None:
                lines += [f"Learning goals, prerequisites and reading time: see the box at the top of "
                          f"{{ref}}`{_chapter_label(index, w.page)}`.", ""]
        lines.append("**Reading.** " + "; ".join(
            f"§{_num(s.number)} {s.title}" for s in w.sections) + f" (about {5 * round(w.minutes / 5) or 5} minutes).")
        lines.append("")
        checks = [c for s in w.sections for c in s.checks]
        statements = [c for c in dict.fromkeys(checks) if c in index.labels and index.labels[c].kind == "prf"]
        others = [c for c in dict.fromkeys(checks) if c not in statements]
        lab = (f"**Lab.** Open the {{doc}}`chapter </{w.page.docname}>` in Colab (launch button) or run "
               f"`{w.page.path.relative_to(book.root).as_posix()}` locally, and run it through "
               f"§{_num(w.sections[-1].number)}.")
        if statements:
            lab += " The checks of " + ", ".join(f"{{prf:ref}}`{c}`" for c in statements) + " run there"
            lab += (", and so do the checks of " + ", ".join(f"`{c}`" for c in others)) if others else ""
            lab += "; re-run one with another seed (`run(label, seed=3)`) and at `scale=\"test\"`."
        elif others:
            lab += " The checks " + ", ".join(f"`{c}`" for c in others) + " run there."
        figs = [f for s in w.sections for f in s.figures]
        if figs:
            lab += " Figures: " + ", ".join(f"{{numref}}`{f}`" for f in figs) + "."
        lines += [lab, ""]
        if w.exercises:
            lines.append("**Exercises.** " + "; ".join(
                f"{_ex_ref(e)} {difficulty(e)}" for e in w.exercises) + ".")
        else:
            lines.append("**Exercises.** None this week: finish the lab.")
        lines.append("")
    lines += ["## Assessment and reference material", "",
              "A natural assessment is one ★★ exercise a week and a ★★★ exercise as a project, "
              "with the lab notebook handed in as evidence that every check passed. The "
              "{ref}`exercise index <exercise-index>` lists all exercises, the {ref}`glossary` the "
              'terms, and the <a href="../prf-prf.html">Proof Index</a> every definition, theorem and '
              "proposition with its label.", ""]
    return "\n".join(lines)


def _chapter_label(index: BookIndex, page: Page) -> str:
    for lab in index.by_docname.get(page.docname, []):
        if lab.kind == "section" and lab.number == page.number:
            return lab.name
    return page.docname


def exercise_index(index: BookIndex) -> str:
    book = index.book
    all_ex = [e for p in book.chapters for e in index.exercises[p.docname]]
    counts = {d: sum(difficulty(e) == d for e in all_ex) for d in DIFFICULTY}
    lines = [
        "(exercise-index)=",
        "# Exercise index",
        "",
        f"All {len(all_ex)} exercises of the book, chapter by chapter, generated from the chapters by "
        f"`{GENERATOR}` (a test fails if this page is stale). Each exercise has a folded solution "
        "right after it, on the web page and in the Colab notebook.",
        "",
        "| mark | meaning | exercises |",
        "|---|---|---|",
    ]
    lines += [f"| {d} | {m} | {counts[d]} |" for d, m in DIFFICULTY.items()]
    lines += ["", "A *computation* asks for code (or its solution is code); the others are pen and paper.", ""]
    for page in book.chapters:
        exs = index.exercises[page.docname]
        if not exs:
            continue
        chapter = index.labels[page.docname]
        lines += [f"## {_num(page.number)}. {chapter.title}", "",
                  "| exercise | title | difficulty | kind | uses |", "|---|---|---|---|---|"]
        for e in exs:
            uses = ", ".join(f"{{prf:ref}}`{r}`" if index.labels[r].kind == "prf" else
                             f"{{eq}}`{r}`" if index.labels[r].kind == "equation" else
                             f"{{numref}}`{r}`" if index.labels[r].kind == "figure" else f"`{r}`"
                             for r in dict.fromkeys(e.refs) if r in index.labels) or "–"
            kind = "computation" if e.computational else "pen and paper"
            lines.append(f"| {_ex_ref(e)} | {plain_title(e)} | {difficulty(e)} | {kind} | {uses} |")
        lines.append("")
    return "\n".join(lines)


PAGES = {"book/syllabus.md": syllabus, "book/exercises.md": exercise_index}


def generated(book: Book | None = None) -> dict[str, str]:
    index = BookIndex(book or Book())
    return {rel: fn(index) for rel, fn in PAGES.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=GENERATOR, description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is stale")
    args = ap.parse_args(argv)
    book = Book()
    stale = []
    for rel, text in generated(book).items():
        path = book.root / rel
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        if args.check:
            stale.append(rel)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel}")
    if stale:
        print("stale (run `make notebooks`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
