"""The theorem-check protocol.

Every theorem, proposition, lemma, definition identity, remark or erratum in the book has one id
(for example ``thm-ka-spectral``). The same id is

* the ``{prf:...}`` label in the chapter (an erratum: the ``:name:`` of its admonition),
* the key under which a check is registered here with :func:`check`,
* the parameter of the tests that run it (``tests/test_theory.py``, ``tests/test_check_power.py``).

A check is a function ``f(scale, seed, device) -> Comparisons`` registered with :func:`check`
in the theory module of its chapter (``alignbook/theory/<chapter>.py`` or a section module of
``alignbook/theory/<chapter>/``), which is how the registry knows its chapter. It builds a
:class:`Comparisons` record, adds one row per quantity compared, may attach one typed payload
(a dataclass of what its figure draws, :meth:`Comparisons.attach`) and returns the record;
:meth:`Check.run` turns it into a :class:`CheckResult`. A row's *margin* is positive when the
row holds:

* ``close(a, b, tol)``          margin = tol - |a - b| / max(1, |b|)      (an identity)
* ``leq(lhs, rhs)``             margin = rhs - lhs + slack                (an inequality)
* ``geq(lhs, rhs)``             margin = lhs - rhs + slack
* ``differ(a, b, tol)``         margin = |a - b| - tol                    (an erratum: the printed
  formula must *disagree* with the truth)
* ``within(est, target, se)``   margin = z se - |est - target|            (Monte Carlo agreement)
* ``apart(est, wrong, se)``     margin = |est - wrong| - z se             (Monte Carlo separation)
* ``true(flag)``                margin = +1 or -1                         (anything else)

The check passes when every row passes: its margin is finite and >= 0 and, for a row declared
``tight``, its tightness is within :data:`TIGHT_TOL`.

**Tightness.** Every inequality row records how close its closest instance comes to equality:
the relative gap ``(rhs - lhs) / max(|lhs|, |rhs|)`` for ``leq`` (``(lhs - rhs) / ...`` for
``geq``; a row may pass its own ``scale``, as a bound of 0 must), minimised over the row's entries. It is 0 at equality and ``1 - actual/bound`` for
positive quantities. A row that declares ``tight=True`` (its bound is attained or approached, and
the check contains such an instance) fails unless that gap is at most :data:`TIGHT_TOL` (1 %).

**False variants.** A check declares what its statement rests on, and uses the declared value:

* ``k = c.constant("8 in Lemma 1", 8.0)``: a constant, nudged to ``0.9 k`` and ``1.01 k``
  (an identity), or only in the direction that makes an inequality *stronger*
  (``stronger="smaller"``: ``0.99 k``; ``stronger="larger"``: ``1.01 k``), or by ``nudges=``
  given with a reason;
* ``t = c.term("||Sigma_xy||^2/(n-1)", value)``: a term of a formula, dropped (set to 0);
* ``v = c.alternative("uncentred moment", right, wrong)``: a plausible wrong formula in place of
  the right one (the printed formula for an erratum's corrected row, for instance).

:meth:`Check.falsify` re-runs the check once per declared variant, with only that variant
active, and records whether the check then fails (*rejects* the variant). A check with power
declares at least one variant and rejects every one (``tests/test_check_power.py``).

**Provenance.** :func:`check` records where a statement comes from: ``status`` is one of
:data:`STATUSES` (``paper``: as printed; ``corrected``: the printed statement needed a fix;
``reconstructed``: a precise version of a claim whose statement is not available; ``standard``:
a textbook result; ``new``: first stated here) and ``source`` names the paper and section.

**Seeds.** A check must pass on every seed; :func:`sweep` runs one over several seeds
(``python -m alignbook verify --seeds 0-9``).
"""
from __future__ import annotations

import contextvars
import dataclasses
import importlib
import math
import pkgutil
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import torch

from ..device import get_device, get_scale, threads

