"""Input checks, conversions and refusals: the one place where arguments are validated.

Every public measure and route of :mod:`alignbook.measures` and :mod:`alignbook.scale` calls
:func:`.as_pair` (two paired representations), :func:`.as_matrix` (one representation) or
:func:`.as_target` (a target vector) first. They

* accept NumPy arrays (and array-likes such as nested lists or Python numbers) or
  ``torch.Tensor`` objects, but not a mixture of the two (``TypeError``);
* require 2-D input of shape ``(n, d)`` (a 1-D array is refused with the hint to reshape it to
  ``(n, 1)``), at least one row and one column, equal ``n`` for paired inputs, the same device
  for paired tensors, and only finite entries (``ValueError`` saying which argument and how
  many entries are NaN or infinite);
* convert to a torch tensor of the computation dtype (float64 unless ``dtype`` says otherwise)
  on the input's device, keeping the autograd graph of torch inputs.

The shared refusals (a constant input, too few samples for an estimator, a self-HSIC that is
not positive, a result that overflowed) are one function each with one message each, so
every route of a quantity refuses the same inputs with the same words. Argument checks are
strict: a bool is a bool (``squared="yes"`` is a ``TypeError``), an integer is an integer
(``k=1.5`` is a ``TypeError``), a seed is a non-negative integer or a generator.

:func:`.finish` converts a 0-d result back: a Python ``float`` for NumPy input, a 0-d tensor
(same device, computation dtype, differentiable where the maths allows) for torch input.

Examples
--------
>>> import numpy as np
>>> from alignbook.core.guards import as_pair, check_bool
>>> X, Y, ctx = as_pair(np.ones((3, 2)), [[1.0], [2.0], [3.0]])
>>> X.dtype, tuple(Y.shape), ctx.numpy
(torch.float64, (3, 1), True)
>>> check_bool("yes", "squared")
Traceback (most recent call last):
...
TypeError: squared must be True or False, got 'yes'.
"""
from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch

from ..device import REDUCTION_DTYPE

__all__ = [
    "Ctx",
    "as_matrix",
    "as_pair",
    "as_square",
    "as_target",
    "check_2d",
    "check_paired",
    "check_same_kind",
    "check_bool",
    "check_choice",
    "check_estimator",
    "check_finite",
    "check_int",
    "check_positive",
    "check_progress",
    "check_real",
    "check_self_hsic",
    "finish",
    "finish_array",
    "is_constant",
    "make_generator",
    "pow2_exponent",
    "pow2_rescale",
    "pow2_scaled",
    "refuse_constant",
    "refuse_constants",
    "renamed_keywords",
    "resolve_dtype",
    "ldexp_float",
    "scale_back",
    "scaling_error",
    "to_tensor",
    "ESTIMATORS",
    "ZERO_REL",
]

ESTIMATORS = ("biased", "unbiased")

#: a self-HSIC smaller than this times the size of its summed terms is zero up to rounding
ZERO_REL = 1e-12

_DTYPES = {
    None: REDUCTION_DTYPE,
    "float64": torch.float64,
    "float32": torch.float32,
    torch.float64: torch.float64,
    torch.float32: torch.float32,
    np.float64: torch.float64,
    np.float32: torch.float32,
}
_INT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


@dataclass(frozen=True)
class Ctx:
    """How the inputs arrived.

    ``numpy``: return Python floats / NumPy arrays (else tensors); ``device``: where the
    computation runs; ``dtype``: the computation dtype; ``source_dtype``: the floating dtype
    the data were given in (float64 for integer or boolean input), which sets the rounding
    tolerance of the checks on precomputed Gram matrices; ``names``: the arguments the data came
    in (named by the scaling error).
    """

    numpy: bool
    device: torch.device
    dtype: torch.dtype
    source_dtype: torch.dtype = torch.float64
    names: tuple = ("X", "Y")


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


def _is_torch(a) -> bool:
    return isinstance(a, torch.Tensor)


