"""`python -m alignbook verify`: lists every check, exit 0 when all pass, non-zero otherwise."""
import json
import os
import subprocess
import sys
from pathlib import Path

from alignbook.cli import main
from alignbook.theory import load_all

ROOT = Path(__file__).resolve().parents[1]


def test_verify_lists_every_check_and_passes(tmp_path, capsys):
    out = tmp_path / "verify.json"
    code = main(["verify", "--scale", "test", "--device", "cpu", "-q", "--json", str(out)])
    printed = capsys.readouterr().out
    ids = set(load_all()) - {"thm-deliberately-broken", "thm-deliberately-crashing", "thm-deliberately-weak"}
    assert code == 0, printed
    for cid in ids:
        assert cid in printed
    payload = json.loads(out.read_text())
    assert {p["id"] for p in payload} >= ids
    assert all(p["passed"] and p["scale"] == "test" for p in payload if p["id"] in ids)


def _verify(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "alignbook", "verify", "-q", "--scale", "test",
                           "--device", "cpu", *args], capture_output=True, text=True, cwd=ROOT, env=env)


def test_broken_check_makes_verify_fail():
    proc = _verify("--import", "tests._broken_check", "--ids", "thm-deliberately-broken")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL" in proc.stdout and "0 passed, 1 failed" in proc.stdout


def test_crashing_check_is_reported_with_traceback():
    proc = _verify("--import", "tests._broken_check", "--ids", "thm-deliberately-crashing")
    assert proc.returncode == 1
    assert "ERROR" in proc.stdout and "RuntimeError: boom" in proc.stderr


def test_unknown_pattern_is_an_error():
    proc = _verify("--ids", "no-such-check-*")
    assert proc.returncode == 2 and "no registered check matches" in proc.stderr


def test_verify_on_several_seeds_with_variants(tmp_path):
    out = tmp_path / "seeds.json"
    proc = _verify("--ids", "prop-centering-projector", "--seeds", "0-2", "--variants", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("prop-centering-projector"))
    assert "3/3" in line and "2/2" in line and "PASS" in line  # seeds passed, variants rejected
    (rec,) = json.loads(out.read_text())
    assert rec["passed_seeds"] == [0, 1, 2] and rec["rejected"] == 2 and rec["status"] == "standard"


def test_a_check_without_power_is_weak():
    proc = _verify("--import", "tests._broken_check", "--ids", "thm-deliberately-weak", "--variants")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "WEAK" in proc.stdout and "is not rejected" in proc.stderr


def test_bad_seed_spec_is_an_error():
    proc = _verify("--seeds", "9-1")
    assert proc.returncode == 2 and "--seeds" in proc.stderr
