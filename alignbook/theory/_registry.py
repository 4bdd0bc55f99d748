"""The theorem-check protocol.

Every theorem, proposition, lemma, definition identity or erratum in the book has one id
(for example ``thm-ka-spectral``). The same id is

* the ``{prf:...}`` label in the chapter,
* the key under which a check is registered here with :func:`check`,
* the parameter of the test that runs it (``tests/test_theory.py``).

A check is a function ``f(scale, seed, device) -> Comparisons`` registered with :func:`check`
in the theory module of its chapter (``alignbook/theory/<chapter>.py`` or a section module of
``alignbook/theory/<chapter>/``), which is how the registry knows its chapter. It builds a
:class:`Comparisons` record, adds one row per quantity compared, may attach one typed payload
(a dataclass of what its figure draws, :meth:`Comparisons.attach`) and returns the record;
:meth:`Check.run` turns it into a :class:`CheckResult`. A row's *margin* is positive when the
row holds:

* ``close(a, b, tol)``   margin = tol - |a - b| / max(1, |b|)   (an identity)
* ``leq(lhs, rhs)``      margin = rhs - lhs + slack              (an inequality)
* ``differ(a, b, tol)``  margin = |a - b| - tol                  (an erratum: the printed
  formula must *disagree* with the truth)
* ``true(flag)``         margin = +1 or -1                       (anything else)

The check passes when its worst (smallest) margin is >= 0.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
import time
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from ..device import get_device, get_scale, threads

KINDS = ("theorem", "proposition", "lemma", "corollary", "definition", "erratum", "property")


@dataclass
class Row:
    """One comparison inside a check: what was compared, how, and its margin (>= 0 passes).

    Examples
    --------
    >>> from alignbook.theory import Row
    >>> Row("x <= y", "<=", 1.0, 3.0, margin=2.0).passed
    True
    >>> Row("nan never passes", "==", float("nan"), 1.0, margin=float("nan")).passed
    False
    """

    label: str
    relation: str  # "==", "<=", "!=", "true"
    lhs: float
    rhs: float
    margin: float
    draws: int = 1

    @property
    def passed(self) -> bool:
        """Whether the margin is finite and non-negative."""
        return self.margin >= 0 and math.isfinite(self.margin)


@dataclass
class CheckResult:
    """What a check compared, its worst margin, pass/fail and the scale it ran at.

    ``payload`` is the typed data the check attached for its figure (a dataclass defined next
    to the check, for example :class:`alignbook.theory.preliminaries.SingularSpectra`), or
    ``None``; it takes no part in pass/fail.

    Examples
    --------
    >>> from alignbook.theory import Comparisons, CheckResult
    >>> rows = Comparisons().close("1 + 1 vs 2", 1 + 1, 2).rows
    >>> r = CheckResult("thm-demo", "demo", "theorem", rows, "test", 0, "cpu")
    >>> r.passed, r.worst_margin
    (True, 1e-10)
    """

    id: str
    title: str
    kind: str
    rows: list[Row]
    scale: str
    seed: int
    device: str
    seconds: float = 0.0
    payload: Any = None

    @property
    def worst_margin(self) -> float:
        return min((r.margin for r in self.rows), default=-math.inf)

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.passed for r in self.rows)

    def to_dict(self) -> dict:
        """Everything but the payload as plain Python values (what ``verify --json`` writes)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "payload"}
        d["rows"] = [dataclasses.asdict(r) for r in self.rows]
        d["worst_margin"] = self.worst_margin
        d["passed"] = self.passed
        return d

    def table(self) -> str:
        """A small plain-text table of the rows (what chapters print)."""
        head = f"{self.id}  [{self.kind}, scale={self.scale}, seed={self.seed}, device={self.device}]"
        lines = [head, f"{'quantity':44s} {'rel':>4s} {'lhs':>14s} {'rhs':>14s} {'margin':>10s} {'draws':>6s}"]
        for r in self.rows:
            lines.append(
                f"{r.label[:44]:44s} {r.relation:>4s} {_fmt(r.lhs):>14s} {_fmt(r.rhs):>14s} "
                f"{_fmt(r.margin, 2):>10s} {r.draws:>6d}"
            )
        lines.append(f"worst margin {_fmt(self.worst_margin, 3)}: {'PASS' if self.passed else 'FAIL'}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:  # rendered in the book
        out = [
            f"**Check `{self.id}`** ({self.kind}; scale `{self.scale}`, seed {self.seed}, "
            f"`{self.device}`, {self.seconds:.2f} s): **{'PASS' if self.passed else 'FAIL'}**, "
            f"worst margin {_fmt(self.worst_margin, 3)}",
            "",
            "| quantity | relation | left | right | margin | draws |",
            "|---|:---:|---:|---:|---:|---:|",
        ]
        rel = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠", "true": "holds"}
        for r in self.rows:
            label = _cell(r.label)
            out.append(
                f"| {label} | {rel.get(r.relation, r.relation)} | {_fmt(r.lhs)} | {_fmt(r.rhs)} "
                f"| {_fmt(r.margin, 2)} | {r.draws} |"
            )
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.table()


def _cell(text: str) -> str:
    """Make a row label safe inside a markdown table cell.

    Outside ``$...$`` a ``|`` would split the cell and ``_`` could start emphasis, so both are
    escaped; inside maths the bars become ``\\Vert``/``\\vert`` and everything else is kept.
    """
    parts = text.split("$")
    for i, part in enumerate(parts):
        if i % 2:  # maths
            parts[i] = part.replace("\\|", "\\Vert ").replace("|", "\\vert ")
        else:
            parts[i] = part.replace("|", "\\|").replace("_", "\\_")
    return "$".join(parts)


def _fmt(x: float, digits: int = 6) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    x = float(x)
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:.{digits}g}"
    return f"{x:.{max(digits - 3, 1)}e}"


