"""WordNet 3.0 noun synsets (Princeton; Debian ``wordnet-base``): glosses, lemmas and 26 semantic classes.

Each noun synset of ``data.noun`` has one or more lemmas (``dog``, ``domestic dog``, ...), a gloss
(a definition, often followed by quoted example sentences) and a *lexicographer file*, its coarse
semantic class (``noun.animal``, ``noun.artifact``, ...; ``noun.Tops`` holds the 51 top
concepts). That gives real labelled text at sentence level: 82,115 definitions in 26 classes.

Our reader parses the documented format (``man 5 wndb``) and checks it as it goes: every line's
first field is its own byte offset in the file, every noun pointer must point at a synset that is
in the file (so a file cut at a line boundary is caught too), and the file must end with a newline.
A damaged file gives a :class:`ValueError` naming the file, the line and the fix.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._local import DebianFile, file_sha256
from .sets import TextSet, select

__all__ = ["LEXNAMES", "NOUN_CLASSES", "NOUN_FILE", "load_wordnet", "parse_data_noun"]

NOUN_FILE = DebianFile("wordnet-base", "/usr/share/wordnet/data.noun", "wordnet", "WordNet noun database")

# The 45 lexicographer files of WordNet 3.0 (man 5 lexnames), by number.
LEXNAMES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
    "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
    "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
    "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
)
NOUN_CLASSES = LEXNAMES[3:29]


def _damaged(path, lineno, pos, why):
    return ValueError(
        f"{path}: line {lineno} (byte {pos}) {why}; the file is damaged or truncated. Fix: reinstall it "
        "(sudo apt-get install --reinstall wordnet-base), or delete a cached copy so it is fetched again."
    )


def parse_data_noun(path: str | os.PathLike) -> dict:
    """Parse a WordNet ``data.noun`` file into columns (all in file order).

    Returns ``offset`` (int array), ``lexfile`` (int array, an index into :data:`LEXNAMES`),
    ``lemmas`` (tuple of lemma tuples, underscores as spaces), ``definition`` and ``examples``
    (the gloss split at its first quoted example). Raises ``ValueError`` on any deviation from
    the format.
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw:
        raise ValueError(f"{path} is empty (0 bytes). Fix: reinstall it (sudo apt-get install --reinstall wordnet-base).")
    if not raw.endswith(b"\n"):
        lineno = raw.count(b"\n") + 1
        raise _damaged(path, lineno, raw.rfind(b"\n") + 1, "does not end with a newline (cut mid-line)")
    offsets, lexfiles, lemmas, defs, exs, targets = [], [], [], [], [], []
    pos = 0
    for lineno, line in enumerate(raw.split(b"\n")[:-1], start=1):
        start, pos = pos, pos + len(line) + 1
        if line.startswith(b"  "):  # the licence header
            continue
        try:
            text = line.decode("utf-8")
            head, gloss = text.split(" | ", 1)
            f = head.split()
            if len(f[0]) != 8 or int(f[0]) != start:
                raise _damaged(path, lineno, start, f"starts with offset {f[0]!r}, not its byte position {start:08d}")
            lex, ss, wcnt = int(f[1]), f[2], int(f[3], 16)
            if not 3 <= lex <= 28 or ss != "n":
                raise _damaged(path, lineno, start, f"has lexicographer file {lex} / type {ss!r}, not a noun")
            words = tuple(f[4 + 2 * i].replace("_", " ") for i in range(wcnt))
            j = 4 + 2 * wcnt
            pcnt = int(f[j])
            ptrs = f[j + 1: j + 1 + 4 * pcnt]
            if len(ptrs) != 4 * pcnt:
                raise _damaged(path, lineno, start, f"announces {pcnt} pointers but has fewer fields")
            targets.extend(int(ptrs[4 * i + 1]) for i in range(pcnt) if ptrs[4 * i + 2] == "n")
        except ValueError as e:
            if str(path) in str(e):
                raise
            raise _damaged(path, lineno, start, f"does not parse ({e})") from None
        except IndexError:
            raise _damaged(path, lineno, start, "has too few fields") from None
        gloss = gloss.strip()
        cut = gloss.find('; "')
        definition, examples = (gloss, "") if cut < 0 else (gloss[:cut].strip(), gloss[cut + 2:].strip())
        if definition.startswith('"'):  # a gloss made only of examples
            definition, examples = "", gloss
        offsets.append(start)
        lexfiles.append(lex)
        lemmas.append(words)
        defs.append(definition)
        exs.append(examples)
    if not offsets:
        raise ValueError(f"{path} holds no noun synsets (only a header?). Fix: reinstall it "
                         "(sudo apt-get install --reinstall wordnet-base).")
    known = set(offsets)
    missing = [t for t in targets if t not in known]
    if missing:
        raise ValueError(
            f"{path}: {len(missing)} pointers refer to synsets that are not in the file (e.g. {missing[0]:08d}); "
            "the file is truncated. Fix: reinstall it (sudo apt-get install --reinstall wordnet-base), "
            "or delete a cached copy so it is fetched again."
        )
    return {"offset": np.asarray(offsets, dtype=np.int64), "lexfile": np.asarray(lexfiles, dtype=np.int64),
            "lemmas": tuple(lemmas), "definition": tuple(defs), "examples": tuple(exs)}


