"""Figure defaults of the book, set once when :mod:`alignbook.plots` is imported.

* Resolution: raster output is at least 200 dpi (``figure.dpi`` 100 shown at 2x, "retina"), saved
  figures at 300 dpi; figures that are cheap as vector graphics are shown as SVG (the web book and
  the PDF then scale them without loss), the others as high-resolution PNG only.
* Readability of multi-panel figures: a 10-inch-wide two-panel figure shrinks to the text width
  (about 7 inches) on the page, so the base font is 11 pt (about 8 pt after shrinking) and tick
  labels, legends and titles scale from it; lines are a little thicker than Matplotlib's default.

"Cheap" means at most :data:`VECTOR_MAX_ELEMENTS` drawn elements (line vertices, markers, patches,
mesh cells); an image (``imshow``) counts as one element, since SVG embeds it as a raster.
"""
from __future__ import annotations

import matplotlib as mpl
from matplotlib.figure import Figure

try:  # IPython is there in notebook kernels only; outside them the inline formats are not set
    # Importing the inline backend configures the shell once (and would reset the formats if it
    # came later), so it is loaded here, before apply() chooses the formats.
    import matplotlib_inline.backend_inline as inline
    from IPython import get_ipython
    from IPython.core.pylabtools import print_figure
except ImportError:  # pragma: no cover - plain Python without IPython
    inline = get_ipython = print_figure = None

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 11.5,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9.5,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "axes.grid": False,
    "image.interpolation": "nearest",
    "svg.fonttype": "path",
}
VECTOR_MAX_ELEMENTS = 20_000
MIN_RASTER_DPI = 200


def elements(fig) -> int:
    """How many elements an SVG of ``fig`` would draw (see the module docstring)."""
    n = 0
    for ax in fig.get_axes():
        for line in ax.get_lines():
            n += len(line.get_xdata())
        for coll in ax.collections:
            offsets = coll.get_offsets()
            paths = coll.get_paths()
            n += max(len(offsets), len(paths))
        n += len(ax.patches) + len(ax.texts) + len(ax.images)
    return n


def _svg_if_cheap(fig):
    if elements(fig) > VECTOR_MAX_ELEMENTS:
        return None          # no SVG: the notebook keeps only the PNG
    return print_figure(fig, "svg")


_INLINE = ("inline", "module://matplotlib_inline.backend_inline")


def _backend() -> str:
    try:
        return str(mpl.get_backend(auto_select=False))
    except TypeError:                      # matplotlib < 3.10
        return str(mpl.rcParams._get("backend"))


def _register_inline_formats() -> bool:
    """In a notebook kernel (inline backend): 2x PNG for every figure, plus SVG where cheap."""
    if get_ipython is None:
        return False
    ip = get_ipython()
    if ip is None or _backend() not in _INLINE:
        return False
    cfg = inline.InlineBackend.instance(parent=ip)
    cfg.shell = ip
    cfg.figure_formats = {"retina"}       # 2x PNG with width/height metadata (select_figure_formats)
    ip.display_formatter.formatters["image/svg+xml"].for_type(Figure, _svg_if_cheap)
    return True


def apply() -> bool:
    """Set the rc defaults and the inline formats; returns whether a notebook kernel was configured."""
    mpl.rcParams.update(RC)
    return _register_inline_formats()


APPLIED_IN_NOTEBOOK = apply()
