"""Real endings from the bundled collection, for the lite generator.

The lite generator is small and seldom makes sense; when the user's beginning is the
beginning of a joke in the collection («Штирлиц готов был сдаться», «Встречаются два
программиста»), that joke's real ending joins the candidates, marked as coming from the
collection, and the ranker chooses among generated and collected ones. Two kinds of match:

- *prefix*: the joke starts with the user's words (same word stems, in order) — the ending
  is the rest of the joke;
- *same setup*: the setup and the beginning share nearly all their word stems — the ending
  is the punchline.
"""

from __future__ import annotations

import re

from inference.core.params import Candidate, full_joke
from inference.text.few_shot import STEM_CHARS, bundled_retriever, stems
from inference.text.joke_corpus import JokePair, bundled_pairs
from inference.text.joke_filter import SOURCE_COLLECTION
from inference.text.postprocess import normalise

MAX_COLLECTION_ENDINGS = 3
MAX_ENDING_CHARS = 300
SAME_SETUP_SHARE = 0.8  # of each side's stems found in the other
SEARCH_DEPTH = 40  # the closest setups looked at
_WORD_RE = re.compile(r"\w+(?:-\w+)*")


def _stem(word: str) -> str:
    return normalise(word)[:STEM_CHARS]


def prefix_rest(prompt: str, joke: str) -> str | None:
    """The text of ``joke`` after its first words when they are the words of ``prompt``
    (same stems, in order); None otherwise or when nothing is left."""
    wanted = [_stem(w) for w in _WORD_RE.findall(prompt)]
    if not wanted:
        return None
    words = list(_WORD_RE.finditer(joke))
    if len(words) <= len(wanted):
        return None
    if any(_stem(m.group(0)) != w for m, w in zip(words, wanted, strict=False)):
        return None
    rest = joke[words[len(wanted) - 1].end() :].strip()
    return rest or None


def same_setup(prompt: str, setup: str) -> bool:
    a, b = set(stems(prompt)), set(stems(setup))
    if not a or not b:
        return False
    common = len(a & b)
    return common / len(a) >= SAME_SETUP_SHARE and common / len(b) >= SAME_SETUP_SHARE


def ending_for(prompt: str, pair: JokePair) -> str | None:
    rest = prefix_rest(prompt, full_joke(pair.setup, pair.punchline))
    if rest is None and same_setup(prompt, pair.setup):
        rest = pair.punchline
    if rest is None or len(rest) > MAX_ENDING_CHARS:
        return None
    return rest.lstrip(",;: ")


def collection_candidates(prompt: str, limit: int = MAX_COLLECTION_ENDINGS) -> list[Candidate]:
    """Up to ``limit`` real endings for ``prompt`` (closest setups first)."""
    pairs = bundled_pairs()
    out: list[Candidate] = []
    for i in bundled_retriever().nearest(prompt, SEARCH_DEPTH):
        ending = ending_for(prompt, pairs[i])
        if ending and all(c.text != ending for c in out):
            meta = {"source": SOURCE_COLLECTION, "collection_id": pairs[i].id}
            meta["collection_source"] = pairs[i].source
            out.append(Candidate(text=ending, meta=meta))
        if len(out) >= limit:
            break
    return out
