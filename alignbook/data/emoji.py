"""Emoji pictures with their Unicode names: image-caption pairs rendered from Debian's Noto Color Emoji.

The font (``fonts-noto-color-emoji``, SIL Open Font Licence 1.1) holds colour bitmaps of every
emoji at 109 pt. We read its character map, keep the **1,361 single code points** that are
emoji in their own right (dropping ASCII digits and signs used in keycaps, skin-tone modifiers,
regional-indicator letters, tags, joiners, private-use glyphs and code points newer than this
Python's Unicode database), render each with Pillow onto a white 136 x 136 canvas, and caption
it with its Unicode name in lower case ("grinning face", "closed umbrella"). Rendering all of
them takes about a second and is done once per process.

That gives an offline stand-in for an image-caption data set: the picture goes to an image
encoder, the name to a text encoder.
"""
from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._local import DebianFile, file_sha256
from .sets import ImageSet, select

__all__ = ["CANVAS", "FONT_FILE", "emoji_codepoints", "load_emoji"]

FONT_FILE = DebianFile("fonts-noto-color-emoji", "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
                       "emoji", "Noto Color Emoji font")
CANVAS = 136          # the font's bitmaps are 136 x 128 at its only strike, 109 pt
_STRIKE = 109
_KEEP = {"So", "Sm", "Po", "Pd", "Ll"}  # symbols, plus the few emoji Unicode files elsewhere


def _fix():
    return ("reinstall it (sudo apt-get install --reinstall fonts-noto-color-emoji), or delete a cached "
            "copy so it is fetched again")


def emoji_codepoints(font_path) -> list[int]:
    """The code points of ``font_path`` that are single emoji with a Unicode name, in order."""
    try:
        from fontTools.ttLib import TTFont  # a dependency of matplotlib
        font = TTFont(str(font_path), lazy=True)
        cmap = font.getBestCmap()
        tables = {tag: (e.offset, e.length) for tag, e in font.reader.tables.items()}
    except Exception as e:  # fontTools raises struct.error, TTLibError, AssertionError, ...
        raise ValueError(f"{font_path} is not a readable TrueType font ({type(e).__name__}: {e}); "
                         f"the file is damaged or truncated. Fix: {_fix()}.") from None
    size = os.path.getsize(font_path)
    for tag, (offset, length) in tables.items():  # every table must lie inside the file
        if offset + length > size:
            raise ValueError(f"{font_path}: its table {tag!r} ends at byte {offset + length} but the file has only "
                             f"{size} bytes: the file is truncated. Fix: {_fix()}.")
    if not cmap:
        raise ValueError(f"{font_path} has no character map; the file is damaged. Fix: {_fix()}.")
    out = []
    for cp in sorted(cmap):
        ch = chr(cp)
        if cp < 0xA9 or 0x1F1E6 <= cp <= 0x1F1FF:  # ASCII keycap parts; regional indicator letters
            continue
        if unicodedata.category(ch) in _KEEP and unicodedata.name(ch, None):
            out.append(cp)
    return out


@lru_cache(maxsize=2)
def _render_all(path: str, sha: str) -> tuple[tuple[int, ...], np.ndarray]:
    from PIL import Image, ImageDraw, ImageFont

    cps = emoji_codepoints(path)
    try:
        font = ImageFont.truetype(path, _STRIKE)
    except OSError as e:
        raise ValueError(f"{path}: Pillow cannot load the font ({e}); the file is damaged. Fix: {_fix()}.") from None
    keep, images = [], []
    for cp in cps:
        im = Image.new("RGB", (CANVAS, CANVAS), (255, 255, 255))
        ImageDraw.Draw(im).text((0, (CANVAS - 128) // 2), chr(cp), font=font, embedded_color=True)
        a = np.asarray(im, dtype=np.uint8)
        if (a < 255).any():  # a glyph this font cannot draw renders as nothing: skip it
            keep.append(cp)
            images.append(a)
    if not keep:
        raise ValueError(f"{path}: no emoji could be rendered; is it the colour emoji font? Fix: {_fix()}.")
    return tuple(keep), np.stack(images)


def load_emoji(n=None, *, seed=0, size: int | None = None, root=None, download: bool = True) -> ImageSet:
    """Emoji pictures (white background, RGB ``uint8``) captioned with their Unicode names.

    ``n``/``seed``: a seeded random subset. ``size``: side of the returned square images
    (bicubic resampling with Pillow; ``None`` keeps the rendered 136 px). ``ids`` are code points
    (``"U+1F600"``); ``captions`` the lower-case names. ``root``: a folder holding
    ``NotoColorEmoji.ttf`` (authoritative).
    """
    path = FONT_FILE.resolve(root, download)
    cps, images = _render_all(str(path.resolve()), file_sha256(path))
    idx = select(len(cps), n, seed, "emoji")
    imgs = images[idx]
    if size is not None:
        from .images import resize

        imgs = resize(imgs, size)
    names = [unicodedata.name(chr(cps[i])).lower() for i in idx]
    return ImageSet(images=imgs, labels=None, label_names=(), name="emoji",
                    ids=[f"U+{cps[i]:04X}" for i in idx], captions=names,
                    extra={"unicode_version": unicodedata.unidata_version}, source=str(path))
