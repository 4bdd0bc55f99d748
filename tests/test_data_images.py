"""Image loaders: emoji rendering and captions, grey-to-RGB adapters, Fashion-MNIST and digits as RGB,
and the Colab-only CIFAR-10 / COCO loaders (tiny local copies, and their offline errors)."""
from __future__ import annotations

import json
import pickle
import unicodedata

import numpy as np
import pytest

from alignbook.data import (cifar, load_cifar10, load_coco_captions, load_digit_images, load_emoji,
                            load_fashion_images, resize, to_rgb)
from alignbook.data import emoji as em
from alignbook.data import fashion_mnist as fm

have_font = pytest.mark.skipif(not any(p.is_file() for p in em.FONT_FILE.candidates()),
                               reason="Noto Color Emoji not installed (sudo apt-get install fonts-noto-color-emoji)")


@have_font
def test_emoji_render_and_captions():
    e = load_emoji(download=False)
    assert len(e) == 1361 and e.images.shape == (1361, em.CANVAS, em.CANVAS, 3) and e.images.dtype == np.uint8
    cps = [int(i[2:], 16) for i in e.ids]
    assert cps == sorted(cps)
    for cp, cap in zip(cps, e.captions):
        ch = chr(cp)
        assert cap == unicodedata.name(ch).lower()
        assert cp >= 0xA9 and not 0x1F1E6 <= cp <= 0x1F1FF and unicodedata.category(ch) not in ("Sk", "Cf", "Co", "Mn")
    i = e.ids.index("U+1F600")
    assert e.captions[i] == "grinning face"
    img = e.images[i]
    assert (img[0, 0] == 255).all() and (img < 250).any()  # white background, a drawn glyph
    sub = load_emoji(5, seed=3, size=64, download=False)
    assert sub.images.shape == (5, 64, 64, 3) and sub.ids == sorted(sub.ids, key=lambda s: int(s[2:], 16))
    again = load_emoji(5, seed=3, size=64, download=False)
    np.testing.assert_array_equal(sub.images, again.images)


@pytest.mark.parametrize("content, match", [(b"", "is empty"), (b"\x00\x01\x00\x00" + b"\x00" * 40, "no character map"), (b"garbage", "not a readable TrueType")])
def test_damaged_font(tmp_path, content, match):
    (tmp_path / "NotoColorEmoji.ttf").write_bytes(content)
    with pytest.raises(ValueError, match=match) as ei:
        load_emoji(root=tmp_path)
    assert "NotoColorEmoji.ttf" in str(ei.value)


@have_font
def test_truncated_font(tmp_path):
    src = next(p for p in em.FONT_FILE.candidates() if p.is_file())
    (tmp_path / "NotoColorEmoji.ttf").write_bytes(src.read_bytes()[:200_000])
    with pytest.raises(ValueError, match="NotoColorEmoji.ttf") as ei:
        load_emoji(root=tmp_path)
    assert "reinstall" in str(ei.value)


def test_to_rgb_and_resize():
    g = np.array([[[0, 16], [8, 4]]], dtype=np.float64)
    rgb = to_rgb(g, max_value=16)
    assert rgb.shape == (1, 2, 2, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[0, :, :, 0], [[0, 255], [128, 64]])
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])
    big = to_rgb(np.full((2, 28, 28), 200, dtype=np.uint8), 160)
    assert big.shape == (2, 160, 160, 3) and (big == 200).all()  # a constant image stays constant
    with pytest.raises(ValueError, match=r"lie in \[0, 16"):
        to_rgb(g + 1, max_value=16)
    with pytest.raises(ValueError, match="size="):
        resize(rgb, 3)
    with pytest.raises(ValueError, match="uint8 of shape"):
        resize(rgb.astype(np.float32), 16)


def test_fashion_images_from_a_root(tmp_path, monkeypatch):
    from tests.test_data_fashion import _tiny_dataset

    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))
    xtr, ytr, xte, yte = _tiny_dataset(tmp_path / "fm")
    s = load_fashion_images(5, seed=1, root=tmp_path / "fm", download=False)
    assert s.images.shape == (5, 28, 28, 3) and s.label_names == fm.CLASSES
    k = int(s.ids[0][4:])
    np.testing.assert_array_equal(s.images[0, :, :, 1], xte[k])
    assert s.labels[0] == yte[k]
    t = load_fashion_images(3, split="train", size=64, root=tmp_path / "fm", download=False)
    assert t.images.shape == (3, 64, 64, 3)
    with pytest.raises(ValueError, match="split="):
        load_fashion_images(3, split="val", root=tmp_path / "fm")


