"""Where loaders find data: the search order, an authoritative root, empty files, the cache root,
and the no-root Debian fallback (apt-get download + dpkg-deb -x), exercised with a real tiny .deb."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from alignbook.data import _local
from alignbook.data._local import DebianFile

F = DebianFile("alignbook-test-data", "/usr/share/alignbook-test/thing.txt", "thing", "test thing")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _put(path: Path, text: str = "hello\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_cache_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "c"))
    assert _local.cache_root() == tmp_path / "c"
    monkeypatch.delenv("ALIGNBOOK_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert _local.cache_root() == tmp_path / "xdg" / "alignbook"


def test_search_order_env_then_cache_then_system(env):
    with pytest.raises(FileNotFoundError):
        F.resolve(download=False)
    cached = _put(F.cached_path(), "cached\n")
    assert F.resolve(download=False) == cached
    mine = _put(env / "data" / "thing" / "thing.txt", "env\n")
    assert F.resolve(download=False) == mine
    assert F.candidates() == [mine, cached, Path(F.system_path)]


def test_explicit_root_is_authoritative(env):
    _put(env / "data" / "thing" / "thing.txt")
    _put(F.cached_path())
    (env / "mine").mkdir()
    with pytest.raises(FileNotFoundError) as ei:
        F.resolve(root=env / "mine", download=True)  # never falls back, never downloads into root
    msg = str(ei.value)
    assert str(env / "mine" / "thing.txt") in msg and "no other copy" in msg and "apt-get" in msg
    ok = _put(env / "mine" / "thing.txt")
    assert F.resolve(root=env / "mine") == ok


def test_empty_file_is_refused_with_the_fix(env):
    _put(env / "mine" / "thing.txt", "")
    with pytest.raises(ValueError, match=r"thing.txt is empty \(0 bytes\).*Fix"):
        F.resolve(root=env / "mine")
    _put(F.cached_path(), "")
    with pytest.raises(ValueError, match="delete .*alignbook-test-data so it is fetched again"):
        F.resolve(download=False)


def test_missing_message_names_file_places_and_fix(env, monkeypatch):
    def offline(package, timeout=300.0):
        raise OSError("`apt-get download x` failed with exit status 100: E: offline (test)")

    monkeypatch.setattr(_local, "apt_extract", offline)
    with pytest.raises(FileNotFoundError) as ei:
        F.resolve(download=True)
    msg = str(ei.value)
    for piece in ("thing.txt", str(F.cached_path()), F.system_path, "E: offline (test)",
                  "sudo apt-get install alignbook-test-data", "dpkg-deb -x", "$ALIGNBOOK_DATA/thing/"):
        assert piece in msg, piece


needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not available (not Debian)")


def _fake_apt(tmp_path: Path, deb: Path | None) -> Path:
    """A fake `apt-get` on PATH whose `download` copies a prebuilt .deb (or fails like apt does)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "apt-get"
    if deb is None:
        script.write_text("#!/bin/sh\necho 'E: Unable to locate package' >&2\nexit 100\n")
    else:
        script.write_text(f"#!/bin/sh\n[ \"$1\" = download ] || exit 2\ncp '{deb}' .\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    os.symlink(shutil.which("dpkg-deb"), bin_dir / "dpkg-deb")
    return bin_dir


def _build_deb(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    _put(root / "usr/share/alignbook-test/thing.txt", "from the package\n")
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(
        "Package: alignbook-test-data\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@example.org>\n"
        "Description: test data\n")
    deb = tmp_path / "alignbook-test-data_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)], check=True,
                   capture_output=True)
    return deb


@needs_dpkg
def test_apt_fallback_extracts_into_the_cache(env, monkeypatch):
    deb = _build_deb(env)
    monkeypatch.setenv("PATH", str(_fake_apt(env, deb)) + os.pathsep + os.environ["PATH"])
    p = F.resolve(download=True)
    assert p == F.cached_path() and p.read_text() == "from the package\n"
    assert not list((env / "cache" / "debian").glob(".alignbook-test-data.*"))  # no temporary left behind
    os.unlink(env / "bin" / "apt-get")  # a second call needs no download
    assert F.resolve(download=True) == p


@needs_dpkg
def test_apt_failure_is_reported(env, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_apt(env, None)) + os.pathsep + os.environ["PATH"])
    with pytest.raises(FileNotFoundError, match="Unable to locate package"):
        F.resolve(download=True)
    assert not (env / "cache" / "debian" / "alignbook-test-data").exists()
