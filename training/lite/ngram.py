"""Unigram and bigram token models: the baselines the lite generator's perplexity is judged
against, and a sampler of fluent-looking nonsense for the ranker's negatives.

Both are fitted on exactly the (previous token, target token) positions the generator is
trained on — the same tokenizer, the same texts, the same loss mask — so the perplexities
compare like with like. Smoothing: add-one for the unigram; interpolated absolute
discounting (the core of Kneser–Ney, with the unigram as the lower order) for the bigram.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from training.generator_data import IGNORE


def positions(example: dict[str, list[int]]) -> Iterable[tuple[int, int]]:
    """(previous, target) for every token of ``example`` that carries a loss."""
    ids, labels = example["input_ids"], example["labels"]
    for i in range(1, len(ids)):
        if labels[i] != IGNORE:
            yield ids[i - 1], ids[i]


class BigramModel:
    def __init__(self, vocab_size: int, discount: float = 0.75) -> None:
        self.vocab_size = vocab_size
        self.discount = discount
        self.unigram = np.zeros(vocab_size, dtype=np.float64)
        self.bigram: dict[int, dict[int, int]] = {}

    def fit(self, examples: Iterable[dict[str, list[int]]]) -> BigramModel:
        for example in examples:
            for prev, target in positions(example):
                self.unigram[target] += 1
                row = self.bigram.setdefault(prev, {})
                row[target] = row.get(target, 0) + 1
        self._uni_p = (self.unigram + 1.0) / (self.unigram.sum() + self.vocab_size)
        self._row_total = {p: sum(r.values()) for p, r in self.bigram.items()}
        return self

    def unigram_logprob(self, target: int) -> float:
        return float(np.log(self._uni_p[target]))

    def bigram_logprob(self, prev: int, target: int) -> float:
        row = self.bigram.get(prev)
        if not row:
            return self.unigram_logprob(target)
        total = self._row_total[prev]
        seen = max(row.get(target, 0) - self.discount, 0.0) / total
        backoff = self.discount * len(row) / total
        return float(np.log(seen + backoff * self._uni_p[target]))

    def distribution(self, prev: int) -> np.ndarray:
        """P(· | prev) over the whole vocabulary (for sampling)."""
        row = self.bigram.get(prev)
        if not row:
            return self._uni_p.copy()
        total = self._row_total[prev]
        p = self._uni_p * (self.discount * len(row) / total)
        for target, count in row.items():
            p[target] += max(count - self.discount, 0.0) / total
        return p / p.sum()

    def nll(self, examples: Iterable[dict[str, list[int]]]) -> dict[str, Any]:
        """Summed negative log-likelihood of both models and the number of tokens."""
        uni = bi = 0.0
        n = 0
        for example in examples:
            for prev, target in positions(example):
                uni -= self.unigram_logprob(target)
                bi -= self.bigram_logprob(prev, target)
                n += 1
        return {"unigram_nll": uni, "bigram_nll": bi, "tokens": n}

    def sample(
        self, prev: int, max_new: int, rng: np.random.Generator, stop: set[int]
    ) -> list[int]:
        out: list[int] = []
        for _ in range(max_new):
            token = int(rng.choice(self.vocab_size, p=self.distribution(prev)))
            if token in stop:
                break
            out.append(token)
            prev = token
        return out
