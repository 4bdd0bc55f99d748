"""Every label of the book with the number and title the web book shows for it.

Numbers are computed the way Sphinx assigns them (``TocTreeCollector.assign_figure_numbers``):
the pages are walked in table-of-contents order; each enumerable kind (``figure``, ``table``,
``code-block``, ``displaymath``, each sphinx-proof type, ``exercise``) has its own counter per
section-number prefix truncated to ``numfig_secnum_depth`` (1: per chapter); only nodes with an
id (a label or name) are numbered. Unnumbered pages all share the prefix ``()``, so their items
are numbered 1, 2, ... across those pages in reading order. Section numbers follow the numbered
parts of ``_toc.yml``. ``tests/test_colab.py`` compares every number with the built HTML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from . import BookError
from .myst import Code, Directive, Heading, Math, Target, Text, parse_blocks, split_inline, role_target
from .project import Book, Page

PROOF_TYPES = ("axiom", "theorem", "lemma", "algorithm", "definition", "remark", "conjecture",
               "corollary", "criterion", "example", "property", "observation", "proposition",
               "assumption", "notation")
ADMONITIONS = ("admonition", "note", "warning", "tip", "hint", "important", "caution", "attention",
               "danger", "error", "seealso")
NUMFIG_FORMAT = {"figure": "Fig. %s", "table": "Table %s", "code-block": "Listing %s",
                 "section": "Section %s"}


@dataclass
class Label:
    name: str
    docname: str
    kind: str                 # section | prf | exercise | figure | table | equation | admonition | target | document | term
    anchor: str
    number: tuple | None = None
    typ: str = ""             # the proof type, "exercise", "figure", ...
    title: str = ""           # MyST inline source (may hold maths and roles)
    section: tuple = ()       # number of the section it is in

    @property
    def number_text(self) -> str:
        return ".".join(map(str, self.number)) if self.number else ""


@dataclass
class Section:
    docname: str
    level: int                # 1 = the page title
    number: tuple
    title: str
    label: str | None
    line: int
    words: int = 0
    displays: int = 0
    code_cells: int = 0
    checks: list = field(default_factory=list)       # registered check ids run in this section
    figures: list = field(default_factory=list)      # figure labels
    statements: list = field(default_factory=list)   # prf labels stated here


@dataclass
class Exercise:
    label: str
    docname: str
    number: tuple | None
    title: str
    line: int
    section: tuple
    refs: list = field(default_factory=list)         # labels the statement refers to
    solutions: int = 0
    folded: bool = True
    computational: bool = False                      # asks for code (or its solution has code)

    @property
    def number_text(self) -> str:
        return ".".join(map(str, self.number)) if self.number else ""


_RUN = re.compile(r"""\brun\(\s*["']([A-Za-z][\w:.-]*)["']""")


def page_cells(page: Page) -> list:
    """The page as notebook cells (jupytext for executed pages, one Markdown cell otherwise)."""
    if page.is_notebook:
        import jupytext

        return list(jupytext.read(page.path, fmt="md:myst").cells)
    import nbformat

    text = page.text
    m = re.match(r"---\n.*?\n---\n", text, re.S)
    if m:
        text = text[m.end():]
    return [nbformat.v4.new_markdown_cell(text)]


def cell_line_offsets(page: Page) -> list[int]:
    """First source line of each cell of :func:`page_cells` (for error messages)."""
    lines = page.text.split("\n")
    if not page.is_notebook:
        m = re.match(r"---\n.*?\n---\n", page.text, re.S)
        return [m.group(0).count("\n") + 1 if m else 1]
    offsets, i = [], 0
    cells = page_cells(page)
    for cell in cells:
        first = next((ln for ln in cell.source.split("\n") if ln.strip()), "")
        while i < len(lines) and (lines[i].strip() != first.strip() or not first.strip()):
            i += 1
        offsets.append(i + 1)
        i += 1
    return offsets


def words(text: str) -> int:
    prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " x ", text, flags=re.S)
    prose = re.sub(r"\{[\w:-]+\}`[^`]*`", " x ", prose)
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", prose))


class BookIndex:
    """Labels, numbers and the outline (sections, exercises) of every page of ``book``."""

    def __init__(self, book: Book | None = None):
        self.book = book or Book()
        self.labels: dict[str, Label] = {}
        self.sections: dict[str, list[Section]] = {}
        self.exercises: dict[str, list[Exercise]] = {}
        self.cites: dict[str, list[str]] = {}
        self.term_refs: dict[str, list[str]] = {}
        self.terms: dict[str, Label] = {}
        self.overviews: dict[str, Directive] = {}
        self._counter: dict[tuple, int] = {}
        self._state = None
        depth = self.book.numfig_secnum_depth
        if depth != 1:
            raise BookError("numfig_secnum_depth other than 1 is not supported by booktools.numbering")
        self._countertype = dict(self.book.sphinx_config.get("prf_realtyp_to_countertyp") or {})
        for page in self.book.pages:
            self._walk_page(page)

    # -- registration --------------------------------------------------------------------------
    def _next(self, figtype: str, page: Page) -> tuple:
        prefix = page.number[:1]
        key = (figtype, prefix)
        self._counter[key] = self._counter.get(key, 0) + 1
        return prefix + (self._counter[key],)

    def _add(self, label: Label, where: str):
        if self._state is not None and self._state["section"] is not None and not label.section:
            label.section = self._state["section"].number
        if label.name in self.labels:
            other = self.labels[label.name]
            raise BookError(f"{where}: duplicate label {label.name!r} (also in {other.docname})")
        self.labels[label.name] = label

    # -- walking -------------------------------------------------------------------------------
    def _walk_page(self, page: Page):
        self.sections[page.docname] = []
        self.exercises[page.docname] = []
        self.cites[page.docname] = []
        self.term_refs[page.docname] = []
        state = {"pending": [], "sec_counts": [], "section": None, "title_seen": False, "gated": None}
        self._state = state
        where = str(page.path.relative_to(self.book.root))
        offsets = cell_line_offsets(page)
        for cell, line0 in zip(page_cells(page), offsets):
            if cell.cell_type == "markdown":
                self._walk_blocks(page, parse_blocks(cell.source, line0, where), state, where)
            elif cell.cell_type == "code":
                if state["gated"] is not None:
                    state["gated"].computational = True
                sec = state["section"]
                if sec is not None:
                    sec.code_cells += 1
                    sec.checks += _RUN.findall(cell.source)
                fig = (cell.metadata.get("mystnb") or {}).get("figure") or {}
                if fig.get("name"):
                    name = fig["name"]
                    self._add(Label(name, page.docname, "figure", name, self._next("figure", page),
                                    "figure", str(fig.get("caption", "")).strip()), f"{where}:{line0}")
                    if sec is not None:
                        sec.figures.append(name)
        if state["pending"]:
            for t in state["pending"]:
                self._add(Label(t.label, page.docname, "target", t.label), where)

    def _section_number(self, page: Page, level: int, state) -> tuple:
        counts = state["sec_counts"]
        if level == 1:
            state["sec_counts"] = []
            return page.number
        depth = level - 1
        while len(counts) < depth:
            counts.append(0)
        del counts[depth:]
        counts[depth - 1] += 1
        return page.number + tuple(counts) if page.number else ()

    def _walk_blocks(self, page: Page, blocks: list, state: dict, where: str, in_directive=False):
        for b in blocks:
            loc = f"{where}:{b.line}"
            if isinstance(b, Target):
                state["pending"].append(b)
                continue
            pending, state["pending"] = state["pending"], []
            if isinstance(b, Heading):
                if in_directive:
                    raise BookError(f"{loc}: a heading inside a directive is not allowed")
                if b.level == 1 and state["title_seen"]:
                    raise BookError(f"{loc}: a page has exactly one # title")
                state["title_seen"] = True
                number = self._section_number(page, b.level, state)
                label = pending[-1].label if pending else None
                sec = Section(page.docname, b.level, number, b.title, label, b.line)
                self.sections[page.docname].append(sec)
                state["section"] = sec
                if b.level == 1:
                    self._add(Label(page.docname, page.docname, "document", "", page.number, "document",
                                    b.title), loc)
                for t in pending:
                    self._add(Label(t.label, page.docname, "section", t.label, number, "section", b.title), loc)
                continue
            for t in pending:
                self._add(Label(t.label, page.docname, "target", t.label), loc)
            sec = state["section"]
            if isinstance(b, Text):
                if sec is not None:
                    sec.words += words(b.text)
                self._scan_inline(page, b.text, loc)
            elif isinstance(b, Math):
                if sec is not None:
                    sec.displays += 1
                if b.label:
                    self._add(Label(b.label, page.docname, "equation", f"equation-{b.label}",
                                    self._next("displaymath", page), "equation"), loc)
            elif isinstance(b, Directive):
                self._directive(page, b, state, where, loc)
            elif isinstance(b, Code):
                pass

    def _directive(self, page: Page, d: Directive, state: dict, where: str, loc: str):
        name = d.name
        sec = state["section"]
        body_blocks = lambda: parse_blocks(d.body, d.body_line, where)  # noqa: E731
        if name.startswith("prf:"):
            typ = name[4:]
            if typ == "proof":
                self._walk_blocks(page, body_blocks(), state, where, True)
                return
            if typ not in PROOF_TYPES:
                raise BookError(f"{loc}: unknown sphinx-proof directive {{{name}}}")
            label = d.options.get("label")
            nonumber = "nonumber" in d.options
            counter = self._countertype.get(typ, typ)
            number = None if nonumber else self._next(counter, page)
            if label:
                self._add(Label(label, page.docname, "prf", label, number, typ, d.argument), loc)
                if sec is not None:
                    sec.statements.append(label)
            self._scan_inline(page, d.argument, loc)
            self._walk_blocks(page, body_blocks(), state, where, True)
        elif name in ("exercise", "exercise-start"):
            label = d.options.get("label")
            number = None if "nonumber" in d.options else self._next("exercise", page)
            if label:
                self._add(Label(label, page.docname, "exercise", label, number, "exercise", d.argument), loc)
            refs = _refs(d.body)
            computational = bool(re.search(r"`[^`]*(alignbook|torch|numpy|digits|\(\))[^`]*`", d.body)
                                 or re.search(r"\b(re-run|numerically|simulate|test it)\b", d.body, re.I))
            self.exercises[page.docname].append(Exercise(label or "", page.docname, number, d.argument,
                                                          d.line, sec.number if sec else (), refs,
                                                          computational=computational))
            self._walk_blocks(page, body_blocks(), state, where, True)
        elif name in ("solution", "solution-start"):
            target = d.argument.strip()
            for ex in self.exercises[page.docname]:
                if ex.label == target:
                    ex.solutions += 1
                    ex.folded = ex.folded and "dropdown" in str(d.options.get("class", ""))
                    if "```python" in d.body or "{code-cell}" in d.body:
                        ex.computational = True
                    if name == "solution-start":
                        state["gated"] = ex
            if name == "solution" and d.options.get("label"):
                self._add(Label(d.options["label"], page.docname, "target", d.options["label"]), loc)
            self._walk_blocks(page, body_blocks(), state, where, True)
        elif name in ("solution-end", "exercise-end", "bibliography", "tableofcontents", "toctree"):
            if name == "solution-end":
                state["gated"] = None
        elif name in ADMONITIONS or name == "dropdown":
            if d.options.get("name"):
                title = d.argument or name.title()
                self._add(Label(d.options["name"], page.docname, "admonition", d.options["name"], None,
                                name, title), loc)
            if name == "admonition" and d.argument.strip().lower() == "at a glance":
                self.overviews[page.docname] = d
            self._scan_inline(page, d.argument, loc)
            self._walk_blocks(page, body_blocks(), state, where, True)
        elif name == "figure":
            caption = d.body.strip().split("\n\n")[0]
            if d.options.get("name"):
                self._add(Label(d.options["name"], page.docname, "figure", d.options["name"],
                                self._next("figure", page), "figure", caption), loc)
                if sec is not None:
                    sec.figures.append(d.options["name"])
            self._walk_blocks(page, body_blocks(), state, where, True)
        elif name == "math":
            if d.options.get("label"):
                lab = d.options["label"]
                self._add(Label(lab, page.docname, "equation", f"equation-{lab}",
                                self._next("displaymath", page), "equation"), loc)
        elif name in ("table", "list-table"):
            if d.options.get("name") and d.argument:
                self._add(Label(d.options["name"], page.docname, "table", d.options["name"],
                                self._next("table", page), "table", d.argument), loc)
            self._walk_blocks(page, body_blocks(), state, where, True)
        elif name == "glossary":
            for term in glossary_terms(d.body):
                lab = Label(term, page.docname, "term", term_anchor(term), None, "term", term)
                if term.lower() in self.terms:
                    raise BookError(f"{loc}: glossary term {term!r} defined twice")
                self.terms[term.lower()] = lab
            self._scan_inline(page, d.body, loc)
        elif name == "include":
            path = (page.path.parent / d.argument).resolve()
            self._walk_blocks(page, parse_blocks(path.read_text(encoding="utf-8"), 1, str(path)), state,
                              str(path), True)
        elif name in ("code-block", "code", "sourcecode", "literalinclude", "raw", "code-cell", "glue:figure",
                      "glue:math", "glue:md", "glue", "div", "epigraph", "rubric", "margin", "sidebar",
                      "only", "eval-rst"):
            pass
        else:
            self._walk_blocks(page, body_blocks(), state, where, True)

    def _scan_inline(self, page: Page, text: str, loc: str):
        for tok in split_inline(text):
            if tok.kind == "role" and tok.name.startswith("cite"):
                self.cites[page.docname] += [k.strip() for k in tok.value.split(",") if k.strip()]
            elif tok.kind == "role" and tok.name == "term":
                self.term_refs[page.docname].append(" ".join(role_target(tok.value)[1].split()).lower())

    # -- lookups -------------------------------------------------------------------------------
    def label(self, name: str, where: str = "") -> Label:
        try:
            return self.labels[name]
        except KeyError:
            raise BookError(f"{where}: undefined label {name!r}") from None

    @cached_property
    def by_docname(self) -> dict[str, list[Label]]:
        out: dict[str, list[Label]] = {}
        for lab in self.labels.values():
            out.setdefault(lab.docname, []).append(lab)
        return out


def _refs(text: str) -> list[str]:
    out = []
    for tok in split_inline(text):
        if tok.kind == "role" and tok.name in ("prf:ref", "ref", "numref", "eq"):
            out.append(role_target(tok.value)[1])
    return out


def glossary_terms(body: str) -> list[str]:
    """Terms of a ``{glossary}`` body: the unindented lines (definitions are indented)."""
    return [ln.strip() for ln in body.split("\n") if ln.strip() and not ln[:1].isspace()]


def term_anchor(term: str) -> str:
    """The HTML id Sphinx gives a glossary term (``sphinx.util.nodes.make_id``)."""
    from sphinx.util.nodes import _make_id

    return _make_id(f"term-{term}")
