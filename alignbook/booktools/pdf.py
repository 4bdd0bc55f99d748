"""Print the built book to PDF (or a page to PNG) with headless Chromium, offline.

``python -m alignbook.booktools.pdf _build/singlehtml/index.html _build/pdf/alignbook.pdf`` serves
the built HTML from 127.0.0.1 (so MathJax loads its fonts as it would online), lets the page run
its scripts (MathJax typesets every formula) and prints it with Chromium's ``--print-to-pdf``;
``--screenshot out.png`` takes a picture of the page instead. ``make pdf`` builds the single-page
HTML first. Chromium is Debian's ``chromium`` package; nothing is fetched from the network.
"""
from __future__ import annotations

import argparse
import functools
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
        if len(args) > 1 and str(args[1]).startswith("4"):
            type(self).misses.append(str(args[0]))


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m alignbook.booktools.pdf", description=__doc__.split("\n\n")[0])
    ap.add_argument("html", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    ap.add_argument("--screenshot", action="store_true", help="a PNG of the page instead of a PDF")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1800)
    args = ap.parse_args(argv)
    if not args.chromium:
        print("Chromium not found: sudo apt-get install chromium", file=sys.stderr)
        return 1
    misses = render(args.html, args.out, args.chromium, args.screenshot, args.width, args.height)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    if misses:
        print("the page asked for files the build does not have:\n  " + "\n  ".join(misses), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
