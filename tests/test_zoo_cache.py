"""The embedding cache: miss then hit (without loading the model), every key component, corrupted and
foreign entries detected and recomputed, atomic writes, clearing. Uses GloVe on the ImageNet class
descriptions (both ship in wheels) so no Debian data is needed."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from alignbook import zoo
from alignbook.zoo import MODELS, cache

pytestmark = pytest.mark.skipif(not (MODELS["glove-50"].installed() and MODELS["static-64"].installed()),
                                reason="zoo extra not installed: make setup")
DS = "imagenet-descriptions"


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "embeddings"


def _no_encoding(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the model was loaded although the entry is cached")

    monkeypatch.setattr(zoo, "get_encoder", refuse)


def test_miss_then_hit_without_loading_the_model(tmp_cache, monkeypatch):
    a = zoo.embed("glove-50", DS, n=20, seed=1)
    assert not a.from_cache and a.path.parent == tmp_cache and a.path.is_file()
    assert a.X.shape == (20, 50) and a.labels.shape == (20,) and a.texts[0] == zoo.load_items(DS, 20, 1).texts[0]
    _no_encoding(monkeypatch)
    b = zoo.embed("glove-50", DS, n=20, seed=1)
    assert b.from_cache and b.path == a.path and b.ids == a.ids
    np.testing.assert_array_equal(a.X, b.X)
    assert b.seconds == pytest.approx(a.seconds)  # the recorded encoding time comes back with the hit


def test_every_key_component_changes_the_entry(tmp_cache):
    base = zoo.embed("glove-50", DS, n=20, seed=1).path
    assert base.parent == tmp_cache
    assert zoo.embed("glove-50", DS, n=21, seed=1).path != base
    assert zoo.embed("glove-50", DS, n=20, seed=2).path != base
    assert zoo.embed("static-64", "imagenet-names", n=20, seed=1).path != zoo.embed("static-64", DS, n=20, seed=1).path
    assert zoo.embed("static-64", DS, n=20, seed=1).path != base
    # a new version of a package, or of our adapter's preprocessing, is a new entry
    spec = MODELS["glove-50"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(type(spec), "versions", lambda self: {**{p: "0" for p in self.packages}, "x": "9.9"})
        e = zoo.embed("glove-50", DS, n=20, seed=1)
    assert e.path != base and not e.from_cache
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zoo.encoders._GloVe, "recipe", "another recipe")
        e2 = zoo.embed("glove-50", DS, n=20, seed=1)
    assert e2.path != base and e2.path != e.path and not e2.from_cache
    assert zoo.embed("glove-50", DS, n=20, seed=1).from_cache  # the original entry is still there


def test_inputs_are_part_of_the_key(monkeypatch):
    base = zoo.embed("glove-50", DS, n=20, seed=1)
    real = zoo.datasets.load_items

    def edited(name, n=None, seed=0):
        items = real(name, n, seed)
        items.inputs = list(items.inputs)
        items.inputs[0] = items.inputs[0] + " fish"
        return items

    monkeypatch.setattr(zoo, "load_items", edited)
    e = zoo.embed("glove-50", DS, n=20, seed=1)
    assert e.path != base.path and not e.from_cache  # a changed source can never return stale vectors


@pytest.mark.parametrize("damage, why", [
    (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "cannot be read"),
    (lambda p: p.write_bytes(b""), "cannot be read"),
    (lambda p: p.write_bytes(b"not a zip file at all"), "cannot be read"),
])
def test_truncated_or_garbage_entry_is_recomputed(damage, why):
    a = zoo.embed("glove-50", DS, n=20, seed=1)
    damage(a.path)
    with pytest.warns(RuntimeWarning, match=why):
        b = zoo.embed("glove-50", DS, n=20, seed=1)
    assert not b.from_cache
    np.testing.assert_array_equal(a.X, b.X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert zoo.embed("glove-50", DS, n=20, seed=1).from_cache  # rewritten, valid again


def test_silently_changed_values_are_detected():
    a = zoo.embed("glove-50", DS, n=20, seed=1)
    X, meta = cache._read(a.path)
    X = X.copy()
    X[3, 7] += 1e-3  # a plausible-looking but wrong number
    cache.store_entry(a.path, meta["key"], X)
    import json

    with np.load(a.path) as z:  # keep the new array but the old checksum: what bit rot looks like
        forged = dict(z)
    m = json.loads(str(forged["meta"]))
    m["sha256"] = meta["sha256"]
    np.savez(a.path, embeddings=forged["embeddings"], meta=np.array(json.dumps(m)))
    with pytest.warns(RuntimeWarning, match="checksum does not match"):
        b = zoo.embed("glove-50", DS, n=20, seed=1)
    np.testing.assert_array_equal(b.X, a.X)


def test_an_entry_of_another_key_is_not_used():
    a = zoo.embed("glove-50", DS, n=20, seed=1)
    b = zoo.embed("glove-50", DS, n=20, seed=2)
    shutil.copy(b.path, a.path)
    with pytest.warns(RuntimeWarning, match="another key"):
        again = zoo.embed("glove-50", DS, n=20, seed=1)
    np.testing.assert_array_equal(again.X, a.X)


def test_writes_are_atomic(tmp_cache, monkeypatch):
    a = zoo.embed("glove-50", DS, n=20, seed=1)
    assert sorted(p.suffix for p in tmp_cache.iterdir()) == [".npz"]

    def crash(*args, **kwargs):
        raise OSError("disk full (test)")

    monkeypatch.setattr(cache.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        zoo.embed("glove-50", DS, n=21, seed=1)
    assert [p.name for p in tmp_cache.iterdir()] == [a.path.name]  # no partial entry, no temporary file


def test_use_cache_false_and_refresh(tmp_cache, monkeypatch):
    e = zoo.embed("glove-50", DS, n=20, seed=1, use_cache=False)
    assert e.path is None and not tmp_cache.exists()
    a = zoo.embed("glove-50", DS, n=20, seed=1)
    b = zoo.embed("glove-50", DS, n=20, seed=1, refresh=True)
    assert not b.from_cache and b.path == a.path
    with pytest.raises(TypeError, match="refresh must be True or False"):
        zoo.embed("glove-50", DS, n=20, refresh="yes")


def test_clear_one_model_or_all(tmp_cache):
    zoo.embed("glove-50", DS, n=20, seed=1)
    zoo.embed("glove-50", DS, n=21, seed=1)
    zoo.embed("static-64", DS, n=20, seed=1)
    (tmp_cache / "glove-50__junk.npz").write_bytes(b"junk")  # unreadable entries are cleared too
    assert len(cache.entries()) == 4
    assert zoo.clear_cache("glove-50") == 3
    assert [m["key"]["model"] for _, m in cache.entries()] == ["static-64"]
    assert zoo.clear_cache() == 1 and cache.entries() == []
    with pytest.raises(ValueError, match="unknown zoo model"):
        zoo.clear_cache("nope")
