"""Colab notebooks generated from the book's MyST sources: ``python -m alignbook.booktools.colab``.

For every executed page of the table of contents (a ``.md`` with a kernelspec) this writes the
``.ipynb`` next to it, the file the web book's Colab button opens. The notebook reads like the web
page in any plain notebook renderer:

* theorem-like boxes (``{prf:...}``, ``{exercise}``, admonitions and errata) become Markdown cells
  with the web book's numbers and titles; proofs and solutions are folded in ``<details>``;
* ``{prf:ref}``, ``{ref}``, ``{numref}``, ``{eq}``, ``{doc}``, ``{term}`` and Markdown links to
  labels become links to the web book with its numbers; ``(label)=`` targets disappear;
* ``{cite:p}``/``{cite:t}`` print author-year as on the web, with a reference list at the end;
* the book's TeX macros are expanded; numbered equations carry ``\\tag{n}``;
* figure captions (``mystnb.figure`` cell metadata, ``{figure}``) follow their figure;
* cells tagged ``remove-cell``/``hide-input``/``remove-input`` keep their code (it may be
  needed) but start folded (JupyterLab ``source_hidden``, Colab ``cellView: form``);
* a badge cell links the web page and names the release; the first code cell installs that release
  in Colab (``alignbook.release.INSTALL_CELL``).

The output is deterministic (cell ids are content hashes), has no outputs, and ``--check`` fails
when a committed notebook differs from what the sources give.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from . import BookError
from .bib import Bibliography
from .myst import Code, Directive, Heading, Math, Target, Text, parse_blocks, role_target, split_inline
from .numbering import ADMONITIONS, PROOF_TYPES, BookIndex, Label, cell_line_offsets, page_cells
from .project import Book, Page
from .tex import expand

GENERATOR = "python -m alignbook.booktools.colab"
ADMONITION_MARK = {"warning": "⚠️ ", "caution": "⚠️ ", "attention": "⚠️ ", "danger": "⛔ ", "error": "⛔ ",
                   "note": "ℹ️ ", "tip": "💡 ", "hint": "💡 ", "important": "❗ ", "seealso": "🔗 "}
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<href>[^)\s]+)\)")


def _folded(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def _is_install_cell(cell) -> bool:
    return (cell.cell_type == "code" and "google.colab" in cell.source
            and "remove-cell" in (cell.metadata.get("tags") or []))


class PageConverter:
    """Converts one page; holds the per-page state (section pointer, citations, gated solutions)."""

    def __init__(self, conv: "Converter", page: Page):
        self.conv = conv
        self.book = conv.book
        self.index = conv.index
        self.page = page
        self.where = str(page.path.relative_to(self.book.root))
        self.sections = iter(self.index.sections[page.docname])
        self.cited: list[str] = []
        self.gated: Label | None = None       # the exercise whose gated solution is open
        self.last_statement: Label | None = None

    # -- inline --------------------------------------------------------------------------------
    def math(self, tex: str) -> str:
        return expand(tex, self.book.macros)

    def link(self, text: str, lab: Label) -> str:
        return f"[{text}]({self.book.url(lab.docname, lab.anchor)})"

    def inline(self, text: str, loc: str) -> str:
        out = []
        for tok in split_inline(text):
            if tok.kind == "text":
                out.append(self._links(tok.value, loc))
            elif tok.kind == "code":
                out.append(tok.value)
            elif tok.kind == "math":
                out.append(f"${self.math(tok.value)}$")
            elif tok.kind == "dmath":
                out.append(f"$${self.math(tok.value)}$$")
            else:
                out.append(self.role(tok.name, tok.value, loc))
        return "".join(out)

    def _links(self, text: str, loc: str) -> str:
        def sub(m):
            href = m["href"]
            if re.match(r"^[a-z]+:", href):
                return m.group(0)
            target, _, anchor = href.partition("#")
            if target.endswith((".md", ".ipynb")):
                docname = self._docname(target.rsplit(".", 1)[0], loc)
                lab = self.index.label(docname, loc)
                text = m["text"] or self.inline(lab.title, loc)
                return f"[{text}]({self.book.url(docname, anchor)})"
            if not target and anchor:
                lab = self.index.label(anchor, loc)
                text = m["text"] or self._default_text(lab, loc)
                return self.link(text, lab)
            raise BookError(f"{loc}: link {href!r}: link to a page (.md) or a label (#label), or use a full URL")
        return _LINK.sub(sub, text)

    def _docname(self, target: str, loc: str) -> str:
        if target.startswith("/"):
            name = target.lstrip("/")
        else:
            base = (self.page.path.parent / target).resolve()
            name = base.relative_to(self.book.root.resolve()).as_posix()
        if name not in {p.docname for p in self.book.pages}:
            raise BookError(f"{loc}: {target!r} is not a page of _toc.yml")
        return name

    def _default_text(self, lab: Label, loc: str) -> str:
        if lab.kind in ("section", "document", "term"):
            return self.inline(lab.title, loc)
        if lab.kind == "prf":
            return f"{lab.typ.title()} {lab.number_text}".strip()
        if lab.kind == "exercise":
            return f"Exercise {lab.number_text}".strip()
        if lab.kind == "figure":
            return f"Fig. {lab.number_text}"
        if lab.kind == "equation":
            return f"({lab.number_text})"
        if lab.kind == "admonition":
            return self.inline(lab.title, loc)
        raise BookError(f"{loc}: a reference to {lab.name!r} needs explicit text: {{ref}}`text <{lab.name}>`")

    def role(self, name: str, content: str, loc: str) -> str:
        if name in ("prf:ref", "ref", "numref", "eq"):
            text, target = role_target(content)
            lab = self.index.label(target, loc)
            if name == "prf:ref":
                if lab.kind != "prf":
                    raise BookError(f"{loc}: {{prf:ref}} to {target!r}, which is a {lab.kind}; use {{ref}}")
                shown = self.inline(text, loc) if text else f"{lab.typ.title()} {lab.number_text}".strip()
            elif name == "ref":
                if text is None and lab.kind in ("prf", "exercise", "equation", "target"):
                    raise BookError(f"{loc}: {{ref}}`{target}` needs explicit text (or use prf:ref/numref/eq)")
                shown = self.inline(text, loc) if text else self._default_text(lab, loc)
            elif name == "numref":
                fmt = {"figure": "Fig. %s", "table": "Table %s", "section": "Section %s",
                       "exercise": "Exercise %s"}.get(lab.kind)
                if text is None and fmt is None:
                    raise BookError(f"{loc}: {{numref}} of a {lab.kind} ({target!r}) is not numbered that way")
                shown = self.inline(text.replace("%s", lab.number_text).replace("{number}", lab.number_text),
                                    loc) if text else fmt % lab.number_text
            else:
                if lab.kind != "equation":
                    raise BookError(f"{loc}: {{eq}} to {target!r}, which is a {lab.kind}")
                shown = self.inline(text, loc) if text else f"({lab.number_text})"
            return self.link(shown, lab)
        if name == "doc":
            text, target = role_target(content)
            docname = self._docname(target.removesuffix(".md"), loc)
            lab = self.index.label(docname, loc)
            return f"[{self.inline(text or lab.title, loc)}]({self.book.url(docname)})"
        if name in ("cite", "cite:p", "cite:t"):
            keys = self.conv.bib.sort_keys([k.strip() for k in content.split(",") if k.strip()], loc)
            self.cited += [k for k in keys if k not in self.cited]
            bib = self.conv.bib
            if name == "cite:t":
                return ", ".join(f"{bib.authors(k)} [[{bib.year(k)}](#ref-{k})]" for k in keys)
            return "[" + ", ".join(f"[{bib.authors(k)}, {bib.year(k)}](#ref-{k})" for k in keys) + "]"
        if name == "term":
            text, target = role_target(content)
            lab = self.index.terms.get(" ".join(target.split()).lower())
            if lab is None:
                raise BookError(f"{loc}: {{term}} {target!r} is not in the glossary")
            return self.link(self.inline(text or target, loc), lab)
        if name == "math":
            return f"${self.math(content)}$"
        if name in ("code", "samp"):
            return f"`{content}`"
        if name == "kbd":
            return f"<kbd>{content}</kbd>"
        if name == "abbr":
            return re.sub(r"\s*\(.*\)$", "", content)
        raise BookError(f"{loc}: role {{{name}}} is not supported in the Colab notebooks; see the authoring conventions "
                        "in book/how-to-run.md")

    # -- blocks --------------------------------------------------------------------------------
    def blocks(self, blocks: list, top: bool = True) -> list[tuple[str, str]]:
        """Render blocks to chunks ``(kind, markdown)``: "flow" merges with its neighbours, "box" is a cell
        of its own, "heading" starts a cell."""
        chunks: list[tuple[str, str]] = []
        for b in blocks:
            loc = f"{self.where}:{b.line}"
            if isinstance(b, Target):
                continue
            if isinstance(b, Heading):
                sec = next(self.sections)
                num = ".".join(map(str, sec.number))
                title = self.inline(b.title, loc)
                chunks.append(("heading", f"{'#' * b.level} {num + '. ' if num else ''}{title}"))
            elif isinstance(b, Text):
                if b.text.strip():
                    chunks.append(("flow", self.inline(b.text.strip("\n"), loc)))
            elif isinstance(b, Math):
                chunks.append(("flow", self.display(b.tex, b.label, b.indent, loc)))
            elif isinstance(b, Code):
                chunks.append(("flow", b.raw))
            elif isinstance(b, Directive):
                chunks += self.directive(b, loc, top)
        return chunks

    def display(self, tex: str, label: str | None, indent: str, loc: str) -> str:
        body = self.math(tex).strip("\n")
        if label:
            lab = self.index.label(label, loc)
            body += f"\n\\tag{{{lab.number_text}}}"
        lines = ["$$", *body.split("\n"), "$$"]
        return "\n".join(indent + ln for ln in lines)

    def body(self, d: Directive) -> str:
        chunks = self.blocks(parse_blocks(d.body, d.body_line, self.where), top=False)
        return "\n\n".join(text for _, text in chunks)

    def directive(self, d: Directive, loc: str, top: bool) -> list[tuple[str, str]]:
        name = d.name
        kind = "box" if top else "flow"
        if name.startswith("prf:"):
            typ = name[4:]
            if typ == "proof":
                of = self.last_statement
                summary = "<b>Proof.</b>" if of is None else \
                    f"<b>Proof</b> of {of.typ.title()} {of.number_text}".rstrip()
                self.last_statement = None
                return [(kind, _folded(summary, self.body(d)))]
            if typ not in PROOF_TYPES:
                raise BookError(f"{loc}: unknown directive {{{name}}}")
            lab = self.index.labels.get(d.options.get("label", ""))
            number = lab.number_text if lab else ""
            if lab is None and "nonumber" not in d.options:
                raise BookError(f"{loc}: {{{name}}} needs a :label: (the number and the check id come from it)")
            head = f"**{typ.title()}{' ' + number if number else ''}**"
            if d.argument:
                head += f" ({self.inline(d.argument, loc)})"
            if lab:
                head = f'<a id="{lab.name}"></a>{head}'
            self.last_statement = lab
            return [(kind, f"{head}\n\n{self.body(d)}")]
        self.last_statement = None
        if name in ("exercise", "exercise-start"):
            lab = self.index.labels.get(d.options.get("label", ""))
            if lab is None:
                raise BookError(f"{loc}: an exercise needs a :label: (ex-...)")
            head = f'<a id="{lab.name}"></a>**Exercise {lab.number_text}**'
            if d.argument:
                head += f" ({self.inline(d.argument, loc)})"
            return [(kind, f"{head}\n\n{self.body(d)}")]
        if name in ("solution", "solution-start"):
            lab = self.index.label(d.argument.strip(), loc)
            summary = f"<b>Solution to Exercise {lab.number_text}</b>"
            if lab.title:
                summary += f" ({self.inline(lab.title, loc)})"
            if name == "solution-start":
                self.gated = lab
                return [("gate-open", summary)]
            return [(kind, _folded(summary, self.body(d)))]
        if name in ("solution-end", "exercise-end"):
            return [("gate-close", "")] if name == "solution-end" else []
        if name in ADMONITIONS or name == "dropdown":
            classes = str(d.options.get("class", "")).split()
            typ = name if name != "admonition" else next((c for c in classes if c in ADMONITION_MARK), "note")
            title = self.inline(d.argument, loc) if d.argument else name.title()
            anchor = f'<a id="{d.options["name"]}"></a>' if d.options.get("name") else ""
            mark = ADMONITION_MARK.get(typ, "")
            if "dropdown" in classes or name == "dropdown":
                return [(kind, anchor + _folded(f"<b>{mark}{title}</b>", self.body(d)))]
            return [(kind, f"{anchor}**{mark}{title}**\n\n{self.body(d)}")]
        if name == "figure":
            lab = self.index.labels.get(d.options.get("name", ""))
            parts = d.body.strip().split("\n\n", 1)
            caption = self.inline(parts[0], loc) if parts[0] else ""
            legend = self.inline(parts[1], loc) if len(parts) > 1 else ""
            src = d.argument
            if not re.match(r"^[a-z]+:", src):
                rel = (self.page.path.parent / src).resolve().relative_to(self.book.root.resolve()).as_posix()
                src = self.book.raw_url(rel)
            alt = d.options.get("alt", caption)
            text = f"![{alt}]({src})\n\n" + (f"**Fig. {lab.number_text}** " if lab else "") + caption
            return [(kind, text + (f"\n\n{legend}" if legend else ""))]
        if name == "math":
            lab = d.options.get("label")
            return [("flow", self.display(d.body, lab, d.indent, loc))]
        if name in ("code-block", "code", "sourcecode"):
            return [("flow", f"```{d.argument}\n{d.body}\n```")]
        if name == "include":
            path = (self.page.path.parent / d.argument).resolve()
            return self.blocks(parse_blocks(path.read_text(encoding="utf-8"), 1, str(path)), top)
        if name in ("bibliography", "toctree", "tableofcontents"):
            return []
        if name in ("margin", "sidebar", "epigraph"):
            return [(kind, f"**{self.inline(d.argument, loc) or 'Aside'}**\n\n{self.body(d)}")]
        if name == "raw" and d.argument.strip() == "html":
            return [("flow", d.body)]
        if name == "glossary":
            items, term = [], None
            for ln in d.body.split("\n"):
                if ln.strip() and not ln[:1].isspace():
                    term = ln.strip()
                    items.append([term, []])
                elif items:
                    items[-1][1].append(ln.strip())
            return [("flow", "\n\n".join(f"**{t}**: {self.inline(' '.join(x for x in body if x), loc)}"
                                         for t, body in items))]
        raise BookError(f"{loc}: directive {{{name}}} is not supported in the Colab notebooks; see the authoring "
                        "conventions in book/how-to-run.md")

    # -- cells ---------------------------------------------------------------------------------
    def markdown_cells(self, source: str, line0: int) -> list[str]:
        open_gate = self.gated                       # a gated solution left open by an earlier cell
        chunks = self.blocks(parse_blocks(source, line0, self.where))
        cells: list[str] = []
        flow: list[str] = []
        gate: list[str] | None = [] if open_gate is not None else None
        gate_summary = None
        if open_gate is not None:
            gate_summary = f"<b>Solution to Exercise {open_gate.number_text}</b> (continued)"

        def close_flow():
            if flow:
                cells.append("\n\n".join(flow))
                flow.clear()

        for kind, text in chunks:
            if kind == "gate-open":
                close_flow()
                gate, gate_summary = [], text
                continue
            if kind == "gate-close":
                if gate is None:
                    raise BookError(f"{self.where}: solution-end without solution-start")
                if gate:
                    cells.append(_folded(gate_summary, "\n\n".join(gate)))
                gate, gate_summary, self.gated = None, None, None
                continue
            if gate is not None:
                gate.append(text)
            elif kind == "heading":          # a heading starts a cell (Colab folds sections by cell)
                close_flow()
                flow.append(text)
            elif kind == "box":
                close_flow()
                cells.append(text)
            else:
                flow.append(text)
        if gate:
            cells.append(_folded(gate_summary, "\n\n".join(gate)))
        close_flow()
        return [c for c in cells if c.strip()]

    def code_cell(self, cell) -> list:
        import nbformat

        tags = list(cell.metadata.get("tags") or [])
        source = cell.source
        meta: dict = {}
        if tags:
            meta["tags"] = tags
        title = None
        if self.gated is not None:
            title = f"Solution to Exercise {self.gated.number_text}: code (double-click to show)"
        elif "remove-cell" in tags:
            title = "Setup code, hidden on the web page (double-click to show)"
        elif "hide-input" in tags or "remove-input" in tags:
            title = "Code, hidden on the web page (double-click to show)"
        if title:
            source = f"# @title {title}\n{source}"
            meta["cellView"] = "form"
            meta["jupyter"] = {"source_hidden": True}
        out = [nbformat.v4.new_code_cell(source, metadata=meta)]
        fig = (cell.metadata.get("mystnb") or {}).get("figure") or {}
        if fig.get("caption"):
            loc = f"{self.where} (figure {fig.get('name', '')})"
            lab = self.index.labels.get(fig.get("name", ""))
            head = f'<a id="{lab.name}"></a>**Fig. {lab.number_text}** ' if lab else ""
            caption = " ".join(self.inline(str(fig["caption"]).strip(), loc).split("\n"))
            out.append(nbformat.v4.new_markdown_cell(head + caption))
        return out

    def notebook(self):
        import nbformat

        book, page = self.book, self.page
        cells = [nbformat.v4.new_markdown_cell(self.conv.badge(page)),
                 nbformat.v4.new_code_cell(self.conv.install_cell())]
        src_cells = page_cells(page)
        offsets = cell_line_offsets(page)
        for cell, line0 in zip(src_cells, offsets):
            if cell.cell_type == "markdown":
                cells += [nbformat.v4.new_markdown_cell(t) for t in self.markdown_cells(cell.source, line0)]
            elif cell.cell_type == "code":
                if _is_install_cell(cell):
                    continue
                cells += self.code_cell(cell)
            else:
                cells.append(nbformat.v4.new_raw_cell(cell.source))
        if self.gated is not None:
            raise BookError(f"{self.where}: solution-start for {self.gated.name} has no solution-end")
        if self.cited:
            bib = self.conv.bib
            refs = ["## References", ""]
            for k in sorted(self.cited, key=bib.order.__getitem__):
                refs.append(f'- <a id="ref-{k}"></a>**{bib.authors(k)}, {bib.year(k)}.** {_unescape(bib.reference(k))}')
            cells.append(nbformat.v4.new_markdown_cell("\n".join(refs)))
        seen: dict[str, int] = {}
        for c in cells:
            h = hashlib.sha1(f"{c.cell_type}\0{c.source}".encode()).hexdigest()[:12]
            seen[h] = seen.get(h, 0) + 1
            c["id"] = h if seen[h] == 1 else f"{h}-{seen[h]}"
        nb = nbformat.v4.new_notebook(cells=cells, metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "colab": {"provenance": [], "toc_visible": True},
            "alignbook": {"source": self.where, "version": book.version, "generated_by": GENERATOR,
                          "web": book.url(page.docname)},
        })
        nbformat.validate(nb)
        return nb


def _unescape(md: str) -> str:
    """pybtex's Markdown backend escapes every punctuation mark; keep the escapes that matter."""
    return re.sub(r"\\([.()\-:,!?'/])", r"\1", md)


