"""The Colab notebooks read like the web book in a plain notebook renderer.

Every Markdown cell of every generated notebook is rendered with markdown-it-py (CommonMark,
tables, dollar maths; no MyST): no directive fence, role, target or directive option may be left,
every control sequence must be standard TeX (the book's macros are expanded), every formula
must typeset in the vendored MathJax without the book's macro table, theorem-like boxes carry
their numbers and solutions are folded. The checks themselves are shown to fail on broken input,
and the generator is run on a small synthetic book that exercises the conventions.
"""
import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import nbformat
import pytest

from alignbook.booktools import BookError
from alignbook.booktools.checks import markdown_problems, math_snippets, notebook_problems
from alignbook.booktools.colab import Converter
from alignbook.booktools.myst import Directive, Math, parse_blocks, split_inline
from alignbook.booktools.numbering import PROOF_TYPES
from alignbook.booktools.project import Book
from alignbook.booktools.tex import expand, unknown_commands

ROOT = Path(__file__).resolve().parents[1]
BOOK = Book(ROOT)
PAGES = BOOK.notebook_pages
MATHJAX = ROOT / "book" / "_static" / "mathjax"


@pytest.fixture(scope="module")
def converter():
    return Converter(BOOK)


def _committed(page):
    return nbformat.read(page.ipynb, as_version=4)


# -- every committed notebook ------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_notebook_renders_cleanly(page):
    problems = notebook_problems(_committed(page), BOOK.macros)
    assert not problems, f"{page.ipynb.relative_to(ROOT)}:\n  " + "\n  ".join(problems[:30])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_every_statement_and_exercise_is_numbered_as_on_the_web(page, converter):
    """The notebook shows "Theorem 2.3" etc. for exactly the labelled statements of the page."""
    import re

    text = "\n".join(c.source for c in _committed(page).cells if c.cell_type == "markdown")
    shown = re.findall(r'<a id="([^"]+)"></a>\*\*(\w+) ([\d.]+)\*\*', text)
    labs = [lab for lab in converter.index.by_docname.get(page.docname, [])
            if lab.kind in ("prf", "exercise") and lab.number]
    expected = sorted((lab.name, lab.typ.title(), lab.number_text) for lab in labs)
    assert sorted(shown) == expected


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_every_solution_and_proof_is_folded(page, converter):
    import re

    nb = _committed(page)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    exercises = converter.index.exercises[page.docname]
    for ex in exercises:
        summaries = re.findall(rf"<summary><b>Solution to Exercise {re.escape(ex.number_text)}</b>", text)
        assert len(summaries) >= ex.solutions, f"{ex.label}: solution not folded"
    proofs = page.text.count("{prf:proof}")
    assert len(re.findall(r"<summary><b>Proof", text)) == proofs


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_figure_captions_follow_their_figures(page, converter):
    nb = _committed(page)
    figures = [lab for lab in converter.index.by_docname.get(page.docname, []) if lab.kind == "figure"]
    for lab in figures:
        i = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "markdown" and c.source.startswith(f'<a id="{lab.name}"></a>**Fig. ')), None)
        assert i is not None, f"{lab.name}: no caption cell"
        assert nb.cells[i - 1].cell_type == "code", f"{lab.name}: the caption must follow the figure's code cell"
        assert f"**Fig. {lab.number_text}** " in nb.cells[i].source


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_citations_are_resolved_with_a_reference_list(page, converter):
    nb = _committed(page)
    cited = set(converter.index.cites[page.docname])
    if not cited:
        return
    last = nb.cells[-1].source
    assert last.startswith("## References")
    for key in cited:
        assert f'<a id="ref-{key}"></a>' in last
        assert f"](#ref-{key})" in "\n".join(c.source for c in nb.cells[:-1])


def _node():
    return shutil.which("node")


@pytest.mark.skipif(not _node(), reason="Node.js is not installed: cannot run MathJax (apt-get install nodejs)")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_every_formula_typesets_without_the_book_macros(page):
    """MathJax 3 (base, ams, autoload; no `noundefined`, no book macros) typesets every formula."""
    snippets = math_snippets(_committed(page))
    assert snippets
    errors = _typeset(snippets)
    assert not errors, "\n".join(f"{snippets[i][1][:120]!r}: {msg}" for i, msg in errors[:20])