def to_tensor(a, name: str, dtype: torch.dtype | None) -> tuple[torch.Tensor, torch.dtype]:
    """Convert ``a`` to a tensor of ``dtype`` (None: keep its dtype); return it with the floating
    dtype it was given in."""
    if isinstance(a, torch.Tensor):
        t = a
    else:
        if a is None or isinstance(a, (str, bytes, dict, set)):
            raise TypeError(
                f"{name} must be a NumPy array, a nested list of numbers or a torch tensor, got "
                f"{type(a).__name__}."
            )
        try:
            arr = np.asarray(a)
        except Exception as err:
            raise TypeError(
                f"{name} must be a NumPy array, a nested list of numbers or a torch tensor; "
                f"could not convert {type(a).__name__} ({type(err).__name__}: ragged rows?)."
            ) from None
        if arr.dtype == object:
            raise TypeError(
                f"{name} must be a numeric NumPy array or a torch tensor; got an object array "
                f"(ragged or non-numeric input of type {type(a).__name__})."
            )
        if arr.dtype.kind == "c":
            raise TypeError(f"{name} is complex ({arr.dtype}); the measures are defined for real input.")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}.")
        if arr.dtype.kind == "f" and arr.dtype.itemsize not in (2, 4, 8):  # float128 and friends
            arr = arr.astype(np.float64)
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_complex():
        raise TypeError(f"{name} is complex ({t.dtype}); the measures are defined for real input.")
    if not (t.is_floating_point() or t.dtype in _INT_DTYPES or t.dtype == torch.bool):
        raise TypeError(f"{name} must hold real numbers; got dtype {t.dtype}.")
    source = t.dtype if t.is_floating_point() else torch.float64
    return (t if dtype is None else t.to(dtype)), source


