"""chapters/*.ipynb (what Colab opens) must match chapters/*.md (what we review), with no outputs."""
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_chapters():
    assert CHAPTERS


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_ipynb_in_sync(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"missing {ipynb.name}: run `make notebooks`"
    committed = nbformat.read(ipynb, as_version=4)
    assert cells(committed) == cells(jupytext.read(md)), f"{ipynb.name} is stale: run `make notebooks`"
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code"), \
        f"{ipynb.name} has outputs: run `make notebooks`"
    assert all(c.get("execution_count") is None for c in committed.cells if c.cell_type == "code")


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_first_cell_installs_in_colab_only(md):
    nb = jupytext.read(md)
    first = nb.cells[0]
    assert first.cell_type == "code" and "remove-cell" in first.metadata.get("tags", [])
    assert 'if "google.colab" in sys.modules' in first.source
    from alignbook._colab import INSTALL_URL

    assert INSTALL_URL in first.source, f"{md.name}: the Colab cell must install from {INSTALL_URL}"


def test_repository_is_named_once():
    """The Colab install line and the book's repository/launch buttons point at the same repository."""
    import yaml

    from alignbook._colab import REPOSITORY_URL

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == REPOSITORY_URL
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
