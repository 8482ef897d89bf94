"""Generators that speak the OpenAI chat-completions protocol: a GGUF file run in-process by
llama.cpp (:mod:`inference.llamacpp_generator`) and a local LLM server
(:mod:`inference.server_generator`). Both send the same request body and read the same
stream of chunks, so sampling, progress, cancel, thinking-off and the turn from raw text to
candidates live here once.

The server applies the model's own chat template; the request asks for N choices from one
prompt (llama.cpp evaluates the prompt once and copies its cache to the other slots), per
token log-probabilities (for ranking without a ranker) and ``enable_thinking: false`` for
Qwen3-family templates (any ``<think>`` block that still comes back is stripped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from inference.candidates import candidates_from_rows
from inference.chat import build_generation_messages, render_plain_prompt
from inference.errors import Cancelled
from inference.params import Candidate, GenerationParams
from inference.postprocess import find_end
from inference.progress import STAGE_GENERATE, STAGE_VISUAL_PROMPT, Progress
from inference.visual_prompt import SCENE_MAX_NEW_TOKENS, build_scene_messages, scene_or_fallback

MAX_CHOICES = 16  # llama.cpp's server refuses n > 16; settings cap candidates there too
_THINK_RE = re.compile(r"^\s*<think>.*?(?:</think>\s*|$)", re.S)


def strip_thinking(text: str) -> tuple[str, int]:
    """``text`` without a leading ``<think>…</think>`` block (an unclosed one is all
    thinking) and how many characters were cut from its start."""
    match = _THINK_RE.match(text)
    if not match:
        return text, 0
    return text[match.end() :], match.end()


def sampling_body(params: GenerationParams, seed: int | None) -> dict[str, Any]:
    """The sampling fields of a request. ``top_k``/``repeat_penalty`` are llama.cpp's and LM
    Studio's names, ``repetition_penalty`` vLLM's; servers ignore the names they lack."""
    body: dict[str, Any] = {
        "temperature": max(0.0, params.temperature),
        "top_p": params.top_p,
        "top_k": params.top_k,
        "repeat_penalty": params.repetition_penalty,
        "repetition_penalty": params.repetition_penalty,
        "max_tokens": params.max_new_tokens,
    }
    if seed is not None:
        body["seed"] = seed
    return body


@dataclass(frozen=True)
class Ask:
    """What one generation asks for: chat ``messages`` (None: ``plain`` continuation text
    for a model without a chat template), ``n`` choices and the sampling parameters."""

    messages: list[dict[str, str]] | None
    plain: str
    n: int
    params: GenerationParams


def chat_body(ask: Ask, seed: int | None, model: str = "", n: int = 0) -> dict[str, Any]:
    """One streaming request for ``n`` (default ``ask.n``) choices: the chat endpoint's
    body, or the completions endpoint's for a plain prompt."""
    body = sampling_body(ask.params, seed)
    body.update(n=n or ask.n, stream=True, logprobs=True)
    if model:
        body["model"] = model
    if ask.messages is not None:
        body["messages"] = ask.messages
        body["top_logprobs"] = 1  # 0 turns llama.cpp's log-probabilities off altogether
        body["chat_template_kwargs"] = {"enable_thinking": False}
    else:
        body["prompt"] = ask.plain
        body["logprobs"] = 1  # the completions endpoint counts alternatives here
    return body


class StreamCollector:
    """Gathers streamed chunks (OpenAI ``chat.completion.chunk`` / ``text_completion``
    shape) into one row per choice index; reports a token step whenever the longest row
    grows, and answers True ("stop") once the run is cancelled."""

    def __init__(self, progress: Progress, index_offset: int = 0) -> None:
        self.progress = progress
        self.offset = index_offset
        self.texts: dict[int, list[str]] = {}
        self.tokens: dict[int, list[tuple[str, float]]] = {}
        self.finish: dict[int, str | None] = {}
        self.steps: dict[int, int] = {}
        self._reported = 0

    def __call__(self, chunk: dict[str, Any]) -> bool:
        if self.progress.cancelled:
            return True
        for choice in chunk.get("choices") or []:
            self.add(
                int(choice.get("index", 0)),
                _choice_text(choice),
                _choice_logprobs(choice),
                choice.get("finish_reason"),
            )
        return self.progress.cancelled

    def add(
        self, index: int, text: str, logprobs: list[tuple[str, float]], finish: str | None
    ) -> None:
        index += self.offset
        self.texts.setdefault(index, [])
        self.tokens.setdefault(index, [])
        if text:
            self.texts[index].append(text)
        self.tokens[index].extend(logprobs)
        if text or logprobs:
            self.steps[index] = self.steps.get(index, 0) + max(1, len(logprobs))
        if finish:
            self.finish[index] = finish
        longest = max(self.steps.values(), default=0)
        if longest > self._reported:
            self.progress.advance(longest - self._reported)
            self._reported = longest

    def rows(self) -> list[dict[str, Any]]:
        return [self._row(i) for i in sorted(self.texts)]

    def _row(self, index: int) -> dict[str, Any]:
        content, cut = strip_thinking("".join(self.texts[index]))
        finished = self.finish.get(index) == "stop"
        end = find_end(content, finished=finished)
        logprob, used = _mean_logprob(self.tokens[index], cut + end)
        return {
            "text": content[:end],
            "raw": content,
            "finished": finished,
            "generated_tokens": self.steps.get(index, 0),
            "tokens": used,
            "logprob": logprob,
        }