def _typeset(snippets):
    proc = subprocess.run(["node", str(ROOT / "tests" / "mathjax_typeset.js"), str(MATHJAX)],
                          input=json.dumps(snippets), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.skipif(not _node(), reason="Node.js is not installed")
def test_the_mathjax_check_can_fail():
    errors = _typeset([["inline", r"\R^d"], ["inline", r"\mathbb{R}^d"], ["display", r"\frac{1}{"],
                       ["display", r"\begin{aligned} a &= b \end{aligned} \tag{1.1}"]])
    assert [i for i, _ in errors] == [0, 2]
    assert "Undefined control sequence" in errors[0][1]


# -- the checks can fail -----------------------------------------------------------------------
@pytest.mark.parametrize("bad, expected", [
    ("```{prf:theorem} T\n:label: thm-t\nx\n```", "directive fence"),
    (":::{note}\nx\n:::", "MyST syntax"),
    ("See {prf:ref}`thm-t`.", "role left"),
    ("as {cite:p}`kornblith2019` show", "role left"),
    ("(sec-intro)=\n\n# Intro", "target left"),
    ("Body\n\n:label: thm-x", "directive option"),
    ("$x \\in \\R^d$", "\\R"),
    ("$$\n\\HSIC(X, Y)\n$$", "\\HSIC"),
    ("$\\begin{foo} x \\end{foo}$", "{foo}"),
    ("**Theorem** (Name)\n\nbody", "without a number"),
    ("**Solution to Exercise 1.1**\n\nanswer", "not folded"),
    ("<details>\n<summary><b>Solution to Exercise 1.1</b></summary>\n\nanswer", "unbalanced"),
])
def test_markdown_checks_reject(bad, expected):
    problems = markdown_problems(bad, BOOK.macros)
    assert any(expected in p for p in problems), problems


def test_markdown_checks_accept_the_generated_forms():
    good = ('<a id="thm-x"></a>**Theorem 1.2** (Name with $\\mathbb{R}^d$)\n\nSee '
            '[Theorem 1.2](https://x/y.html#thm-x) and [[Kornblith et al., 2019](#ref-k)].\n\n'
            "$$\n\\operatorname{tr}(KL)\n\\tag{1.3}\n$$")
    assert markdown_problems(good, BOOK.macros) == []
    folded = "<details>\n<summary><b>Solution to Exercise 1.1</b> (T)</summary>\n\nanswer $x$\n\n</details>"
    assert markdown_problems(folded, BOOK.macros) == []


def test_output_cells_are_rejected():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=1)])
    assert notebook_problems(nb)


# -- macro expansion ---------------------------------------------------------------------------
MACROS = {"R": r"\mathbb{R}", "tr": r"\operatorname{tr}", "E": r"\mathbb{E}", "HSIC": r"\operatorname{HSIC}",
          "norm": [r"\left\|#1\right\|", 1], "RR": r"\R\R"}


@pytest.mark.parametrize("src, out", [
    (r"x \in \R^d", r"x \in \mathbb{R}^d"),
    (r"\tr(KL) = \tr H", r"\operatorname{tr}(KL) = \operatorname{tr} H"),
    (r"\Real + \Rx", r"\Real + \Rx"),                        # whole control words only
    (r"a \\R b", r"a \\R b"),                                # \\ is a line break, then the letter R
    (r"\E[\norm{x}^2]", r"\mathbb{E}[\left\|x\right\|^2]"),  # arguments
    (r"\norm x", r"\left\|x\right\|"),
    (r"\RR", r"\mathbb{R}\mathbb{R}"),                       # nested
    (r"\HSIC_{k}", r"\operatorname{HSIC}_{k}"),
])
def test_expand(src, out):
    assert expand(src, MACROS) == out


def test_expand_refuses_recursion():
    with pytest.raises(BookError):
        expand(r"\A", {"A": r"\A x"})


def test_every_book_macro_expands_to_standard_tex():
    for name in BOOK.macros:
        assert unknown_commands(expand(f"\\{name}", BOOK.macros)) == set(), name


# -- parser ------------------------------------------------------------------------------------
def test_parse_nested_directives_and_labelled_maths():
    src = textwrap.dedent("""\
        Intro $a$.

        ````{prf:theorem} Title with $x$
        :label: thm-a

        Body
        $$
        x = y
        $$ (eq-a)

        ```{note}
        inner
        ```
        ````

        1. item

           $$ z $$ (eq-b)
        """)
    blocks = parse_blocks(src)
    d = next(b for b in blocks if isinstance(b, Directive))
    assert (d.name, d.argument, d.options) == ("prf:theorem", "Title with $x$", {"label": "thm-a"})
    inner = parse_blocks(d.body)
    assert [type(b).__name__ for b in inner] == ["Text", "Math", "Directive"]
    assert inner[1].label == "eq-a" and inner[1].tex == "x = y"
    m = [b for b in blocks if isinstance(b, Math)][0]
    assert (m.label, m.tex, m.indent) == ("eq-b", "z", "   ")


