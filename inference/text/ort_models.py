"""Text models on plain ONNX Runtime: the graphs of an Optimum export, run without torch,
transformers or optimum (importing those took ~9 s of a 12 s ``demotivator make``).

Inputs are fed by name from the graph. A causal LM export may carry a KV cache
(``past_key_values.{i}.key/value`` in, ``present.{i}.key/value`` out) or not (then each step
re-runs the whole sequence); a graph with inputs or outputs not understood here is refused
with a clear :class:`~inference.core.errors.ModelError` rather than run wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.jsonfiles import read_json_file
from inference.text.model_folders import DOMAIN, FolderInfo

_PAST = re.compile(r"past_key_values\.(\d+)\.(key|value)$")
_PRESENT = re.compile(r"present\.(\d+)\.(key|value)$")
_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}
_LM_INPUTS = {"input_ids", "attention_mask", "position_ids"}
_CLASSIFIER_INPUTS = {"input_ids", "attention_mask", "token_type_ids"}
_BRANCH = "use_cache_branch"
_KV = ("key", "value")


@dataclass
class Output:
    """What transformers models return, as far as callers here read it."""

    logits: Any


def text_session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    from inference.core import ort_options  # looked up per call: bench experiments swap it

    options = ort_options.session_options(threads)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _unsupported(path: Path, names: list[str]) -> ModelError:
    return ModelError(
        tr("onnx.unsupported_io", DOMAIN, path=str(path), names=", ".join(sorted(names)))
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


@dataclass
class _DecoderGraph:
    """One decoder session and the names it takes and gives."""

    path: Path
    session: Any
    inputs: dict[str, Any]  # name -> onnxruntime NodeArg
    outputs: list[str]
    layers: int  # past_key_values pairs it takes (0: no cache input)
    presents: int  # present pairs it gives
    branch: bool  # older Optimum's merged decoder: a boolean ``use_cache_branch`` input


def _complete(names: list[str], prefix: str, count: int) -> bool:
    return sorted(names) == sorted(f"{prefix}.{i}.{k}" for i in range(count) for k in _KV)


def _decoder_graph(path: Path, threads: int) -> _DecoderGraph:
    """Open ``path`` and check that every input and output is one this module feeds/reads."""
    session = text_session(path, threads)
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = [o.name for o in session.get_outputs()]
    past = [n for n in inputs if _PAST.match(n)]
    present = [n for n in outputs if _PRESENT.match(n)]
    odd = [n for n in inputs if n not in _LM_INPUTS and n not in past and n != _BRANCH]
    odd += [n for n in outputs if n != "logits" and n not in present]
    if odd or "input_ids" not in inputs or "logits" not in outputs:
        raise _unsupported(path, odd or ["input_ids/logits"])
    layers, presents = len(past) // 2, len(present) // 2
    if not _complete(past, "past_key_values", layers):
        raise _unsupported(path, past)
    if not _complete(present, "present", presents) or (layers and presents != layers):
        raise _unsupported(path, present)
    branch = _BRANCH in inputs
    # the merged decoder's switch: a bool that only makes sense next to a cache input
    if branch and (inputs[_BRANCH].type != "tensor(bool)" or not layers):
        raise _unsupported(path, [f"{_BRANCH}: {inputs[_BRANCH].type}"])
    return _DecoderGraph(path, session, inputs, outputs, layers, presents, branch)


class OnnxCausalLM:
    """A causal LM export; ``step`` runs new tokens against a cache, ``__call__`` a whole
    sequence (for parity checks that compare logits with the torch model).

    Three layouts of Optimum exports are run with a KV cache: the single graph of current
    Optimum (past inputs, empty on the first step); older Optimum's merged decoder (the same,
    plus ``use_cache_branch``: False on the first step, True after); its pair of decoders
    (``decoder_model.onnx`` reads the prompt and returns the cache,
    ``decoder_with_past_model.onnx`` takes every later token). A graph without past inputs
    re-reads the whole sequence every token, with a warning in ``warnings``."""

    def __init__(self, info: FolderInfo, threads: int) -> None:
        assert info.onnx_file is not None
        first = _decoder_graph(info.onnx_file, threads)
        second = _decoder_graph(info.onnx_with_past, threads) if info.onnx_with_past else None
        if second is not None and not second.layers:  # misnamed: it takes no cache
            second = None
        self._decode = second or first
        # the prompt goes to the first graph unless it cannot hand the cache on
        prompt_ok = second is None or first.presents == second.layers
        self._prefill = first if prompt_ok else second
        self.session = first.session
        self.input_names = list(first.inputs)
        self.output_names = first.outputs
        self.layers = self._decode.layers
        self.can_use_cache = self.layers > 0
        self.warnings: list[str] = []
        if self.can_use_cache:
            past = self._decode.inputs["past_key_values.0.key"]
            if past.type not in _DTYPES:
                raise _unsupported(self._decode.path, [f"{past.name}: {past.type}"])
            self.cache_dtype = _DTYPES[past.type]
            self.kv_heads, self.head_dim = self._kv_shape(info, self._decode.path, past.shape)
        else:  # works, but every token costs a whole forward pass over the text so far
            self.warnings.append(tr("onnx.no_kv_cache", DOMAIN, path=str(info.onnx_file)))
        generation = read_json_file(info.path / "generation_config.json") or {}
        self.config = _config(info, use_cache=self.can_use_cache)
        self.generation_config = SimpleNamespace(eos_token_id=generation.get("eos_token_id"))

    @staticmethod
    def _kv_shape(info: FolderInfo, path: Path, shape: list[Any]) -> tuple[int, int]:
        """(kv heads, head dim) from the graph, else from config.json."""
        if len(shape) != 4:  # e.g. old BLOOM exports fold heads into the batch axis
            raise _unsupported(path, [f"past_key_values.0.key: {shape}"])
        cfg = info.config
        heads = cfg.get("num_key_value_heads") or cfg.get("num_attention_heads") or 0
        head_dim = cfg.get("head_dim") or (
            cfg.get("hidden_size", 0) // max(1, cfg.get("num_attention_heads") or 1)
        )
        heads = shape[1] if isinstance(shape[1], int) else heads
        head_dim = shape[3] if isinstance(shape[3], int) else head_dim
        if not heads or not head_dim:
            raise _unsupported(path, ["past_key_values.0.key"])
        return int(heads), int(head_dim)

    def empty_cache(self, batch: int) -> list[np.ndarray]:
        """A cache of length 0. On the merged decoder's no-cache branch it is never read, but
        the graph still declares the inputs; recent Optimum feeds this same empty past there."""
        shape = (batch, self.kv_heads, 0, self.head_dim)
        return [np.zeros(shape, self.cache_dtype) for _ in range(2 * self.layers)]

    def step(
        self, ids: np.ndarray, mask: np.ndarray, cache: list[np.ndarray] | None
    ) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """Logits for ``ids`` (batch × new tokens) given ``mask`` over cache + new tokens;
        returns the updated cache (None for graphs without one)."""
        graph = self._prefill if cache is None else self._decode
        feed: dict[str, np.ndarray] = {"input_ids": ids}
        if "attention_mask" in graph.inputs:
            feed["attention_mask"] = mask
        if "position_ids" in graph.inputs:
            feed["position_ids"] = position_ids(mask, ids.shape[1])
        if graph.layers:
            past = cache if cache is not None else self.empty_cache(ids.shape[0])
            for i in range(graph.layers):
                feed[f"past_key_values.{i}.key"] = past[2 * i]
                feed[f"past_key_values.{i}.value"] = past[2 * i + 1]
        if graph.branch:
            feed[_BRANCH] = np.array([cache is not None])
        present = [f"present.{i}.{k}" for i in range(self.layers) for k in _KV]
        wanted = ["logits", *present] if self.can_use_cache else ["logits"]
        logits, *new_cache = graph.session.run(wanted, feed)
        return logits, new_cache if self.can_use_cache else None

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
            raise _unsupported(info.onnx_file, odd or ["input_ids/logits"])
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