@lru_cache(maxsize=4)
def _parsed(path: str, sha: str) -> dict:
    return parse_data_noun(path)


def _classes(classes) -> list[int]:
    if classes is None:
        return list(range(3, 29))
    if isinstance(classes, str):
        classes = [classes]
    out = []
    for c in classes:
        name = c if str(c).startswith("noun.") else f"noun.{c}"
        if name not in NOUN_CLASSES:
            raise ValueError(f"classes: {c!r} is not a WordNet noun class; choose from "
                             + ", ".join(n[5:] for n in NOUN_CLASSES))
        out.append(LEXNAMES.index(name))
    if len(set(out)) != len(out):
        raise ValueError(f"classes: {classes!r} names a class twice")
    return out


def load_wordnet(n=None, *, seed=0, field: str = "definition", classes=None, per_class=None,
                 root=None, download: bool = True) -> TextSet:
    """WordNet noun synsets as a :class:`~alignbook.data.sets.TextSet` labelled by semantic class.

    Parameters
    ----------
    n : a seeded random subset of this many synsets (``None``: all that match ``classes``).
    seed : chooses the subset (the same ``n``, ``seed`` and ``classes`` give the same synsets,
        whatever ``field`` is: use that to pair lemmas with their definitions).
    field : ``"definition"`` (the gloss without its examples), ``"lemma"`` (the first lemma,
        e.g. ``"domestic dog"``) or ``"gloss"`` (definition and examples).
    classes : noun classes to keep, e.g. ``["animal", "artifact"]`` (default: all 26). Labels
        index into the returned ``label_names`` in this order.
    per_class : instead of ``n``, draw this many synsets from each class (balanced).
    root, download : see :mod:`alignbook.data._local` (explicit ``root`` is authoritative:
        it must hold ``data.noun``).

    Synsets whose gloss has no definition (a few consist of examples only) are skipped.
    """
    if field not in ("definition", "lemma", "gloss"):
        raise ValueError(f"field={field!r} must be 'definition', 'lemma' or 'gloss'")
    if n is not None and per_class is not None:
        raise ValueError("pass n or per_class, not both")
    path = NOUN_FILE.resolve(root, download)
    cols = _parsed(str(path.resolve()), file_sha256(path))
    wanted = _classes(classes)
    has_def = np.array([bool(d) for d in cols["definition"]])
    keep = np.flatnonzero(np.isin(cols["lexfile"], wanted) & has_def)
    if per_class is not None:
        if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
            raise TypeError(f"per_class must be a positive int, got {per_class!r}")
        parts = []
        for k, lex in enumerate(wanted):
            members = keep[cols["lexfile"][keep] == lex]
            if per_class > len(members):
                raise ValueError(f"per_class={per_class}: class {LEXNAMES[lex]} has only {len(members)} synsets")
            parts.append(members[select(len(members), per_class, seed + k, f"synsets of {LEXNAMES[lex]}")])
        idx = np.sort(np.concatenate(parts))
    else:
        idx = keep[select(len(keep), n, seed, "synsets")]
    lex_to_label = {lex: i for i, lex in enumerate(wanted)}
    if field == "definition":
        texts = [cols["definition"][i] for i in idx]
    elif field == "lemma":
        texts = [cols["lemmas"][i][0] for i in idx]
    else:
        texts = [(cols["definition"][i] + ("; " + cols["examples"][i] if cols["examples"][i] else "")) for i in idx]
    return TextSet(
        texts=texts,
        labels=np.array([lex_to_label[int(cols["lexfile"][i])] for i in idx], dtype=np.int64),
        label_names=tuple(LEXNAMES[lex] for lex in wanted),
        name=f"wordnet-{field}",
        ids=[f"n{int(cols['offset'][i]):08d}" for i in idx],
        extra={"lemmas": [cols["lemmas"][i] for i in idx], "examples": [cols["examples"][i] for i in idx]},
        source=str(path),
    )
