"""Few-shot examples for a joke beginning, drawn from the bundled collection.

A model shown a few real setup → punchline pairs answers with a punchline instead of a
chatbot reply; fixed examples get copied, so each request draws its own: the pairs whose
setup is most like the user's beginning (BM25 over crude word stems — the first
:data:`STEM_CHARS` letters, enough for Russian endings), then a seeded draw from that pool
per group of rows, so groups see different examples and a seed repeats them exactly.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from inference.text.joke_corpus import JokePair, bundled_pairs
from inference.text.postprocess import normalise

STEM_CHARS = 5
EXAMPLES_PER_SET = 3
POOL_SIZE = 16  # the closest pairs a set is drawn from
MAX_EXAMPLE_CHARS = 220  # setup + punchline: short examples keep the prompt short
ROWS_PER_GROUP = 5  # rows of one batch share one example set (and one prompt cache)
BM25_K1, BM25_B = 1.2, 0.75


def stems(text: str) -> list[str]:
    return [w[:STEM_CHARS] for w in normalise(text).split() if len(w) > 2]


@dataclass
class Retriever:
    """BM25 over the stems of the setups."""

    pairs: Sequence[JokePair]

    def __post_init__(self) -> None:
        self.docs = [Counter(stems(p.setup)) for p in self.pairs]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg_length = (sum(self.lengths) / len(self.lengths)) if self.docs else 1.0
        self.postings: dict[str, list[int]] = {}
        for i, doc in enumerate(self.docs):
            for stem in doc:
                self.postings.setdefault(stem, []).append(i)
        n = len(self.docs)
        self.idf = {
            s: math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5))
            for s, ids in self.postings.items()
        }

    def scores(self, text: str) -> dict[int, float]:
        out: dict[int, float] = {}
        for stem in set(stems(text)):
            idf = self.idf.get(stem, 0.0)
            for i in self.postings.get(stem, ()):
                tf = self.docs[i][stem]
                norm = tf + BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[i] / self.avg_length)
                out[i] = out.get(i, 0.0) + idf * tf * (BM25_K1 + 1) / norm
        return out

    def nearest(self, text: str, k: int, allowed: set[int] | None = None) -> list[int]:
        """Indices of the ``k`` best-scoring pairs (ties by index); fewer when fewer match."""
        scored = self.scores(text)
        ranked = sorted(
            (i for i in scored if allowed is None or i in allowed), key=lambda i: (-scored[i], i)
        )
        return ranked[:k]


@cache
def bundled_retriever() -> Retriever:
    return Retriever(bundled_pairs())


@cache
def _short_examples() -> frozenset[int]:
    return frozenset(
        i
        for i, p in enumerate(bundled_pairs())
        if len(p.setup) + len(p.punchline) <= MAX_EXAMPLE_CHARS and p.split == "train"
    )


def example_pool(prompt: str, size: int = POOL_SIZE) -> list[JokePair]:
    """The ``size`` short training pairs closest to ``prompt``; topped up with the first
    short pairs by a fixed order when the beginning shares few words with the collection."""
    pairs = bundled_pairs()
    if not pairs:
        return []
    allowed = set(_short_examples())
    chosen = bundled_retriever().nearest(prompt, size, allowed)
    if len(chosen) < size:
        # a stable, prompt-independent spread of the collection (every 97th short pair)
        spare = [i for i in sorted(allowed)[::97] if i not in chosen]
        chosen += spare[: size - len(chosen)]
    return [pairs[i] for i in chosen]


def example_sets(
    prompt: str, groups: int, seed: int | None, per_set: int = EXAMPLES_PER_SET
) -> list[list[tuple[str, str]]]:
    """``groups`` example sets of ``per_set`` (setup, punchline) pairs each, drawn without
    repeats inside a set from the pool for ``prompt``; the same seed gives the same sets."""
    pool = example_pool(prompt)
    if not pool or per_set <= 0:
        return [[] for _ in range(groups)]
    rng = random.Random(f"few-shot:{seed}:{normalise(prompt)}")
    sets = []
    for _ in range(groups):
        picked = rng.sample(pool, min(per_set, len(pool)))
        sets.append([(p.setup, p.punchline) for p in picked])
    return sets


def derived_seed(seed: int, part: int) -> int:
    """The seed of part ``part`` (a row group, a top-up round) of a run seeded ``seed``:
    ``seed`` itself for part 0, otherwise a mix that never equals a neighbouring run's
    seeds (seed + 1 would repeat the next seed's first group)."""
    return seed if part == 0 else (seed * 1_000_003 + part) % (2**31 - 1)


def group_sizes(rows: int, per_group: int = ROWS_PER_GROUP) -> list[int]:
    """Rows split into near-equal groups of at most ``per_group`` (10 → 5 + 5, 7 → 4 + 3)."""
    groups = max(1, math.ceil(rows / per_group))
    base, extra = divmod(rows, groups)
    return [base + (1 if g < extra else 0) for g in range(groups)]
