"""Torch-free helpers shared by both generation paths (transformers' ``generate`` and the
lean ONNX Runtime loop): what counts as greedy, where a row stops, which tokens made the
kept text and their mean log-probability."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from inference.params import GenerationParams


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