class Converter:
    def __init__(self, book: Book | None = None):
        self.book = book or Book()
        self.index = BookIndex(self.book)
        self.bib = Bibliography(self.book.bibfiles, self.book.sphinx_config.get("bibtex_default_style", "alpha"))

    def install_cell(self) -> str:
        return install_cell_source()

    def badge(self, page: Page) -> str:
        book = self.book
        lab = self.index.labels[page.docname]
        number = lab.number_text
        what = f"Chapter {number}" if number else "Appendix" if page.part.lower().startswith("append") else "Page"
        title = PageConverter(self, page).inline(lab.title, page.docname)
        repo_src = f"{book.repository_url}/blob/{book.repository_branch}/{page.path.relative_to(book.root).as_posix()}"
        return (
            f"[**{book.title}**]({book.base_url}/) · {what}: **{title}** · "
            f"[read it in the web book]({book.url(page.docname)}) · "
            f"`alignbook` [{book.tag}]({book.repository_url}/releases/tag/{book.tag})\n\n"
            f"*This notebook is generated from [`{page.path.relative_to(book.root).as_posix()}`]({repo_src}) "
            f"by `make notebooks`: numbers, references and citations are the web book's; proofs and "
            f"solutions are folded (click to open). In Colab, run the first code cell to install "
            f"`alignbook` {book.tag}.*"
        )

    def notebook(self, page: Page):
        return PageConverter(self, page).notebook()

    def notebook_text(self, page: Page) -> str:
        import nbformat

        return nbformat.writes(self.notebook(page)) + "\n"


