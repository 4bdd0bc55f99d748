"""The verification report: every registered statement, run on several seeds with its false variants.

:func:`verification_report` runs the registry (every chapter, including chapters added later)
and returns a :class:`Report` whose :meth:`Report.summary` and :meth:`Report.details` are the
markdown of ``book/verification.md``: one row per statement with its kind, provenance, rows,
worst margin, tightness, false variants rejected, seeds passed and time, each linked to the
statement in its chapter (``{prf:ref}``), and one entry per statement with the target
``verify-<id>`` that the chapters' check tables link back to.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ._registry import Sweep, _cell, _fmt, _gap_text, _REL, anchor, load_all, parse_seeds, sweep

_PRF = ("theorem", "proposition", "lemma", "corollary", "definition", "remark", "property")


def statement_ref(cid: str, kind: str) -> str:
    """A book reference to the statement ``cid`` (``{prf:ref}`` for a prf directive, ``{ref}`` for an erratum)."""
    return f"{{prf:ref}}`{cid}`" if kind in _PRF else f"{{ref}}`{cid} <{cid}>`"


@dataclass
class Report:
    """The sweeps of every registered check, in book order (see :func:`verification_report`).

    Examples
    --------
    >>> from alignbook.theory import verification_report
    >>> rep = verification_report(ids=["prop-centering-projector"], seeds="0-1")
    >>> rep.sweeps[0].passed_seeds, "verify-prop-centering-projector" in rep.details()
    ([0, 1], True)
    """

    sweeps: list[Sweep]
    scale: str
    seeds: list[int]
    device: str
    seconds: float

    @property
    def chapters(self) -> list[str]:
        return list(dict.fromkeys(s.check.chapter for s in self.sweeps))

    def totals(self) -> dict:
        """Counts for the page's opening sentence."""
        outcomes = [o for s in self.sweeps for o in (s.outcomes or [])]
        ineq = [r for s in self.sweeps if s.first for r in s.first.rows if r.is_inequality]
        return {
            "statements": len(self.sweeps),
            "passed": sum(s.passed for s in self.sweeps),
            "variants": len(outcomes),
            "rejected": sum(o.rejected for o in outcomes),
            "powerful": sum(bool(s.powerful) for s in self.sweeps),
            "inequalities": len(ineq),
            "tight": sum(r.tight for r in ineq),
            "rows": sum(len(s.first.rows) for s in self.sweeps if s.first),
        }

    def summary(self) -> str:
        """One markdown table row per statement."""
        out = ["| statement | chapter | kind | provenance | rows | worst margin | gap | variants rejected "
               "| seeds passed | seconds |",
               "|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
        for s in self.sweeps:
            chk, first = s.check, s.first
            variants = f"{s.rejected}/{len(s.outcomes)}" if s.outcomes is not None else "-"
            gap = _fmt(s.loosest_gap, 2) if math.isfinite(s.loosest_gap) else "-"
            out.append(
                f"| {statement_ref(chk.id, chk.kind)} `{chk.id}` ({{ref}}`row <{anchor(chk.id)}>`) | {chk.chapter} "
                f"| {chk.kind} "
                f"| {_cell(_provenance(chk))} | {len(first.rows) if first else 0} "
                f"| {'-' if s.errors else _fmt(s.worst_margin, 2)} | {gap} | {variants} "
                f"| {len(s.passed_seeds)}/{len(s.seeds)} | {s.seconds:.2f} |")
        return "\n".join(out)

    def details(self) -> str:
        """One entry per statement: a target ``verify-<id>``, its rows, its variants and its seeds."""
        out = []
        for ch in self.chapters:
            out += ["", f"## Chapter: {{doc}}`../chapters/{ch}`" if _is_chapter(ch) else f"## Checks of `{ch}`", ""]
            for s in (s for s in self.sweeps if s.check.chapter == ch):
                out += _entry(s)
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.summary() + "\n" + self.details()


ROOT = Path(__file__).resolve().parents[2]


def _is_chapter(stem: str) -> bool:
    return (ROOT / "chapters" / f"{stem}.md").is_file()


def _toc_chapters() -> list[str]:
    """The chapter stems in the order of ``_toc.yml`` (empty outside a source checkout)."""
    toc = ROOT / "_toc.yml"
    if not toc.is_file():
        return []
    return [m for m in re.findall(r"file:\s*chapters/([\w-]+)", toc.read_text())]


def _provenance(chk) -> str:
    if not chk.status:
        return "unrecorded"
    return f"{chk.status}: {chk.source}" if chk.source else chk.status


def _entry(s: Sweep) -> list[str]:
    chk, first = s.check, s.first
    verdict = "PASS" if s.passed else ("ERROR" if s.errors else "FAIL")
    out = [f"({anchor(chk.id)})=",
           f"**{chk.id}** ({statement_ref(chk.id, chk.kind)}, {chk.kind}): {_cell(chk.title)}. "
           f"*Provenance:* {_cell(_provenance(chk))}. **{verdict}** on seeds "
           f"{_seed_text(s.passed_seeds)} of {_seed_text(s.seeds)}, {s.seconds:.2f} s in all.", ""]
    if first is not None:
        out += [f"| quantity (seed {first.seed}) | relation | left | right | margin | gap | draws |",
                "|---|:---:|---:|---:|---:|---:|---:|"]
        for r in first.rows:
            out.append(f"| {_cell(r.label)} | {_REL.get(r.relation, r.relation)} | {_fmt(r.lhs)} | {_fmt(r.rhs)} "
                       f"| {_fmt(r.margin, 2)} | {_gap_text(r)} | {r.draws} |")
        out.append("")
    if s.outcomes is not None:
        if not s.outcomes:
            out.append("*False variants:* none declared.")
        else:
            items = []
            for o in s.outcomes:
                why = (f"rejected ({len(o.failed_rows)} of {len(first.rows)} rows fail)" if o.rejected
                       else f"**not rejected**{' (' + _cell(o.error) + ')' if o.error else ''}")
                items.append(f"{_cell(o.variant.label)}: {why}")
            out.append("*False variants:* " + "; ".join(items) + ".")
        out.append("")
    failed = [seed for seed in s.seeds if seed not in s.passed_seeds]
    if failed:
        out += [f"*Failed on seeds* {_seed_text(failed)}.", ""]
    return out


def _seed_text(seeds: list[int]) -> str:
    if not seeds:
        return "none"
    parts, start, prev = [], seeds[0], seeds[0]
    for x in seeds[1:] + [None]:
        if x is not None and x == prev + 1:
            prev = x
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if x is not None:
            start = prev = x
    return ",".join(parts)


def verification_report(scale: str = "test", seeds="0-2", device="cpu", falsify: bool = True,
                        ids=None) -> Report:
    """Run every registered check (or ``ids``) on ``seeds``, with its false variants on the first seed."""
    registry = load_all()
    chosen = [registry[i] for i in (ids if ids is not None else registry)]
    order = {ch: k for k, ch in enumerate(_toc_chapters())}
    chosen.sort(key=lambda chk: order.get(chk.chapter, len(order)))  # book order; stable within a chapter
    seeds = parse_seeds(seeds)
    t0 = time.perf_counter()
    sweeps = [sweep(chk, scale=scale, seeds=seeds, device=device, falsify=falsify) for chk in chosen]
    return Report(sweeps, scale, seeds, str(device), time.perf_counter() - t0)