def _f(x) -> float:
    if isinstance(x, torch.Tensor):
        return float(x.detach().double().cpu().item())
    return float(x)


class Comparisons:
    """Accumulates the rows of one check; see the module docstring for margins.

    Examples
    --------
    >>> from alignbook.theory import Comparisons
    >>> c = Comparisons().close("exact", 2.0, 2.0).leq("bound", 1.0, 3.0).differ("printed", 1.0, 1.5)
    >>> [row.passed for row in c.rows]
    [True, True, True]
    >>> Comparisons().close("off by 0.1", 1.0, 1.1).rows[0].passed
    False
    """

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.payload: Any = None

    def close(self, label: str, a, b, tol: float = 1e-10, draws: int = 1) -> "Comparisons":
        """Identity ``a == b`` to relative tolerance ``tol`` (absolute when |b| < 1).

        ``a`` and ``b`` may be arrays: the worst entry counts.
        """
        a_arr = np.asarray(_tonp(a), dtype=np.float64)
        b_arr = np.asarray(_tonp(b), dtype=np.float64)
        err = np.abs(a_arr - b_arr) / np.maximum(1.0, np.abs(b_arr))
        i = int(np.argmax(err)) if err.size else 0
        worst = float(err.reshape(-1)[i]) if err.size else math.inf
        margin = tol - worst if np.all(np.isfinite(err)) else -math.inf
        self.rows.append(Row(label, "==", float(a_arr.reshape(-1)[i]), float(b_arr.reshape(-1)[i]), margin, draws))
        return self

    def leq(self, label: str, lhs, rhs, slack: float = 1e-12, draws: int = 1) -> "Comparisons":
        """Inequality ``lhs <= rhs`` (elementwise if arrays; the worst entry counts)."""
        return self._inequality(label, "<=", lhs, rhs, slack, draws, sign=1.0)

    def geq(self, label: str, lhs, rhs, slack: float = 1e-12, draws: int = 1) -> "Comparisons":
        """Inequality ``lhs >= rhs`` (elementwise if arrays; the worst entry counts)."""
        return self._inequality(label, ">=", lhs, rhs, slack, draws, sign=-1.0)

    def _inequality(self, label, relation, lhs, rhs, slack, draws, sign):
        l_arr = np.asarray(_tonp(lhs), dtype=np.float64).reshape(-1)
        r_arr = np.asarray(_tonp(rhs), dtype=np.float64).reshape(-1)
        l_arr, r_arr = np.broadcast_arrays(l_arr, r_arr)
        m = sign * (r_arr - l_arr) + slack  # positive where the inequality holds
        i = int(np.argmin(m))
        margin = float(m[i]) if np.all(np.isfinite(m)) else -math.inf
        self.rows.append(Row(label, relation, float(l_arr[i]), float(r_arr[i]), margin, max(draws, l_arr.size)))
        return self

    def differ(self, label: str, a, b, tol: float = 1e-6, draws: int = 1) -> "Comparisons":
        """Disagreement ``|a - b| > tol``: used by errata to show a printed formula failing."""
        a_arr = np.asarray(_tonp(a), dtype=np.float64).reshape(-1)
        b_arr = np.asarray(_tonp(b), dtype=np.float64).reshape(-1)
        gap = np.abs(a_arr - b_arr)
        i = int(np.argmin(gap))
        margin = float(gap[i] - tol) if np.all(np.isfinite(gap)) else -math.inf
        self.rows.append(Row(label, "!=", float(a_arr[i]), float(b_arr[i]), margin, max(draws, a_arr.size)))
        return self

    def true(self, label: str, flag: bool, value: float = float("nan"), draws: int = 1) -> "Comparisons":
        """Any other assertion (for example "the fitted slope lies in [-0.6, -0.4]")."""
        self.rows.append(Row(label, "true", float(value), float("nan"), 1.0 if flag else -1.0, draws))
        return self

    def attach(self, payload) -> "Comparisons":
        """Attach the check's typed payload (one dataclass instance: what its figure draws).

        It takes no part in pass/fail. A check attaches at most one payload, so that a
        chapter or a plot reads named, documented fields instead of free-form keys.
        """
        if not dataclasses.is_dataclass(payload) or isinstance(payload, type):
            raise TypeError(f"attach() takes a dataclass instance (the check's typed payload), "
                            f"got {type(payload).__name__}; define a small @dataclass next to the check")
        if self.payload is not None:
            raise ValueError(f"this check already attached a {type(self.payload).__name__}; attach one payload "
                             "that holds everything its figures need")
        self.payload = payload
        return self


