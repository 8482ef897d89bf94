"""Generator stage: a Qwen2-family causal LM writes N joke endings in one batched call.

Both backends share the prompt, the stop ids, the row format and the text clean-up
(:mod:`inference.text.postprocess`). ``torch`` runs transformers' ``generate`` with sampling,
progress, cancel and log-probabilities hooked in by :mod:`inference.text.generation_hooks`;
``onnx`` (the default) runs the same semantics in numpy over plain ONNX Runtime
(:mod:`inference.text.ort_decoder`), so a poster never imports torch or transformers.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from inference.core.errors import Cancelled, ModelError
from inference.core.i18n import tr
from inference.core.params import Candidate, GenerationParams
from inference.core.progress import STAGE_GENERATE, STAGE_VISUAL_PROMPT, Progress
from inference.text.candidates import answer_text, row_candidate, row_groups
from inference.text.chat import has_chat_template, render_generation_prompt, render_scene_prompt
from inference.text.few_shot import EXAMPLES_PER_SET, ROWS_PER_GROUP, derived_seed
from inference.text.model_folders import DOMAIN, FolderInfo, require_weights_and_tokenizer
from inference.text.postprocess import STOP_MARKERS, find_end
from inference.text.text_backends import TextModel, model_max_length
from inference.text.visual_prompt import SCENE_MAX_NEW_TOKENS, scene_done, scene_or_fallback

# Qwen2-architecture decoders (Qwen2/2.5 and the same-shaped Qwen3) that Optimum exports.
SUPPORTED_MODEL_TYPES = ("qwen2", "qwen3")


def check_generator_folder(info: FolderInfo) -> None:
    archs = info.architectures
    is_causal = not archs or any(a.endswith("ForCausalLM") for a in archs)
    if info.model_type not in SUPPORTED_MODEL_TYPES or not is_causal:
        kind = info.model_type or "?"
        if archs:
            kind += f" / {', '.join(archs)}"
        raise ModelError(tr("generator.wrong_kind", DOMAIN, path=str(info.path), kind=kind))
    require_weights_and_tokenizer(info)


class TextGenerator(TextModel):
    """Implements :class:`inference.core.stages.Generator` for both backends."""

    task = "causal-lm"
    padding_side = "left"  # batched rows must end where generation starts
    check_folder = staticmethod(check_generator_folder)

    def __init__(self, path: str | Path, backend: str = "onnx", threads: int = 0) -> None:
        super().__init__(path, backend, threads)
        # an over-long prompt keeps its end: the user's beginning comes last
        self.tokenizer.truncation_side = "left"
        self.few_shot: list[tuple[str, str]] = []  # fixed examples instead of drawn ones
        self.examples_per_prompt = EXAMPLES_PER_SET  # 0: no few-shot examples
        self.rows_per_group = ROWS_PER_GROUP  # rows that share one example set and prompt
        self.max_length = model_max_length(self.tokenizer, self.model.config, fallback=2048)
        self.stop_ids = self._stop_ids()
        self._prefixes: dict[str, Any] = {}  # stage -> its prompts' fixed beginning, read once

    # --- protocol ------------------------------------------------------------------------
    @property
    def has_chat_template(self) -> bool:
        return has_chat_template(self.tokenizer)

    def generate(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[Candidate]:
        """``n`` cleaned endings, one per row, none left out: the candidate filter
        (:mod:`inference.text.joke_filter`) judges them in the pipeline and keeps its reasons.
        Rows come in small groups, each prompted with its own few-shot examples from the
        bundled collection (:mod:`inference.text.few_shot`; ``few_shot`` set by hand overrides
        them), so candidates do not all copy the same examples."""
        plan = row_groups(
            prompt, max(1, n), params.seed, self.few_shot, self.rows_per_group,
            self.examples_per_prompt,
        )  # fmt: skip
        candidates: list[Candidate] = []
        written: list[str] = []  # earlier groups' endings, shown while later ones stream
        stream = self._stream_to(progress, written) if getattr(progress, "wants_texts", 0) else None
        texts = [render_generation_prompt(self.tokenizer, prompt, ex or None) for _, ex in plan]
        seeded = [
            params if params.seed is None else replace(params, seed=derived_seed(params.seed, g))
            for g in range(len(plan))
        ]

        def add(g: int, rows: list[dict[str, Any]]) -> None:
            for row in rows:
                index = len(candidates)
                candidates.append(row_candidate(row, prompt, self.backend, index, g, plan[g][1]))
                written.append(candidates[-1].text)

        if self.backend == "onnx" and self.model.can_use_cache:  # every group in one batch
            sizes = [size for size, _ in plan]
            grouped_rows = self._run_groups(texts, sizes, seeded, progress, STAGE_GENERATE, stream)
            for g, rows in enumerate(grouped_rows):
                add(g, rows)
            return candidates
        grouped = _GroupedProgress(progress, len(plan))
        for g, (text, (size, _)) in enumerate(zip(texts, plan, strict=True)):
            add(g, self._run(text, size, seeded[g], grouped, STAGE_GENERATE, stream))
        return candidates

    def describe_scene(self, joke: str, params: GenerationParams, progress: Progress) -> str:
        """A short English scene for the image model; a cleaned joke when the model has no
        chat template or writes nothing usable."""
        if not self.has_chat_template:
            progress.stage(STAGE_VISUAL_PROMPT, total=0)
            progress.finish()
            return scene_or_fallback("", joke)
        text = render_scene_prompt(self.tokenizer, joke)
        scene_params = replace(params, temperature=0.0, max_new_tokens=SCENE_MAX_NEW_TOKENS)
        rows = self._run(text, 1, scene_params, progress, STAGE_VISUAL_PROMPT)
        return scene_or_fallback(answer_text(rows[0]) if rows else "", joke)

    def raw_batch(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[dict[str, Any]]:
        """The rows of one batched call before filtering (tests and diagnostics)."""
        text = render_generation_prompt(self.tokenizer, prompt, self.few_shot or None)
        return self._run(text, n, params, progress, STAGE_GENERATE)

    # --- internals -----------------------------------------------------------------------
    def _stop_ids(self) -> set[int]:
        ids: set[int] = set()
        for source in (
            self.tokenizer.eos_token_id,
            getattr(self.model.generation_config, "eos_token_id", None),
        ):
            if isinstance(source, int):
                ids.add(source)
            elif isinstance(source, list | tuple):
                ids.update(i for i in source if isinstance(i, int))
        vocab = self.tokenizer.get_vocab()
        ids.update(vocab[m] for m in STOP_MARKERS if m in vocab)
        if self.tokenizer.pad_token_id is not None:
            ids.add(self.tokenizer.pad_token_id)  # finished rows are padded with it
        return ids

    def _run(
        self, text: str, n: int, params: GenerationParams, progress: Progress, stage: str,
        on_rows: Any = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        return self._run_groups([text], [n], [params], progress, stage, on_rows)[0]

    def _run_groups(
        self, texts: list[str], sizes: list[int], params: list[GenerationParams],
        progress: Progress, stage: str, on_rows: Any = None,
    ) -> list[list[dict[str, Any]]]:  # fmt: skip
        """The rows of each prompt (``sizes[g]`` rows for ``texts[g]``): ONNX decodes them
        all in one batch; torch takes one prompt per call."""
        if self.model is None:
            raise ModelError(tr("generator.closed", DOMAIN))
        progress.stage(stage, total=params[0].max_new_tokens)
        progress.check()
        prompts = [self._prompt_ids(t, p) for t, p in zip(texts, params, strict=True)]
        # joke endings stop at their end of turn or second sentence (issue 18, lever 1), a
        # scene at its first sentence (lever 2)
        joke = stage == STAGE_GENERATE
        row_done = self._row_done if joke else self._scene_done
        if self.backend == "onnx":
            outs = self._generate_onnx(prompts, sizes, params, progress, stage, row_done, on_rows)
        else:
            (prompt_ids,), (n,), (torch_params,) = prompts, sizes, params
            outs = [
                self._generate_torch(prompt_ids, n, torch_params, progress, row_done, on_rows)
            ]
        if progress.cancelled:
            raise Cancelled()
        progress.finish()
        return [self._rows(ids, logprobs, steps, joke) for ids, logprobs, steps in outs]

    def _prompt_ids(self, text: str, params: GenerationParams) -> list[int]:
        budget = max(1, self.max_length - params.max_new_tokens)
        return self.tokenizer(
            text, add_special_tokens=False, truncation=True, max_length=budget
        )["input_ids"]

    def _rows(
        self, generated: list[list[int]], logprobs: Any, steps: int, joke: bool
    ) -> list[dict[str, Any]]:
        from inference.text.token_rows import first_stop, mean_logprob, row_end, tokens_covering

        def decode(ids: list[int]) -> str:
            return self.tokenizer.decode(ids, skip_special_tokens=False)

        rows = []
        for b, ids in enumerate(generated):
            stop = first_stop(ids, self.stop_ids)
            body = ids if stop is None else ids[:stop]
            raw = decode(body)
            cut = row_end(raw) if stop is None and joke else None
            finished = stop is not None or cut is not None
            end = find_end(raw, finished=finished) if cut is None else cut
            k = tokens_covering(decode, body, end)
            rows.append(
                {
                    "text": raw[:end],
                    "raw": raw,
                    "ids": ids,
                    "finished": finished,
                    "generated_tokens": len(body),
                    "tokens": k,
                    "logprob": mean_logprob(logprobs[b], k) if logprobs.size else None,
                    "steps": steps,
                }
            )
        return rows

    def _row_done(self, ids: list[int]) -> bool:
        from inference.text.token_rows import row_end

        return row_end(self.tokenizer.decode(ids, skip_special_tokens=False)) is not None

    def _stream_to(self, progress: Progress, written: list[str]) -> Any:
        """A per-step callback that shows every row's ending so far (issue 18, lever 6)."""

        def on_rows(rows: Any) -> None:
            rows = rows.tolist() if hasattr(rows, "tolist") else rows
            progress.show_texts([*written, *(self._partial_text(ids) for ids in rows)])

        return on_rows

    def _partial_text(self, ids: list[int]) -> str:
        from inference.text.postprocess import after_thinking
        from inference.text.token_rows import first_stop

        stop = first_stop(ids, self.stop_ids)
        raw = self.tokenizer.decode(ids if stop is None else ids[:stop], skip_special_tokens=True)
        return raw[after_thinking(raw) :].strip()

    def _prefix_read(self, stage: str, ids: list[int]) -> tuple[int, Any]:
        """The fixed beginning of the stage's prompts from a cache (issue 18, levers 2 and 6):
        the system prompt that every ending request (with any few-shot examples) and every
        scene request starts with is read once per loaded model; only the rest is read
        for each request, so the first ending streams sooner."""
        from inference.text.prefix_cache import PrefixCache, common_prefix

        if stage not in self._prefixes:

            def prompt_ids(text: str) -> list[int]:
                return self.tokenizer(text, add_special_tokens=False)["input_ids"]

            if stage == STAGE_VISUAL_PROMPT:
                a = prompt_ids(render_scene_prompt(self.tokenizer, "а"))
                b = prompt_ids(render_scene_prompt(self.tokenizer, "б"))
            else:  # two requests that share nothing but their fixed part
                a = prompt_ids(render_generation_prompt(self.tokenizer, "а", [("в", "г")]))
                b = prompt_ids(render_generation_prompt(self.tokenizer, "б", None))
            self._prefixes[stage] = PrefixCache(self.model, a[: common_prefix(a, b)])
        return self._prefixes[stage].split(ids)

    def _scene_done(self, ids: list[int]) -> bool:
        return scene_done(self.tokenizer.decode(ids, skip_special_tokens=True))

    def _generate_onnx(
        self, prompts: list[list[int]], sizes: list[int], params: list[GenerationParams],
        progress: Progress, stage: str, row_done: Any = None, on_rows: Any = None,
    ) -> list[tuple[list[list[int]], Any, int]]:  # fmt: skip
        """The lean path: numpy sampling over ONNX Runtime (no torch imported), every
        prompt's rows in one batch, each prompt's fixed beginning from the prefix cache."""
        import numpy as np

        from inference.text.ort_decoder import Group, generate_groups

        groups = [
            Group(np.asarray([ids], dtype=np.int64), n, p.seed, self._prefix_read(stage, ids))
            for ids, n, p in zip(prompts, sizes, params, strict=True)
        ]
        outs = generate_groups(
            self.model, groups, params[0], self.stop_ids, self.tokenizer.pad_token_id,
            progress, row_done, on_rows,
        )  # fmt: skip
        return [(out.ids.tolist(), out.logprobs, out.steps) for out in outs]

    def _generate_torch(
        self, prompt_ids: list[int], n: int, params: GenerationParams, progress: Progress,
        row_done: Any = None, on_rows: Any = None,
    ) -> tuple[list[list[int]], Any, int]:  # fmt: skip
        """transformers' ``generate`` with the hooks of :mod:`inference.text.generation_hooks`."""
        import torch
        from transformers import StoppingCriteriaList

        from inference.text.generation_hooks import (
            RawLogprobRecorder,
            TokenStepHook,
            build_generation_config,
            build_processors,
        )

        input_ids = torch.tensor([prompt_ids], dtype=torch.long)
        recorder = RawLogprobRecorder()
        hook = TokenStepHook(progress, recorder, row_done, len(prompt_ids), on_rows)
        config = build_generation_config(
            params,
            n,
            sorted(self.stop_ids),
            self.tokenizer.pad_token_id,
            self.model.config.use_cache,
        )
        if params.seed is not None:
            torch.manual_seed(params.seed)
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                generation_config=config,
                logits_processor=build_processors(params, recorder),
                stopping_criteria=StoppingCriteriaList([hook]),
                use_model_defaults=False,
            )
        generated = out[:, input_ids.shape[1] :].tolist()
        return generated, hook.token_logprobs().numpy(), hook.steps


class _GroupedProgress:
    """One progress bar over several batches: the first batch opens the stage with the
    total of all of them, the last one closes it; cancel is the caller's."""

    def __init__(self, inner: Progress, groups: int) -> None:
        self.inner, self.groups, self.opened, self.closed = inner, groups, False, 0

    def stage(self, name: str, total: int | None = None, message: str = "") -> None:
        if not self.opened:
            self.opened = True
            self.inner.stage(name, None if total is None else total * self.groups, message)

    def advance(self, n: int = 1) -> None:
        self.inner.advance(n)

    def finish(self) -> None:
        self.closed += 1
        if self.closed >= self.groups:
            self.inner.finish()

    def check(self) -> None:
        self.inner.check()

    def cancel(self) -> None:
        self.inner.cancel()

    @property
    def cancelled(self) -> bool:
        return self.inner.cancelled


def load_generator(path: str | Path, backend: str = "onnx", threads: int = 0) -> TextGenerator:
    """Load a Qwen2-family folder; falls back to the other backend (with a warning in
    ``generator.warnings``) when the folder only has the other kind of weights."""
    return TextGenerator(path, backend, threads)
