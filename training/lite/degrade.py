"""The lite ranker's training data: each real joke next to degraded versions of itself.

What the lite ranker learns is **not** humour: with no votes in the registries' texts, it
learns to tell a real corpus entry from text that went wrong — which is still what the app
needs when it picks among the lite generator's candidates. One group per real joke
(beginning + real ending, joined as the app joins them with
:func:`inference.core.params.full_joke`), with these negatives:

``generated``   the same beginning + endings sampled by the lite generator;
``mismatched``  the same beginning + the ending of another joke;
``shuffled``    the real ending with its words in random order;
``truncated``   the real ending cut off after 30–70 % of its words;
``bigram``      the same beginning + tokens sampled from the bigram baseline (when a
                trained generator's tokenizer is at hand);
``assistant``, ``label``, ``echo``, ``debris``  what an instruct model writes instead of a
                punchline (:mod:`training.lite.junk`): these teach the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from inference.core.params import full_joke
from training.lite.junk import MAKERS as JUNK_MAKERS

NEGATIVE_KINDS = ("generated", "mismatched", "shuffled", "truncated", "bigram", *JUNK_MAKERS)


@dataclass(frozen=True)
class Labeled:
    group: str  # the real joke's id: texts of one group are compared with each other
    kind: str  # "real" or one of NEGATIVE_KINDS
    text: str

    @property
    def label(self) -> float:
        return 1.0 if self.kind == "real" else 0.0


def shuffled_words(text: str, rng: np.random.Generator) -> str | None:
    words = text.split()
    if len(words) < 3:
        return None
    for _ in range(5):  # a permutation that actually changes the order
        order = rng.permutation(len(words))
        if any(i != j for i, j in enumerate(order)):
            return " ".join(words[i] for i in order)
    return None


def truncated_words(text: str, rng: np.random.Generator) -> str | None:
    words = text.split()
    if len(words) < 3:
        return None
    keep = max(1, min(len(words) - 1, int(round(len(words) * rng.uniform(0.3, 0.7)))))
    return " ".join(words[:keep])


def bigram_ending(
    setup: str, tokenizer: Any, bigram: Any, rng: np.random.Generator, n_tokens: int
) -> str:
    ids = tokenizer(setup, add_special_tokens=False)["input_ids"]
    stop = {tokenizer.eos_token_id, tokenizer.pad_token_id}
    sampled = bigram.sample(ids[-1] if ids else tokenizer.pad_token_id, n_tokens, rng, stop)
    return tokenizer.decode(sampled).strip()


def build_groups(
    pairs: list[dict[str, Any]],
    generated: list[list[str]],
    tokenizer: Any,
    bigram: Any | None,
    seed: int,
) -> list[Labeled]:
    """All texts of all groups, in a fixed order (same seed, same output)."""
    rng = np.random.default_rng(seed)
    out: list[Labeled] = []
    for i, pair in enumerate(pairs):
        setup, ending, gid = pair["setup"], pair["punchline"], pair["id"]
        out.append(Labeled(gid, "real", full_joke(setup, ending)))
        for text in generated[i]:
            # an ending that copies the real one (a memorised joke) is no negative
            if text.strip() and text.strip() != ending.strip():
                out.append(Labeled(gid, "generated", full_joke(setup, text)))
        other = pairs[(i + 1 + int(rng.integers(max(1, len(pairs) - 1)))) % len(pairs)]
        other = other["punchline"]
        if other.strip() != ending.strip():
            out.append(Labeled(gid, "mismatched", full_joke(setup, other)))
        for kind, make in (("shuffled", shuffled_words), ("truncated", truncated_words)):
            text = make(ending, rng)
            if text:
                out.append(Labeled(gid, kind, full_joke(setup, text)))
        if bigram is not None:
            n_tokens = max(3, len(tokenizer(ending, add_special_tokens=False)["input_ids"]))
            text = bigram_ending(setup, tokenizer, bigram, rng, n_tokens)
            if text:
                out.append(Labeled(gid, "bigram", full_joke(setup, text)))
        for kind, make in JUNK_MAKERS.items():
            text = make(setup, other, rng).strip()
            if text and text != ending.strip():
                out.append(Labeled(gid, kind, full_joke(setup, text)))
    return out


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve = P(score of a random positive > a random negative), ties
    counted one half (the Mann–Whitney statistic)."""
    from training.metrics import average_ranks

    pos = labels > 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = average_ranks(np.asarray(scores, dtype=float))
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