def _tonp(x):
    if isinstance(x, torch.Tensor):
        return x.detach().double().cpu().numpy()
    if isinstance(x, (list, tuple)):
        return [_tonp(v) for v in x]
    return x


@dataclass
class Check:
    """A registered check: its id, title, statement kind, chapter and the function that runs it.

    ``chapter`` is the stem of the chapter's file (``"kernel-alignment"`` for
    ``chapters/kernel-alignment.md``), derived from the module that registered the check (see
    :func:`chapter_of`).

    Examples
    --------
    >>> from alignbook.theory import get
    >>> chk = get("prop-centering-projector")
    >>> chk.chapter, chk.kind
    ('preliminaries', 'proposition')
    >>> chk.run(scale="test", device="cpu").passed
    True
    """

    id: str
    title: str
    kind: str
    chapter: str
    func: Callable
    module: str

    def run(self, scale: str | None = None, seed: int = 0, device=None) -> CheckResult:
        """Run the check at ``scale`` with ``seed`` on ``device`` (one CPU thread) and return its result."""
        scale = get_scale(scale)
        dev = get_device(device)
        t0 = time.perf_counter()
        with threads(1, dev):  # checks work on small matrices: one CPU thread (no-op on a GPU)
            out = self.func(scale=scale, seed=seed, device=dev)
        if not isinstance(out, Comparisons):
            raise TypeError(f"check {self.id!r} must return a Comparisons record, got {type(out).__name__}")
        return CheckResult(
            id=self.id, title=self.title, kind=self.kind, rows=out.rows, scale=scale, seed=seed,
            device=str(dev), seconds=time.perf_counter() - t0, payload=out.payload,
        )