def test_digit_images():
    from sklearn.datasets import load_digits

    d = load_digits()
    s = load_digit_images(4, seed=0, size=32)
    assert s.images.shape == (4, 32, 32, 3) and s.images.dtype == np.uint8
    full = load_digit_images()
    np.testing.assert_array_equal(full.images[:, :, :, 0], np.rint(d.images * 255 / 16).astype(np.uint8))
    np.testing.assert_array_equal(full.labels, d.target)


# ---------------------------------------------------------------- Colab-only loaders
def _cifar_root(tmp_path, n=6):
    d = tmp_path / cifar.FOLDER
    d.mkdir(parents=True)
    g = np.random.default_rng(0)
    for name in cifar.BATCHES["train"] + cifar.BATCHES["test"]:
        with open(d / name, "wb") as fh:
            pickle.dump({b"data": g.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": list(range(n))}, fh)
    return tmp_path


def test_cifar_from_a_local_copy(tmp_path):
    root = _cifar_root(tmp_path)
    s = load_cifar10(root=root, download=False)
    assert s.images.shape == (6, 32, 32, 3) and s.labels.tolist() == list(range(6)) and s.label_names == cifar.CLASSES
    with open(root / cifar.FOLDER / "test_batch", "rb") as fh:
        raw = pickle.load(fh)[b"data"][2]
    np.testing.assert_array_equal(s.images[2], raw.reshape(3, 32, 32).transpose(1, 2, 0))  # channel-first rows
    assert load_cifar10(4, split="train", size=40, root=root, download=False).images.shape == (4, 40, 40, 3)


def test_cifar_refuses_code_in_pickles(tmp_path):
    root = _cifar_root(tmp_path)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with open(root / cifar.FOLDER / "test_batch", "wb") as fh:
        pickle.dump({b"data": Evil(), b"labels": [0]}, fh)
    with pytest.raises(ValueError, match="refusing to load builtins.print"):
        load_cifar10(root=root, download=False)
    (root / cifar.FOLDER / "test_batch").write_bytes(b"")
    with pytest.raises(ValueError, match="not a readable CIFAR-10 batch"):
        load_cifar10(root=root, download=False)


def test_cifar_offline_says_it_needs_the_network(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))

    def offline(*a, **k):
        raise OSError("Name or service not known (test)")

    monkeypatch.setattr(cifar.urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError, match="CIFAR-10 needs the network") as ei:
        load_cifar10(download=True)
    assert "Name or service not known (test)" in str(ei.value) and cifar.URL in str(ei.value)
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_cifar10(download=False)


def test_coco_from_a_local_copy_and_offline(tmp_path, monkeypatch):
    from PIL import Image

    base = tmp_path / "coco"
    (base / "annotations").mkdir(parents=True)
    (base / "val2017").mkdir()
    ann = {"images": [{"id": i, "file_name": f"{i:012d}.jpg"} for i in (1, 2, 3)],
           "annotations": [{"image_id": 1, "caption": "A cat on a mat. "}, {"image_id": 1, "caption": "A cat."},
                           {"image_id": 2, "caption": "Two dogs."}, {"image_id": 3, "caption": "A red bus."}]}
    (base / "annotations" / "captions_val2017.json").write_text(json.dumps(ann))
    for i in (1, 2, 3):
        Image.new("RGB", (64, 48), (10 * i, 0, 0)).save(base / "val2017" / f"{i:012d}.jpg")
    s = load_coco_captions(None, root=base, size=32, download=False)
    assert s.images.shape == (3, 32, 32, 3) and s.captions == ["A cat on a mat.", "Two dogs.", "A red bus."]
    assert s.extra["all_captions"][0] == ["A cat on a mat.", "A cat."]
    (base / "val2017" / "000000000002.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="COCO captions need the network"):
        load_coco_captions(None, root=base, download=False)
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ALIGNBOOK_DATA", raising=False)
    from alignbook.data import coco

    def offline(*a, **k):
        raise OSError("offline (test)")

    monkeypatch.setattr(coco.urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError, match=r"need the network.*offline \(test\)"):
        load_coco_captions(10)
