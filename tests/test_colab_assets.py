"""What the book serves and draws: the vendored MathJax, and the figure defaults of alignbook.plots."""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = ROOT / "book" / "_static" / "mathjax"


def test_vendored_mathjax_is_complete_and_pinned():
    makefile = (ROOT / "Makefile").read_text()
    version = re.search(r"^MATHJAX_VERSION := (\S+)", makefile, re.M).group(1)
    js = (MATHJAX / "tex-chtml.js").read_text(encoding="utf-8")
    assert f'VERSION="{version}"' in js, "book/_static/mathjax is not the version the Makefile names: make mathjax"
    assert "Apache License" in (MATHJAX / "LICENSE").read_text()
    fonts = list((MATHJAX / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) >= 20
    # every TeX extension autoload may ask for is there (\boldsymbol, \cancel, \color, ...)
    for ext in ("boldsymbol", "cancel", "color", "mathtools", "physics", "braket"):
        assert (MATHJAX / "input" / "tex" / "extensions" / f"{ext}.js").exists(), ext
    size = sum(p.stat().st_size for p in MATHJAX.rglob("*") if p.is_file())
    assert size < 4e6, f"vendor only what tex-chtml needs ({size / 1e6:.1f} MB)"


def test_config_serves_the_vendored_mathjax():
    from alignbook.booktools.project import Book

    cfg = Book(ROOT).sphinx_config
    assert cfg["mathjax_path"] == "mathjax/tex-chtml.js"
    assert "book/_static" in cfg["html_static_path"]
    assert (ROOT / "book" / "_static" / cfg["mathjax_path"]).exists()
    assert "alignbook.booktools.sphinxext" in Book(ROOT).config["sphinx"]["extra_extensions"]


def test_sphinxext_drops_exact_duplicates_only():
    from types import SimpleNamespace

    from alignbook.booktools.sphinxext import dedupe_assets

    def js(filename, **attrs):
        return SimpleNamespace(filename=filename, attributes=attrs)

    a, a_again, b = js(None, body="const X = 1"), js("", body="const X = 1"), js(None, body="const Y = 2")
    c, c_async = js("x.js"), js("x.js", **{"async": "async"})
    ctx = {"script_files": [a, b, a_again, c, c_async, c]}
    dedupe_assets(None, "p", "page.html", ctx, None)
    assert ctx["script_files"] == [a, b, c, c_async]


def test_figure_defaults():
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    import alignbook.plots  # noqa: F401  (applies the defaults)
    from alignbook.plots import _style

    for key, value in _style.RC.items():
        assert mpl.rcParams[key] == value, key
    assert mpl.rcParams["savefig.dpi"] >= 300 and 2 * mpl.rcParams["figure.dpi"] >= 150
    fig, ax = plt.subplots()
    ax.plot(range(10))
    assert _style.elements(fig) == 10
    ax.scatter(range(30000), range(30000))
    assert _style.elements(fig) > _style.VECTOR_MAX_ELEMENTS
    plt.close(fig)


@pytest.mark.chapters
def test_notebook_figures_are_retina_png_and_svg_where_cheap():
    """In a kernel: a small figure gives SVG and a 2x PNG, a large scatter a 2x PNG only."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in [
        "import alignbook.plots, matplotlib.pyplot as plt, numpy as np",
        "fig, ax = plt.subplots(figsize=(4, 3)); ax.plot([1, 2, 3]); ax.set_xlabel('x'); ax.set_ylabel('y')",
        "fig, ax = plt.subplots(figsize=(4, 3)); ax.scatter(np.random.rand(30000), np.random.rand(30000), s=1)",
    ]])
    NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    small = [o for o in nb.cells[1].outputs if o.output_type == "display_data"][0]
    large = [o for o in nb.cells[2].outputs if o.output_type == "display_data"][0]
    assert {"image/svg+xml", "image/png"} <= set(small.data)
    assert "image/png" in large.data and "image/svg+xml" not in large.data
    import base64
    import struct

    png = base64.b64decode(small.data["image/png"])
    width = struct.unpack(">I", png[16:20])[0]
    shown = small.metadata["image/png"]["width"]
    assert width >= 2 * shown - 2, "the PNG has twice the pixels it is shown with (>= 200 dpi)"
