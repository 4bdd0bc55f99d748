"""MS-COCO 2017 image-caption pairs (Lin et al. 2014; captions CC BY 4.0). Needs the network once.

For Colab or any machine with internet access. The loader reads a local copy first
(``root``, else ``$ALIGNBOOK_DATA/coco``, else ``<cache>/coco``), laid out as COCO ships it::

    annotations/captions_val2017.json
    val2017/000000000139.jpg ...

With ``download=True`` it fetches what is missing: the annotation archive (241 MB, once) and only
the images of the requested subset, one by one (about 160 kB each). Offline it fails at once with
a message that says so. Images are decoded with Pillow, centre-cropped to a square and resized.
"""
from __future__ import annotations

import json
import os
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from ._local import cache_root, data_env_dir
from .sets import ImageSet, select

__all__ = ["ANNOTATIONS_URL", "IMAGES_URL", "load_coco_captions"]

ANNOTATIONS_URL = "http://images.cocodataset.org/annotations/annotations_trainval2017.zip"
IMAGES_URL = "http://images.cocodataset.org/{split}/{file}"


def _base(root) -> Path:
    if root is not None:
        return Path(root).expanduser()
    env = data_env_dir("coco")
    if env is not None and env.is_dir():
        return env
    return cache_root() / "coco"


def _fetch(url: str, target: Path, timeout: float) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _offline(what: str, base: Path, err) -> FileNotFoundError:
    return FileNotFoundError(
        f"COCO captions need the network (e.g. Colab): {what} is not in {base} and fetching it failed ({err}). "
        f"Fix: run where the network allows (load_coco_captions(download=True) fetches the 241 MB annotation "
        f"archive {ANNOTATIONS_URL} and the chosen images), or put a COCO 2017 copy (annotations/, val2017/) "
        "in $ALIGNBOOK_DATA/coco/."
    )


def _annotations(base: Path, split: str, download: bool, timeout: float) -> dict:
    path = base / "annotations" / f"captions_{split}.json"
    if not path.is_file():
        err = "download=False"
        if download:
            try:
                archive = base / "annotations_trainval2017.zip"
                if not archive.is_file():
                    _fetch(ANNOTATIONS_URL, archive, timeout)
                with zipfile.ZipFile(archive) as z:
                    z.extract(f"annotations/captions_{split}.json", base)
                err = None
            except (OSError, KeyError, zipfile.BadZipFile) as e:
                err = f"{type(e).__name__}: {e}"
        if err is not None:
            raise _offline(path.name, base, err)
    try:
        ann = json.loads(path.read_text(encoding="utf-8"))
        images = {im["id"]: im["file_name"] for im in ann["images"]}
        caps: dict[int, list[str]] = {}
        for a in ann["annotations"]:
            caps.setdefault(a["image_id"], []).append(a["caption"].strip())
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path} is not a COCO captions file ({type(e).__name__}: {e}); it is truncated or "
                         f"damaged. Fix: delete it and load again with download=True.") from None
    return {"images": images, "captions": caps}


def _square(im, size: int) -> np.ndarray:
    from PIL import Image

    im = im.convert("RGB")
    w, h = im.size
    s = min(w, h)
    box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
    return np.asarray(im.crop(box).resize((size, size), Image.BICUBIC), dtype=np.uint8)


def load_coco_captions(n=1000, *, split: str = "val2017", seed=0, size: int = 224, root=None,
                       download: bool = True, timeout: float = 20.0) -> ImageSet:
    """``n`` COCO images (centre-cropped, ``size`` px) with their first caption; all five in ``extra``.

    ``split``: ``"val2017"`` (5,000 images) or ``"train2017"``. Raises :class:`FileNotFoundError`
    offline. An explicit ``root`` is authoritative (downloads go into it).
    """
    from PIL import Image

    if split not in ("val2017", "train2017"):
        raise ValueError(f"split={split!r} must be 'val2017' or 'train2017'")
    base = _base(root)
    ann = _annotations(base, split, download, timeout)
    ids = sorted(i for i in ann["images"] if i in ann["captions"])
    idx = select(len(ids), n, seed, f"{split} images with captions")
    images, first, all_caps = [], [], []
    for i in idx:
        img_id = ids[i]
        file = base / split / ann["images"][img_id]
        if not file.is_file():
            if not download:
                raise _offline(file.name, base, "download=False")
            try:
                _fetch(IMAGES_URL.format(split=split, file=file.name), file, timeout)
            except OSError as e:
                raise _offline(file.name, base, f"{type(e).__name__}: {e}") from None
        try:
            with Image.open(file) as im:
                images.append(_square(im, size))
        except OSError as e:
            raise ValueError(f"{file} is not a readable image ({e}). Fix: delete it and load again.") from None
        first.append(ann["captions"][img_id][0])
        all_caps.append(ann["captions"][img_id])
    return ImageSet(images=np.stack(images), labels=None, label_names=(), name=f"coco-{split}",
                    ids=[str(ids[i]) for i in idx], captions=first, extra={"all_captions": all_caps}, source=str(base))