KINDS = ("theorem", "proposition", "lemma", "corollary", "definition", "remark", "property", "erratum")
STATUSES = ("paper", "corrected", "reconstructed", "standard", "new")
TIGHT_TOL = 0.01  # a row declared tight fails unless its closest instance is within 1 % of equality
_NUDGES = {None: (0.9, 1.01), "smaller": (0.99,), "larger": (1.01,)}

# The false variant a re-run makes active (None for the statement as stated).
_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("alignbook_active_variant", default=None)


@dataclass
class Row:
    """One comparison inside a check: what was compared, how, its margin (>= 0 passes) and tightness.

    ``tightness`` is defined for inequality rows (``<=``, ``>=``): the relative gap
    ``(bound - actual) / max(|bound|, |actual|)`` of the instance that comes closest to
    equality (0 = attained). A row with ``tight=True`` also needs ``tightness <= TIGHT_TOL``.

    Examples
    --------
    >>> from alignbook.theory import Row
    >>> Row("x <= y", "<=", 1.0, 3.0, margin=2.0).passed
    True
    >>> Row("nan never passes", "==", float("nan"), 1.0, margin=float("nan")).passed
    False
    >>> Row("a tight bound not approached", "<=", 1.0, 2.0, margin=1.0, tightness=0.5, tight=True).passed
    False
    """

    label: str
    relation: str  # "==", "<=", ">=", "!=", "~" (MC agreement), "!~" (MC separation), "true"
    lhs: float
    rhs: float
    margin: float
    draws: int = 1
    tightness: float = float("nan")
    tight: bool = False

    @property
    def is_inequality(self) -> bool:
        return self.relation in ("<=", ">=")

    @property
    def tight_ok(self) -> bool:
        """False only for a row declared tight whose closest instance is not within ``TIGHT_TOL``."""
        return not self.tight or (math.isfinite(self.tightness) and self.tightness <= TIGHT_TOL)

    @property
    def passed(self) -> bool:
        """Whether the margin is finite and non-negative (and a tight row is approached)."""
        return self.margin >= 0 and math.isfinite(self.margin) and self.tight_ok


@dataclass(frozen=True)
class Variant:
    """A false variant of a statement: a declared constant nudged, a term dropped, or a wrong formula.

    Examples
    --------
    >>> from alignbook.theory import Variant
    >>> Variant("8 in Lemma 1", "constant", 0.9).label
    '8 in Lemma 1 x 0.9'
    >>> Variant("||Sigma_xy||^2/(n-1)", "term").label
    'drop ||Sigma_xy||^2/(n-1)'
    """

    name: str
    kind: str  # "constant", "term" or "alternative"
    factor: float | None = None

    @property
    def label(self) -> str:
        if self.kind == "constant":
            return f"{self.name} x {self.factor:g}"
        if self.kind == "term":
            return f"drop {self.name}"
        return f"use {self.name}"


@dataclass
class VariantOutcome:
    """Whether a check, re-run with one false variant active, rejected it (failed).

    ``failed_rows`` names the rows that failed; ``error`` holds the exception if the re-run raised
    (an exception is not a rejection: the comparisons must catch the false statement).
    """

    variant: Variant
    rejected: bool
    worst_margin: float
    failed_rows: list[str]
    error: str | None = None


def _relgap(lhs: np.ndarray, rhs: np.ndarray, sign: float, scale=None) -> np.ndarray:
    """(bound - actual)/max(|bound|, |actual|) (or / ``scale``), 0 where the scale is 0."""
    scale = np.maximum(np.abs(lhs), np.abs(rhs)) if scale is None else np.broadcast_to(scale, lhs.shape)
    diff = sign * (rhs - lhs)
    return np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)


