"""Generators that speak the OpenAI chat-completions protocol: a GGUF file run in-process by
llama.cpp (:mod:`inference.text.llamacpp_generator`) and a local LLM server
(:mod:`inference.text.server_generator`). Both send the same request body and read the same
stream of chunks, so sampling, progress, cancel, thinking-off and the turn from raw text to
candidates live here once.

The server applies the model's own chat template. Rows come in groups like the ONNX/PyTorch
generator's, each with its own few-shot examples and seed (:mod:`inference.text.few_shot`);
each group is one request for its rows as choices from one prompt (llama.cpp evaluates the
prompt once and copies its cache to the other slots), and the groups run one after
another (the same seed gives the same jokes). Requests ask for per-token log-probabilities
(ranking without a ranker) and ``enable_thinking: false`` for Qwen3-family templates. A
request stops once each of its rows has ended (end of turn or a third sentence,
:func:`row_end`), and the rows become candidates through :mod:`inference.text.candidates`,
like every backend's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from inference.core.errors import Cancelled
from inference.core.params import Candidate, GenerationParams
from inference.core.progress import STAGE_GENERATE, STAGE_VISUAL_PROMPT, Progress
from inference.text.candidates import answer_text, row_candidate, row_groups
from inference.text.chat import build_generation_messages, render_plain_prompt
from inference.text.few_shot import EXAMPLES_PER_SET, ROWS_PER_GROUP, derived_seed
from inference.text.postprocess import after_thinking, find_end
from inference.text.token_rows import row_end
from inference.text.visual_prompt import (
    SCENE_MAX_NEW_TOKENS,
    build_scene_messages,
    scene_or_fallback,
)

MAX_CHOICES = 16  # llama.cpp's server refuses n > 16; settings cap candidates there too


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
    # cache_prompt off: a prompt evaluated anew gives the same numbers every time, so a seed
    # repeats its jokes (llama.cpp's reused prefix differs in the last bits)
    body.update(n=n or ask.n, stream=True, logprobs=True, cache_prompt=False)
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
    shape) into one row per choice index, from one or several requests at once (each sees
    it through :meth:`view`, which shifts its indices); reports a token step whenever the
    longest row grows. A view answers True ("stop") once the run is cancelled, or once
    every row of its request has ended."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.texts: dict[int, list[str]] = {}
        self.tokens: dict[int, list[tuple[str, float]]] = {}
        self.finish: dict[int, str | None] = {}
        self.steps: dict[int, int] = {}
        self._ended: set[int] = set()  # rows complete by row_end before their request ends
        self._reported = 0
        self._lock = threading.Lock()

    def view(self, offset: int, n: int) -> View:
        return View(self, offset, n)

    @property
    def stopping(self) -> bool:
        return self.progress.cancelled

    def add(
        self, index: int, text: str, logprobs: list[tuple[str, float]], finish: str | None
    ) -> None:
        with self._lock:
            self.texts.setdefault(index, [])
            self.tokens.setdefault(index, [])
            if text:
                self.texts[index].append(text)
                if index not in self._ended and row_end("".join(self.texts[index])) is not None:
                    self._ended.add(index)
            self.tokens[index].extend(logprobs)
            if text or logprobs:
                self.steps[index] = self.steps.get(index, 0) + max(1, len(logprobs))
            if finish:
                self.finish[index] = finish
            longest = max(self.steps.values(), default=0)
            step, self._reported = longest - self._reported, max(longest, self._reported)
        if step > 0:
            self.progress.advance(step)

    def all_ended(self, indices: range) -> bool:
        with self._lock:
            return all(i in self._ended or self.finish.get(i) for i in indices)

    def rows(self) -> list[dict[str, Any]]:
        return [self._row(i) for i in sorted(self.texts)]

    def _row(self, index: int) -> dict[str, Any]:
        content = "".join(self.texts[index])
        start = after_thinking(content)
        answer = content[start:]
        finished = self.finish.get(index) == "stop"
        cut = None if finished else row_end(answer)
        end = find_end(answer, finished=finished) if cut is None else cut
        logprob, used = _mean_logprob(self.tokens[index], start + end)
        return {
            "text": answer[:end],
            "raw": content,
            "finished": finished or cut is not None,
            "generated_tokens": self.steps.get(index, 0),
            "tokens": used,
            "logprob": logprob,
        }


class View:
    """One request's window on the collector: its choice ``i`` is row ``offset + i``."""

    def __init__(self, collector: StreamCollector, offset: int, n: int) -> None:
        self.collector, self.offset, self.n = collector, offset, n
        self.progress = collector.progress
        self.stop_rows = True  # stop once its rows ended (not for a scene description)

    def part(self, index: int, n: int) -> View:
        """The rows ``index…index+n`` of this view (one of several requests for them)."""
        view = View(self.collector, self.offset + index, n)
        view.stop_rows = self.stop_rows
        return view

    @property
    def stopping(self) -> bool:
        return self.collector.stopping

    def received(self) -> int:
        """How many of its rows got anything (a server that ignores ``n`` sends one)."""
        return sum(1 for i in range(self.offset, self.offset + self.n) if i in self.collector.texts)

    def add(
        self, index: int, text: str, logprobs: list[tuple[str, float]], finish: str | None
    ) -> bool:
        self.collector.add(self.offset + index, text, logprobs, finish)
        return self.done()

    def done(self) -> bool:
        if self.stopping:
            return True
        rows = range(self.offset, self.offset + self.n)
        return self.stop_rows and self.collector.all_ended(rows)

    def __call__(self, chunk: dict[str, Any]) -> bool:
        """Feed one chunk; True means: stop this request."""
        if self.stopping:
            return True
        for choice in chunk.get("choices") or []:
            self.collector.add(
                self.offset + int(choice.get("index", 0)),
                _choice_text(choice),
                _choice_logprobs(choice),
                choice.get("finish_reason"),
            )
        return self.done()


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
    """Implements :class:`inference.core.stages.Generator` over a chat-completions engine;
    subclasses provide :meth:`_stream` (send one request, feed its chunks to a view)."""

    name: str
    backend: str
    model_id: str = ""  # the model name sent to a server ("" for in-process)

    def __init__(self) -> None:
        self.few_shot: list[tuple[str, str]] = []  # fixed examples instead of drawn ones
        self.examples_per_prompt = EXAMPLES_PER_SET  # 0: no few-shot examples
        self.rows_per_group = ROWS_PER_GROUP  # rows that share one example set and prompt
        self.warnings: list[str] = []

    @property
    def has_chat_template(self) -> bool:
        return True

    def generate(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[Candidate]:
        """``n`` cleaned endings, one per row, none left out (the pipeline's joke filter
        judges them), in groups with their own few-shot examples and seeds."""
        n = max(1, min(n, MAX_CHOICES))
        plan = row_groups(
            prompt, n, params.seed, self.few_shot, self.rows_per_group, self.examples_per_prompt
        )
        asks = [
            self._ask(prompt, examples, size, params, g) for g, (size, examples) in enumerate(plan)
        ]
        rows = self._run(asks, progress, STAGE_GENERATE)
        groups = [g for g, (size, _) in enumerate(plan) for _ in range(size)]
        return [
            row_candidate(row, prompt, self.backend, i, groups[i], plan[groups[i]][1])
            for i, row in enumerate(rows)
        ]

    def raw_batch(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[dict[str, Any]]:
        """The rows of one request before any filtering (tests, the benchmark)."""
        ask = self._ask(prompt, self.few_shot, max(1, min(n, MAX_CHOICES)), params, 0)
        return self._run([ask], progress, STAGE_GENERATE)

    def _ask(
        self,
        prompt: str,
        examples: list[tuple[str, str]],
        n: int,
        params: GenerationParams,
        group: int,
    ) -> Ask:
        if params.seed is not None and group:
            # not seed + g: that would repeat the next seed's first group
            params = replace(params, seed=derived_seed(params.seed, group))
        if self.has_chat_template:
            return Ask(build_generation_messages(prompt, examples or None), "", n, params)
        return Ask(None, render_plain_prompt(prompt, examples or None), n, params)

    def describe_scene(self, joke: str, params: GenerationParams, progress: Progress) -> str:
        """A short English scene from the same model; the cleaned joke when the model has
        no chat template or writes nothing usable."""
        if not self.has_chat_template:
            progress.stage(STAGE_VISUAL_PROMPT, total=0)
            progress.finish()
            return scene_or_fallback("", joke)
        scene_params = replace(params, temperature=0.0, max_new_tokens=SCENE_MAX_NEW_TOKENS)
        ask = Ask(build_scene_messages(joke), "", 1, scene_params)
        rows = self._run([ask], progress, STAGE_VISUAL_PROMPT, stop_rows=False)
        return scene_or_fallback(answer_text(rows[0]) if rows else "", joke)

    def _run(
        self, asks: list[Ask], progress: Progress, stage: str, stop_rows: bool = True
    ) -> list[dict[str, Any]]:
        """The ``asks`` one after another, rows in ask order. Not side by side: llama.cpp's
        numbers depend on what shares a batch, and a seed must give the same jokes again."""
        steps = asks[0].params.max_new_tokens
        progress.stage(stage, total=steps * len(asks))
        rows: list[dict[str, Any]] = []
        for ask in asks:
            progress.check()
            collector = StreamCollector(progress)
            view = collector.view(0, ask.n)
            view.stop_rows = stop_rows  # a scene description runs to its own end
            self._stream(ask, view)
            if progress.cancelled:
                raise Cancelled()
            rows += collector.rows()
        progress.finish()
        return rows

    def _stream(self, ask: Ask, view: View) -> None:
        """Send ``ask`` and feed every streamed chunk to ``view`` until it says stop
        (subclasses)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine (subclasses)."""