def check_finite(t: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` counting the NaN and infinite entries of ``t``."""
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


def check_2d(t: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` unless ``t`` is a non-empty 2-D ``(n, d)`` array."""
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
    t, source = to_tensor(X, name, dt if dt == torch.float64 else None)
    check_2d(t, name)
    if t.is_floating_point():
        check_finite(t, name)
    if t.dtype == torch.float64 and dt != torch.float64:  # float32 computation of float64 data:
        e = pow2_exponent(t)  # refuse (with the reason) magnitudes float32 cannot represent
        if e > 127 or (e < -120 and bool((t != 0).any())):
            raise ValueError(
                f"{name} has entries of magnitude 2^{e}, outside the float32 range, so dtype='float32' "
                "cannot represent them (a scaling problem); use dtype=None (float64, which rescales "
                f"exactly) or rescale {name} first."
            )
    t = t.to(dt)
    if t.shape[0] < min_n:
        raise ValueError(f"{name} has n={t.shape[0]} rows; this measure needs at least {min_n}.")
    return t, Ctx(numpy=not _is_torch(X), device=t.device, dtype=dt, source_dtype=source, names=(name,))


def as_square(K, name: str = "K", *, dtype=None) -> tuple[torch.Tensor, Ctx]:
    """Validate a square ``(n, n)`` matrix (a Gram matrix) and return ``(tensor, ctx)``."""
    t, ctx = as_matrix(K, name, dtype=dtype)
    if t.shape[0] != t.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) Gram matrix; got shape {tuple(t.shape)}.")
    return t, ctx


def check_same_kind(X, Y, nx: str = "X", ny: str = "Y") -> None:
    """Both NumPy-like or both torch tensors (``TypeError``), and tensors on one device (``ValueError``)."""
    kx, ky = _is_torch(X), _is_torch(Y)
    if kx != ky:
        raise TypeError(
            f"{nx} is a {'torch tensor' if kx else 'NumPy array'} but {ny} is a "
            f"{'torch tensor' if ky else 'NumPy array'}; pass both as NumPy arrays "
            f"or both as torch tensors (e.g. torch.as_tensor({ny if kx else nx}))."
        )
    if kx and X.device != Y.device:
        raise ValueError(
            f"{nx} is on {X.device} but {ny} is on {Y.device}; move them to one device first, "
            f"e.g. {ny} = {ny}.to({nx}.device)."
        )


def check_paired(n_x: int, n_y: int, names=("X", "Y")) -> None:
    """The one message for paired inputs with different numbers of rows."""
    if n_x != n_y:
        raise ValueError(
            f"{names[0]} has {n_x} rows but {names[1]} has {n_y}; the rows are paired samples, "
            "so both need the same number n of rows."
        )


def as_pair(X, Y, names=("X", "Y"), *, dtype=None, min_n: int = 1, rescale: bool = False):
    """Validate two paired representations and return ``(X, Y, ctx)`` as tensors.

    With ``rescale=True`` (for measures invariant to isotropic scaling of each input) each input
    is multiplied by an exact power of two (:func:`.pow2_rescale`), which changes no value but
    keeps extreme scales from overflowing.

    Raises ``TypeError`` when one is a torch tensor and the other is not, and ``ValueError``
    for different devices, non-2-D or empty input, non-finite entries or unequal ``n``.
    """
    nx, ny = names
    check_same_kind(X, Y, nx, ny)
    Xt, ctx = as_matrix(X, nx, dtype=dtype)
    Yt, cty = as_matrix(Y, ny, dtype=dtype)
    check_paired(Xt.shape[0], Yt.shape[0], names)
    if Xt.shape[0] < min_n:
        raise ValueError(
            f"{nx} and {ny} have n={Xt.shape[0]} rows; this measure needs at least {min_n}."
        )
    if rescale:
        Xt, Yt = pow2_rescale(Xt), pow2_rescale(Yt)
    low = ctx.source_dtype if torch.finfo(ctx.source_dtype).eps >= torch.finfo(cty.source_dtype).eps \
        else cty.source_dtype
    return Xt, Yt, Ctx(ctx.numpy, ctx.device, ctx.dtype, low, tuple(names))


def as_target(y, n: int, ctx: Ctx, name: str = "y") -> torch.Tensor:
    """Validate a target: 1-D of length ``n`` (returned as ``(n, 1)``) or 2-D ``(n, c)``."""
    if _is_torch(y) != (not ctx.numpy):
        raise TypeError(
            f"{name} must be of the same kind as the representation (both NumPy or both torch)."
        )
    if isinstance(y, torch.Tensor) and y.device != ctx.device:
        raise ValueError(f"{name} is on {y.device} but the representation is on {ctx.device}.")
    t, _ = to_tensor(y, name, ctx.dtype)
    if t.ndim == 1:
        t = t.reshape(-1, 1)
    if t.ndim != 2 or t.shape[1] == 0:
        raise ValueError(f"{name} must be 1-D of length n or 2-D (n, c); got shape {tuple(t.shape)}.")
    if t.shape[0] != n:
        raise ValueError(f"{name} has {t.shape[0]} entries but the representation has n={n} rows.")
    check_finite(t, name)
    return t


# ----------------------------------------------------------------------------- exact rescaling
def pow2_exponent(t: torch.Tensor) -> int:
    """The exponent ``e`` with ``max|t| * 2**-e`` in [0.5, 1) (0 for an all-zero ``t``)."""
    if not t.numel():
        return 0
    lo, hi = torch.aminmax(t.detach())
    m = torch.maximum(lo.abs(), hi.abs())
    if not bool(m > 0):
        return 0
    return int(torch.frexp(m).exponent)


#: inputs whose largest magnitude has a binary exponent within this range are left as they are:
#: fourth powers times n^2 d^2 stay far inside the dtype's range (2^1024 for float64, 2^128 for float32)
_SAFE_EXPONENT = {torch.float64: 100, torch.float32: 16}


def pow2_scaled(t: torch.Tensor) -> tuple[torch.Tensor, int]:
    """``(t * 2**-e, e)``: ``t`` brought to ``max|t|`` in [0.5, 1) when its scale is extreme.

    ``e`` is 0 (and ``t`` returned as is) when ``max|t|`` is within ``2**±100`` (``2**±16`` in
    float32): there fourth powers times ``n^2 d^2`` stay far inside the dtype's range. Multiplying by a power of two is exact, so a
    scale-invariant measure gets the same value and a homogeneous one is scaled back exactly
    with ``torch.ldexp``. Differentiable (the factor is a constant).
    """
    e = pow2_exponent(t)
    safe = _SAFE_EXPONENT.get(t.dtype, 16)
    if -safe <= e <= safe:
        return t, 0
    return t * torch.ldexp(torch.ones((), dtype=t.dtype, device=t.device),
                           torch.tensor(-e, device=t.device)), e


def pow2_rescale(t: torch.Tensor) -> torch.Tensor:
    """Multiply ``t`` by the power of two that brings ``max|t|`` into [0.5, 1) when it is extreme.

    Multiplying by a power of two is exact in floating point, so a scale-invariant measure gets
    the same value; it only removes the overflow (``|x| ~ 1e80`` squared twice) and underflow
    (``|x| ~ 1e-80``) that would otherwise turn a well-defined value into inf, NaN or 0/0.
    Differentiable (the factor is a constant).
    """
    return pow2_scaled(t)[0]


def scale_back(value: torch.Tensor, exponent: int) -> torch.Tensor:
    """``value * 2**exponent`` exactly (inf or 0 when it leaves float64; :func:`.finish` then says so)."""
    if exponent == 0:
        return value
    return torch.ldexp(value, torch.tensor(exponent, device=value.device))


def ldexp_float(x: float, exponent: int) -> float:
    """``x * 2**exponent`` for a Python float: inf on overflow, 0 on underflow (never an exception)."""
    try:
        return math.ldexp(x, exponent)
    except OverflowError:
        return math.copysign(math.inf, x)


def scaling_error(what: str = "this measure", detail: str = "", names=("X", "Y")) -> ValueError:
    """The one message for a result that leaves the floating range (a scaling problem)."""
    inputs = " and ".join(names)
    return ValueError(
        f"the result of {what} is not finite: the magnitudes of {inputs} overflow or underflow "
        f"float64 here{detail} (the quantity is not scale invariant, so it cannot rescale them "
        f"itself). This is a scaling problem, not a property of the data: rescale {inputs}, e.g. "
        f"{names[0]} / {names[0]}.abs().max(), and account for the scale in the result."
    )


def finish(value: torch.Tensor, ctx: Ctx, what: str = "this measure"):
    """Return a Python float for NumPy input, else the 0-d tensor itself; never a NaN or inf."""
    if not bool(torch.isfinite(value.detach()).all()):
        raise scaling_error(what, names=ctx.names)
    return float(value.detach().cpu()) if ctx.numpy else value


def finish_array(value: torch.Tensor, ctx: Ctx, what: str = "this measure"):
    """Return a NumPy array for NumPy input, else the tensor itself; never a NaN or inf."""
    if value.is_floating_point() and not bool(torch.isfinite(value.detach()).all()):
        raise scaling_error(what, names=ctx.names)
    return value.detach().cpu().numpy() if ctx.numpy else value


# ----------------------------------------------------------------------------- argument checks
def check_choice(value, name: str, choices) -> str:
    """A string among ``choices`` (``TypeError`` for a non-string, ``ValueError`` otherwise)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {tuple(choices)}; got {value!r}.")
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {tuple(choices)}.")
    return value


def check_bool(value, name: str) -> bool:
    """``True`` or ``False`` (NumPy booleans too); anything else is a ``TypeError``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}.")


def check_int(value, name: str, low: int, high: int | None = None, why: str = "") -> int:
    """An integer (not a bool, not a float) between ``low`` and ``high``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    value = int(value)
    if value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name}={value} must be {rng}{why}.")
    return value


