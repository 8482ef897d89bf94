"""Loading a text model folder on the ``onnx`` (Optimum + ONNX Runtime) or ``torch``
(transformers) backend, with thread settings and library failures turned into ModelError.

Heavy imports happen inside the functions so that importing :mod:`inference` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from inference.errors import ModelError
from inference.i18n import tr
from inference.model_folders import (
    DOMAIN,
    FolderInfo,
    choose_backend,
    describe_load_error,
    inspect_folder,
)
from inference.runtime_env import default_threads

Task = Literal["causal-lm", "sequence-classification"]


def resolve_threads(threads: int) -> int:
    return threads if threads and threads > 0 else default_threads()


def ort_session_options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = resolve_threads(threads)
    options.inter_op_num_threads = 1  # one graph at a time; the pool is for the matmuls
    options.log_severity_level = 3  # ORT's own warnings are not for end users
    return options


def load_tokenizer(info: FolderInfo, padding_side: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(info.path, local_files_only=True)
    except Exception as exc:  # any library failure here means unusable tokenizer files
        raise ModelError(
            tr("folder.bad_tokenizer", DOMAIN, path=str(info.path), err=str(exc)[:300])
        ) from exc
    tokenizer.padding_side = padding_side
    if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_onnx(info: FolderInfo, task: Task, threads: int) -> Any:
    from optimum.onnxruntime import ORTModelForCausalLM, ORTModelForSequenceClassification

    assert info.onnx_file is not None
    subfolder = info.onnx_file.parent.relative_to(info.path).as_posix()
    cls = ORTModelForCausalLM if task == "causal-lm" else ORTModelForSequenceClassification
    kwargs: dict[str, Any] = {}
    if task == "causal-lm":
        kwargs["use_cache"] = True
    model = cls.from_pretrained(
        info.path,
        subfolder="" if subfolder == "." else subfolder,
        file_name=info.onnx_file.name,
        export=False,  # never convert behind the user's back: that is `demotivator export`
        local_files_only=True,
        provider="CPUExecutionProvider",
        session_options=ort_session_options(threads),
        **kwargs,
    )
    if task == "causal-lm" and not model.can_use_cache:
        # an export without KV cache still works, only slower
        model.config.use_cache = False
        model.generation_config.use_cache = False
    return model


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
        self.tokenizer = load_tokenizer(info, padding_side=self.padding_side)
        self.model: Any = load_model(info, self.backend, self.task, threads)

    # set by subclasses
    task: Task
    padding_side: str
    check_folder: Callable[[FolderInfo], None]

    def close(self) -> None:
        """Drop the model (memory is freed once nothing else refers to it)."""
        self.model = None
