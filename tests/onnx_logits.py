"""Logits of an exported generator graph (merged decoder, nothing cached yet), straight from
ONNX Runtime: for tests that compare two exports of one model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TOKENS = [5, 17, 3, 99, 42, 7, 300, 11]


def graph_logits(path: Path, tokens: list[int] = TOKENS) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ids = np.array([tokens], dtype=np.int64)
    feed: dict[str, np.ndarray] = {}
    for meta in session.get_inputs():
        if meta.name == "input_ids":
            feed[meta.name] = ids
        elif meta.name == "attention_mask":
            feed[meta.name] = np.ones_like(ids)
        elif meta.name == "position_ids":
            feed[meta.name] = np.arange(ids.shape[1], dtype=np.int64)[None]
        else:  # past_key_values.*: batch 1, nothing cached yet
            shape = [d if isinstance(d, int) else 0 for d in meta.shape]
            feed[meta.name] = np.zeros([1, *shape[1:]], dtype=np.float32)
    return session.run(["logits"], feed)[0]