def install_cell_source() -> str:
    from alignbook.release import INSTALL_CELL

    return INSTALL_CELL


def pin_sources(book: Book) -> list[Path]:
    """Rewrite the Colab install line of every source page to ``alignbook.release.INSTALL_URL``."""
    from alignbook.release import INSTALL_URL

    changed = []
    for page in book.notebook_pages:
        text = page.text
        new = re.sub(r'(%pip install -q ")alignbook @ git\+[^"]+(")', rf"\g<1>{INSTALL_URL}\g<2>", text)
        if new != text:
            page.path.write_text(new, encoding="utf-8")
            changed.append(page.path)
    return changed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=GENERATOR, description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="*", help="docnames or paths (default: every executed page of _toc.yml)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook is stale")
    ap.add_argument("--pin", action="store_true",
                    help="first rewrite each source's Colab install line to the current version's tag")
    ap.add_argument("--root", default=None, help="book root (default: this repository)")
    ap.add_argument("--preview", action="store_true",
                    help="also write _build/html/notebooks/<page>.html: each notebook as a plain renderer shows it "
                         "(markdown-it, MathJax without the book macros); open it after `make book`")
    args = ap.parse_args(argv)
    book = Book(args.root) if args.root else Book()
    if args.pin:
        for p in pin_sources(book):
            print(f"pinned {p.relative_to(book.root)}")
        book = Book(book.root)
    conv = Converter(book)
    wanted = {str(Path(p).with_suffix("")) for p in args.pages}
    stale = []
    for page in book.notebook_pages:
        if wanted and page.docname not in wanted:
            continue
        text = conv.notebook_text(page)
        rel = page.ipynb.relative_to(book.root)
        old = page.ipynb.read_text(encoding="utf-8") if page.ipynb.exists() else None
        if old == text:
            continue
        if args.check:
            stale.append(str(rel))
        else:
            page.ipynb.write_text(text, encoding="utf-8")
            print(f"wrote {rel}")
    if args.preview:
        from .checks import preview_html

        for page in book.notebook_pages:
            out = book.root / "_build" / "html" / "notebooks" / f"{page.docname}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            depth = page.docname.count("/") + 1
            out.write_text(preview_html(conv.notebook(page), "../" * depth + "_static/mathjax/tex-chtml.js",
                                        page.ipynb.name), encoding="utf-8")
            print(f"preview {out.relative_to(book.root)}")
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
