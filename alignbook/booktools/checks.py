"""What a plain notebook renderer makes of a generated notebook.

Each Markdown cell is rendered with markdown-it-py in CommonMark mode plus GFM tables and the
``dollarmath`` plugin (no MyST extensions, maths labels off), which is what Jupyter and Colab
understand. :func:`notebook_problems` lists, per cell, everything a reader would see that only the
book's Sphinx build understands: directive fences, roles, targets and directive options left in
the text, control sequences a standard TeX renderer lacks (the book's macros among them),
solutions that are not folded and theorem-like titles without their number.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from .tex import commands, unknown_commands

BOX_TYPES = ("Theorem", "Proposition", "Lemma", "Definition", "Corollary", "Remark", "Property",
             "Example", "Conjecture", "Axiom", "Criterion", "Algorithm", "Observation", "Assumption",
             "Notation", "Exercise")
LEFTOVERS = ("```{", ":::{", "{prf:", "{cite", "{ref}", "{numref}", "{eq}", "{doc}", "{term}", "{glue",
             "{math}", "{download}")
_OPTION = re.compile(r"(?m)^:(label|class|name|tags|nonumber|caption|width|align|dropdown):")
_TARGET = re.compile(r"(?m)^\s*\([^()\s]+\)=\s*$")
_ROLE = re.compile(r"\{[A-Za-z][\w:-]*\}$")


def renderer():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    return MarkdownIt("commonmark", {"html": True}).enable("table").use(
        dollarmath_plugin, allow_labels=False, allow_space=True, allow_digits=True, double_inline=False)


class _Text(HTMLParser):
    """Text of rendered HTML outside <code>/<pre>, and the <details> nesting of each text run."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.runs: list[tuple[str, tuple]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "hr", "input", "a") or tag == "a":
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not ({"code", "pre"} & set(self.stack)):
            self.runs.append((data, tuple(self.stack)))


def markdown_problems(source: str, macros: dict | None = None, md=None) -> list[str]:
    """Problems a reader would see in one Markdown cell."""
    md = md or renderer()
    problems: list[str] = []
    tokens = md.parse(source)
    maths: list[str] = []

    def walk(toks):
        for i, t in enumerate(toks):
            if t.type == "fence" and t.info.strip().startswith("{"):
                problems.append(f"directive fence left as code: ```{t.info.strip()}")
            if t.type in ("math_inline", "math_block", "math_inline_double"):
                maths.append(t.content)
            if t.type == "text":
                nxt = toks[i + 1] if i + 1 < len(toks) else None
                if nxt is not None and nxt.type == "code_inline" and _ROLE.search(t.content):
                    problems.append(f"role left in the text: {_ROLE.search(t.content).group(0)}`{nxt.content}`")
            if t.children:
                walk(t.children)

    walk(tokens)
    html = md.render(source)
    parser = _Text()
    parser.feed(html)
    text = "".join(run for run, _ in parser.runs)
    for pat in LEFTOVERS:
        if pat in text:
            problems.append(f"MyST syntax left in the text: {pat!r}")
    for m in _OPTION.finditer(text):
        problems.append(f"directive option left in the text: {m.group(0)!r}")
    for m in _TARGET.finditer(text):
        problems.append(f"target left in the text: {m.group(0).strip()!r}")
    for tex in maths:
        for cs in sorted(unknown_commands(tex)):
            problems.append(f"maths uses {cs}, which a standard TeX renderer does not define")
        for name in sorted(commands(tex) & set(macros or {})):
            problems.append(f"maths uses the book macro \\{name} unexpanded")
    # theorem-like titles carry their number
    for m in re.finditer(r"<strong>(?:<a[^>]*></a>)?(%s)([^<]*)</strong>" % "|".join(BOX_TYPES), html):
        if not re.match(r"^ \d+(\.\d+)*$", m.group(2)):
            problems.append(f"{m.group(1)} title without a number: {m.group(0)!r}")
    # folded solutions: a "Solution to" summary opens the cell's <details>, which wraps everything
    if "Solution to Exercise" in text or "Proof" in text:
        for run, stack in parser.runs:
            if re.search(r"Solution to Exercise", run) and "summary" not in stack:
                problems.append("a solution title outside <summary>: the solution is not folded")
        if re.search(r"<summary>.*Solution to Exercise", source):
            s = source.strip()
            if not (s.startswith("<details>") and s.endswith("</details>")):
                problems.append("a solution cell must be one <details> block (the solution is folded)")
    if source.count("<details>") != source.count("</details>"):
        problems.append("unbalanced <details>")
    return problems


def notebook_problems(nb, macros: dict | None = None) -> list[str]:
    """Every problem of every cell, as ``cell N: problem``."""
    md = renderer()
    out: list[str] = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            out += [f"cell {i}: {p}" for p in markdown_problems(cell.source, macros, md)]
        elif cell.cell_type == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                out.append(f"cell {i}: code cell has outputs (notebooks are committed output-free)")
            if re.match(r"# @title Solution", cell.source):
                meta = cell.metadata
                if meta.get("cellView") != "form" or not (meta.get("jupyter") or {}).get("source_hidden"):
                    out.append(f"cell {i}: solution code is not folded (cellView form, source_hidden)")
    return out


def math_snippets(nb) -> list[str]:
    """Every formula of the notebook's Markdown cells, as the renderer sees it (for typesetting)."""
    md = renderer()
    out: list[str] = []

    def walk(toks):
        for t in toks:
            if t.type in ("math_inline", "math_inline_double"):
                out.append(("inline", t.content))
            elif t.type == "math_block":
                out.append(("display", t.content))
            if t.children:
                walk(t.children)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            walk(md.parse(cell.source))
    return out


def preview_html(nb, mathjax_src: str, title: str = "notebook preview") -> str:
    """The notebook as a plain renderer shows it: Markdown by markdown-it, code cells verbatim,
    maths by MathJax with no book macros (``mathjax_src`` is the URL of ``tex-chtml.js``)."""
    import html as htmllib

    md = renderer()
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cells.append(f'<div class="md">{md.render(cell.source)}</div>')
        else:
            hidden = (cell.metadata.get("jupyter") or {}).get("source_hidden")
            src = htmllib.escape(cell.source.split("\n", 1)[0] + " …" if hidden else cell.source)
            cells.append(f'<pre class="code">{src}</pre>')
    style = ("body{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.45}"
             ".md,.code{border-left:3px solid #ddd;padding:.2em 1em;margin:.8em 0}"
             ".code{background:#f6f8fa;border-left-color:#4a90d9;white-space:pre-wrap}")
    # markdown-it's dollarmath writes <span class="math inline"> / <div class="math block">; MathJax
    # reads the TeX delimiters, so wrap them back as \( \) and \[ \]
    body = "\n".join(cells)
    body = re.sub(r'<span class="math inline">(.*?)</span>', r"\\(\1\\)", body, flags=re.S)
    body = re.sub(r'<div class="math block">(.*?)</div>', r"\\[\1\\]", body, flags=re.S)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{htmllib.escape(title)}</title>"
            f"<style>{style}</style><script>window.MathJax={{tex:{{packages:{{'[-]':['noundefined']}}}}}};</script>"
            f"<script defer src='{mathjax_src}'></script></head><body>{body}</body></html>")
