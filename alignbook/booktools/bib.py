"""Author-year citations as the web book prints them (sphinxcontrib-bibtex, ``author_year``).

``{cite:p}`a,b``` prints ``[A et al., 2019, B and C, 2013]`` and ``{cite:t}`a``` prints
``A et al. [2019]``: last names (von part included), "and" for two authors, "et al." from three,
and several keys in the order of the bibliography (pybtex's ``alpha`` sort, which
sphinxcontrib-bibtex uses to order citations), not the order written.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

from . import BookError


def _text(rich) -> str:
    return str(rich.render_as("text"))


class Bibliography:
    def __init__(self, bibfiles: list[Path], style: str = "alpha"):
        self.bibfiles = bibfiles
        self.style_name = style

    @cached_property
    def _style(self):
        import pybtex.plugin

        return pybtex.plugin.find_plugin("pybtex.style.formatting", self.style_name)()

    @cached_property
    def entries(self) -> dict:
        from pybtex.database import BibliographyData, parse_file

        data = BibliographyData()
        for f in self.bibfiles:
            for key, entry in parse_file(str(f)).entries.items():
                data.add_entry(key, entry)
        return dict(data.entries)

    @cached_property
    def order(self) -> dict[str, int]:
        return {e.key: i for i, e in enumerate(self._style.sort(list(self.entries.values())))}

    def entry(self, key: str, where: str = ""):
        try:
            return self.entries[key]
        except KeyError:
            raise BookError(f"{where}: citation key {key!r} is not in {', '.join(map(str, self.bibfiles))}") from None

    def authors(self, key: str) -> str:
        e = self.entry(key)
        persons = e.persons.get("author") or e.persons.get("editor")
        if not persons:
            return _text(e.rich_fields["title"]) if "title" in e.fields else key
        names = [" ".join(_text(p) for p in (*person.rich_prelast_names, *person.rich_last_names))
                 for person in persons]
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        return f"{names[0]} et al."

    def year(self, key: str) -> str:
        return self.entry(key).fields.get("year", "n.d.")

    def sort_keys(self, keys: list[str], where: str = "") -> list[str]:
        for k in keys:
            self.entry(k, where)
        return sorted(dict.fromkeys(keys), key=self.order.__getitem__)

    def reference(self, key: str) -> str:
        """The full reference in Markdown (pybtex's formatting of the web book's bibliography style)."""
        e = self.entry(key)
        formatted = self._style.format_entry(key, e)
        md = str(formatted.text.render_as("markdown"))
        return " ".join(md.split())
