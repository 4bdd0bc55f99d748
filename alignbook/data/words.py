"""English word lists: Debian ``wamerican`` (``/usr/share/dict/american-english``, 104,334 entries).

The word-vector models of the zoo have their own vocabularies; the zoo's ``"words"`` data set is
the part of this list that every word-vector model knows (see :func:`alignbook.zoo.shared_words`),
so two word spaces can be compared on the same words.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ._local import DebianFile, file_sha256

__all__ = ["WORDS_FILE", "load_words"]

WORDS_FILE = DebianFile("wamerican", "/usr/share/dict/american-english", "words", "American English word list")
_LOWER_ALPHA = re.compile(r"[a-z]+")


@lru_cache(maxsize=4)
def _read(path: str, sha: str) -> tuple[str, ...]:
    p = Path(path)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{p} is not UTF-8 text (byte {e.start}); the file is damaged. "
                         "Fix: sudo apt-get install --reinstall wamerican, or replace the file.") from None
    if not text.endswith("\n"):
        raise ValueError(f"{p} does not end with a newline: the file is truncated. "
                         "Fix: sudo apt-get install --reinstall wamerican, or replace the file.")
    words = tuple(w for w in text.split("\n") if w)
    if not words:
        raise ValueError(f"{p} holds no words. Fix: sudo apt-get install --reinstall wamerican.")
    return words


def load_words(*, lowercase_alpha: bool = True, root=None, download: bool = True) -> list[str]:
    """The word list, in file order, without duplicates.

    ``lowercase_alpha=True`` keeps only words made of the letters a-z (no capitals, no
    apostrophes, no accents): the form the word-vector vocabularies use. ``root``: a folder
    holding ``american-english`` (authoritative); see :mod:`alignbook.data._local`.
    """
    path = WORDS_FILE.resolve(root, download)
    words = _read(str(path.resolve()), file_sha256(path))
    if lowercase_alpha:
        words = tuple(w for w in words if _LOWER_ALPHA.fullmatch(w))
    return list(dict.fromkeys(words))
