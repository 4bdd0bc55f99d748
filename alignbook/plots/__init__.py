"""Figures from results, one module per chapter topic; every figure has labelled axes."""
from . import _style  # noqa: F401,E402  (figure defaults: print resolution, readable multi-panel fonts)