@dataclass
class CheckResult:
    """What a check compared, its worst margin, pass/fail, the scale it ran at and its provenance.

    ``payload`` is the typed data the check attached for its figure (a dataclass defined next
    to the check, for example :class:`alignbook.theory.preliminaries.SingularSpectra`), or
    ``None``; it takes no part in pass/fail. ``variants`` lists the false variants the check
    declared; ``variant`` is the one that was active (``None`` for the statement itself), and
    ``outcomes`` is filled by :meth:`Check.falsify`.

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
    chapter: str = ""
    status: str | None = None
    source: str = ""
    variants: list[Variant] = field(default_factory=list)
    variant: Variant | None = None
    outcomes: list[VariantOutcome] | None = None

    @property
    def worst_margin(self) -> float:
        return min((r.margin for r in self.rows), default=-math.inf)

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.passed for r in self.rows)

    @property
    def loosest_gap(self) -> float:
        """The largest tightness over the inequality rows (NaN without inequalities): every
        inequality of the check has an instance at least this close to equality."""
        gaps = [r.tightness for r in self.rows if r.is_inequality]
        return max(gaps) if gaps else float("nan")

    @property
    def provenance(self) -> str:
        """``status: source`` (for example ``corrected: Insulla et al. 2025, Lemma 1``)."""
        if not self.status:
            return "unrecorded"
        return f"{self.status}: {self.source}" if self.source else self.status

    @property
    def rejected(self) -> int | None:
        """How many declared false variants the check rejected (None before :meth:`Check.falsify`)."""
        return None if self.outcomes is None else sum(o.rejected for o in self.outcomes)

    def to_dict(self) -> dict:
        """Everything but the payload as plain Python values (what ``verify --json`` writes)."""
        skip = {"payload", "variants", "variant", "outcomes"}
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in skip}
        d["rows"] = [dict(dataclasses.asdict(r), passed=r.passed) for r in self.rows]
        d["worst_margin"] = self.worst_margin
        d["loosest_gap"] = self.loosest_gap
        d["passed"] = self.passed
        d["variants"] = [v.label for v in self.variants]
        d["variant"] = self.variant.label if self.variant else None
        d["outcomes"] = None if self.outcomes is None else [
            {"variant": o.variant.label, "rejected": o.rejected, "worst_margin": o.worst_margin,
             "failed_rows": o.failed_rows, "error": o.error} for o in self.outcomes]
        return d

    def table(self) -> str:
        """A small plain-text table of the rows (what chapters print)."""
        head = f"{self.id}  [{self.kind}, scale={self.scale}, seed={self.seed}, device={self.device}]"
        if self.variant is not None:
            head += f"  FALSE VARIANT: {self.variant.label}"
        lines = [head, f"{'quantity':44s} {'rel':>4s} {'lhs':>14s} {'rhs':>14s} {'margin':>10s} {'gap':>9s} "
                       f"{'draws':>6s}"]
        for r in self.rows:
            gap = _gap_text(r)
            lines.append(
                f"{r.label[:44]:44s} {r.relation:>4s} {_fmt(r.lhs):>14s} {_fmt(r.rhs):>14s} "
                f"{_fmt(r.margin, 2):>10s} {gap:>9s} {r.draws:>6d}"
            )
        lines.append(f"worst margin {_fmt(self.worst_margin, 3)}: {'PASS' if self.passed else 'FAIL'}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:  # rendered in the book
        out = [
            f"**Check `{self.id}`** ({self.kind}; scale `{self.scale}`, seed {self.seed}, "
            f"`{self.device}`, {self.seconds:.2f} s): **{'PASS' if self.passed else 'FAIL'}**, "
            f"worst margin {_fmt(self.worst_margin, 3)}" + _report_link(self.id),
            "",
            "| quantity | relation | left | right | margin | gap | draws |",
            "|---|:---:|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            out.append(
                f"| {_cell(r.label)} | {_REL.get(r.relation, r.relation)} | {_fmt(r.lhs)} | {_fmt(r.rhs)} "
                f"| {_fmt(r.margin, 2)} | {_gap_text(r)} | {r.draws} |"
            )
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.table()


_REL = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠", "~": "≈ (MC)", "!~": "≉ (MC)", "true": "holds"}

# Where a chapter's check table links to its entry in the verification report: the chapters sit
# in chapters/, the report is book/verification.md with one target per id. Raw HTML, so that the
# link reads the same in the book and in a Colab notebook (no book-only markup).
REPORT_URL = "../book/verification.html"


def _report_link(cid: str) -> str:
    return f' (<a href="{REPORT_URL}#{anchor(cid)}">verification report</a>)' if REPORT_URL else ""


def anchor(cid: str) -> str:
    """The target of statement ``cid`` on the verification report page (``verify-<id>``)."""
    return f"verify-{cid}"


def _gap_text(r: Row) -> str:
    if not r.is_inequality:
        return ""
    text = _fmt(r.tightness, 2) if math.isfinite(r.tightness) else "nan"
    return text + (" (tight)" if r.tight else "")


def _cell(text: str) -> str:
    """Make a row label safe inside a markdown table cell.

    Outside ``$...$`` a ``|`` would split the cell and ``_`` or ``*`` could start emphasis, so they are
    escaped; inside maths the bars become ``\\Vert``/``\\vert`` and everything else is kept.
    """
    parts = text.split("$")
    for i, part in enumerate(parts):
        if i % 2:  # maths
            parts[i] = part.replace("\\|", "\\Vert ").replace("|", "\\vert ")
        else:
            parts[i] = part.replace("|", "\\|").replace("_", "\\_").replace("*", "\\*")
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


def draws_for_power(gap: float, sd: float, z: float = 4.0, z_power: float = 4.0) -> int:
    """Monte Carlo draws that tell a claimed mean from a wrong one ``gap`` away.

    With ``m`` draws of standard deviation ``sd`` the mean has standard error
    ``se = sd / sqrt(m)``. A check accepts the claimed value when it lies within ``z`` standard
    errors of the estimate (a false alarm with probability ``P(|Z| > z)``, 6e-5 for ``z = 4``).
    A wrong value ``gap`` away is then rejected with probability at least ``P(Z < z_power)``
    when ``gap >= (z + z_power) se``, that is ``m >= ((z + z_power) sd / gap)^2``.

    Examples
    --------
    >>> from alignbook.theory import draws_for_power
    >>> draws_for_power(gap=0.1, sd=1.0)          # (8 * 1 / 0.1)^2
    6400
    """
    if not (gap > 0 and sd >= 0 and math.isfinite(gap) and math.isfinite(sd)):
        raise ValueError(f"draws_for_power needs a finite gap > 0 and sd >= 0, got gap={gap!r}, sd={sd!r}")
    return max(2, math.ceil(((z + z_power) * sd / gap) ** 2))


class Comparisons:
    """Accumulates the rows of one check and the false variants it declares (module docstring).

    Examples
    --------
    >>> from alignbook.theory import Comparisons
    >>> c = Comparisons().close("exact", 2.0, 2.0).leq("bound", 1.0, 3.0).differ("printed", 1.0, 1.5)
    >>> [row.passed for row in c.rows]
    [True, True, True]
    >>> Comparisons().close("off by 0.1", 1.0, 1.1).rows[0].passed
    False
    >>> k = c.constant("3 in the bound", 3.0, stronger="smaller")
    >>> [v.label for v in c.declared]
    ['3 in the bound x 0.99']
    """

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.payload: Any = None
        self.variants: dict[str, tuple[Variant, ...]] = {}
        self._active: Variant | None = _ACTIVE.get()

    # ---------------------------------------------------------------- declared variants
    @property
    def declared(self) -> list[Variant]:
        """Every false variant declared so far, in order."""
        return [v for vs in self.variants.values() for v in vs]

    def _declare(self, name: str, variants: tuple[Variant, ...]) -> bool:
        """Record the variants of ``name``; True when one of them is the active variant."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a declared constant/term needs a non-empty name, got {name!r}")
        old = self.variants.get(name)
        if old is not None and old != variants:
            raise ValueError(f"{name!r} is declared twice with different variants ({old} and {variants}); "
                             "give each constant or term its own name")
        self.variants[name] = variants
        return self._active is not None and self._active in variants

    def constant(self, name: str, value, stronger: str | None = None, nudges: tuple[float, ...] | None = None):
        """Declare a constant of the statement and return it (nudged when its variant is active).

        ``stronger=None`` (an identity): the variants are ``0.9 value`` and ``1.01 value``.
        ``stronger="smaller"`` (an upper bound with the constant on the bound's side, say): only
        ``0.99 value``, the false, stronger statement; ``stronger="larger"``: ``1.01 value``.
        ``nudges`` overrides the factors (say why in the check).
        """
        if nudges is None:
            if stronger not in _NUDGES:
                raise ValueError(f"stronger={stronger!r} must be None, 'smaller' or 'larger'")
            nudges = _NUDGES[stronger]
        nudges = tuple(float(f) for f in nudges)
        if not nudges or any(f == 1.0 or not math.isfinite(f) for f in nudges):
            raise ValueError(f"nudges={nudges!r} must be finite factors other than 1")
        variants = tuple(Variant(name, "constant", f) for f in nudges)
        if self._declare(name, variants):
            return value * self._active.factor
        return value

    def term(self, name: str, value):
        """Declare a term of a formula and return it (zero when its variant, "dropped", is active)."""
        if self._declare(name, (Variant(name, "term"),)):
            return value * 0
        return value

    def alternative(self, name: str, value, wrong):
        """Declare a plausible wrong formula: return ``value``, or ``wrong`` when that variant is active."""
        if self._declare(name, (Variant(name, "alternative"),)):
            return wrong
        return value

    # ---------------------------------------------------------------- rows
    def close(self, label: str, a, b, tol: float = 1e-10, draws: int = 1) -> "Comparisons":
        """Identity ``a == b`` to relative tolerance ``tol`` (absolute when |b| < 1).

        ``a`` and ``b`` may be arrays: the worst entry counts.
        """
        a_arr = np.asarray(_tonp(a), dtype=np.float64)
        b_arr = np.asarray(_tonp(b), dtype=np.float64)
        a_arr, b_arr = np.broadcast_arrays(a_arr, b_arr)
        err = np.abs(a_arr - b_arr) / np.maximum(1.0, np.abs(b_arr))
        i = int(np.argmax(err)) if err.size else 0
        worst = float(err.reshape(-1)[i]) if err.size else math.inf
        margin = tol - worst if np.all(np.isfinite(err)) else -math.inf
        self.rows.append(Row(label, "==", float(a_arr.reshape(-1)[i]), float(b_arr.reshape(-1)[i]), margin, draws))
        return self

    def leq(self, label: str, lhs, rhs, slack: float = 1e-12, draws: int = 1, tight: bool = False,
            scale=None) -> "Comparisons":
        """Inequality ``lhs <= rhs`` (elementwise if arrays; the worst entry counts).

        ``tight=True`` declares that the instances approach equality: the row then also fails
        unless its closest entry is within ``TIGHT_TOL`` (relative) of equality. The gap is
        relative to ``max(|lhs|, |rhs|)``; pass ``scale`` (a number or an array) where that is
        not the natural size, as for a bound of 0 (``lambda_min / lambda_max >= 0``: ``scale=1``).
        """
        return self._inequality(label, "<=", lhs, rhs, slack, draws, sign=1.0, tight=tight, scale=scale)

    def geq(self, label: str, lhs, rhs, slack: float = 1e-12, draws: int = 1, tight: bool = False,
            scale=None) -> "Comparisons":
        """Inequality ``lhs >= rhs`` (elementwise if arrays; the worst entry counts); see :meth:`leq`."""
        return self._inequality(label, ">=", lhs, rhs, slack, draws, sign=-1.0, tight=tight, scale=scale)

    def _inequality(self, label, relation, lhs, rhs, slack, draws, sign, tight, scale=None):
        l_arr = np.asarray(_tonp(lhs), dtype=np.float64).reshape(-1)
        r_arr = np.asarray(_tonp(rhs), dtype=np.float64).reshape(-1)
        l_arr, r_arr = np.broadcast_arrays(l_arr, r_arr)
        m = sign * (r_arr - l_arr) + slack  # positive where the inequality holds
        i = int(np.argmin(m))
        finite = bool(np.all(np.isfinite(m)))
        margin = float(m[i]) if finite else -math.inf
        if scale is not None:
            scale = np.abs(np.asarray(_tonp(scale), dtype=np.float64).reshape(-1))
        tightness = float(np.min(_relgap(l_arr, r_arr, sign, scale))) if finite else float("nan")
        self.rows.append(Row(label, relation, float(l_arr[i]), float(r_arr[i]), margin, max(draws, l_arr.size),
                             tightness=tightness, tight=bool(tight)))
        return self

    def differ(self, label: str, a, b, tol: float = 1e-6, draws: int = 1) -> "Comparisons":
        """Disagreement ``|a - b| > tol``: used by errata to show a printed formula failing."""
        a_arr = np.asarray(_tonp(a), dtype=np.float64).reshape(-1)
        b_arr = np.asarray(_tonp(b), dtype=np.float64).reshape(-1)
        a_arr, b_arr = np.broadcast_arrays(a_arr, b_arr)
        gap = np.abs(a_arr - b_arr)
        i = int(np.argmin(gap))
        margin = float(gap[i] - tol) if np.all(np.isfinite(gap)) else -math.inf
        self.rows.append(Row(label, "!=", float(a_arr[i]), float(b_arr[i]), margin, max(draws, a_arr.size)))
        return self

    def within(self, label: str, estimate, target, se, z: float = 4.0, draws: int = 1) -> "Comparisons":
        """Monte Carlo agreement: ``|estimate - target| <= z se`` (size the draws with :func:`draws_for_power`)."""
        e, t, s = (np.asarray(_tonp(v), dtype=np.float64).reshape(-1) for v in (estimate, target, se))
        e, t, s = np.broadcast_arrays(e, t, s)
        m = z * s - np.abs(e - t)
        ok = bool(np.all(np.isfinite(m)) and np.all(s >= 0))
        i = int(np.argmin(m)) if ok else 0
        self.rows.append(Row(label, "~", float(e[i]), float(t[i]), float(m[i]) if ok else -math.inf, draws))
        return self

    def apart(self, label: str, estimate, wrong, se, z: float = 4.0, draws: int = 1) -> "Comparisons":
        """Monte Carlo separation: ``|estimate - wrong| > z se`` (a wrong value is rejected)."""
        e, w, s = (np.asarray(_tonp(v), dtype=np.float64).reshape(-1) for v in (estimate, wrong, se))
        e, w, s = np.broadcast_arrays(e, w, s)
        m = np.abs(e - w) - z * s
        ok = bool(np.all(np.isfinite(m)) and np.all(s >= 0))
        i = int(np.argmin(m)) if ok else 0
        self.rows.append(Row(label, "!~", float(e[i]), float(w[i]), float(m[i]) if ok else -math.inf, draws))
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
    """A registered check: its id, title, statement kind, chapter, provenance and the function that runs it.

    ``chapter`` is the stem of the chapter's file (``"kernel-alignment"`` for
    ``chapters/kernel-alignment.md``), derived from the module that registered the check (see
    :func:`chapter_of`).

    Examples
    --------
    >>> from alignbook.theory import get
    >>> chk = get("prop-centering-projector")
    >>> chk.chapter, chk.kind, chk.status
    ('preliminaries', 'proposition', 'standard')
    >>> chk.run(scale="test", device="cpu").passed
    True
    """

    id: str
    title: str
    kind: str
    chapter: str
    func: Callable
    module: str
    status: str | None = None
    source: str = ""

    def run(self, scale: str | None = None, seed: int = 0, device=None, variant: Variant | None = None) -> CheckResult:
        """Run the check at ``scale`` with ``seed`` on ``device`` (one CPU thread) and return its result.

        With ``variant`` (one of the variants the check declares) the false statement is checked instead.
        """
        scale = get_scale(scale)
        dev = get_device(device)
        token = _ACTIVE.set(variant)
        t0 = time.perf_counter()
        try:
            with threads(1, dev):  # checks work on small matrices: one CPU thread (no-op on a GPU)
                out = self.func(scale=scale, seed=seed, device=dev)
        finally:
            _ACTIVE.reset(token)
        if not isinstance(out, Comparisons):
            raise TypeError(f"check {self.id!r} must return a Comparisons record, got {type(out).__name__}")
        return CheckResult(
            id=self.id, title=self.title, kind=self.kind, rows=out.rows, scale=scale, seed=seed,
            device=str(dev), seconds=time.perf_counter() - t0, payload=out.payload, chapter=self.chapter,
            status=self.status, source=self.source, variants=out.declared, variant=variant,
        )

    def falsify(self, scale: str | None = None, seed: int = 0, device=None,
                base: CheckResult | None = None) -> list[VariantOutcome]:
        """Re-run the check once per declared false variant and record which ones it rejects.

        ``base`` (a result of :meth:`run` with the same arguments) saves the first run; its
        ``outcomes`` are filled in.

        Examples
        --------
        >>> from alignbook.theory import get
        >>> outcomes = get("prop-centering-projector").falsify(scale="test", device="cpu")
        >>> all(o.rejected for o in outcomes), len(outcomes) >= 1
        (True, True)
        """
        base = base if base is not None else self.run(scale=scale, seed=seed, device=device)
        outcomes = []
        for v in base.variants:
            try:
                r = self.run(scale=base.scale, seed=base.seed, device=device if device is not None else base.device,
                             variant=v)
            except Exception as err:  # a crash is not a rejection: the comparisons must catch it
                outcomes.append(VariantOutcome(v, False, -math.inf, [], f"{type(err).__name__}: {err}"))
                continue
            failed = [row.label for row in r.rows if not row.passed]
            outcomes.append(VariantOutcome(v, not r.passed, r.worst_margin, failed))
        base.outcomes = outcomes
        return outcomes


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


