"""Torch-free helpers shared by both generation paths (transformers' ``generate`` and the
lean ONNX Runtime loop): what counts as greedy, where a row stops, which tokens made the
kept text and their mean log-probability."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from inference.core.params import GenerationParams


def is_greedy(params: GenerationParams) -> bool:
    """``temperature == 0`` means greedy decoding (parity checks, scene descriptions)."""
    return params.temperature <= 0


def first_stop(ids: Sequence[int], stop_ids: set[int]) -> int | None:
    """Position of the first stop/pad token in a generated row, if any."""
    for i, token in enumerate(ids):
        if token in stop_ids:
            return i
    return None


def tokens_covering(decode: Callable[[list[int]], str], ids: list[int], end_char: int) -> int:
    """Smallest k such that ``decode(ids[:k])`` reaches ``end_char`` characters: the tokens
    that produced the kept part of the text (binary search, a handful of decodes)."""
    if end_char <= 0:
        return 0
    lo, hi = 1, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        if len(decode(ids[:mid])) >= end_char:
            hi = mid
        else:
            lo = mid + 1
    return lo


def mean_logprob(row: Any, k: int) -> float | None:
    """Mean of the first ``k`` values of a 1-D torch tensor or numpy array."""
    if k <= 0 or len(row) == 0:
        return None
    return float(row[:k].mean())


# A joke ending longer than this many sentences is cut here (the candidate filter keeps at
# most two): decoding further only costs time. Measured on real weights: docs/performance.md.
MAX_SENTENCES = 2


def row_end(raw: str, max_sentences: int = MAX_SENTENCES) -> int | None:
    """Where a row's decoded text (special tokens kept) is complete, or None while it may
    still go on: an end-of-turn marker, a blank line or a new turn (``find_end``), or the
    end of its ``max_sentences``-th sentence once the text goes past it (the next sentence
    has started, so an abbreviation's dot at the very end does not count)."""
    from inference.text.postprocess import _SENTENCE_END_RE, find_end

    end = find_end(raw, finished=True)
    if end < len(raw):
        return end
    count = 0
    for match in _SENTENCE_END_RE.finditer(raw):
        if raw[: match.start()].strip():
            count += 1
        if count >= max_sentences and raw[match.end() :].strip():
            return match.end()
    return None
