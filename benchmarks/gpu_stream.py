"""Streamed linear CKA on a GPU, as a fraction of the same GPU's matrix-product throughput.

    python benchmarks/gpu_stream.py                      # n = 1,000,000, d = 4,096 (the issue's target)
    python benchmarks/gpu_stream.py --n 20000 --d 256    # a smoke run (works on CPU too)

Batches of ``--batch`` rows of X and Y (float32, generated on the device from a seed; generation
is not timed) are fed to :class:`alignbook.scale.LinearAccumulator`, which keeps float64
statistics. The time of all updates plus the finalisation is compared with the float64 matrix
products the statistics need (``x.T @ x``, ``y.T @ y``, ``x.T @ y`` per batch: ``6 n d^2``
flops), timed on the same device at the same shapes. Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from alignbook.scale import LinearAccumulator


def _sig(v, _=None):
    return float(f"{v:.4g}")


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def batch(i, b, d, dev, seed):
    g = torch.Generator(device=dev).manual_seed(seed + i)
    x = torch.randn(b, d, device=dev, generator=g)
    y = torch.tanh(0.8 * x.roll(1, dims=1) + 0.6 * x) + 0.5 * torch.randn(b, d, device=dev, generator=g)
    return x, y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=4096)
    ap.add_argument("--batch", type=int, default=16384)
    ap.add_argument("--device", default=None)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    dev = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    n_batches = -(-a.n // a.batch)

    # matmul floor: the three float64 products of one batch, repeated
    x, y = batch(0, a.batch, a.d, dev, a.seed)
    x64, y64 = x.double(), y.double()
    for _ in range(2):
        (x64.T @ x64, y64.T @ y64, x64.T @ y64)
    sync(dev)
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        (x64.T @ x64, y64.T @ y64, x64.T @ y64)
    sync(dev)
    t_mm = (time.perf_counter() - t0) / reps
    flops_batch = 6.0 * a.batch * a.d * a.d
    tflops_fp64 = flops_batch / t_mm / 1e12
    # float32 throughput of the same GPU, for reference
    for _ in range(2):
        x.T @ x
    sync(dev)
    t0 = time.perf_counter()
    for _ in range(reps):
        (x.T @ x, y.T @ y, x.T @ y)
    sync(dev)
    tflops_fp32 = flops_batch / ((time.perf_counter() - t0) / reps) / 1e12
    del x64, y64

    acc = LinearAccumulator(device=dev)
    t_stream = 0.0
    rows = 0
    for i in range(n_batches):
        b = min(a.batch, a.n - rows)
        x, y = batch(i, b, a.d, dev, a.seed)
        sync(dev)
        t0 = time.perf_counter()
        acc.update(x, y)
        sync(dev)
        t_stream += time.perf_counter() - t0
        rows += b
    t0 = time.perf_counter()
    cka_b, cka_u = acc.cka("biased"), acc.cka("unbiased")
    sync(dev)
    t_stream += time.perf_counter() - t0
    floor_s = 6.0 * a.n * a.d * a.d / (tflops_fp64 * 1e12)
    out = {
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)",
        "torch": torch.__version__, "n": a.n, "d": a.d, "batch": a.batch,
        "stream_s": _sig(t_stream, 3),
        "stream_tflops_fp64": _sig(6.0 * a.n * a.d * a.d / t_stream / 1e12, 3),
        "matmul_tflops_fp64": _sig(tflops_fp64, 3),
        "matmul_tflops_fp32": _sig(tflops_fp32, 3),
        "floor_s": _sig(floor_s, 3),
        "fraction_of_fp64_matmul_throughput": _sig(floor_s / t_stream, 3),
        "cka_biased": cka_b, "cka_unbiased": cka_u,
    }
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
