"""The whole book builds with warnings as errors (-W -n), reusing the chapters' cached execution.

This runs last (see conftest.py): a broken reference, citation, glossary term or label, a failing
cell, or a stale notebook fails it. The tests after the build look at the built site (they run
whenever ``_build/html`` exists): every number the Colab notebooks print is the number the web
page shows, citations read the same, launch buttons exist exactly where a notebook does, each
script is linked once, and MathJax is served with the book and typesets every page offline
(checked in headless Chromium when it is installed).
"""
import html as htmllib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alignbook.booktools.bib import Bibliography
from alignbook.booktools.numbering import BookIndex
from alignbook.booktools.project import Book

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
BOOK = Book(ROOT)

@pytest.fixture
def _built_html():
    """Skip at run time, not at collection: the build test above creates ``_build/html`` first."""
    if not (HTML / "index.html").exists():
        pytest.skip("no built book (_build/html)")


needs_html = pytest.mark.usefixtures("_built_html")


@pytest.mark.book
def test_book_builds_without_warnings():
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    assert jb, "jupyter-book is not installed: pip install -e '.[book]'"
    # A fresh read of every page (incremental builds do not repeat the warnings of unchanged
    # pages), but keep _build/.jupyter_cache, which test_notebooks.py has just filled.
    for stale in (ROOT / "_build" / ".doctrees", HTML, ROOT / "_build" / "jupyter_execute"):
        shutil.rmtree(stale, ignore_errors=True)
    proc = subprocess.run([jb, "build", str(ROOT), "-W", "-n", "--keep-going"], cwd=ROOT,
                          capture_output=True, text=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, "book build failed:\n" + log[-8000:]
    assert "build succeeded" in log
    executed = re.findall(r"Executing notebook", log)
    print(f"pages executed during the build: {len(executed)} (0 when the cache was filled by the tests)")

    prelim = (HTML / "chapters" / "preliminaries.html").read_text()
    assert "Proposition" in prelim or "Theorem" in prelim
    # the registered checks' results are shown, and none of them failed
    assert "<strong>PASS</strong>" in prelim and "<strong>FAIL</strong>" not in prelim
    assert "Proof" in prelim


def _page(docname: str) -> str:
    return (HTML / f"{docname}.html").read_text(encoding="utf-8")


def _text(page: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", page)).split())


_NUMBERED = re.compile(r'id="(?P<id>[^"]+)"[^>]*>\s*(?:<(?![^>]*\bid=)[^>]+>\s*)*?'
                       r'<span class="(?:caption-number|eqno)">(?P<num>[^<]*?)\s*(?:</span>|<a)', re.S)


@pytest.mark.book
@needs_html
def test_numbers_match_the_built_book():
    """Every statement, exercise, figure and equation number computed by booktools is the web book's."""
    index = BookIndex(BOOK)
    checked, wrong = 0, []
    for docname, labels in index.by_docname.items():
        page = _page(docname)
        shown = {m["id"]: m["num"].strip() for m in _NUMBERED.finditer(page)}
        for lab in labels:
            if not lab.number:
                continue
            if lab.kind == "section":
                m = re.search(rf'<span id="{re.escape(lab.anchor)}"></span><h\d><span class="section-number">'
                              rf"([\d.]+)\. </span>", page)
                got, want = (m.group(1) if m else None), lab.number_text
            elif lab.kind in ("prf", "exercise", "figure", "equation"):
                got = shown.get(lab.anchor)
                want = {"equation": f"({lab.number_text})", "figure": f"Fig. {lab.number_text}"}.get(
                    lab.kind, f"{lab.typ.title()} {lab.number_text}")
            else:
                continue
            checked += 1
            if got != want:
                wrong.append(f"{docname}: {lab.name}: booktools says {want!r}, the web book {got!r}")
    assert checked > 100
    assert not wrong, "\n".join(wrong)


@pytest.mark.book
@needs_html
def test_citations_read_as_on_the_web():
    index = BookIndex(BOOK)
    bib = Bibliography(BOOK.bibfiles)
    for docname, keys in index.cites.items():
        if not keys:
            continue
        text = _text(_page(docname)).replace("\xa0", " ")
        for key in set(keys):
            assert bib.authors(key) in text and bib.year(key) in text, (docname, key, bib.authors(key))


@pytest.mark.book
@needs_html
def test_launch_buttons_exactly_where_a_notebook_exists():
    for page in BOOK.pages:
        html = _page(page.docname)
        links = set(re.findall(r'href="(https://colab\.research\.google\.com/github/[^"]+)"', html))
        if page.is_notebook:
            rel = page.ipynb.relative_to(ROOT).as_posix()
            assert links == {BOOK.colab_url(page)}, (page.docname, links)
            assert links.pop().endswith(f"/blob/{BOOK.tag}/{rel}") and page.ipynb.exists()
        else:
            assert not links, f"{page.docname} has no notebook but a Colab button: {links}"


@pytest.mark.book
@needs_html
def test_each_script_once_and_mathjax_served_with_the_book():
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (HTML / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    for path in HTML.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        if "<script" not in page or path.parent.name == "reports":
            continue
        scripts = re.findall(r"<script\b[^>]*>.*?</script>", page, re.S)
        assert len(scripts) == len(set(scripts)), f"{path.relative_to(HTML)}: a script tag is repeated"
        assert page.count("const THEBE_JS_URL") <= 1
        assert "cdn.jsdelivr.net" not in page and "mathjax@3" not in page, f"{path.relative_to(HTML)} loads a CDN"
        if "math notranslate" in page:
            assert re.search(r'<script[^>]+src="[./]*_static/mathjax/tex-chtml\.js', page), path.name


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.book
@needs_html
@pytest.mark.skipif(not _chromium(), reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("docname", ["chapters/preliminaries", "book/glossary"])
def test_maths_typesets_offline_in_a_browser(docname):
    """Headless Chromium, served from 127.0.0.1: every formula becomes MathJax output, no file is missing."""
    from alignbook.booktools.pdf import dump_dom

    dom, misses = dump_dom(HTML / f"{docname}.html", _chromium())
    assert not misses, misses
    formulas = len(re.findall(r'class="math notranslate', _page(docname)))
    typeset = dom.count("<mjx-container")
    assert formulas > 10 and typeset >= formulas, (formulas, typeset)
    assert "<mjx-merror" not in dom and "Undefined control sequence" not in dom


@pytest.mark.book
@needs_html
def test_print_page_for_the_pdf(tmp_path):
    """``make pdf`` prints one page assembled from every built page, in reading order, images intact."""
    from alignbook.booktools.pdf import assemble

    path = assemble(BOOK, HTML)
    doc = path.read_text(encoding="utf-8")
    labels = BookIndex(BOOK).labels
    titles = [labels[p.docname].title for p in BOOK.pages if p.docname in labels]
    positions = [doc.find(f"{t}<a") if f"{t}<a" in doc else doc.find(t) for t in titles]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for src in re.findall(r'<img[^>]+src="([^"]+)"', doc):
        if not src.startswith(("http", "data:")):
            assert (path.parent / src).resolve().exists(), src
    assert doc.count('class="print-page"') == len(BOOK.pages)
    assert "_static/mathjax/tex-chtml.js" in doc
