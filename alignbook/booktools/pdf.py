"""Print the built book to PDF (or a page to PNG) with headless Chromium, offline.

``python -m alignbook.booktools.pdf --book _build/pdf/alignbook.pdf`` assembles every page of the
built HTML book (``_build/html``, in table-of-contents order) into one printable page,
``_build/html/print/alignbook.html`` (the pages' articles under the book's own stylesheets and
MathJax, one page break per chapter), serves it from 127.0.0.1 (so MathJax loads its fonts as it
would online), lets the scripts run (MathJax typesets every formula) and prints it with Chromium's
``--print-to-pdf``. ``python -m alignbook.booktools.pdf PAGE.html out.png --screenshot`` takes a
picture of one page. Sphinx's single-page builder is not used because sphinx-proof 0.4 cannot
write its boxes there. Chromium is Debian's ``chromium`` package; nothing is fetched from the
network.
"""
from __future__ import annotations

import argparse
import functools
import os
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--run-all-compositor-stages-before-draw"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    misses: list[str] = []

    def log_message(self, fmt, *args):
        if len(args) > 1 and str(args[1]).startswith("4") and "/favicon.ico" not in str(args[0]):
            type(self).misses.append(str(args[0]))      # browsers ask for /favicon.ico on their own


def serve(root: Path):
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def render(html: Path, out: Path, chromium: str, screenshot: bool = False, width: int = 1280,
           height: int = 1800, budget_ms: int = 60000) -> list[str]:
    """Render ``html`` to ``out``; returns the URLs the page asked for that the server did not have."""
    html = html.resolve()
    root = html.parent
    while root.parent != root and not (root / "_static").is_dir():
        root = root.parent
    if not (root / "_static").is_dir():
        raise SystemExit(f"{html} is not inside a built book (no _static folder above it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    _Quiet.misses = []
    server = serve(root)
    url = f"http://127.0.0.1:{server.server_address[1]}/{html.relative_to(root).as_posix()}"
    with tempfile.TemporaryDirectory() as profile:
        what = [f"--screenshot={out.resolve()}", f"--window-size={width},{height}"] if screenshot else \
            [f"--print-to-pdf={out.resolve()}", "--no-pdf-header-footer"]
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *what, url]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    server.shutdown()
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise SystemExit(f"Chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return list(_Quiet.misses)


def dump_dom(html: Path, chromium: str, budget_ms: int = 60000) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran (MathJax typeset it), and the files it missed."""
    html = html.resolve()
    root = html.parent
    while root.parent != root and not (root / "_static").is_dir():
        root = root.parent
    _Quiet.misses = []
    server = serve(root)
    url = f"http://127.0.0.1:{server.server_address[1]}/{html.relative_to(root).as_posix()}"
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", "--dump-dom", url]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    server.shutdown()
    if proc.returncode != 0:
        raise RuntimeError(f"Chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout, list(_Quiet.misses)


def assemble(book, html_root: Path) -> Path:
    """One HTML page holding every page's article in reading order; returns its path."""
    import datetime
    import html as htmllib
    import re

    out_dir = html_root / "print"            # one level deep, like chapters/ and book/: relative links hold
    out_dir.mkdir(exist_ok=True)
    pages = [p for p in book.pages if (html_root / f"{p.docname}.html").exists()]
    if not pages:
        raise SystemExit(f"{html_root} has no built pages: run `make book` first")
    first = next((p for p in pages if p.is_notebook), pages[0])
    head = re.search(r"<head>(.*?)</head>", (html_root / f"{first.docname}.html").read_text(encoding="utf-8"), re.S)
    parts = []
    for page in pages:
        text = (html_root / f"{page.docname}.html").read_text(encoding="utf-8")
        m = re.search(r'<article class="bd-article">(.*?)</article>', text, re.S)
        if not m:
            continue
        page_dir = (html_root / page.docname).parent

        def rebase(mm, page_dir=page_dir):
            target = (page_dir / mm.group(2)).resolve()
            return f'{mm.group(1)}="{os.path.relpath(target, out_dir.resolve())}"'

        body = re.sub(r'\b(src|href)="(?![a-z]+:|#|/)([^"]+)"', rebase, m.group(1))
        parts.append(f'<section class="print-page" style="break-before: page">{body}</section>')
    title = htmllib.escape(book.title)
    cover = (f'<section class="print-cover"><h1>{title}</h1><p>The alignbook authors. Version {book.tag}, '
             f"printed {datetime.date.today().isoformat()} from the web book {book.base_url}.</p></section>")
    doc = (f'<!DOCTYPE html><html lang="en"><head>{head.group(1) if head else ""}'
           '<style>@page { margin: 16mm 14mm; } .bd-article-container { max-width: none; } '
           ".print-cover { padding-top: 30vh; text-align: center; } .headerlink { display: none; } "
           # the theme hides each article's first h1 in print (it prints its own title); ours are the chapters'
           "@media print { .bd-main .bd-content .bd-article h1:first-of-type { display: block !important; } }</style>"
           '</head><body><main class="bd-main"><div class="bd-content"><div class="bd-article-container">'
           f'<article class="bd-article">{cover}{"".join(parts)}</article></div></div></main></body></html>')
    path = out_dir / "alignbook.html"
    path.write_text(doc, encoding="utf-8")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m alignbook.booktools.pdf", description=__doc__.split("\n\n")[0])
    ap.add_argument("html", type=Path, nargs="?", help="a built page (default with --book: every page)")
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--book", type=Path, metavar="PDF", help="print the whole built book (_build/html) to PDF")
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    ap.add_argument("--screenshot", action="store_true", help="a PNG of the page instead of a PDF")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1800)
    args = ap.parse_args(argv)
    if not args.chromium:
        print("Chromium not found: sudo apt-get install chromium", file=sys.stderr)
        return 1
    if args.book:
        from .project import Book

        book = Book()
        args.html, args.out = assemble(book, book.root / "_build" / "html"), args.book
    if args.html is None or args.out is None:
        ap.error("give PAGE.html OUT, or --book OUT.pdf")
    misses = render(args.html, args.out, args.chromium, args.screenshot, args.width, args.height)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    if misses:
        print("the page asked for files the build does not have:\n  " + "\n  ".join(misses), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
