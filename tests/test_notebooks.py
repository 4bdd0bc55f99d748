"""Every Colab notebook runs top to bottom in a fresh kernel, outside the repository, from a wheel.

This is what a student's Colab session does: the package comes from an installed wheel (built
here from the working tree and installed into a temporary folder that the kernel puts first on
its path), the working directory is an empty temporary folder, and the notebook is the one the
generator makes of the chapter (the committed copy equals it; ``tests/test_pairing.py``). A
probe cell at the end proves that ``alignbook`` was imported from the wheel, not the checkout.

A failure names the page, the failing cell and its traceback. A successful run is stored in the
book's jupyter-cache (``_build/.jupyter_cache``) under the ``.md`` source, keyed exactly as
myst-nb keys it (the code cells are the same), so the book build that follows
(``tests/test_book.py``, ``make book``) reuses these outputs instead of executing every page again.
"""
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from alignbook.booktools.colab import Converter, _is_install_cell
from alignbook.booktools.project import Book

ROOT = Path(__file__).resolve().parents[1]
BOOK = Book(ROOT)
PAGES = BOOK.notebook_pages
CACHE = ROOT / "_build" / ".jupyter_cache"
PROBE = "import alignbook, json; print(json.dumps({'file': alignbook.__file__, 'version': alignbook.__version__}))"


@pytest.fixture(scope="session")
def wheel_site(tmp_path_factory):
    """Build the wheel from a copy of the package sources and install it into a folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "alignbook", src / "alignbook", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(src)],
                   check=True, capture_output=True, text=True)
    wheel = next((tmp / "dist").glob("alignbook-*.whl"))
    assert wheel.name.startswith(f"alignbook-{BOOK.version}-"), wheel.name
    site = tmp / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, text=True)
    return site


@pytest.fixture(scope="session")
def converter():
    return Converter(BOOK)


def _store_in_book_cache(md_nb, path: Path, seconds: float) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(CACHE))
    cache.cache_notebook_bundle(
        CacheBundleIn(md_nb, str(path), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )


def _transfer_outputs(executed, md_nb) -> None:
    """Copy the outputs of the generated notebook's code cells onto the source's code cells."""
    gen = [c for c in executed.cells if c.cell_type == "code"][1:-1]          # minus install cell and probe
    src = [c for c in md_nb.cells if c.cell_type == "code"]
    body = [c for c in src if not _is_install_cell(c)]
    assert len(gen) == len(body), "generated and source code cells differ: run `make notebooks`"
    for g, s in zip(gen, body):
        assert g.source.endswith(s.source), "generated and source code cells differ"
        s.outputs, s.execution_count = g.outputs, g.execution_count
    for s in src:
        if _is_install_cell(s):
            s.outputs, s.execution_count = [], None


@pytest.mark.chapters
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_notebook_runs_from_the_wheel_outside_the_repository(page, wheel_site, converter, tmp_path, monkeypatch):
    import nbformat

    nb = converter.notebook(page)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    monkeypatch.setenv("PYTHONPATH", str(wheel_site))
    monkeypatch.chdir(tmp_path)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{page.ipynb.relative_to(ROOT)} (generated from {page.path.name}) failed:\n{err}",
                    pytrace=False)
    seconds = time.perf_counter() - t0
    probe = json.loads("".join(o.get("text", "") for o in nb.cells[-1].outputs))
    assert Path(probe["file"]).resolve().is_relative_to(wheel_site.resolve()), \
        f"alignbook was imported from {probe['file']}, not from the wheel"
    assert probe["version"] == BOOK.version
    print(f"{page.docname}: executed in {seconds:.1f} s from {Path(probe['file']).parent}")
    md_nb = jupytext.read(page.path)
    _transfer_outputs(nb, md_nb)
    _store_in_book_cache(md_nb, page.path, seconds)
