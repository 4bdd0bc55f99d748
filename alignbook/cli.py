"""``python -m alignbook verify``: run every registered check and print a table."""
from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import traceback

from .device import SCALES, get_device, get_scale


def _verify(args) -> int:
    from tqdm.auto import tqdm

    from .theory import load_all
    from .theory import CheckResult

    registry = load_all(extra=args.import_ or [])
    ids = [i for i in registry if not args.ids or any(fnmatch.fnmatch(i, p) for p in args.ids)]
    if not ids:
        print(f"no registered check matches {args.ids}", file=sys.stderr)
        return 2
    scale = get_scale(args.scale)
    device = get_device(args.device)
    results, errors = [], {}
    bar = tqdm(ids, desc=f"verify ({scale}, {device})", unit="check", file=sys.stderr, disable=args.quiet)
    for cid in bar:
        bar.set_postfix_str(cid)
        try:
            results.append(registry[cid].run(scale=scale, seed=args.seed, device=device))
        except Exception:  # a crashing check is a failing check, reported with its traceback
            errors[cid] = traceback.format_exc()
            results.append(CheckResult(cid, registry[cid].title, registry[cid].kind, [], scale, args.seed, str(device)))
    width = max(len(r.id) for r in results)
    print(f"{'id':{width}s}  {'kind':11s} {'rows':>4s} {'worst margin':>13s} {'seconds':>8s}  result")
    for r in results:
        status = "ERROR" if r.id in errors else ("PASS" if r.passed else "FAIL")
        wm = "-" if r.id in errors else f"{r.worst_margin:.3g}"
        print(f"{r.id:{width}s}  {r.kind:11s} {len(r.rows):4d} {wm:>13s} {r.seconds:8.2f}  {status}")
    n_bad = sum(1 for r in results if not r.passed)
    print(f"{len(results) - n_bad} passed, {n_bad} failed (scale={scale}, device={device}, seed={args.seed})")
    for cid, tb in errors.items():
        print(f"\n--- {cid} raised ---\n{tb}", file=sys.stderr)
    if args.json:
        payload = [dict(r.to_dict(), error=errors.get(r.id)) for r in results]
        for p in payload:
            p.pop("notes", None)
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=1, default=float)
    return 1 if n_bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alignbook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="run every registered theorem check and print a table")
    v.add_argument("--scale", choices=SCALES, default=None, help="default: $ALIGNBOOK_SCALE or 'book'")
    v.add_argument("--device", default=None, help="default: cuda if available, else cpu ($ALIGNBOOK_DEVICE)")
    v.add_argument("--seed", type=int, default=0)
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
