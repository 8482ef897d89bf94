"""A prompt's fixed beginning read once (issue 18, levers 2 and 6: reuse what you can).

Every scene request starts with the same system prompt (about 105 of its ~150 tokens for a
Qwen chat template), and every ending request with the joke system prompt (84 of its
~210-250 tokens, whatever few-shot examples follow). Reading the prompt (prefill) is most
of what a one-sentence scene costs and all of what the first streamed ending waits for. The
KV cache of that common beginning is computed once per loaded model and per kind of
request; later requests only read what follows it. ONNX path only (the default); the cache
is a few MB (layers × 2 × kv heads × head size × tokens floats).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class PrefixCache:
    """``split(ids)`` gives ``(tokens already read, their cache)`` for a prompt that starts
    with the fixed ``prefix`` (computed on first use), else ``(0, None)``."""

    def __init__(self, model: Any, prefix: list[int]) -> None:
        self.model, self.prefix = model, list(prefix)
        self._cache: list[np.ndarray] | None = None

    def split(self, ids: list[int]) -> tuple[int, list[np.ndarray] | None]:
        k = len(self.prefix)
        # at least one token of the prompt's own must be left to read
        if k == 0 or len(ids) <= k or ids[:k] != self.prefix or not self.model.can_use_cache:
            return 0, None
        if self._cache is None:
            head = np.asarray([self.prefix], dtype=np.int64)
            _, self._cache = self.model.step(head, np.ones_like(head), None)
        return k, self._cache
