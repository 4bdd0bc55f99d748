"""Input checks for the measures: the one place where arguments are validated and converted.

Every public measure calls :func:`as_pair` (two paired representations), :func:`as_matrix`
(one representation) or :func:`as_target` (a target vector) first. They

* accept NumPy arrays (and array-likes such as nested lists) or ``torch.Tensor`` objects, but
  not a mixture of the two (``TypeError``);
* require 2-D input of shape ``(n, d)`` (a 1-D array is refused with the hint to reshape it to
  ``(n, 1)``), at least one row and one column, equal ``n`` for paired inputs, the same device
  for paired tensors, and only finite entries (``ValueError`` saying which argument and how
  many entries are NaN or infinite);
* convert to a torch tensor of the computation dtype (float64 unless ``dtype`` says otherwise)
  on the input's device, keeping the autograd graph of torch inputs.

:func:`finish` converts a 0-d result back: a Python ``float`` for NumPy input, a 0-d tensor
(same device, computation dtype, differentiable where the maths allows) for torch input.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch

from .device import REDUCTION_DTYPE

__all__ = [
    "Ctx",
    "as_matrix",
    "as_pair",
    "as_target",
    "check_choice",
    "check_int",
    "check_positive",
    "finish",
    "finish_array",
    "resolve_dtype",
]

_DTYPES = {
    None: REDUCTION_DTYPE,
    "float64": torch.float64,
    "float32": torch.float32,
    torch.float64: torch.float64,
    torch.float32: torch.float32,
    np.float64: torch.float64,
    np.float32: torch.float32,
}


@dataclass(frozen=True)
class Ctx:
    """How the inputs arrived: ``numpy`` (return Python floats / arrays) or torch (return tensors)."""

    numpy: bool
    device: torch.device
    dtype: torch.dtype


def resolve_dtype(dtype) -> torch.dtype:
    """Map ``dtype`` (None, "float64", "float32", torch or NumPy float dtypes) to a torch dtype."""
    try:
        return _DTYPES[dtype]
    except (KeyError, TypeError):
        pass
    if isinstance(dtype, np.dtype) and dtype.type in _DTYPES:
        return _DTYPES[dtype.type]
    raise ValueError(
        f"dtype={dtype!r} is not supported; pass dtype=None (float64, the default) or "
        "dtype='float32' (faster on GPUs, see the documented tolerance)."
    )


def _kind(a) -> str:
    return "torch" if isinstance(a, torch.Tensor) else "numpy"


def _to_tensor(a, name: str, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        t = a
    else:
        try:
            arr = np.asarray(a)
        except Exception as err:  # pragma: no cover - exotic objects
            raise TypeError(
                f"{name} must be a NumPy array or a torch tensor, got {type(a).__name__}."
            ) from err
        if arr.dtype == object:
            raise TypeError(
                f"{name} must be a numeric NumPy array or a torch tensor; got an object array "
                f"(ragged or non-numeric input of type {type(a).__name__})."
            )
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}.")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_complex():
        raise TypeError(f"{name} is complex ({t.dtype}); the measures are defined for real input.")
    if not (t.is_floating_point() or t.dtype in _INT_DTYPES or t.dtype == torch.bool):
        raise TypeError(f"{name} must hold real numbers; got dtype {t.dtype}.")
    return t.to(dtype)


_INT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def _check_finite(t: torch.Tensor, name: str) -> None:
    if t.numel() == 0:
        return
    lo, hi = torch.aminmax(t.detach())  # one pass, no temporary; NaN and inf propagate to these
    if bool(torch.isfinite(lo)) and bool(torch.isfinite(hi)):
        return
    finite = torch.isfinite(t)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        nan = int(torch.isnan(t).sum())
        raise ValueError(
            f"{name} has {bad} non-finite entr{'y' if bad == 1 else 'ies'} "
            f"({nan} NaN, {bad - nan} infinite) out of {t.numel()}; remove or impute them first."
        )


def _check_2d(t: torch.Tensor, name: str) -> None:
    if t.ndim == 1:
        raise ValueError(
            f"{name} is 1-D with shape {tuple(t.shape)}; the measures take (n, d) arrays with one "
            f"row per sample. Reshape it: {name}.reshape(-1, 1) for one feature."
        )
    if t.ndim != 2:
        raise ValueError(
            f"{name} has shape {tuple(t.shape)}; the measures take 2-D (n, d) arrays with one row "
            f"per sample. Flatten the other axes first, e.g. {name}.reshape(len({name}), -1)."
        )
    if t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(
            f"{name} is empty (shape {tuple(t.shape)}); it needs at least one row (sample) "
            "and one column (feature)."
        )


def as_matrix(X, name: str = "X", *, dtype=None, min_n: int = 1) -> tuple[torch.Tensor, Ctx]:
    """Validate one representation and return ``(tensor, ctx)``."""
    dt = resolve_dtype(dtype)
    t = _to_tensor(X, name, dt)
    _check_2d(t, name)
    _check_finite(t, name)
    if t.shape[0] < min_n:
        raise ValueError(f"{name} has n={t.shape[0]} rows; this measure needs at least {min_n}.")
    return t, Ctx(numpy=_kind(X) == "numpy", device=t.device, dtype=dt)


def pow2_rescale(t: torch.Tensor) -> torch.Tensor:
    """Multiply ``t`` by the power of two that brings ``max|t|`` into [0.5, 1).

    Multiplying by a power of two is exact in floating point, so a scale-invariant measure gets
    the same value; it only removes the overflow (``|x| ~ 1e80`` squared twice) and underflow
    (``|x| ~ 1e-80``) that would otherwise turn a well-defined value into inf, NaN or 0/0.
    Differentiable (the factor is a constant).
    """
    if not t.numel():
        return t
    lo, hi = torch.aminmax(t.detach())
    m = torch.maximum(lo.abs(), hi.abs())
    if not bool(m > 0):
        return t
    e = int(torch.frexp(m).exponent)
    if -100 <= e <= 100:  # fourth powers times n^2 d^2 stay far inside float64: nothing to do
        return t
    return t * torch.ldexp(torch.ones((), dtype=t.dtype, device=t.device), -torch.frexp(m).exponent)


def as_pair(X, Y, names=("X", "Y"), *, dtype=None, min_n: int = 1, rescale: bool = False):
    """Validate two paired representations and return ``(X, Y, ctx)`` as tensors.

    With ``rescale=True`` (for measures invariant to isotropic scaling of each input) each input
    is multiplied by an exact power of two (:func:`pow2_rescale`), which changes no value but
    keeps extreme scales from overflowing.

    Raises ``TypeError`` when one is a torch tensor and the other is not, and ``ValueError``
    for different devices, non-2-D or empty input, non-finite entries or unequal ``n``.
    """
    nx, ny = names
    kx, ky = _kind(X), _kind(Y)
    if kx != ky:
        raise TypeError(
            f"{nx} is a {'torch tensor' if kx == 'torch' else 'NumPy array'} but {ny} is a "
            f"{'torch tensor' if ky == 'torch' else 'NumPy array'}; pass both as NumPy arrays "
            f"or both as torch tensors (e.g. torch.as_tensor({ny if kx == 'torch' else nx}))."
        )
    if kx == "torch" and X.device != Y.device:
        raise ValueError(
            f"{nx} is on {X.device} but {ny} is on {Y.device}; move them to one device first, "
            f"e.g. {ny} = {ny}.to({nx}.device)."
        )
    Xt, ctx = as_matrix(X, nx, dtype=dtype)
    Yt, _ = as_matrix(Y, ny, dtype=dtype)
    if Xt.shape[0] != Yt.shape[0]:
        raise ValueError(
            f"{nx} has {Xt.shape[0]} rows but {ny} has {Yt.shape[0]}; the rows are paired samples, "
            "so both need the same number n of rows."
        )
    if Xt.shape[0] < min_n:
        raise ValueError(
            f"{nx} and {ny} have n={Xt.shape[0]} rows; this measure needs at least {min_n}."
        )
    if rescale:
        Xt, Yt = pow2_rescale(Xt), pow2_rescale(Yt)
    return Xt, Yt, ctx


def as_target(y, n: int, ctx: Ctx, name: str = "y") -> torch.Tensor:
    """Validate a target: 1-D of length ``n`` (returned as ``(n, 1)``) or 2-D ``(n, c)``."""
    if _kind(y) != ("numpy" if ctx.numpy else "torch"):
        raise TypeError(
            f"{name} must be of the same kind as the representation (both NumPy or both torch)."
        )
    if isinstance(y, torch.Tensor) and y.device != ctx.device:
        raise ValueError(f"{name} is on {y.device} but the representation is on {ctx.device}.")
    t = _to_tensor(y, name, ctx.dtype)
    if t.ndim == 1:
        t = t.reshape(-1, 1)
    if t.ndim != 2 or t.shape[1] == 0:
        raise ValueError(f"{name} must be 1-D of length n or 2-D (n, c); got shape {tuple(t.shape)}.")
    if t.shape[0] != n:
        raise ValueError(f"{name} has {t.shape[0]} entries but the representation has n={n} rows.")
    _check_finite(t, name)
    return t


def _check_result(value: torch.Tensor) -> None:
    if not bool(torch.isfinite(value.detach()).all()):
        raise ValueError(
            "the result is not finite: the inputs' magnitudes overflow or underflow float64 in this "
            "measure (it is not scale invariant, so it cannot rescale them itself). Rescale the "
            "inputs, e.g. X / X.abs().max(), and account for the scale in the result."
        )


def finish(value: torch.Tensor, ctx: Ctx):
    """Return a Python float for NumPy input, else the 0-d tensor itself; never a NaN or inf."""
    _check_result(value)
    return float(value.detach().cpu()) if ctx.numpy else value


def finish_array(value: torch.Tensor, ctx: Ctx):
    """Return a NumPy array for NumPy input, else the tensor itself; never a NaN or inf."""
    _check_result(value)
    return value.detach().cpu().numpy() if ctx.numpy else value


def check_choice(value, name: str, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {tuple(choices)}.")


def check_int(value, name: str, low: int, high: int | None = None, why: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    value = int(value)
    if value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name}={value} must be {rng}{why}.")
    return value


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}.")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}={value} must be {'>= 0' if allow_zero else '> 0'}.")
    return float(value)
