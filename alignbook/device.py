"""Device, dtype, scale and seeding policy: the one place these choices are made.

* Device: ``cuda`` when available, else ``cpu``; the environment variable
  ``ALIGNBOOK_DEVICE`` (for example ``cpu`` or ``cuda:1``) overrides the choice.
* Precision: reductions are done in ``REDUCTION_DTYPE`` (float64) whatever the input dtype.
* Scale: ``"test"`` (seconds, CI), ``"book"`` (the default when a chapter executes on a
  2-core CPU) or ``"full"`` (a GPU, Colab or better); ``ALIGNBOOK_SCALE`` overrides the default.
* Seeds: :func:`generator` gives a seeded ``torch.Generator`` on the requested device and
  :func:`rng` a seeded ``numpy.random.Generator``; nothing here touches global RNG state.
"""
from __future__ import annotations

import contextlib
import os

import numpy as np
import torch

REDUCTION_DTYPE = torch.float64
SCALES = ("test", "book", "full")


def get_device(device: str | torch.device | None = None) -> torch.device:
    """Return the device to compute on.

    An explicit ``device`` wins; otherwise ``ALIGNBOOK_DEVICE`` if set; otherwise ``cuda``
    when available and ``cpu`` if not.
    """
    if device is None:
        device = os.environ.get("ALIGNBOOK_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(dev)!r} was requested but CUDA is not available here; "
            "pass device='cpu' or unset ALIGNBOOK_DEVICE."
        )
    return dev


def get_scale(scale: str | None = None) -> str:
    """Return the run scale: an explicit ``scale``, else ``ALIGNBOOK_SCALE``, else ``"book"``."""
    scale = scale or os.environ.get("ALIGNBOOK_SCALE") or "book"
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not one of {SCALES}; set ALIGNBOOK_SCALE to one of them.")
    return scale


def pick(scale: str, test, book, full):
    """Choose a setting by scale: ``pick(scale, test=50, book=500, full=50_000)``."""
    return {"test": test, "book": book, "full": full}[get_scale(scale)]


def generator(seed: int, device: str | torch.device | None = None) -> torch.Generator:
    """A seeded ``torch.Generator`` on ``device`` (independent of global RNG state)."""
    g = torch.Generator(device=get_device(device))
    g.manual_seed(int(seed))
    return g


def rng(seed: int) -> np.random.Generator:
    """A seeded NumPy generator."""
    return np.random.default_rng(int(seed))


def describe() -> str:
    """One line saying where computations will run (shown at the top of chapters)."""
    dev = get_device()
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    return f"alignbook: device={dev} [{name}], scale={get_scale()}, torch {torch.__version__}"


class threads(contextlib.ContextDecorator):
    """Run a block (or a decorated function) with at most ``n`` intra-op CPU threads.

    Small matrices gain nothing from several threads, and on a busy 2-core machine threads that
    wait for each other made small-model training and checks 10-40 times slower. The previous
    setting is restored on exit. Nothing changes when ``device`` is a GPU.
    """

    def __init__(self, n: int = 1, device: str | torch.device | None = "cpu"):
        self.n = int(n)
        self.active = device is None or torch.device(device).type == "cpu"
        self._saved: list[int] = []

    def __enter__(self):
        if self.active:
            self._saved.append(torch.get_num_threads())
            torch.set_num_threads(min(self.n, self._saved[-1]))
        return self

    def __exit__(self, *exc):
        if self.active:
            torch.set_num_threads(self._saved.pop())
        return False
