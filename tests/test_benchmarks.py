"""The benchmark harness stays runnable: its routes compute the right values and its target
lines say what the numbers say. (Speed itself is measured by ``make bench``, never here.)"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

import alignbook as ab

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import _worker  # noqa: E402
import gpu_stream  # noqa: E402
import run  # noqa: E402


@pytest.mark.parametrize("measure", ["linear_cka", "linear_cka_unbiased"])
def test_worker_routes_agree_with_the_measures(measure):
    X, Y = _worker.make_data(300, 8, seed=1)
    est = "unbiased" if measure.endswith("unbiased") else "biased"
    ref = float(ab.cka(X, Y, "linear", est))
    for impl, tol in (("alignbook", 0), ("alignbook-stream", 1e-12), ("alignbook-layers", 1e-12), ("f32-features", 1e-4),
                      ("alignbook-f32", 1e-5)):
        got = _worker.build(impl, measure, X, Y)()
        assert abs(got - ref) <= tol, (impl, got, ref)
    with pytest.raises(ValueError, match="no implementation"):
        _worker.build("nonesuch", measure, X, Y)


def test_gpu_stream_script_equals_the_full_data_cka_on_cpu():
    n, d, b = 2500, 12, 1000
    out = gpu_stream.main(["--n", str(n), "--d", str(d), "--batch", str(b), "--device", "cpu"])
    parts = [gpu_stream.batch(i, min(b, n - i * b), d, torch.device("cpu"), 0) for i in range(3)]
    X = torch.cat([p[0] for p in parts])
    Y = torch.cat([p[1] for p in parts])
    assert X.shape == (n, d)
    assert abs(out["cka_biased"] - float(ab.cka(X, Y))) < 1e-10
    assert abs(out["cka_unbiased"] - float(ab.cka(X, Y, estimator="unbiased"))) < 1e-10
    assert 0 < out["fraction_of_fp64_matmul_throughput"]


def _res(impl, t, value=0.5, measure="linear_cka", n=50_000, d=1024, status="ok"):
    return {f"{measure}|{n}|{d}|{impl}": {"spec": {"impl": impl, "measure": measure, "n": n, "d": d},
                                         "status": status, "time_s": t, "value": value, "peak_gib": 1.0}}


def _targets(**times):
    res = {}
    for impl, (t, v) in times.items():
        res.update(_res(impl.replace("_", "-"), t, v))
    return [line for line in run.targets(res) if "fastest peer" in line]


def test_target_lines_say_what_the_numbers_say():
    common = dict(floor=(10.0, 0.0), floor_f32=(5.0, 0.0), f32_features=(5.0, 0.5 + 1e-4))
    (line,) = _targets(alignbook=(7.5, 0.5), **common)
    assert "**not met**" in line and "2.00 x the time" in line
    (line,) = _targets(alignbook=(7.5, 0.5), alignbook_f32=(4.0, 0.5 + 1e-9), **common)
    assert "**met for time only (float32), not with 1e-10 accuracy**" in line and "off by 1.0e-09" in line
    (line,) = _targets(alignbook=(7.5, 0.5), alignbook_f32=(4.0, 0.5 + 1e-12), **common)
    assert "**met**" in line
    (line,) = _targets(alignbook=(4.5, 0.5), **common)
    assert "**met**" in line and "x the time" not in line


def test_render_reports_the_gpu_row_or_says_why_not():
    store = {"results": _res("alignbook", 1.0), "machine": {}}
    assert "no GPU was lent" in run.render(store)
    store["gpu"] = "0.61 of the H100's float64 matmul throughput"
    assert "0.61 of the H100" in run.render(store)


def test_the_unbiased_biased_pair_is_reported():
    res = {}
    for impl, tb, tu in (("alignbook", 8.0, 8.2), ("alignbook-stream", 8.0, 9.0)):
        res.update(_res(impl, tb, measure="linear_cka"))
        res.update(_res(impl, tu, measure="linear_cka_unbiased"))
    lines = run.unbiased_pair(res)
    assert len(lines) == 2
    assert "`alignbook`: 8.20 s / 8.00 s = 1.02 (target <= 1.05): **met**" in lines[0]
    assert "= 1.12 (target <= 1.05): **not met**" in lines[1]
    assert lines[0] in run.targets(res)
