"""Fashion-MNIST loader: our IDX reader on tiny files, the search order (an explicit root is
authoritative), the errors for missing, empty and truncated files, the fallbacks, and (only where
Debian's package is installed) the real files."""
from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from alignbook.data import fashion_mnist as fm
from alignbook.data import load_fashion_mnist


def _idx_bytes(arr: np.ndarray, dtype_code: int = 0x08) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    return struct.pack(">BBBB", 0, 0, dtype_code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _write(path, arr, gz=True, **kw):
    data = _idx_bytes(arr, **kw)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _tiny_dataset(folder, n_train=30, n_test=12, seed=0):
    g = np.random.default_rng(seed)
    xtr = g.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    xtr[:, 0, 0] = 7  # a constant pixel: standardisation must leave it exactly 0
    ytr = (np.arange(n_train) % 10).astype(np.uint8)
    xte = g.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8)
    yte = (np.arange(n_test) % 10).astype(np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / fm.FILES["train_images"], xtr)
    _write(folder / fm.FILES["train_labels"], ytr)
    _write(folder / fm.FILES["test_images"], xte)
    _write(folder / fm.FILES["test_labels"], yte)
    return xtr, ytr, xte, yte


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real data reachable: empty ALIGNBOOK_DATA, cache under tmp, Debian folder moved to tmp,
    and no fetching (apt-get and the official URLs both fail at once)."""
    monkeypatch.setenv("ALIGNBOOK_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "debian")

    def no_apt():
        raise OSError("apt-get: offline (test)")

    def no_url(dest=None, timeout=20.0):
        raise OSError("urlopen: offline (test)")

    monkeypatch.setattr(fm, "_apt_fetch", no_apt)
    monkeypatch.setattr(fm, "download_files", no_url)
    fm._read_all_cached.cache_clear()
    return tmp_path


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=3), gz=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_read_idx_roundtrip(tmp_path_factory, shape, gz, seed):
    arr = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    p = _write(tmp_path_factory.mktemp("idx") / "a.idx.gz", arr, gz=gz)
    out = fm.read_idx(p, ndim=len(shape))
    assert out.dtype == np.uint8 and out.shape == tuple(shape)
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda b: b"\x01" + b[1:], "magic"),
        (lambda b: b[:2] + b"\x0d" + b[3:], "element type"),
        (lambda b: b[:-1], "truncated"),
        (lambda b: b + b"\x00", "payload"),
        (lambda b: b[:3], "not an IDX"),
    ],
)
def test_read_idx_rejects_bad_files(tmp_path, mutate, match):
    raw = _idx_bytes(np.zeros((2, 3), dtype=np.uint8))
    p = tmp_path / "bad.idx"
    p.write_bytes(mutate(raw))
    with pytest.raises(ValueError, match=match):
        fm.read_idx(p)


def test_read_idx_checks_ndim(tmp_path):
    p = _write(tmp_path / "x.gz", np.zeros((4,), dtype=np.uint8))
    with pytest.raises(ValueError, match="1 dimensions, expected 3"):
        fm.read_idx(p, ndim=3)


def test_loader_on_tiny_files(isolated):
    xtr, ytr, xte, yte = _tiny_dataset(isolated / "mine")
    s = load_fashion_mnist(root=isolated / "mine", standardize=False, download=False)
    assert s.name == "fashion-mnist" and s.n_classes == 10
    assert s.X_train.dtype == torch.float32 and s.y_train.dtype == torch.int64
    assert s.X_train.shape == (30, 784) and s.X_test.shape == (12, 784)
    np.testing.assert_allclose(s.X_train.numpy(), xtr.reshape(30, -1) / 255.0, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(s.y_test.numpy(), yte)


def test_standardisation_uses_train_statistics(isolated):
    xtr, _, xte, _ = _tiny_dataset(isolated / "mine")
    s = load_fashion_mnist(root=isolated / "mine", download=False)
    Xtr = s.X_train.double().numpy()
    np.testing.assert_allclose(Xtr.mean(0), 0, atol=1e-6)
    sd = Xtr.std(0)
    assert sd[0] == 0 and np.all(Xtr[:, 0] == 0)  # the constant pixel is centred only
    np.testing.assert_allclose(sd[1:], 1, atol=1e-5)
    raw_tr = xtr.reshape(30, -1)[:, 1] / 255.0
    expect_te = (xte.reshape(12, -1)[:, 1] / 255.0 - raw_tr.mean()) / raw_tr.std()
    np.testing.assert_allclose(s.X_test[:, 1].double().numpy(), expect_te, atol=1e-5)


def test_subsample_is_seeded_and_validated(isolated):
    _tiny_dataset(isolated / "mine")
    a = load_fashion_mnist(root=isolated / "mine", n_train=10, n_test=5, seed=3, download=False)
    b = load_fashion_mnist(root=isolated / "mine", n_train=10, n_test=5, seed=3, download=False)
    c = load_fashion_mnist(root=isolated / "mine", n_train=10, n_test=5, seed=4, download=False)
    assert a.X_train.shape == (10, 784) and a.X_test.shape == (5, 784)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.y_train, c.y_train) or not torch.equal(a.X_train, c.X_train)
    with pytest.raises(ValueError, match="n_train=31"):
        load_fashion_mnist(root=isolated / "mine", n_train=31, download=False)
    with pytest.raises(TypeError, match="n_test"):
        load_fashion_mnist(root=isolated / "mine", n_test=2.5, download=False)


def test_search_order_env_then_cache(isolated, monkeypatch):
    _tiny_dataset(isolated / "env" / "fashion-mnist", n_train=11)
    _tiny_dataset(isolated / "cache" / "fashion-mnist", n_train=13)
    assert load_fashion_mnist(download=False).X_train.shape[0] == 11
    monkeypatch.delenv("ALIGNBOOK_DATA")
    assert load_fashion_mnist(download=False).X_train.shape[0] == 13


def test_label_image_count_mismatch(isolated):
    _tiny_dataset(isolated / "mine")
    _write(isolated / "mine" / fm.FILES["train_labels"], np.zeros(29, dtype=np.uint8))
    with pytest.raises(ValueError, match="differ in number"):
        load_fashion_mnist(root=isolated / "mine", download=False)


def test_missing_data_message(isolated):
    with pytest.raises(FileNotFoundError) as ei:
        load_fashion_mnist(download=False)
    msg = str(ei.value)
    assert "sudo apt-get install dataset-fashion-mnist" in msg
    assert "apt-get download dataset-fashion-mnist" in msg and "dpkg-deb -x" in msg
    assert "ALIGNBOOK_DATA" in msg
    for url in fm.URLS.values():
        assert url in msg
    assert str(isolated / "cache" / "fashion-mnist") in msg
    assert str(isolated / "debian") in msg


def test_explicit_root_is_authoritative(isolated):
    """A root without the files never falls back to another copy, even one that is there."""
    _tiny_dataset(isolated / "env" / "fashion-mnist", n_train=11)
    _tiny_dataset(isolated / "cache" / "fashion-mnist", n_train=13)
    assert load_fashion_mnist(download=False).X_train.shape[0] == 11  # without root: the env copy
    (isolated / "nowhere").mkdir()
    with pytest.raises(FileNotFoundError) as ei:
        load_fashion_mnist(root=isolated / "nowhere", download=False)
    msg = str(ei.value)
    assert "root=" in msg and "no other copy is used" in msg and str(isolated / "nowhere") in msg
    for f in fm.FILES.values():
        assert f in msg
    assert fm.URLS["train_images"] in msg
    # a root that holds only some of the files is refused the same way, naming what is missing
    _tiny_dataset(isolated / "half")
    (isolated / "half" / fm.FILES["test_labels"]).unlink()
    with pytest.raises(FileNotFoundError, match=fm.FILES["test_labels"]):
        load_fashion_mnist(root=isolated / "half", download=False)


def test_explicit_root_downloads_into_root(isolated, monkeypatch):
    calls = []

    def fake_download(dest=None, timeout=20.0):
        calls.append(dest)
        _tiny_dataset(Path(dest), n_train=17)
        return Path(dest)

    monkeypatch.setattr(fm, "download_files", fake_download)
    s = load_fashion_mnist(root=isolated / "mine", download=True)
    assert calls == [isolated / "mine"] and s.X_train.shape[0] == 17


def test_failed_download_is_reported(isolated):
    with pytest.raises(FileNotFoundError) as ei:
        load_fashion_mnist(download=True)
    msg = str(ei.value)
    assert "apt-get: offline (test)" in msg and "urlopen: offline (test)" in msg


def test_apt_fallback_is_used(isolated, monkeypatch):
    """Without root=, the Debian package fetched into the cache is found and loaded."""
    def fake_apt():
        _tiny_dataset(fm.debian_cache_dir(), n_train=19)
        return fm.debian_cache_dir()

    monkeypatch.setattr(fm, "_apt_fetch", fake_apt)
    assert load_fashion_mnist(download=True).X_train.shape[0] == 19
    assert str(fm.debian_cache_dir()).startswith(str(isolated / "cache"))
    assert load_fashion_mnist(download=False).X_train.shape[0] == 19  # found there next time


@pytest.mark.parametrize("damage, match", [
    (lambda raw: b"", "is empty"),
    (lambda raw: raw[: len(raw) // 2], "gzip stream is truncated or damaged"),
    (lambda raw: raw[:2] + b"\x00" * 30, "gzip stream is truncated or damaged"),
    (lambda raw: gzip.compress(gzip.decompress(raw)[:-7]), "truncated or corrupted"),
])
def test_empty_and_truncated_files_name_the_file_and_fix(isolated, damage, match):
    _tiny_dataset(isolated / "mine")
    target = isolated / "mine" / fm.FILES["train_images"]
    target.write_bytes(damage(target.read_bytes()))
    with pytest.raises(ValueError, match=match) as ei:
        load_fashion_mnist(root=isolated / "mine", download=False)
    msg = str(ei.value)
    assert str(target) in msg and "apt-get install --reinstall dataset-fashion-mnist" in msg


def test_replaced_file_is_reread(isolated):
    """The in-process memo is keyed by file size and time: a fixed file is read again."""
    _tiny_dataset(isolated / "mine", n_train=30)
    assert load_fashion_mnist(root=isolated / "mine", download=False).X_train.shape[0] == 30
    _tiny_dataset(isolated / "mine", n_train=20)
    assert load_fashion_mnist(root=isolated / "mine", download=False).X_train.shape[0] == 20


@pytest.mark.skipif(fm.find_files() is None, reason="Fashion-MNIST not installed (sudo apt-get install dataset-fashion-mnist)")
def test_real_files():
    s = load_fashion_mnist(n_train=1000, n_test=500, download=False)
    assert s.X_train.shape == (1000, 784) and s.X_test.shape == (500, 784)
    xtr, ytr, xte, yte = fm._read_all(str(fm.find_files().resolve()))
    assert xtr.shape == (60000, 28, 28) and xte.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(ytr, minlength=10), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(yte, minlength=10), np.full(10, 1000))
