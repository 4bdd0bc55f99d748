"""The book as a project: configuration, table of contents (in reading order) and version.

Everything that names a URL, a version or a page comes from here, read from ``_config.yml``,
``_toc.yml`` and ``pyproject.toml``, so there is one place to change each.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import BookError

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Page:
    """One document of the table of contents."""

    docname: str            # "chapters/preliminaries" (no suffix, relative to the book root)
    path: Path
    number: tuple = ()      # section number of the page: (1,) for chapter 1, () if unnumbered
    part: str = ""          # the part's caption
    children: list = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8") if self.path.exists() else ""

    @cached_property
    def front_matter(self) -> dict:
        import yaml

        m = re.match(r"---\n(.*?\n)---\n", self.text, re.S)
        return yaml.safe_load(m.group(1)) or {} if m else {}

    @property
    def is_notebook(self) -> bool:
        """Executed by myst-nb (it has a kernelspec): it gets a Colab notebook and a launch button."""
        return "kernelspec" in self.front_matter

    @property
    def ipynb(self) -> Path:
        return self.path.with_suffix(".ipynb")


class Book:
    """The book rooted at ``root`` (the repository root by default)."""

    def __init__(self, root: Path | str = ROOT):
        self.root = Path(root)

    # -- configuration -------------------------------------------------------------------------
    @cached_property
    def config(self) -> dict:
        import yaml

        return yaml.safe_load((self.root / "_config.yml").read_text(encoding="utf-8"))

    @cached_property
    def toc(self) -> dict:
        import yaml

        return yaml.safe_load((self.root / "_toc.yml").read_text(encoding="utf-8"))

    @property
    def title(self) -> str:
        return self.config.get("title", "")

    @property
    def base_url(self) -> str:
        """Where the web book lives (``html.baseurl`` of ``_config.yml``), without a trailing slash."""
        url = (self.config.get("html") or {}).get("baseurl", "")
        if not url:
            raise BookError("_config.yml: set html.baseurl to the published book's URL "
                            "(the notebooks link every reference to it)")
        return url.rstrip("/")

    @property
    def repository_url(self) -> str:
        return self.config["repository"]["url"].rstrip("/")

    @property
    def repository_branch(self) -> str:
        return str(self.config["repository"].get("branch", "main"))

    @cached_property
    def version(self) -> str:
        """``[project] version`` of pyproject.toml."""
        text = (self.root / "pyproject.toml").read_text(encoding="utf-8")
        block = re.search(r"^\[project\]\n(.*?)(?=^\[)", text, re.S | re.M)
        m = re.search(r'^version\s*=\s*"([^"]+)"', block.group(1) if block else "", re.M)
        if not m:
            raise BookError("pyproject.toml: [project] has no static version = \"X.Y.Z\"")
        return m.group(1)

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def macros(self) -> dict:
        """The book's MathJax macros (``sphinx.config.mathjax3_config.tex.macros``)."""
        cfg = ((self.config.get("sphinx") or {}).get("config") or {})
        return dict(((cfg.get("mathjax3_config") or {}).get("tex") or {}).get("macros") or {})

    @property
    def sphinx_config(self) -> dict:
        return (self.config.get("sphinx") or {}).get("config") or {}

    @property
    def numfig_secnum_depth(self) -> int:
        return int(self.sphinx_config.get("numfig_secnum_depth", 1))

    @property
    def bibfiles(self) -> list[Path]:
        return [self.root / p for p in self.config.get("bibtex_bibfiles", [])]

    # -- table of contents ---------------------------------------------------------------------
    def _doc_path(self, docname: str) -> Path:
        for suffix in (".md", ".ipynb", ".rst"):
            p = self.root / f"{docname}{suffix}"
            if p.exists():
                return p
        return self.root / f"{docname}.md"      # not written yet (a generated page); reads as empty

    @cached_property
    def pages(self) -> list[Page]:
        """Every page in reading order (the order Sphinx walks the toctrees for numbering).

        Numbered parts number their chapters 1, 2, ... (each numbered part restarts at 1, as
        Sphinx does for each numbered toctree); a chapter's sub-pages get (chapter, k).
        """
        toc = self.toc
        if toc.get("format") != "jb-book":
            raise BookError("_toc.yml: only format: jb-book is supported")
        pages: list[Page] = []

        def add(entry: dict, number: tuple, part: str) -> Page:
            docname = str(entry["file"]).removesuffix(".md")
            page = Page(docname, self._doc_path(docname), number, part)
            pages.append(page)
            for k, sub in enumerate(entry.get("sections", []) or [], start=1):
                if "file" in sub:
                    page.children.append(add(sub, number + (k,) if number else (), part))
            return page

        add({"file": toc["root"]}, (), "")
        for part in toc.get("parts", []) or [{"chapters": toc.get("chapters", [])}]:
            numbered = bool(part.get("numbered", False))
            k = 0
            for entry in part.get("chapters", []) or []:
                if "file" not in entry:
                    continue
                k += 1
                add(entry, (k,) if numbered else (), part.get("caption", ""))
        return pages

    def page(self, docname: str) -> Page:
        for p in self.pages:
            if p.docname == docname:
                return p
        raise KeyError(docname)

    @property
    def chapters(self) -> list[Page]:
        """The numbered pages (the chapters a course works through)."""
        return [p for p in self.pages if len(p.number) == 1]

    @property
    def notebook_pages(self) -> list[Page]:
        return [p for p in self.pages if p.is_notebook]

    # -- URLs ----------------------------------------------------------------------------------
    def url(self, docname: str, anchor: str = "") -> str:
        return f"{self.base_url}/{docname}.html" + (f"#{anchor}" if anchor else "")

    def colab_url(self, page: Page) -> str:
        rel = page.ipynb.relative_to(self.root).as_posix()
        repo = self.repository_url.removeprefix("https://github.com/")
        return f"https://colab.research.google.com/github/{repo}/blob/{self.repository_branch}/{rel}"

    def raw_url(self, relpath: str) -> str:
        repo = self.repository_url.removeprefix("https://github.com/")
        return f"https://raw.githubusercontent.com/{repo}/{self.repository_branch}/{relpath}"
