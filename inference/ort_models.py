"""Text models on plain ONNX Runtime: the graphs of an Optimum export, run without torch,
transformers or optimum (importing those took ~9 s of a 12 s ``demotivator make``).

Inputs are fed by name from the graph. A causal LM export may carry a KV cache
(``past_key_values.{i}.key/value`` in, ``present.{i}.key/value`` out) or not (then each step
re-runs the whole sequence); a graph with inputs or outputs not understood here is refused
with a clear :class:`~inference.errors.ModelError` rather than run wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from inference.errors import ModelError
from inference.i18n import tr
from inference.jsonfiles import read_json_file
from inference.model_folders import DOMAIN, FolderInfo

_PAST = re.compile(r"past_key_values\.(\d+)\.(key|value)$")
_PRESENT = re.compile(r"present\.(\d+)\.(key|value)$")
_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}
_LM_INPUTS = {"input_ids", "attention_mask", "position_ids"}
_CLASSIFIER_INPUTS = {"input_ids", "attention_mask", "token_type_ids"}


@dataclass
class Output:
    """What transformers models return, as far as callers here read it."""

    logits: Any


def text_session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    from inference.text_backends import ort_session_options

    options = ort_session_options(threads)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _unsupported(info: FolderInfo, names: list[str]) -> ModelError:
    return ModelError(
        tr("onnx.unsupported_io", DOMAIN, path=str(info.path), names=", ".join(sorted(names)))
    )


def _as_numpy(value: Any) -> tuple[np.ndarray, bool]:
    """(int64 array, whether it came from torch) — callers holding torch get torch back."""
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy().astype(np.int64), True
    return np.asarray(value, dtype=np.int64), False


def _to_caller(array: np.ndarray, as_torch: bool) -> Any:
    if not as_torch:
        return array
    import torch

    return torch.from_numpy(np.ascontiguousarray(array))


def _config(info: FolderInfo, **extra: Any) -> SimpleNamespace:
    return SimpleNamespace(**{**info.config, **extra})


def position_ids(mask: np.ndarray, length: int) -> np.ndarray:
    """As Optimum computes them: count of real tokens so far, left padding at 1."""
    pos = np.cumsum(mask, axis=-1) - 1
    pos[mask == 0] = 1
    return pos[:, -length:]


class OnnxCausalLM:
    """One decoder graph; ``step`` runs new tokens against a cache, ``__call__`` a whole
    sequence (for parity checks that compare logits with the torch model)."""

    def __init__(self, info: FolderInfo, threads: int) -> None:
        assert info.onnx_file is not None
        self.session = text_session(info.onnx_file, threads)
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = [o.name for o in self.session.get_outputs()]
        self.input_names = list(inputs)
        self.output_names = outputs
        past = {n: i for n, i in inputs.items() if _PAST.match(n)}
        odd = [n for n in inputs if n not in _LM_INPUTS and n not in past]
        odd += [n for n in outputs if n != "logits" and not _PRESENT.match(n)]
        if odd or "input_ids" not in inputs or "logits" not in outputs:
            raise _unsupported(info, odd or ["input_ids/logits"])
        self.layers = len(past) // 2
        if sorted(past) != sorted(
            f"past_key_values.{i}.{k}" for i in range(self.layers) for k in ("key", "value")
        ) or any(f"present.{i}.key" not in outputs for i in range(self.layers)):
            raise _unsupported(info, list(past))
        self.can_use_cache = self.layers > 0
        self._mask = "attention_mask" in inputs
        self._positions = "position_ids" in inputs
        if self.can_use_cache:
            first = inputs["past_key_values.0.key"]
            if first.type not in _DTYPES:
                raise _unsupported(info, [f"{first.name}: {first.type}"])
            self.cache_dtype = _DTYPES[first.type]
            self.kv_heads, self.head_dim = self._kv_shape(info, first.shape)
        generation = read_json_file(info.path / "generation_config.json") or {}
        self.config = _config(info, use_cache=self.can_use_cache)
        self.generation_config = SimpleNamespace(eos_token_id=generation.get("eos_token_id"))

    @staticmethod
    def _kv_shape(info: FolderInfo, shape: list[Any]) -> tuple[int, int]:
        """(kv heads, head dim) from the graph, else from config.json."""
        cfg = info.config
        heads = cfg.get("num_key_value_heads") or cfg.get("num_attention_heads") or 0
        head_dim = cfg.get("head_dim") or (
            cfg.get("hidden_size", 0) // max(1, cfg.get("num_attention_heads") or 1)
        )
        if len(shape) == 4:
            heads = shape[1] if isinstance(shape[1], int) else heads
            head_dim = shape[3] if isinstance(shape[3], int) else head_dim
        if not heads or not head_dim:
            raise _unsupported(info, ["past_key_values.0.key"])
        return int(heads), int(head_dim)

    def empty_cache(self, batch: int) -> list[np.ndarray]:
        shape = (batch, self.kv_heads, 0, self.head_dim)
        return [np.zeros(shape, self.cache_dtype) for _ in range(2 * self.layers)]

    def step(
        self, ids: np.ndarray, mask: np.ndarray, cache: list[np.ndarray] | None
    ) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """Logits for ``ids`` (batch × new tokens) given ``mask`` over cache + new tokens;
        returns the updated cache (None for graphs without one)."""
        feed: dict[str, np.ndarray] = {"input_ids": ids}
        if self._mask:
            feed["attention_mask"] = mask
        if self._positions:
            feed["position_ids"] = position_ids(mask, ids.shape[1])
        if self.can_use_cache:
            cache = cache if cache is not None else self.empty_cache(ids.shape[0])
            for i in range(self.layers):
                feed[f"past_key_values.{i}.key"] = cache[2 * i]
                feed[f"past_key_values.{i}.value"] = cache[2 * i + 1]
        out = self.session.run(None, feed)
        named = dict(zip(self.output_names, out, strict=True))
        if not self.can_use_cache:
            return named["logits"], None
        present = []
        for i in range(self.layers):
            present += [named[f"present.{i}.key"], named[f"present.{i}.value"]]
        return named["logits"], present

    def __call__(self, input_ids: Any, attention_mask: Any = None, **_: Any) -> Output:
        ids, as_torch = _as_numpy(input_ids)
        mask = np.ones_like(ids) if attention_mask is None else _as_numpy(attention_mask)[0]
        logits, _cache = self.step(ids, mask, None)
        return Output(_to_caller(logits, as_torch))


class OnnxSequenceClassifier:
    """A BERT-like classifier/regressor graph: ``logits`` from ids, mask and type ids."""

    def __init__(self, info: FolderInfo, threads: int) -> None:
        assert info.onnx_file is not None
        self.session = text_session(info.onnx_file, threads)
        self.input_names = [i.name for i in self.session.get_inputs()]
        outputs = [o.name for o in self.session.get_outputs()]
        odd = [n for n in self.input_names if n not in _CLASSIFIER_INPUTS]
        if odd or "input_ids" not in self.input_names or "logits" not in outputs:
            raise _unsupported(info, odd or ["input_ids/logits"])
        self.config = _config(info)

    def __call__(
        self, input_ids: Any, attention_mask: Any = None, token_type_ids: Any = None, **_: Any
    ) -> Output:
        ids, as_torch = _as_numpy(input_ids)
        given = {"attention_mask": attention_mask, "token_type_ids": token_type_ids}
        defaults = {"attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        feed = {"input_ids": ids}
        for name in self.input_names:
            if name in given:
                value = given[name]
                feed[name] = defaults[name] if value is None else _as_numpy(value)[0]
        (logits,) = self.session.run(["logits"], feed)
        return Output(_to_caller(logits, as_torch))