def check(id: str, title: str, kind: str = "theorem", status: str | None = None, source: str = ""):
    """Register ``func(scale, seed, device) -> Comparisons`` under the book label ``id``.

    The chapter comes from the module that registers the check (:func:`chapter_of`); ``kind``
    is the kind of statement (one of :data:`KINDS`, the ``{prf:...}`` directive of its label, or
    ``erratum``); ``status`` (one of :data:`STATUSES`) and ``source`` (paper and section) are
    its provenance.

    Examples
    --------
    >>> from alignbook.theory import Comparisons, check
    >>> @check("thm-doc-example", title="1 + 1 = 2", kind="theorem", status="standard", source="arithmetic")
    ... def _one_plus_one(scale, seed, device):
    ...     c = Comparisons()
    ...     return c.close("1 + 1 vs 2", 1 + 1, c.constant("2", 2))
    >>> from alignbook.theory import REGISTRY
    >>> chk = REGISTRY["thm-doc-example"]
    >>> chk.run(scale="test", device="cpu").passed
    True
    >>> [(o.variant.label, o.rejected) for o in chk.falsify(scale="test", device="cpu")]
    [('2 x 0.9', True), ('2 x 1.01', True)]
    >>> del REGISTRY["thm-doc-example"]  # keep the book's registry clean
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not one of {KINDS}")
    if status is not None and status not in STATUSES:
        raise ValueError(f"status={status!r} is not one of {STATUSES}")

    def deco(func):
        if id in REGISTRY and REGISTRY[id].module != func.__module__:
            raise ValueError(f"check id {id!r} is registered twice ({REGISTRY[id].module} and {func.__module__})")
        REGISTRY[id] = Check(id, title, kind, chapter_of(func.__module__), func, func.__module__, status, source)
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
    >>> result.passed, len(result.rows) >= 7
    (True, True)
    """
    return get(id).run(scale=scale, seed=seed, device=device)


