"""Authoring tools for the book: Colab notebooks and course pages generated from the MyST sources.

Nothing in the package imports this subpackage; it needs the ``book`` extra (PyYAML, jupytext,
pybtex, markdown-it-py). Run it as

    python -m alignbook.booktools.colab            # chapters/*.ipynb (and other executed pages)
    python -m alignbook.booktools.course           # book/syllabus.md, book/exercises.md
    python -m alignbook.booktools.colab --check    # exit 1 if a committed file is stale

``make notebooks`` runs both. The conventions a chapter must follow so that these tools (and the
tests in ``tests/test_colab.py``) accept it are documented in ``book/how-to-run.md``, section
"Writing a chapter".

Modules: :mod:`.project` (configuration, table of contents, versions), :mod:`.myst` (a MyST block
and inline parser), :mod:`.numbering` (labels and numbers computed the way Sphinx, sphinx-proof
and sphinx-exercise compute them), :mod:`.bib` (author-year citations), :mod:`.tex` (macro
expansion, standard TeX commands), :mod:`.colab` (the notebook generator), :mod:`.course`
(syllabus and exercise index), :mod:`.checks` (what a plain Markdown renderer sees),
:mod:`.sphinxext` (a tiny Sphinx extension for the HTML build).
"""


class BookError(ValueError):
    """A source does not follow the book's conventions; the message names the file, line and fix."""
