"""``python -m alignbook``: run the theorem checks and use the model zoo from the command line.

* ``verify``: run every registered check (on one or several seeds, optionally with its false variants)
  and print a table (exit 0 when all pass, 1 otherwise).
* ``zoo list``: the encoders and data sets of :mod:`alignbook.zoo` (``--cache``: the cached embeddings).
* ``zoo encode MODEL DATASET [--n N]``: embed a data set with a model, through the embedding cache.
* ``zoo clear [--model M]``: delete cached embeddings.

A usage error (a bad option value, an unwritable ``--json`` path, a device that does not exist,
``ALIGNBOOK_SCALE=bogus``, an unknown model, missing data or packages) prints one line on stderr,
``alignbook: error: ...``, and exits with status 2, without a traceback (set ``ALIGNBOOK_DEBUG=1``
to see one).
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import sys
from pathlib import Path

from .device import SCALES, get_device, get_scale

PROG = "python -m alignbook"


class CLIError(Exception):
    """A usage error: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default prints the usage block too; we print one line
        raise CLIError(f"{message} (see `{self.prog} --help`)")


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _device(value):
    try:
        return get_device(value)
    except (ValueError, RuntimeError) as e:  # torch: "Expected one of cpu, cuda, ... device type"
        if isinstance(e, RuntimeError):
            raise CLIError(f"--device {value!r} is not a device torch knows; use cpu, cuda or cuda:N") from None
        raise CLIError(str(e)) from None


def _scale(value):
    try:
        return get_scale(value)
    except ValueError as e:
        raise CLIError(str(e)) from None


def _check_writable(path: str) -> Path:
    p = Path(path).expanduser()
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise CLIError(f"--json {path}: is a folder; give a file name")
    if not parent.is_dir():
        raise CLIError(f"--json {path}: the folder {parent} does not exist")
    if (p.exists() and not os.access(p, os.W_OK)) or (not p.exists() and not os.access(parent, os.W_OK | os.X_OK)):
        raise CLIError(f"--json {path}: not writable (permission denied)")
    return p


def _gap(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.2g}"


def _verify(args) -> int:
    from tqdm.auto import tqdm

    from .theory import load_all, parse_seeds, sweep

    scale = _scale(args.scale)
    device = _device(args.device)
    out = _check_writable(args.json) if args.json else None
    try:
        seeds = parse_seeds(args.seeds if args.seeds is not None else [args.seed])
    except ValueError as err:
        raise CLIError(f"--seeds: {err}") from None
    registry = load_all(extra=args.import_ or [])
    ids = [i for i in registry if not args.ids or any(fnmatch.fnmatch(i, p) for p in args.ids)]
    if not ids:
        raise CLIError(f"no registered check matches {args.ids}")
    sweeps = []  # a crashing check is a failing check: sweep() records its traceback
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
    if out is not None:
        if args.seeds is None:  # one seed: one record per check
            payload = [dict(s.results[0].to_dict(), error=s.errors.get(s.seeds[0])) if s.results[0] is not None
                       else {"id": s.id, "passed": False, "error": s.errors.get(s.seeds[0])} for s in sweeps]
        else:
            payload = [s.to_dict() for s in sweeps]
        try:
            with open(out, "w") as fh:
                json.dump(payload, fh, indent=1, default=float)
        except OSError as e:
            raise CLIError(f"--json {args.json}: cannot write it ({e.strerror or e})") from None
    return 1 if (n_bad or n_weak) else 0


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _zoo_list(args) -> int:
    from . import zoo
    from .zoo import cache

    if args.cache:
        ents = cache.entries()
        rows = []
        for p, meta in ents:
            if meta is None:
                rows.append([p.name, "?", "?", "?", "unreadable (will be recomputed)"])
            else:
                k = meta["key"]
                rows.append([k["model"], k["dataset"], "all" if k["n"] is None else k["n"], "x".join(map(str, meta["shape"])),
                             f"{meta.get('seconds', float('nan')):.1f} s on {meta.get('device', '?')}"])
        print(f"embedding cache: {cache.cache_dir()} ({len(ents)} entries)")
        if rows:
            print(_table(rows, ["model", "dataset", "n", "shape", "encoded in"]))
        return 0
    models = [m for m in zoo.MODELS.values() if args.tier is None or m.tier == args.tier]
    rows = [[m.name, m.modality, m.dim, f"{m.size_mb:g} MB", m.tier, "yes" if m.installed() else "no", m.licence]
            for m in models]
    print(_table(rows, ["model", "modality", "dim", "weights", "tier", "installed", "licence"]))
    print()
    drows = [[d.name, d.modality, d.size or "-", d.tier, d.source] for d in zoo.DATASETS.values()]
    print(_table(drows, ["dataset", "modality", "items", "tier", "source"]))
    print(f"\nembedding cache: {cache.cache_dir()}   (`alignbook zoo encode MODEL DATASET --n N`)")
    return 0


