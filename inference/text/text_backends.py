"""Loading a text model folder on the ``onnx`` (plain ONNX Runtime) or ``torch``
(transformers) backend, with thread settings and library failures turned into ModelError.

The ``onnx`` backend needs only onnxruntime, numpy, tokenizers and jinja2
(:mod:`inference.text.ort_models`, :mod:`inference.text.fast_tokenizer`): importing torch,
transformers and optimum cost ~9 s of a 12 s poster with the lite models. Heavy imports
happen inside the functions so that importing :mod:`inference` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.runtime_env import default_threads
from inference.text.model_folders import (
    DOMAIN,
    FolderInfo,
    choose_backend,
    describe_load_error,
    inspect_folder,
)

Task = Literal["causal-lm", "sequence-classification"]


def resolve_threads(threads: int) -> int:
    return threads if threads and threads > 0 else default_threads()


# transformers 4.57.3+ warns that *any* local tokenizer whose config.json was written by a
# 4.57.3–4.x transformers has "Mistral's incorrect regex" — Qwen's included. Saying
# fix_mistral_regex=False for a model that is no Mistral silences only that false alarm.
MISTRAL_MODEL_TYPES = ("mistral", "mistral3", "voxtral", "ministral", "pixtral")


def _transformers_tokenizer(info: FolderInfo) -> Any:
    from transformers import AutoTokenizer

    extra = {} if info.model_type in MISTRAL_MODEL_TYPES else {"fix_mistral_regex": False}
    return AutoTokenizer.from_pretrained(info.path, local_files_only=True, **extra)


def load_tokenizer(info: FolderInfo, padding_side: str, backend: str = "torch") -> Any:
    """transformers' tokenizer for ``torch``; for ``onnx`` the lean one over tokenizer.json
    (a folder without tokenizer.json still gets transformers' slow tokenizer)."""
    try:
        if backend == "onnx" and (info.path / "tokenizer.json").is_file():
            from inference.text.fast_tokenizer import load_fast_tokenizer

            tokenizer = load_fast_tokenizer(info)
        else:
            tokenizer = _transformers_tokenizer(info)
    except Exception as exc:  # any library failure here means unusable tokenizer files
        raise ModelError(
            tr("folder.bad_tokenizer", DOMAIN, path=str(info.path), err=str(exc)[:300])
        ) from exc
    tokenizer.padding_side = padding_side
    if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_onnx(info: FolderInfo, task: Task, threads: int) -> Any:
    from inference.text.ort_models import OnnxCausalLM, OnnxSequenceClassifier

    if task == "causal-lm":
        return OnnxCausalLM(info, threads)
    return OnnxSequenceClassifier(info, threads)


def _load_torch(info: FolderInfo, task: Task, threads: int) -> Any:
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    torch.set_num_threads(resolve_threads(threads))
    cls = AutoModelForCausalLM if task == "causal-lm" else AutoModelForSequenceClassification
    # float32 on CPU: bf16/fp16 checkpoints are slow or unsupported in many CPU kernels
    model = cls.from_pretrained(info.path, dtype=torch.float32, local_files_only=True)
    return model.eval()


def load_model(info: FolderInfo, backend: str, task: Task, threads: int) -> Any:
    try:
        if backend == "onnx":
            return _load_onnx(info, task, threads)
        return _load_torch(info, task, threads)
    except ModelError:
        raise
    except Exception as exc:  # truncated safetensors, invalid protobuf, shape mismatch…
        raise describe_load_error(info, backend, exc) from exc


def model_max_length(tokenizer: Any, config: Any, fallback: int = 512) -> int:
    """The longest input the model takes: the tokenizer's limit when it is real (unset
    limits are a huge sentinel), capped by the position embeddings."""
    limits = [fallback]
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 1_000_000:
        limits = [tok_limit]
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        limits.append(positions)
    return min(limits)


class TextModel:
    """What both text stages hold: the model on its backend, its tokenizer, the folder, the
    display name and the warnings met while loading (e.g. a backend fallback)."""

    def __init__(self, path: str | Path, backend: str, threads: int) -> None:
        info = inspect_folder(path)
        self.check_folder(info)
        self.backend, self.warnings = choose_backend(info, backend)
        self.info = info
        self.name = info.name
        self.tokenizer = load_tokenizer(info, self.padding_side, self.backend)
        self.model: Any = load_model(info, self.backend, self.task, threads)
        # notes from the graph itself, e.g. an ONNX decoder that runs without a KV cache
        if self.backend == "onnx":
            self.warnings += getattr(self.model, "warnings", [])

    # set by subclasses
    task: Task
    padding_side: str
    check_folder: Callable[[FolderInfo], None]

    def close(self) -> None:
        """Drop the model (memory is freed once nothing else refers to it)."""
        self.model = None
