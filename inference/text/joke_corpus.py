"""The bundled collection of real setup → punchline pairs (``resources/jokes/``).

Read once per process (about 10 k pairs, 3 MB). The format is described in
``resources/jokes/README.md``; the file is built by ``training/lite/joke_pairs.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from resources import resource_path

PAIRS_FILE = "pairs.jsonl"


@dataclass(frozen=True)
class JokePair:
    setup: str
    punchline: str
    source: str  # "fortune" | "pyjokes" | "ru-proverbs"
    kind: str = ""  # how the joke was cut: "dialogue" | "sentence" | "turn"
    id: str = ""
    split: str = "train"  # "train" | "validation" | "test", stable across rebuilds


def default_pairs_path() -> Path:
    return resource_path("jokes", PAIRS_FILE)


def read_pairs(path: Path) -> list[JokePair]:
    pairs = []
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                pairs.append(
                    JokePair(
                        setup=row["setup"],
                        punchline=row["punchline"],
                        source=row.get("source", ""),
                        kind=row.get("kind", ""),
                        id=row.get("id", ""),
                        split=row.get("split", "train"),
                    )
                )
    return pairs


@cache
def _bundled() -> tuple[JokePair, ...]:
    path = default_pairs_path()
    return tuple(read_pairs(path)) if path.is_file() else ()


def load_pairs(path: Path | None = None) -> list[JokePair]:
    """Every pair of the collection (the bundled one unless ``path`` is given); an empty
    list when this build ships none."""
    if path is not None:
        return read_pairs(path)
    return list(_bundled())


def bundled_pairs() -> tuple[JokePair, ...]:
    """The bundled collection as a shared, immutable tuple (no copy per call)."""
    return _bundled()
