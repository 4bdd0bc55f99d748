"""Fashion-MNIST loader: our IDX reader on tiny files, the search order, the missing-data message,
and (only where Debian's package is installed) the real files."""
from __future__ import annotations

import gzip
import struct

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
    """No real data reachable: empty ALIGNBOOK_DATA, cache under tmp, Debian folder moved to tmp."""
    monkeypatch.setenv("ALIGNBOOK_DATA", str(tmp_path / "env"))
    monkeypatch.setattr(fm, "cache_dir", lambda: tmp_path / "cache" / "fashion-mnist")
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "debian")
    fm._read_all.cache_clear()
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
        load_fashion_mnist(root=isolated / "nowhere", download=False)
    msg = str(ei.value)
    assert "sudo apt-get install dataset-fashion-mnist" in msg
    assert "ALIGNBOOK_DATA" in msg
    assert str(isolated / "nowhere") in msg
    for url in fm.URLS.values():
        assert url in msg
    assert str(isolated / "cache" / "fashion-mnist") in msg


def test_failed_download_is_reported(isolated, monkeypatch):
    def boom(*a, **k):
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(fm, "download_files", boom)
    with pytest.raises(FileNotFoundError, match="network unreachable"):
        load_fashion_mnist(download=True)


@pytest.mark.skipif(fm.find_files() is None, reason="Fashion-MNIST not installed (sudo apt-get install dataset-fashion-mnist)")
def test_real_files():
    s = load_fashion_mnist(n_train=1000, n_test=500, download=False)
    assert s.X_train.shape == (1000, 784) and s.X_test.shape == (500, 784)
    xtr, ytr, xte, yte = fm._read_all(str(fm.find_files().resolve()))
    assert xtr.shape == (60000, 28, 28) and xte.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(ytr, minlength=10), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(yte, minlength=10), np.full(10, 1000))