def _choice_text(choice: dict[str, Any]) -> str:
    delta = choice.get("delta")
    if isinstance(delta, dict):
        return delta.get("content") or ""
    message = choice.get("message")
    if isinstance(message, dict):
        return message.get("content") or ""
    return choice.get("text") or ""


def _choice_logprobs(choice: dict[str, Any]) -> list[tuple[str, float]]:
    logprobs = choice.get("logprobs")
    if not isinstance(logprobs, dict):
        return []
    content = logprobs.get("content")
    if isinstance(content, list):  # chat: [{token, logprob}, …]
        return [
            (str(t.get("token", "")), float(t["logprob"]))
            for t in content
            if isinstance(t, dict) and isinstance(t.get("logprob"), int | float)
        ]
    tokens, values = logprobs.get("tokens"), logprobs.get("token_logprobs")
    if isinstance(tokens, list) and isinstance(values, list):  # completions
        return [(str(t), float(v)) for t, v in zip(tokens, values, strict=False) if v is not None]
    return []


def _mean_logprob(tokens: list[tuple[str, float]], end_char: int) -> tuple[float | None, int]:
    """Mean log-probability of the tokens that produced the first ``end_char`` characters
    (the kept ending), and how many tokens that was."""
    if not tokens or end_char <= 0:
        return None, 0
    total, used, length = 0.0, 0, 0
    for text, value in tokens:
        total += value
        used += 1
        length += len(text)
        if length >= end_char:
            break
    return total / used, used


class ChatApiGenerator:
    """Implements :class:`inference.stages.Generator` over a chat-completions engine;
    subclasses provide :meth:`_stream` (send one request, feed chunks to the collector)."""

    name: str
    backend: str
    model_id: str = ""  # the model name sent to a server ("" for in-process)
    few_shot: list[tuple[str, str]]
    warnings: list[str]

    def __init__(self) -> None:
        self.few_shot = []
        self.warnings = []

    @property
    def has_chat_template(self) -> bool:
        return True

    def generate(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[Candidate]:
        """Up to ``n`` cleaned endings (fewer after filtering; never raises for that)."""
        rows = self.raw_batch(prompt, n, params, progress)
        return candidates_from_rows(rows, prompt, self.backend)

    def raw_batch(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[dict[str, Any]]:
        few_shot = self.few_shot or None
        if self.has_chat_template:
            messages, plain = build_generation_messages(prompt, few_shot), ""
        else:
            messages, plain = None, render_plain_prompt(prompt, few_shot)
        ask = Ask(messages, plain, max(1, min(n, MAX_CHOICES)), params)
        return self._run(ask, progress, STAGE_GENERATE)

    def describe_scene(self, joke: str, params: GenerationParams, progress: Progress) -> str:
        """A short English scene from the same model; the cleaned joke when the model has
        no chat template or writes nothing usable."""
        if not self.has_chat_template:
            progress.stage(STAGE_VISUAL_PROMPT, total=0)
            progress.finish()
            return scene_or_fallback("", joke)
        scene_params = replace(params, temperature=0.0, max_new_tokens=SCENE_MAX_NEW_TOKENS)
        ask = Ask(build_scene_messages(joke), "", 1, scene_params)
        rows = self._run(ask, progress, STAGE_VISUAL_PROMPT)
        return scene_or_fallback(rows[0]["raw"] if rows else "", joke)

    def _run(self, ask: Ask, progress: Progress, stage: str) -> list[dict[str, Any]]:
        progress.stage(stage, total=ask.params.max_new_tokens)
        progress.check()
        collector = StreamCollector(progress)
        self._stream(ask, collector)
        if progress.cancelled:
            raise Cancelled()
        progress.finish()
        return collector.rows()

    def _stream(self, ask: Ask, collector: StreamCollector) -> None:
        """Send ``ask`` and feed every streamed chunk to ``collector`` (subclasses)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine (subclasses)."""
