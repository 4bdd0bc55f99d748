"""Progress bars (tqdm) for the long loops of :mod:`alignbook.scale`.

``progress=None`` (the default everywhere) shows a bar only once a loop has run for more than
two seconds (tqdm's ``delay``), so quick calls stay silent; ``True`` shows it at once and
``False`` never.
"""
from __future__ import annotations

from tqdm.auto import tqdm


def progress_bar(iterable, progress=None, *, desc: str = "", total=None):
    if progress is False:
        return iterable
    if progress is not None and progress is not True:
        raise TypeError(f"progress must be None, True or False, got {progress!r}.")
    return tqdm(iterable, desc=desc, total=total, delay=0.0 if progress else 2.0, leave=False)