def check_real(value, name: str) -> float:
    """A finite real number (not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a finite real number, got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}={value} must be finite.")
    return value


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """A finite real number ``> 0`` (``>= 0`` with ``allow_zero``)."""
    value = check_real(value, name)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}={value:g} must be {'>= 0' if allow_zero else '> 0'}.")
    return value


def check_progress(progress) -> None:
    """``progress`` is None (a bar after 2 s), True or False."""
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be None, True or False, got {progress!r}.")


def make_generator(seed, name: str = "seed") -> tuple[torch.Generator, int | None]:
    """A CPU ``torch.Generator`` from ``seed``: a non-negative integer, a ``torch.Generator``
    (used as is) or a ``numpy.random.Generator`` (which draws the seed). Returns the generator
    and the integer seed (``None`` when a generator was passed)."""
    if isinstance(seed, torch.Generator):
        return seed, None
    if isinstance(seed, np.random.Generator):
        return torch.Generator(device="cpu").manual_seed(int(seed.integers(0, 2**63 - 1))), None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral):
        raise TypeError(
            f"{name} must be a non-negative integer or a generator (torch.Generator or "
            f"numpy.random.Generator), got {seed!r}."
        )
    if int(seed) < 0 or int(seed) >= 2**63:
        raise ValueError(f"{name}={int(seed)} must be a non-negative integer below 2**63.")
    return torch.Generator(device="cpu").manual_seed(int(seed)), int(seed)


def renamed_keywords(**renames):
    """Decorator: accept old keyword names (``old="new"``) with a ``DeprecationWarning``.

    The wrapped signature (what ``inspect.signature`` and the API reference show) keeps only the
    new names; passing both the old and the new one is a ``TypeError``.
    """
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__qualname__}() got both {old}= (renamed) and {new}=; pass {new}= only.")
                    warnings.warn(f"{fn.__qualname__}({old}=...) is renamed {new}=...; the old name will be removed.",
                                  DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)
        return inner
    return wrap


# ----------------------------------------------------------------------------- shared refusals
def is_constant(X: torch.Tensor) -> bool:
    """Whether all rows of ``X`` are identical."""
    return bool((X == X[0:1]).all())


def refuse_constant(X: torch.Tensor, name: str, what: str,
                    reason: str = "its centred Gram matrix is zero, so the measure is 0/0") -> None:
    """The one refusal of a constant representation (all rows identical) for a normalised measure."""
    if is_constant(X):
        raise ValueError(
            f"{name} is constant (all {X.shape[0]} rows are identical), so {what} is undefined: "
            f"{reason}. A constant representation carries no information about the samples; check "
            "the layer or drop it (a constant column is fine)."
        )


def refuse_constants(pairs, what: str, reason: str = "its centred Gram matrix is zero, so the measure is 0/0") -> None:
    """:func:`.refuse_constant` for each ``(tensor, name)`` of ``pairs``."""
    for M, nm in pairs:
        refuse_constant(M, nm, what, reason)


def check_estimator(estimator, n: int, names=("X", "Y")) -> str:
    """``estimator`` is ``"biased"`` or ``"unbiased"`` and ``n`` is large enough for it."""
    check_choice(estimator, "estimator", ESTIMATORS)
    if estimator == "unbiased" and n < 4:
        raise ValueError(
            f"estimator='unbiased' needs n >= 4 paired rows (it divides by n(n-3)(n-2)); "
            f"{names[0]} and {names[1]} have n={n}. Use more samples or estimator='biased'."
        )
    if n < 2:
        raise ValueError(
            f"{names[0]} and {names[1]} have n={n} rows; HSIC needs n >= 2 (it divides by (n-1)^2)."
        )
    return estimator


def check_self_hsic(value: torch.Tensor, magnitude: torch.Tensor, name: str, estimator: str,
                    what: str = "CKA") -> None:
    """The one refusal of a self-HSIC that is not positive (``what`` divides by its square root).

    ``magnitude`` is the size of the summed terms: a value below ``ZERO_REL * magnitude`` is zero
    up to rounding. A zero biased self-HSIC of a non-constant input means its centred Gram
    underflowed or the kernel cannot tell the samples apart (say, a bandwidth far too small or
    large), which is a scaling problem, not a property of the data.
    """
    v, magnitude = float(value.detach()), magnitude.detach()
    if v > ZERO_REL * float(magnitude) and math.isfinite(v):
        return
    if not math.isfinite(v):
        raise scaling_error(what, f" (the self-HSIC of {name} is {v})")
    if estimator == "unbiased":
        raise ValueError(
            f"the unbiased self-HSIC of {name} is {v:.3g}, i.e. <= 0 up to rounding "
            f"(its terms are of size {float(magnitude):.3g}), so unbiased {what} (which divides by "
            "its square root) is undefined for these samples. Use estimator='biased' or more samples."
        )
    if float(magnitude) == 0.0:
        raise ValueError(
            f"the centred Gram matrix of {name} is zero in floating point, so {what} is 0/0 "
            f"(undefined). {name} is not constant, so its Gram entries cannot be told apart at this "
            "precision: a scaling problem (the entries underflowed, or the kernel bandwidth is far "
            f"from the scale of {name}); rescale {name} or choose another bandwidth."
        )
    raise ValueError(
        f"the centred Gram matrix of {name} is zero up to rounding (its biased self-HSIC is {v:.3g} "
        f"against terms of size {float(magnitude):.3g}), so {what} is 0/0 (undefined): the kernel "
        f"cannot tell the samples of {name} apart at this precision (a scaling problem: rescale "
        f"{name} or choose another bandwidth)."
    )
