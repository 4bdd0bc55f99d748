"""Every chapter runs top to bottom in a fresh kernel, once.

A failure names the chapter, the failing cell and its traceback. A successful run is stored in
the book's jupyter-cache (``_build/.jupyter_cache``), keyed exactly as myst-nb keys it, so the
book build that follows (``tests/test_book.py``, ``make book``) reuses these outputs instead of
executing every chapter a second time.
"""
import time
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
CACHE = ROOT / "_build" / ".jupyter_cache"


def _store_in_book_cache(nb, path: Path, seconds: float) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(CACHE))
    cache.cache_notebook_bundle(
        CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )


@pytest.mark.chapters
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_executes(path):
    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.relative_to(ROOT)} failed:\n{err}", pytrace=False)
    seconds = time.perf_counter() - t0
    print(f"{path.name}: executed in {seconds:.1f} s")
    _store_in_book_cache(nb, path, seconds)
