"""Ranker stage: a BERT-like sequence regressor (one output) scores joke texts in batches.

Backends: plain ONNX Runtime (``onnx``, the default; :mod:`inference.ort_models`, no torch)
or transformers' ``AutoModelForSequenceClassification`` (``torch``). Higher score = funnier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inference.errors import ModelError
from inference.i18n import tr
from inference.model_folders import DOMAIN, FolderInfo, require_weights_and_tokenizer
from inference.text_backends import TextModel, model_max_length

BATCH_SIZE = 16  # bounded memory for long candidate lists; one batch for the usual 6


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
    """Implements :class:`inference.stages.Ranker` for both backends."""

    task = "sequence-classification"
    padding_side = "right"
    check_folder = staticmethod(check_ranker_folder)

    def __init__(self, path: str | Path, backend: str = "onnx", threads: int = 0) -> None:
        super().__init__(path, backend, threads)
        self.max_length = model_max_length(self.tokenizer, self.model.config)

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
