"""Where real data live: one search order for every loader, the user cache, and the Debian fallback.

Every loader of :mod:`alignbook.data` resolves its files the same way:

1. an explicit ``root`` folder. It is **authoritative**: when it lacks the file, the loader
   raises (or, where a download exists, fetches into that folder); it never silently loads
   another copy;
2. ``$ALIGNBOOK_DATA/<name>/`` (a folder you manage yourself);
3. the user cache, :func:`cache_root` (``$ALIGNBOOK_CACHE``, else the platform cache folder:
   ``$XDG_CACHE_HOME/alignbook`` or ``~/.cache/alignbook`` on Linux,
   ``~/Library/Caches/alignbook`` on macOS, ``%LOCALAPPDATA%\\alignbook`` on Windows);
4. the system path where a Debian/Ubuntu package installs the file (``/usr/share/...``).

If none holds it and ``download=True``, Debian data are fetched without root rights:
``apt-get download <package>`` and ``dpkg-deb -x`` into ``<cache>/debian/<package>/``
(works wherever ``apt-get`` and ``dpkg-deb`` exist, that is on Debian and Ubuntu). Otherwise a
:class:`FileNotFoundError` names the file, every place searched and the exact fix.

Files are checked before use: an empty file is refused with a :class:`ValueError` that names it
and says how to replace it (each loader adds its own format checks).
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["DebianFile", "cache_root", "check_nonempty", "data_env_dir", "file_sha256"]

ENV_DATA = "ALIGNBOOK_DATA"
ENV_CACHE = "ALIGNBOOK_CACHE"


def cache_root() -> Path:
    """The root of alignbook's user cache (downloads, Debian extracts, embeddings).

    ``$ALIGNBOOK_CACHE`` when set, else the platform's cache folder plus ``alignbook``.
    """
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "alignbook"


def data_env_dir(name: str) -> Path | None:
    """``$ALIGNBOOK_DATA/<name>`` when the variable is set, else ``None``."""
    env = os.environ.get(ENV_DATA)
    return Path(env).expanduser() / name if env else None


def check_nonempty(path: Path, fix: str) -> Path:
    """Refuse an empty file with a message naming it and the fix."""
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes), so it cannot be read. Fix: {fix}")
    return path


@lru_cache(maxsize=64)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's content (memoised per path, size and modification time)."""
    st = os.stat(path)
    return _sha256_cached(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _run(cmd: list[str], cwd: str, timeout: float) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise OSError(f"`{' '.join(cmd)}` failed with exit status {proc.returncode}: {tail[0]}")


def apt_extract(package: str, timeout: float = 300.0) -> Path:
    """Fetch a Debian package with ``apt-get download`` and unpack it with ``dpkg-deb -x``.

    The files land in ``<cache>/debian/<package>/`` (a mirror of the package's own paths, so
    ``/usr/share/x`` becomes ``<cache>/debian/<package>/usr/share/x``). No root rights needed.
    The folder appears atomically: it is unpacked under a temporary name and renamed. Raises
    :class:`OSError` when ``apt-get``/``dpkg-deb`` are absent or fail (no network, unknown package).
    """
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise OSError(f"{tool} was not found (this is not a Debian/Ubuntu system)")
    dest = cache_root() / "debian" / package
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{package}.", dir=dest.parent) as tmp:
        _run(["apt-get", "download", package], cwd=tmp, timeout=timeout)
        debs = sorted(glob.glob(os.path.join(tmp, f"{package}_*.deb")))
        if not debs:
            raise OSError(f"`apt-get download {package}` left no {package}_*.deb in {tmp}")
        unpacked = os.path.join(tmp, "root")
        _run(["dpkg-deb", "-x", debs[-1], unpacked], cwd=tmp, timeout=timeout)
        try:
            os.rename(unpacked, dest)
        except OSError:
            if not dest.is_dir():  # another process may have won the race; otherwise re-raise
                raise
    return dest


@dataclass(frozen=True)
class DebianFile:
    """One data file shipped by a Debian package, and how to find or fetch it.

    ``system_path`` is where the package installs it; ``subdir`` is the folder name used under
    ``$ALIGNBOOK_DATA``; ``what`` names the data set in messages.
    """

    package: str
    system_path: str
    subdir: str
    what: str

    @property
    def filename(self) -> str:
        return Path(self.system_path).name

    def cached_path(self) -> Path:
        return cache_root() / "debian" / self.package / self.system_path.lstrip("/")

    def candidates(self, root=None) -> list[Path]:
        """Where the file is looked for, in order (only ``root`` when one is given)."""
        if root is not None:
            return [Path(root).expanduser() / self.filename]
        out = []
        env = data_env_dir(self.subdir)
        if env is not None:
            out.append(env / self.filename)
        out += [self.cached_path(), Path(self.system_path)]
        return out

    def fix(self) -> str:
        return (f"sudo apt-get install {self.package}; or, without root, "
                f"`apt-get download {self.package} && dpkg-deb -x {self.package}_*.deb "
                f"{cache_root() / 'debian' / self.package}`; or put {self.filename} in "
                f"$ALIGNBOOK_DATA/{self.subdir}/")

    def resolve(self, root=None, download: bool = True) -> Path:
        """The path of the file: the first candidate that exists, else fetched, else an error.

        With an explicit ``root`` only ``root/<filename>`` is accepted (no fallback, no download:
        the folder is yours). The returned file is known to be non-empty.
        """
        if root is not None:
            p = self.candidates(root)[0]
            if not p.is_file():
                raise FileNotFoundError(
                    f"{p} does not exist: root={str(root)!r} was given, so no other copy of the "
                    f"{self.what} is used. Fix: put {self.filename} into {Path(root).expanduser()}, "
                    f"or call without root= to use the system or cached copy ({self.fix()})."
                )
            return check_nonempty(p, f"replace {p} with the file from the Debian package {self.package}.")
        for p in self.candidates():
            if p.is_file():
                return check_nonempty(p, self._refetch_fix(p))
        err = None
        if download:
            try:
                apt_extract(self.package)
            except (OSError, subprocess.SubprocessError) as e:
                err = f"{type(e).__name__}: {e}"
            else:
                p = self.cached_path()
                if p.is_file():
                    return check_nonempty(p, self._refetch_fix(p))
                err = f"the package {self.package} did not contain {self.system_path}"
        searched = ", ".join(str(p) for p in self.candidates())
        tried = f" Fetching it with apt-get failed ({err})." if err else " (download=False: nothing was fetched.)"
        raise FileNotFoundError(
            f"The {self.what} ({self.filename}) was not found; searched {searched}.{tried} "
            f"Fix: {self.fix()}."
        )

    def _refetch_fix(self, p: Path) -> str:
        if p == self.cached_path():
            return f"delete {cache_root() / 'debian' / self.package} so it is fetched again"
        if str(p) == self.system_path:
            return f"sudo apt-get install --reinstall {self.package}"
        return f"replace {p} with the file from the Debian package {self.package}"
