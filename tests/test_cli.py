"""`python -m alignbook verify`: lists every check, exit 0 when all pass, non-zero otherwise."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


# ---------------------------------------------------------------- usage errors: one line, exit 2
def _one_line_error(capsys, argv, match):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("alignbook: error: ") and "Traceback" not in err, err
    assert match in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("argv, match", [
    (["verify", "--json", "/unwritable/x.json"], "the folder /unwritable does not exist"),
    (["verify", "--device", "foo"], "--device 'foo' is not a device"),
    (["verify", "--scale", "bogus"], "invalid choice: 'bogus'"),
    (["verify", "--seed", "1.5"], "'1.5' is not an integer"),
    (["verify", "--ids", "no-such-check-*"], "no registered check matches"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["zoo"], "the following arguments are required"),
    (["zoo", "encode", "nope", "wordnet-glosses"], "unknown zoo model 'nope'"),
    (["zoo", "encode", "glove-50", "nope"], "unknown zoo data set 'nope'"),
    (["zoo", "encode", "glove-50", "emoji"], "its paired text data set is 'emoji-names'"),
    (["zoo", "encode", "glove-50", "wordnet-glosses", "--n", "0"], "0 must be at least 1"),
    (["zoo", "encode", "clip-b32-text", "emoji-names", "--n", "2"], "needs network/Colab"),
    (["zoo", "clear", "--model", "nope"], "unknown zoo model 'nope'"),
])
def test_usage_errors_are_one_line_with_exit_2(capsys, argv, match):
    _one_line_error(capsys, argv, match)


def test_json_target_that_is_a_folder(capsys, tmp_path):
    _one_line_error(capsys, ["verify", "--json", str(tmp_path)], "is a folder")


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda(capsys):
    _one_line_error(capsys, ["verify", "--device", "cuda"], "CUDA is not available")


def test_bad_scale_in_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_SCALE", "bogus")
    _one_line_error(capsys, ["verify", "-q"], "scale='bogus' is not one of")


def test_missing_data_is_one_line(capsys, monkeypatch, tmp_path):
    from alignbook.data import fashion_mnist as fm

    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path))
    monkeypatch.setattr(fm, "find_files", lambda root=None: None)
    monkeypatch.setattr(fm, "_apt_fetch", lambda: (_ for _ in ()).throw(OSError("offline (test)")))
    monkeypatch.setattr(fm, "download_files", lambda *a, **k: (_ for _ in ()).throw(OSError("offline (test)")))
    line = _one_line_error(capsys, ["zoo", "encode", "effnet-lite0", "fashion-mnist", "--n", "2"],
                           "Fashion-MNIST was not found")
    assert "sudo apt-get install dataset-fashion-mnist" in line


@pytest.mark.parametrize("args, env, match", [
    (["verify", "-q", "--device", "foo"], {}, "is not a device"),
    (["verify", "-q", "--json", "/unwritable/x.json"], {}, "does not exist"),
    (["verify", "-q"], {"ALIGNBOOK_SCALE": "bogus"}, "scale='bogus'"),
])
def test_usage_errors_in_a_real_process(args, env, match):
    proc = subprocess.run([sys.executable, "-m", "alignbook", *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), **env))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and match in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- zoo subcommands
@pytest.mark.skipif(not __import__("alignbook.zoo", fromlist=["x"]).MODELS["glove-50"].installed(),
                    reason="zoo extra not installed")
def test_zoo_list_encode_clear(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path))
    assert main(["zoo", "list"]) == 0
    out = capsys.readouterr().out
    assert "minilm-l6" in out and "effnet-lite2" in out and "wordnet-glosses" in out and "clip-b32-image" in out
    assert main(["zoo", "encode", "glove-50", "imagenet-descriptions", "--n", "5", "-q"]) == 0
    assert "5 x 50 float32, computed in" in capsys.readouterr().out
    assert main(["zoo", "encode", "glove-50", "imagenet-descriptions", "--n", "5", "-q"]) == 0
    assert "read from the cache" in capsys.readouterr().out
    assert main(["zoo", "list", "--cache"]) == 0
    assert "glove-50  imagenet-descriptions  5" in capsys.readouterr().out
    assert main(["zoo", "clear", "--model", "glove-50"]) == 0
    assert "deleted 1 cached embedding(s) of glove-50" in capsys.readouterr().out