def test_split_inline_roles_code_and_maths():
    toks = split_inline(r"See {prf:ref}`thm-a`, `{ref}` literal, $a\$b$ and $$c$$ and \$5.")
    kinds = [(t.kind, t.name or t.value) for t in toks if t.kind != "text"]
    assert kinds == [("role", "prf:ref"), ("code", "`{ref}`"), ("math", r"a\$b"), ("dmath", "c")]


# -- a synthetic book: the conventions, for chapters that do not exist yet ---------------------
def _write(root: Path, rel: str, text: str):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")


FRONT = """\
---
jupytext:
  formats: md:myst
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""


@pytest.fixture
def mini_book(tmp_path):
    root = tmp_path
    _write(root, "_config.yml", """\
        title: Mini
        html: {baseurl: "https://example.org/mini/"}
        repository: {url: "https://github.com/o/mini", branch: v1.0.0}
        bibtex_bibfiles: [refs.bib]
        sphinx:
          config:
            mathjax3_config: {tex: {macros: {R: "\\\\mathbb{R}"}}}
        """)
    _write(root, "_toc.yml", """\
        format: jb-book
        root: intro
        parts:
          - caption: Start
            chapters: [{file: notes}]
          - caption: Chapters
            numbered: true
            chapters: [{file: ch/one}, {file: ch/two}]
          - caption: Appendices
            chapters: [{file: app}]
        """)
    _write(root, "pyproject.toml", '[project]\nname = "mini"\nversion = "1.0.0"\n\n[tool.x]\n')
    _write(root, "refs.bib", """\
        @article{solo2020, title={A}, author={Solo, Ann}, journal={J}, year={2020}}
        @article{duo2019, title={B}, author={Duo, Bob and Tre, Cy}, journal={J}, year={2019}}
        @article{many2018, title={C}, author={Many, Di and Two, Ed and Three, Fa}, journal={J}, year={2018}}
        """)
    _write(root, "intro.md", "# Mini\n\nWelcome.\n")
    _write(root, "notes.md", FRONT + textwrap.dedent("""\
        # Notes

        ```{prf:definition} Unnumbered-page definition
        :label: def-notes
        On an unnumbered page.
        ```

        $$ a $$ (eq-notes)

        ```{code-cell} ipython3
        1 + 1
        ```
        """))
    _write(root, "ch/one.md", FRONT + textwrap.dedent("""\
        ```{code-cell} ipython3
        :tags: [remove-cell]
        import sys
        if "google.colab" in sys.modules:
            %pip install -q "alignbook @ git+https://github.com/alignbook/alignbook@v0"
        ```

        (ch-one)=
        # One

        (sec-one-a)=
        ## First section

        ```{prf:theorem} First
        :label: thm-one
        For $x \\in \\R^d$ {cite:p}`solo2020,many2018`, see {eq}`eq-one`:
        $$ x = x $$ (eq-one)
        ```

        ```{prf:proof}
        Trivial; {cite:t}`duo2019`.
        ```

        ```{prf:lemma} Second
        :label: lem-one
        Uses {prf:ref}`thm-one` and {prf:ref}`the notes <def-notes>`.
        ```

        ```{code-cell} ipython3
        ---
        mystnb:
          figure:
            caption: A caption with $\\R$.
            name: fig-one
        ---
        print(1)
        ```

        ## Exercises

        ```{exercise} An exercise ★
        :label: ex-one
        Show {prf:ref}`lem-one`; see {numref}`fig-one` and {ref}`sec-one-a`.
        ```

        ```{solution} ex-one
        :class: dropdown
        Done.
        ```

        ```{exercise} A computational exercise ★★
        :label: ex-two
        Compute.
        ```

        ```{solution-start} ex-two
        :class: dropdown
        ```

        Prose of the solution.

        ```{code-cell} ipython3
        print("solution")
        ```

        ```{solution-end}
        ```

        After.
        """))
    _write(root, "ch/two.md", FRONT + textwrap.dedent("""\
        # Two

        ```{prf:theorem} Again
        :label: thm-two
        Back to {ref}`the first chapter <ch-one>` and {prf:ref}`thm-one`.
        ```

        ```{admonition} Erratum: something
        :class: warning
        :name: err-two
        A warning with $\\R$.
        ```
        """))
    _write(root, "app.md", FRONT + textwrap.dedent("""\
        # Appendix

        ```{prf:definition} Appendix definition
        :label: def-app
        Shares the unnumbered pages' counter.
        ```

        $$ b $$ (eq-app)

        ```{code-cell} ipython3
        2
        ```
        """))
    return Book(root)


def _text(nb):
    return "\n\n".join(c.source for c in nb.cells)


def test_mini_book_numbers_like_sphinx(mini_book, monkeypatch):
    conv = Converter(mini_book)
    labels = conv.index.labels
    assert labels["thm-one"].number == (1, 1) and labels["lem-one"].number == (1, 1)   # own counters
    assert labels["thm-two"].number == (2, 1)
    assert labels["eq-one"].number == (1, 1)
    assert labels["ex-two"].number == (1, 2) and labels["fig-one"].number == (1, 1)
    # unnumbered pages share one counter per kind, in reading order
    assert labels["def-notes"].number == (1,) and labels["def-app"].number == (2,)
    assert labels["eq-notes"].number == (1,) and labels["eq-app"].number == (2,)
    assert labels["sec-one-a"].number == (1, 1)
    assert [p.docname for p in mini_book.notebook_pages] == ["notes", "ch/one", "ch/two", "app"]


def test_mini_book_notebook(mini_book):
    conv = Converter(mini_book)
    nb = conv.notebook(mini_book.page("ch/one"))
    text = _text(nb)
    assert notebook_problems(nb, mini_book.macros) == []
    assert "**Theorem 1.1** (First)" in text and "**Lemma 1.1** (Second)" in text
    assert r"x \in \mathbb{R}^d" in text and "\\tag{1.1}" in text
    assert "[[Many et al., 2018](#ref-many2018), [Solo, 2020](#ref-solo2020)]" in text   # bibliography order
    assert "Duo and Tre [[2019](#ref-duo2019)]" in text
    assert "[Theorem 1.1](https://example.org/mini/ch/one.html#thm-one)" in text
    assert "[the notes](https://example.org/mini/notes.html#def-notes)" in text
    assert "[Fig. 1.1](https://example.org/mini/ch/one.html#fig-one)" in text
    assert "[First section](https://example.org/mini/ch/one.html#sec-one-a)" in text
    assert "[(1.1)](https://example.org/mini/ch/one.html#equation-eq-one)" in text
    assert "## 1.1. First section" in text and "# 1. One" in text
    assert "<summary><b>Proof</b> of Theorem 1.1</summary>" in text
    assert "<summary><b>Solution to Exercise 1.1</b> (An exercise ★)</summary>" in text
    # the gated solution: prose folded, code folded behind a Colab form title
    code = [c for c in nb.cells if c.cell_type == "code"]
    sol = next(c for c in code if "print(\"solution\")" in c.source)
    assert sol.source.startswith("# @title Solution to Exercise 1.2")
    assert sol.metadata["cellView"] == "form" and sol.metadata["jupyter"]["source_hidden"]
    assert "<summary><b>Solution to Exercise 1.2</b> (A computational exercise ★★)</summary>" in text
    assert not any("After." in c.source and "<details>" in c.source for c in nb.cells)
    # the source's install cell is replaced by the canonical one; captions follow figures
    from alignbook.release import INSTALL_CELL

    assert code[0].source == INSTALL_CELL and sum("google.colab" in c.source for c in code) == 1
    cap = next(i for i, c in enumerate(nb.cells) if "**Fig. 1.1** A caption with $\\mathbb{R}$." in c.source)
    assert nb.cells[cap - 1].source == "print(1)"
    assert nb.cells[-1].source.startswith("## References")
    assert nb.metadata["alignbook"]["source"] == "ch/one.md"


def test_mini_book_cross_chapter_and_errata(mini_book):
    conv = Converter(mini_book)
    text = _text(conv.notebook(mini_book.page("ch/two")))
    assert "[the first chapter](https://example.org/mini/ch/one.html#ch-one)" in text
    assert '<a id="err-two"></a>**⚠️ Erratum: something**' in text


def test_generator_is_deterministic(mini_book):
    page = mini_book.page("ch/one")
    assert Converter(mini_book).notebook_text(page) == Converter(mini_book).notebook_text(page)


@pytest.mark.parametrize("snippet, message", [
    ("```{prf:theorem} T\nNo label.\n```", "needs a :label:"),
    ("```{grid}\nx\n```", "not supported"),
    ("See {prf:ref}`thm-nowhere`.", "undefined label"),
    ("{sub-ref}`x`", "not supported"),
    ("{cite:p}`nobody1999`", "not in"),
    ("[a link](other.md)", "not a page"),
])
def test_generator_rejects_what_it_cannot_translate(mini_book, snippet, message):
    path = mini_book.root / "ch" / "two.md"
    path.write_text(path.read_text() + "\n" + snippet + "\n")
    book = Book(mini_book.root)
    with pytest.raises(BookError, match=message):
        Converter(book).notebook(book.page("ch/two"))


def test_every_proof_type_is_known():
    assert {"theorem", "lemma", "proposition", "definition", "remark", "property", "corollary"} <= set(PROOF_TYPES)
