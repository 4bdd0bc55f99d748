"""One benchmark case in its own process: ``python benchmarks/_worker.py '<json spec>'``.

Prints one JSON line: the call's wall time (best of ``reps``), its value, the process's peak
resident memory (``ru_maxrss``) and the resident memory before the call (the data). Imports and
data generation are not timed. Run by ``benchmarks/run.py``; not a test.
"""
from __future__ import annotations

import json
import resource
import sys
import time
import traceback


def rss_now_gib() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**30
    except Exception:  # pragma: no cover - not Linux
        return float("nan")


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def make_data(n: int, d: int, seed: int):
    """X ~ N(0, 1); Y = tanh(0.8 X P1 + 0.6 X P2) + 0.5 E with random column permutations P1, P2.

    Cheap to generate (O(n d)) and puts every CKA-type value well inside (0, 1).
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    p1, p2 = torch.randperm(d, generator=g), torch.randperm(d, generator=g)
    Y = torch.randn(n, d, generator=g, dtype=torch.float64).mul_(0.5)
    Y += torch.tanh(0.8 * X[:, p1] + 0.6 * X[:, p2])
    return X, Y


def build(impl: str, measure: str, X, Y):
    """Return a zero-argument callable computing ``measure`` with ``impl`` on (X, Y)."""
    import numpy as np
    import torch

    est = "unbiased" if measure.endswith("unbiased") else "biased"
    if impl == "floor":  # the three matrix products every linear CKA needs
        return lambda: (X.T @ X, Y.T @ Y, X.T @ Y)[0][0, 0].item()
    if impl == "floor-f32":
        Xf, Yf = X.float(), Y.float()
        return lambda: (Xf.T @ Xf, Yf.T @ Yf, Xf.T @ Yf)[0][0, 0].item()
    if impl == "alignbook":
        import alignbook as ab

        if measure.startswith("linear_cka"):
            return lambda: float(ab.cka(X, Y, "linear", est))
        if measure.startswith("rbf_cka"):
            return lambda: float(ab.cka(X, Y, "rbf", est))
        if measure == "dcor":
            return lambda: float(ab.distance_correlation(X, Y))
        if measure == "mutual_knn":
            return lambda: float(ab.mutual_knn(X, Y, k=10))
        if measure == "rsa_pearson":
            return lambda: float(ab.rsa(X, Y, "sqeuclidean", "pearson"))
    if impl == "alignbook-f32":  # opt-in float32 products (BLAS ssyrk), inputs already float32 like the peer's
        import alignbook as ab

        Xf, Yf = X.float(), Y.float()
        return lambda: float(ab.cka(Xf, Yf, "linear", est, dtype="float32"))
    if impl == "alignbook-stream":
        from alignbook.scale import linear_cka

        return lambda: float(linear_cka(X, Y, est, batch_size=8192))
    if impl == "alignbook-layers":  # the layer-matrix route on one pair (feature products)
        from alignbook.scale import layer_matrix

        return lambda: float(layer_matrix([X], [Y], estimator=est, route="features")[0, 0])
    if impl == "alignbook-chunked":
        from alignbook.scale import cka_chunked, distance_correlation_chunked, mutual_knn_chunked, rsa_chunked

        if measure.startswith("rbf_cka"):
            return lambda: float(cka_chunked(X, Y, "rbf", est, progress=False))
        if measure == "dcor":
            return lambda: float(distance_correlation_chunked(X, Y, progress=False))
        if measure == "mutual_knn":
            return lambda: float(mutual_knn_chunked(X, Y, k=10, progress=False))
        if measure == "rsa_pearson":
            return lambda: float(rsa_chunked(X, Y, "sqeuclidean", progress=False))
    if impl == "f32-features":  # the float32 feature-space route of anatome / ReSi (anatome is not on PyPI)
        Xf, Yf = X.float(), Y.float()

        def f32():
            a = Xf - Xf.mean(0)
            b = Yf - Yf.mean(0)
            if est == "biased":
                return float((a.T @ b).square().sum() / ((a.T @ a).norm() * (b.T @ b).norm()))
            n = a.shape[0]

            def hu(P, Q):
                r, s = (P * P).sum(1), (Q * Q).sum(1)
                sp, sq = P.sum(0), Q.sum(0)
                tr = (P.T @ Q).square().sum() - (r * s).sum()
                return (tr + (sp @ sp - r.sum()) * (sq @ sq - s.sum()) / ((n - 1) * (n - 2))
                        - 2 * ((P @ sp - r) @ (Q @ sq - s)) / (n - 2)) / (n * (n - 3))

            return float(hu(a, b) / (hu(a, a) * hu(b, b)).sqrt())

        return f32
    if impl == "ckatorch":
        from ckatorch.core import cka_base

        kern = "rbf" if measure.startswith("rbf") else "linear"
        return lambda: float(cka_base(X, Y, kernel=kern, unbiased=est == "unbiased"))
    if impl == "pytorch-cka":
        from cka import cka_from_features

        return lambda: float(cka_from_features(X, Y).reshape(-1)[0])
    if impl == "repsim":
        import repsim

        Xn, Yn = X.numpy(), Y.numpy()
        kern = "rbf" if measure.startswith("rbf") else "linear"
        return lambda: float(repsim.cka([Xn, Yn], kernel_type=kern, estimator="song" if est == "unbiased" else "gretton")[0, 1])
    if impl == "dcor":
        import dcor

        Xn, Yn = X.numpy(), Y.numpy()
        return lambda: float(dcor.distance_correlation(Xn, Yn))
    if impl == "rsatoolbox":
        import rsatoolbox

        Xn, Yn = X.numpy(), Y.numpy()

        def rsa():
            r1 = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(Xn), method="euclidean")
            r2 = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(Yn), method="euclidean")
            return float(np.asarray(rsatoolbox.rdm.compare(r1, r2, method="corr")).reshape(-1)[0])

        return rsa
    raise ValueError(f"no implementation {impl!r} for measure {measure!r}")


def main() -> None:
    spec = json.loads(sys.argv[1])
    out = {"spec": spec}
    try:
        import torch

        if spec.get("threads"):
            torch.set_num_threads(int(spec["threads"]))
        X, Y = make_data(spec["n"], spec["d"], spec.get("seed", 0))
        fn = build(spec["impl"], spec["measure"], X, Y)
        out["rss_data_gib"] = rss_now_gib()
        times, value = [], None
        for _ in range(int(spec.get("reps", 1))):
            t0 = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - t0)
        out.update(status="ok", time_s=min(times), times=times, value=value, peak_gib=peak_gib())
    except MemoryError:
        out.update(status="OOM", peak_gib=peak_gib())
    except Exception as err:  # noqa: BLE001 - report any failure of a peer as data
        msg = f"{type(err).__name__}: {err}"
        oom = "memory" in msg.lower() or "alloc" in msg.lower()
        out.update(status="OOM" if oom else "error", error=msg[:300], peak_gib=peak_gib(),
                   trace=traceback.format_exc()[-800:])
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