def _zoo_encode(args) -> int:
    from . import zoo

    kwargs = {}
    if args.image_size is not None:
        kwargs["image_size"] = args.image_size
    device = _device(args.device) if args.device else None
    E = zoo.embed(args.model, args.dataset, n=args.n, seed=args.seed, device=device, refresh=args.refresh,
                  progress=None if not args.quiet else False, **kwargs)
    how = "read from the cache" if E.from_cache else f"computed in {E.seconds:.1f} s"
    print(f"{E.model} x {E.dataset}: {E.X.shape[0]} x {E.X.shape[1]} float32, {how}: {E.path}")
    return 0


def _zoo_clear(args) -> int:
    from . import zoo

    gone = zoo.clear_cache(args.model)
    which = f" of {args.model}" if args.model else ""
    print(f"deleted {gone} cached embedding(s){which} from {zoo.cache_dir()}")
    return 0


def _positive(value: str) -> int:
    try:
        v = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{v} must be at least 1")
    return v


def _nonnegative(value: str) -> int:
    try:
        v = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{v} must be 0 or more")
    return v


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("verify", help="run every registered theorem check and print a table")
    v.add_argument("--scale", choices=SCALES, default=None, help="default: $ALIGNBOOK_SCALE or 'book'")
    v.add_argument("--device", default=None, help="default: cuda if available, else cpu ($ALIGNBOOK_DEVICE)")
    v.add_argument("--seed", type=_nonnegative, default=0, help="one seed (default 0)")
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

    z = sub.add_parser("zoo", help="pretrained encoders, data sets and the embedding cache")
    zs = z.add_subparsers(dest="zoo_command", metavar="{list,encode,clear}", required=True, parser_class=_Parser)
    zl = zs.add_parser("list", help="the encoders and data sets (or, with --cache, the cached embeddings)")
    zl.add_argument("--tier", choices=("offline", "heavy", "colab"), help="only encoders of this tier")
    zl.add_argument("--cache", action="store_true", help="list the cached embeddings instead")
    ze = zs.add_parser("encode", help="embed a data set with a model (through the cache)")
    ze.add_argument("model")
    ze.add_argument("dataset")
    ze.add_argument("--n", type=_positive, default=None, help="a seeded random subset of N items (default: all)")
    ze.add_argument("--seed", type=_nonnegative, default=0)
    ze.add_argument("--device", default=None)
    ze.add_argument("--image-size", type=_positive, default=None, help="image encoders: input side in pixels")
    ze.add_argument("--refresh", action="store_true", help="recompute even if cached")
    ze.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    zc = zs.add_parser("clear", help="delete cached embeddings")
    zc.add_argument("--model", default=None, help="only this model's entries")
    return parser


def main(argv: list[str] | None = None) -> int:
    from .zoo import ZooUnavailable

    try:
        args = _parser().parse_args(argv)
        if args.command == "verify":
            return _verify(args)
        return {"list": _zoo_list, "encode": _zoo_encode, "clear": _zoo_clear}[args.zoo_command](args)
    except (CLIError, ZooUnavailable, FileNotFoundError, ValueError, TypeError, OSError) as e:
        if os.environ.get("ALIGNBOOK_DEBUG"):  # developers: the full traceback
            raise
        print(f"alignbook: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alignbook: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
