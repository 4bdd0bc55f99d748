"""The whole book builds with warnings as errors (-W -n), reusing the chapters' cached execution.

This runs last (see conftest.py): a broken reference, citation or label, a failing cell, or a
stale notebook fails it. It then looks at the built site for what a reader must see.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


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
    print(f"chapters executed during the build: {len(executed)} (0 when the cache was filled by the tests)")

    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))
    for name in chapters:
        page = (HTML / "chapters" / f"{name}.html").read_text()
        # Colab opens the paired notebook, not the .md
        assert f"chapters/{name}.ipynb" in page and "colab.research.google.com" in page, name
    prelim = (HTML / "chapters" / "preliminaries.html").read_text()
    assert "Proposition" in prelim or "Theorem" in prelim
    # the registered checks' results are shown, and none of them failed
    assert "<strong>PASS</strong>" in prelim and "<strong>FAIL</strong>" not in prelim
    assert "Proof" in prelim
