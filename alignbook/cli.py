"""``python -m alignbook verify``: run every registered check (on one or several seeds) and print a table."""
from __future__ import annotations

import argparse
import fnmatch
import json
import math
import sys

from .device import SCALES, get_device, get_scale


def _gap(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.2g}"


def _verify(args) -> int:
    from tqdm.auto import tqdm

    from .theory import load_all, parse_seeds, sweep

    registry = load_all(extra=args.import_ or [])
    ids = [i for i in registry if not args.ids or any(fnmatch.fnmatch(i, p) for p in args.ids)]
    if not ids:
        print(f"no registered check matches {args.ids}", file=sys.stderr)
        return 2
    try:
        seeds = parse_seeds(args.seeds if args.seeds is not None else [args.seed])
    except ValueError as err:
        print(f"--seeds: {err}", file=sys.stderr)
        return 2
    scale = get_scale(args.scale)
    device = get_device(args.device)
    sweeps = []
    bar = tqdm(ids, desc=f"verify ({scale}, {device}, seeds {args.seeds or args.seed})", unit="check",
               file=sys.stderr, disable=args.quiet)
    for cid in bar:
        bar.set_postfix_str(cid)
        sweeps.append(sweep(registry[cid], scale=scale, seeds=seeds, device=device, falsify=args.variants))
    width = max(len(s.id) for s in sweeps)
    head = f"{'id':{width}s}  {'kind':11s} {'rows':>4s} {'worst margin':>13s} {'gap':>8s}"
    head += f" {'variants':>8s}" if args.variants else ""
    head += f" {'seeds':>7s} {'seconds':>8s}  result"
    print(head)
    n_bad = n_weak = 0
    for s in sweeps:
        first = s.first
        status = "ERROR" if s.errors else ("PASS" if s.passed else "FAIL")
        wm = "-" if s.errors else f"{s.worst_margin:.3g}"
        line = f"{s.id:{width}s}  {s.check.kind:11s} {len(first.rows) if first else 0:4d} {wm:>13s} {_gap(s.loosest_gap):>8s}"
        if args.variants:
            line += f" {(f'{s.rejected}/{len(s.outcomes)}' if s.outcomes is not None else '-'):>8s}"
            if s.passed and not s.powerful:
                status, n_weak = "WEAK", n_weak + 1
        line += f" {len(s.passed_seeds):>3d}/{len(s.seeds):<3d} {s.seconds:8.2f}  {status}"
        print(line)
        n_bad += not s.passed
    summary = f"{len(sweeps) - n_bad} passed, {n_bad} failed (scale={scale}, device={device}, seeds={args.seeds or args.seed})"
    if args.variants:
        summary += f"; {n_weak} without power (a declared false variant passes, or none is declared)"
    print(summary)
    for s in sweeps:
        for seed, tb in s.errors.items():
            print(f"\n--- {s.id} raised (seed {seed}) ---\n{tb}", file=sys.stderr)
        for seed, r in zip(s.seeds, s.results):
            if r is not None and not r.passed and not args.quiet:
                print(f"\n--- {s.id} failed (seed {seed}) ---\n{r.table()}", file=sys.stderr)
        for o in s.outcomes or []:
            if not o.rejected:
                why = o.error or "every row still passes"
                print(f"--- {s.id}: false variant '{o.variant.label}' is not rejected ({why})", file=sys.stderr)
    if args.json:
        if args.seeds is None:  # one seed: one record per check, as before
            payload = [dict(s.results[0].to_dict(), error=s.errors.get(s.seeds[0])) if s.results[0] is not None
                       else {"id": s.id, "passed": False, "error": s.errors.get(s.seeds[0])} for s in sweeps]
        else:
            payload = [s.to_dict() for s in sweeps]
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=1, default=float)
    return 1 if (n_bad or n_weak) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alignbook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="run every registered theorem check and print a table")
    v.add_argument("--scale", choices=SCALES, default=None, help="default: $ALIGNBOOK_SCALE or 'book'")
    v.add_argument("--device", default=None, help="default: cuda if available, else cpu ($ALIGNBOOK_DEVICE)")
    v.add_argument("--seed", type=int, default=0, help="one seed (default 0)")
    v.add_argument("--seeds", default=None, metavar="SPEC",
                   help="several seeds: ranges and lists such as 0-9 or 0,3,5-7 (a check passes only if every "
                        "seed passes)")
    v.add_argument("--variants", action="store_true",
                   help="also re-run each check with each declared false variant (on the first seed); a check "
                        "that lets one pass is reported WEAK and the exit code is non-zero")
    v.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    v.add_argument("--ids", nargs="*", metavar="PATTERN", help="only ids matching these glob patterns")
    v.add_argument("--import", dest="import_", action="append", metavar="MODULE",
                   help="import MODULE first (it may register more checks)")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return _verify(args)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
