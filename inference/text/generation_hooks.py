"""Hooks into ``transformers`` generation shared by both backends (torch and ONNX Runtime).

The sampling chain is built here from :class:`~inference.core.params.GenerationParams` alone
(repetition penalty → temperature → top-k → top-p, the order ``generate`` itself uses), and
``generate`` gets a GenerationConfig whose own knobs are all neutral, so no default from a
model's ``generation_config.json`` can change the result.

Log-probabilities are taken from the **raw** logits (before repetition penalty, temperature
and truncation): they measure how likely the model itself finds the ending, independent of
the sampling settings, which is what likelihood ranking needs. A recorder placed first in
the processor chain keeps one step of log-softmax (batch × vocab, not the whole history —
``output_logits`` would hold steps × batch × 150k floats for a real Qwen vocabulary).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from transformers import (
    GenerationConfig,
    LogitsProcessor,
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    StoppingCriteria,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from inference.core.params import GenerationParams
from inference.core.progress import Progress

# re-exported: these used to live here and torch-free callers import them from token_rows
from inference.text.token_rows import first_stop, is_greedy, mean_logprob, tokens_covering

__all__ = [
    "RawLogprobRecorder",
    "TokenStepHook",
    "build_generation_config",
    "build_processors",
    "first_stop",
    "is_greedy",
    "mean_logprob",
    "tokens_covering",
]


class RawLogprobRecorder(LogitsProcessor):
    """Keeps log-softmax of the raw logits of the current step; changes nothing."""

    def __init__(self) -> None:
        self.last: torch.Tensor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.Tensor:
        self.last = torch.log_softmax(scores.float(), dim=-1)
        return scores


class TokenStepHook(StoppingCriteria):
    """Called once per generated token step (after the token is chosen): reports progress,
    records each row's log-probability of its new token, stops everything on cancel, and
    stops a single row once ``row_done(new_ids)`` says its text is complete (``generate``
    then pads that row and ends when no row is left)."""

    def __init__(
        self,
        progress: Progress,
        recorder: RawLogprobRecorder,
        row_done: Callable[[list[int]], bool] | None = None,
        prompt_len: int = 0,
        on_step: Callable[[list[list[int]]], None] | None = None,
    ) -> None:
        self.progress = progress
        self.on_step = on_step  # every row's new tokens so far, after each step (streaming)
        self.recorder = recorder
        self.row_done, self.prompt_len = row_done, prompt_len
        self.steps = 0
        self._logprobs: list[torch.Tensor] = []
        self._done: set[int] = set()

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs
    ) -> torch.BoolTensor:
        self.steps += 1
        if self.recorder.last is not None:
            chosen = input_ids[:, -1:].to(self.recorder.last.device)
            self._logprobs.append(self.recorder.last.gather(1, chosen).squeeze(1).cpu())
        self.progress.advance()
        if self.on_step is not None:
            self.on_step(input_ids[:, self.prompt_len :].tolist())
        stop = self.progress.cancelled
        rows = torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)
        if self.row_done is not None and not stop:
            for b in range(input_ids.shape[0]):
                if b in self._done or self.row_done(input_ids[b, self.prompt_len :].tolist()):
                    self._done.add(b)
                    rows[b] = True
        return rows

    def token_logprobs(self) -> torch.Tensor:
        """(batch, steps) log-probabilities of the generated tokens."""
        if not self._logprobs:
            return torch.zeros((0, 0))
        return torch.stack(self._logprobs, dim=1)


def build_processors(params: GenerationParams, recorder: RawLogprobRecorder) -> LogitsProcessorList:
    processors: list[LogitsProcessor] = [recorder]
    if params.repetition_penalty and params.repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(params.repetition_penalty))
    if not is_greedy(params):
        if params.temperature != 1.0:
            processors.append(TemperatureLogitsWarper(params.temperature))
        if params.top_k and params.top_k > 0:
            processors.append(TopKLogitsWarper(params.top_k))
        if params.top_p is not None and params.top_p < 1.0:
            processors.append(TopPLogitsWarper(params.top_p))
    return LogitsProcessorList(processors)


def build_generation_config(
    params: GenerationParams, n: int, eos_ids: list[int], pad_id: int, use_cache: bool
) -> GenerationConfig:
    """Built from scratch: only length, count and special tokens; sampling is in the
    processors above (``generate`` must be called with ``use_model_defaults=False``)."""
    sample = not is_greedy(params)
    return GenerationConfig(
        do_sample=sample,
        num_beams=1,
        max_new_tokens=params.max_new_tokens,
        min_new_tokens=0,
        num_return_sequences=n if sample else 1,  # greedy rows would all be identical
        eos_token_id=eos_ids,
        pad_token_id=pad_id,
        bos_token_id=None,
        use_cache=use_cache,
        # neutral values: generate() adds no processor of its own
        temperature=1.0,
        top_k=0 if sample else 50,
        top_p=1.0,
        repetition_penalty=1.0,
        return_dict_in_generate=False,
    )
