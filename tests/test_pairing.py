"""The committed notebooks (what Colab opens) are exactly what the generator makes of the sources.

Each executed page of the table of contents (a MyST ``.md`` with a kernelspec) has a generated,
output-free ``.ipynb`` next to it; editing a page without ``make notebooks`` fails here. The
version is named once: pyproject.toml, ``alignbook.__version__``, the Colab install line and the
launch buttons' git ref agree.
"""
import re
from pathlib import Path

import nbformat
import pytest

from alignbook.booktools.colab import Converter
from alignbook.booktools.project import Book

ROOT = Path(__file__).resolve().parents[1]
BOOK = Book(ROOT)
PAGES = BOOK.notebook_pages


@pytest.fixture(scope="module")
def converter():
    return Converter(BOOK)


def test_every_chapter_is_an_executed_page():
    chapters = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.md"))
    assert chapters, "no chapters"
    assert set(chapters) <= {p.path.relative_to(ROOT).as_posix() for p in PAGES}


def test_no_stray_notebooks():
    """Every committed .ipynb is generated from a page of the table of contents (no hand-kept copies)."""
    wanted = {p.ipynb for p in PAGES}
    for nb in list(ROOT.glob("chapters/*.ipynb")) + list(ROOT.glob("book/*.ipynb")):
        assert nb in wanted, f"{nb.relative_to(ROOT)} has no source page in _toc.yml: delete it"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_notebook_is_current(page, converter):
    assert page.ipynb.exists(), f"missing {page.ipynb.relative_to(ROOT)}: run `make notebooks`"
    committed = page.ipynb.read_text(encoding="utf-8")
    assert committed == converter.notebook_text(page), \
        f"{page.ipynb.relative_to(ROOT)} is stale: run `make notebooks`"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_notebook_is_output_free_and_valid(page):
    nb = nbformat.read(page.ipynb, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        f"{page.ipynb.name} has outputs: run `make notebooks`"
    assert len({c.id for c in nb.cells}) == len(nb.cells)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_first_code_cell_installs_the_release_in_colab_only(page):
    from alignbook.release import INSTALL_CELL, INSTALL_URL

    nb = nbformat.read(page.ipynb, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source == INSTALL_CELL
    assert 'if "google.colab" in sys.modules' in first.source
    assert not re.search(r"@(main|master)\b", first.source), "Colab must install a release tag, not a branch"
    # the page's own hidden install cell, if it has one, says the same (``--pin`` rewrites it)
    for line in page.text.splitlines():
        if "%pip install" in line and "alignbook @" in line:
            assert INSTALL_URL in line, f"{page.path.name}: run `python -m alignbook.booktools.colab --pin`"


def test_version_is_named_once():
    import importlib.metadata

    import alignbook
    from alignbook import release as _release

    assert BOOK.version == alignbook.__version__ == _release.VERSION, \
        "pyproject.toml [project] version and alignbook.__version__ differ (see RELEASING.md)"
    assert _release.TAG == BOOK.tag == f"v{BOOK.version}"
    assert _release.INSTALL_URL == f"alignbook @ git+{_release.REPOSITORY_URL}@{BOOK.tag}"
    # the launch buttons open the notebooks of the same release
    assert BOOK.repository_branch == BOOK.tag, "_config.yml repository.branch must be the release tag"
    try:
        installed = importlib.metadata.version("alignbook")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed is not None:
        assert installed == BOOK.version, "the installed metadata is stale: run `make setup`"


def test_changelog_has_this_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[?{re.escape(BOOK.version)}\]?", text, re.M), \
        f"CHANGELOG.md has no section for {BOOK.version}"


def test_repository_is_named_once():
    """The Colab install line and the book's repository/launch buttons point at the same repository."""
    from alignbook.release import REPOSITORY_URL

    assert BOOK.config["repository"]["url"] == REPOSITORY_URL
    assert BOOK.config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
