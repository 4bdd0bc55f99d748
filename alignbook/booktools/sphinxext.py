"""A Sphinx extension for the book's HTML: each script and stylesheet is linked once.

sphinx-thebe and sphinx-togglebutton add their inline ``<script>`` blocks from event handlers that
run after the HTML builder has been initialised; Sphinx 7.4 then registers them twice (with the
builder and with the application registry, once as ``None`` and once as ``''``), so every page declared ``const THEBE_JS_URL`` twice,
a ``SyntaxError`` in the browser that stops the rest of that script. This extension drops exact
duplicates (same file, same attributes, same inline body) from each page's asset lists, keeping
the first occurrence and the order. Enabled in ``_config.yml`` (``sphinx.extra_extensions``).
"""
from __future__ import annotations


def _key(asset) -> tuple:
    attrs = getattr(asset, "attributes", None) or {}
    filename = getattr(asset, "filename", asset) or ""      # an inline script is filed as None and as ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attrs.items())))


def dedupe_assets(app, pagename, templatename, context, doctree):
    for name in ("script_files", "css_files"):
        assets = context.get(name)
        if not assets:
            continue
        seen, kept = set(), []
        for asset in assets:
            k = _key(asset)
            if k not in seen:
                seen.add(k)
                kept.append(asset)
        context[name] = kept


def setup(app):
    app.connect("html-page-context", dedupe_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