REGISTRY: dict[str, Check] = {}

# Modules that register the book's checks: every public module of this package, in book
# order where BOOK_ORDER names it. Importing them fills REGISTRY.
BOOK_ORDER = ["preliminaries", "kernel_alignment", "stitching", "tradeoff"]


def _check_modules() -> list[str]:
    here = __name__.rsplit(".", 1)[0]
    names = [m.name for m in pkgutil.iter_modules(importlib.import_module(here).__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (BOOK_ORDER.index(n) if n in BOOK_ORDER else len(BOOK_ORDER), n))
    return [f"{here}.{n}" for n in names]


CHECK_MODULES = _check_modules()


def chapter_of(module: str) -> str:
    """The chapter (file stem) that the theory module ``module`` belongs to.

    ``alignbook.theory.<name>`` and its section modules ``alignbook.theory.<name>.<section>``
    belong to ``chapters/<name with - for _>.md``; a module outside the package (one that
    ``verify --import`` loads) is its own chapter, named by its last component.

    Examples
    --------
    >>> from alignbook.theory import chapter_of
    >>> chapter_of("alignbook.theory.kernel_alignment.hsic")
    'kernel-alignment'
    >>> chapter_of("alignbook.theory.preliminaries")
    'preliminaries'
    >>> chapter_of("mylab.checks")
    'checks'
    """
    parts = module.split(".")
    if parts[:2] == __name__.split(".")[:2] and len(parts) >= 3:
        return parts[2].replace("_", "-")
    return parts[-1]


def check(id: str, title: str, kind: str = "theorem"):
    """Register ``func(scale, seed, device) -> Comparisons`` under the book label ``id``.

    The chapter comes from the module that registers the check (:func:`chapter_of`); ``kind``
    is the kind of statement (one of :data:`KINDS`).

    Examples
    --------
    >>> from alignbook.theory import Comparisons, check
    >>> @check("thm-doc-example", title="1 + 1 = 2", kind="theorem")
    ... def _one_plus_one(scale, seed, device):
    ...     return Comparisons().close("1 + 1 vs 2", 1 + 1, 2)
    >>> from alignbook.theory import REGISTRY
    >>> REGISTRY["thm-doc-example"].run(scale="test", device="cpu").passed
    True
    >>> del REGISTRY["thm-doc-example"]  # keep the book's registry clean
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not one of {KINDS}")

    def deco(func):
        if id in REGISTRY and REGISTRY[id].module != func.__module__:
            raise ValueError(f"check id {id!r} is registered twice ({REGISTRY[id].module} and {func.__module__})")
        REGISTRY[id] = Check(id, title, kind, chapter_of(func.__module__), func, func.__module__)
        return func

    return deco


def load_all(extra: list[str] | tuple[str, ...] = ()) -> dict[str, Check]:
    """Import every module that registers checks (plus ``extra`` modules) and return the registry.

    Examples
    --------
    >>> from alignbook.theory import load_all
    >>> registry = load_all()
    >>> registry["thm-ka-spectral"].chapter
    'kernel-alignment'
    """
    for name in [*CHECK_MODULES, *extra]:
        importlib.import_module(name)
    return REGISTRY


def get(id: str) -> Check:
    """The registered :class:`Check` with this id (every check module is imported first).

    Examples
    --------
    >>> from alignbook.theory import get
    >>> get("thm-eckart-young").title
    'Eckart-Young: the best rank-k error is the tail sum of sigma_i^2'
    """
    load_all()
    if id not in REGISTRY:
        raise KeyError(f"no check registered under {id!r}; known ids: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[id]


def run(id: str, scale: str | None = None, seed: int = 0, device=None) -> CheckResult:
    """Run one registered check (what a chapter calls next to its theorem).

    Examples
    --------
    >>> from alignbook.theory import run
    >>> result = run("prop-centering-projector", scale="test", device="cpu")
    >>> result.passed, len(result.rows)
    (True, 7)
    """
    return get(id).run(scale=scale, seed=seed, device=device)