# --------------------------------------------------------------------------------------------
# several seeds
# --------------------------------------------------------------------------------------------
def parse_seeds(spec: str | int | Iterable[int]) -> list[int]:
    """Seeds from ``"0-9"``, ``"0,3,5-7"``, an int or a list.

    Examples
    --------
    >>> from alignbook.theory import parse_seeds
    >>> parse_seeds("0-3,7"), parse_seeds(5)
    ([0, 1, 2, 3, 7], [5])
    """
    if isinstance(spec, (int, np.integer)):
        return [int(spec)]
    if not isinstance(spec, str):
        return [int(s) for s in spec]
    seeds: list[int] = []
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise ValueError(f"seeds={spec!r}: use ranges and lists of non-negative integers such as '0-9' or "
                             "'0,3,5-7'") from None
        if b < a:
            raise ValueError(f"seeds={spec!r}: the range {part!r} is empty (write low-high)")
        seeds.extend(range(a, b + 1))
    if not seeds:
        raise ValueError(f"seeds={spec!r} names no seed; use for example '0-9'")
    return list(dict.fromkeys(seeds))


@dataclass
class Sweep:
    """One check run on several seeds, with its false variants tried on the first seed.

    ``results`` holds one :class:`CheckResult` per seed (``None`` where the run raised, with the
    traceback in ``errors``).
    """

    check: Check
    seeds: list[int]
    results: list[CheckResult | None]
    errors: dict[int, str]
    outcomes: list[VariantOutcome] | None = None

    @property
    def id(self) -> str:
        return self.check.id

    @property
    def passed_seeds(self) -> list[int]:
        return [s for s, r in zip(self.seeds, self.results) if r is not None and r.passed]

    @property
    def passed(self) -> bool:
        return len(self.passed_seeds) == len(self.seeds)

    @property
    def first(self) -> CheckResult | None:
        return next((r for r in self.results if r is not None), None)

    @property
    def worst_margin(self) -> float:
        return min((r.worst_margin for r in self.results if r is not None), default=-math.inf) \
            if not self.errors else -math.inf

    @property
    def loosest_gap(self) -> float:
        """The largest tightness over seeds and inequality rows (NaN without inequalities)."""
        gaps = [r.loosest_gap for r in self.results if r is not None and math.isfinite(r.loosest_gap)]
        return max(gaps) if gaps else float("nan")

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results if r is not None)

    @property
    def variants(self) -> list[Variant]:
        return self.first.variants if self.first is not None else []

    @property
    def rejected(self) -> int | None:
        return None if self.outcomes is None else sum(o.rejected for o in self.outcomes)

    @property
    def powerful(self) -> bool | None:
        """Declares at least one variant and rejects every one (None when variants were not run)."""
        if self.outcomes is None:
            return None
        return bool(self.outcomes) and all(o.rejected for o in self.outcomes)

    def to_dict(self) -> dict:
        first = self.first
        return {
            "id": self.id, "title": self.check.title, "kind": self.check.kind, "chapter": self.check.chapter,
            "status": self.check.status, "source": self.check.source, "seeds": self.seeds,
            "passed_seeds": self.passed_seeds, "passed": self.passed, "worst_margin": self.worst_margin,
            "loosest_gap": self.loosest_gap, "seconds": self.seconds,
            "rejected": self.rejected, "errors": self.errors,
            "results": [r.to_dict() if r is not None else None for r in self.results],
            "outcomes": first.to_dict()["outcomes"] if first is not None and self.outcomes is not None else None,
        }


def sweep(check_or_id: Check | str, scale: str | None = None, seeds: str | Iterable[int] = (0,), device=None,
          falsify: bool = False) -> Sweep:
    """Run a check on every seed of ``seeds`` (and, with ``falsify``, its false variants on the first).

    Examples
    --------
    >>> from alignbook.theory import sweep
    >>> s = sweep("prop-centering-projector", scale="test", seeds="0-2", device="cpu", falsify=True)
    >>> s.passed_seeds, s.powerful
    ([0, 1, 2], True)
    """
    chk = get(check_or_id) if isinstance(check_or_id, str) else check_or_id
    seeds = parse_seeds(seeds)
    results: list[CheckResult | None] = []
    errors: dict[int, str] = {}
    for s in seeds:
        try:
            results.append(chk.run(scale=scale, seed=s, device=device))
        except Exception:  # a crashing check is a failing check, reported with its traceback
            results.append(None)
            errors[s] = traceback.format_exc()
    outcomes = None
    if falsify and results and results[0] is not None:
        outcomes = chk.falsify(base=results[0], device=device)
    return Sweep(chk, seeds, results, errors, outcomes)
