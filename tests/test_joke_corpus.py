"""The bundled joke collection: its format (as resources/jokes/README.md states it) and the
loader, plus the builder's row rules on hand-written pairs."""

from __future__ import annotations

import json
from collections import Counter

from inference.text.joke_corpus import JokePair, default_pairs_path, load_pairs, read_pairs
from training.lite.joke_pairs import pair_row

SOURCES = {"fortune", "pyjokes", "ru-proverbs"}
ENDS = (".", "!", "?", "…", ".»", "!»", "?»", '."', '!"', '?"', ".)")


def test_bundled_collection_has_the_documented_format() -> None:
    pairs = load_pairs()
    assert len(pairs) > 5000
    assert all(isinstance(p, JokePair) for p in pairs)
    assert {p.source for p in pairs} == SOURCES
    assert {p.kind for p in pairs} == {"dialogue", "sentence", "turn"}
    assert {p.split for p in pairs} == {"train", "validation", "test"}
    assert all(p.setup.strip() and p.punchline.strip() for p in pairs)
    assert all(p.punchline.endswith(ENDS) or p.punchline[-1] in '.!?…»")' for p in pairs)
    assert all(len(p.setup) <= 300 and len(p.punchline) <= 200 for p in pairs)
    ids = Counter(p.id for p in pairs)
    assert ids.most_common(1)[0][1] == 1  # one row per joke
    assert default_pairs_path().stat().st_size < 5 * 2**20


def test_loader_reads_a_given_file(tmp_path) -> None:
    path = tmp_path / "pairs.jsonl"
    rows = [{"setup": "Встречаются два кота:", "punchline": "— Мяу.", "source": "pyjokes"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    assert read_pairs(path) == [JokePair("Встречаются два кота:", "— Мяу.", "pyjokes")]
    assert load_pairs(path) == read_pairs(path)


def _pair(setup: str, punchline: str, kind: str = "turn") -> dict:
    return {"id": "fortune:x:1", "setup": setup, "punchline": punchline, "kind": kind}


def test_builder_keeps_real_cuts_only() -> None:
    row = pair_row(_pair("Штирлиц готов был сдаться, но", "немцы его опередили"), "train")
    assert row is not None and row["punchline"] == "немцы его опередили."
    assert row["source"] == "fortune" and row["split"] == "train"
    assert pair_row(_pair("Правда горька, как", "и лекарство.", "words"), "train") is None
    assert (
        pair_row(_pair("Галстук развязывается в самый", "неподходящий момент.", "sentence"), "x")
        is None
    )
    assert pair_row(_pair("Начало длинной шутки здесь", "обрыв на запятой,"), "train") is None
    assert pair_row(_pair("Начало длинной шутки здесь", "а" * 201 + "."), "train") is None
