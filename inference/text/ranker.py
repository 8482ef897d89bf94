"""Ranker stage: a BERT-like sequence regressor (one output) scores joke texts in batches.

Backends: plain ONNX Runtime (``onnx``, the default; :mod:`inference.text.ort_models`, no torch)
or transformers' ``AutoModelForSequenceClassification`` (``torch``). Higher score = funnier.

Two optional files in a ranker folder make its numbers readable:

``joke_gate.json``   ``{"threshold": t, …}``: the model also says whether a text is a joke
                     ending at all (the bundled lite ranker is trained for that); a text
                     scoring below ``t`` is not one (assistant talk, a label, an echo, debris).
``score_scale.json`` ``{"reference": [q0, …, q100]}``: the model's scores on held-out real
                     jokes at every percentile, so a score reads as "better than P % of them"
                     (0–100) whatever the target's own scale is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.text.model_folders import DOMAIN, FolderInfo, require_weights_and_tokenizer
from inference.text.text_backends import TextModel, model_max_length

BATCH_SIZE = 16  # bounded memory for long candidate lists; one batch for the usual 6
GATE_FILE = "joke_gate.json"
SCALE_FILE = "score_scale.json"
REASON_NOT_JOKE = "not_a_joke"  # Candidate.meta["filtered_reason"] set by the gate


def _read_json(path: Path) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or unreadable: the ranker still ranks, without this extra
    return data if isinstance(data, dict) else None


def read_gate_threshold(folder: str | Path) -> float | None:
    data = _read_json(Path(folder) / GATE_FILE)
    value = data.get("threshold") if data else None
    return float(value) if isinstance(value, int | float) else None


def read_score_scale(folder: str | Path) -> list[float] | None:
    data = _read_json(Path(folder) / SCALE_FILE)
    ref = data.get("reference") if data else None
    if not isinstance(ref, list) or len(ref) < 2:
        return None
    try:
        return sorted(float(v) for v in ref)
    except (TypeError, ValueError):
        return None


def to_percent(score: float, reference: list[float]) -> float:
    """Where ``score`` falls among the reference scores, 0–100 (linear between them)."""
    import bisect

    if score <= reference[0]:
        return 0.0
    if score >= reference[-1]:
        return 100.0
    i = bisect.bisect_right(reference, score)
    lo, hi = reference[i - 1], reference[i]
    frac = (score - lo) / (hi - lo) if hi > lo else 0.0
    return 100.0 * (i - 1 + frac) / (len(reference) - 1)


def check_ranker_folder(info: FolderInfo) -> None:
    archs = info.architectures
    if archs and not any(a.endswith("ForSequenceClassification") for a in archs):
        raise ModelError(
            tr("ranker.wrong_kind", DOMAIN, path=str(info.path), kind=", ".join(archs))
        )
    if info.num_labels != 1:
        raise ModelError(
            tr("ranker.not_regressor", DOMAIN, path=str(info.path), labels=info.num_labels)
        )
    require_weights_and_tokenizer(info)


class TextRanker(TextModel):
    """Implements :class:`inference.core.stages.Ranker` for both backends."""

    task = "sequence-classification"
    padding_side = "right"
    check_folder = staticmethod(check_ranker_folder)

    def __init__(self, path: str | Path, backend: str = "onnx", threads: int = 0) -> None:
        super().__init__(path, backend, threads)
        self.max_length = model_max_length(self.tokenizer, self.model.config)
        self.gate_threshold = read_gate_threshold(path)
        self.score_scale = read_score_scale(path)

    def percent(self, score: float) -> float | None:
        """The score on a 0–100 scale a person reads, if the folder says how."""
        return None if self.score_scale is None else to_percent(score, self.score_scale)

    def score(self, texts: list[str]) -> list[float]:
        """One score per text, same order; texts longer than the model takes are cut."""
        if self.model is None:
            raise ModelError(tr("ranker.closed", DOMAIN))
        scores: list[float] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = [t if t.strip() else " " for t in texts[start : start + BATCH_SIZE]]
            logits = self._logits(batch)
            scores.extend(float(v) for v in logits.reshape(len(batch), -1)[:, 0])
        return scores

    def _logits(self, batch: list[str]) -> Any:
        def encode(tensors: str) -> dict[str, Any]:
            return self.tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors=tensors,
            )

        if self.backend == "onnx":  # numpy in, numpy out: no torch on this path
            return self.model(**encode("np")).logits
        import torch

        with torch.inference_mode():
            return self.model(**encode("pt")).logits


def load_ranker(path: str | Path, backend: str = "onnx", threads: int = 0) -> TextRanker:
    """Load a sequence-regression folder (num_labels=1); same fallback rules as the
    generator (a warning in ``ranker.warnings`` when the other backend is used)."""
    return TextRanker(path, backend, threads)
