"""Sample endings for many beginnings at once, the way the app's generator does for one.

``TextGenerator.generate`` takes one beginning per call; the ranker's training data needs
endings for thousands, so this batches beginnings (left padding) while keeping every step
of the app's path: the same prompt text (:func:`inference.text.chat.render_generation_prompt`),
the same sampling processors and generation config (:mod:`inference.text.generation_hooks`),
the same stop tokens and the same clean-up (:mod:`inference.text.postprocess`).
"""

from __future__ import annotations

from typing import Any

from inference.core.params import GenerationParams
from inference.text.chat import render_generation_prompt
from inference.text.postprocess import clean_ending, find_end, strip_prompt_echo


def sample_endings(
    generator: Any,
    prompts: list[str],
    per_prompt: int,
    params: GenerationParams,
    batch_prompts: int = 64,
) -> list[list[str]]:
    """``per_prompt`` cleaned endings (possibly empty strings) for each prompt; uses the
    GPU when there is one. ``generator`` is a torch-backend ``TextGenerator``."""
    import torch

    from inference.text.generation_hooks import (
        RawLogprobRecorder,
        build_generation_config,
        build_processors,
        first_stop,
    )

    model, tokenizer = generator.model, generator.tokenizer
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    config = build_generation_config(
        params, per_prompt, sorted(generator.stop_ids), tokenizer.pad_token_id, True
    )
    if params.seed is not None:
        torch.manual_seed(params.seed)
    out: list[list[str]] = []
    for start in range(0, len(prompts), batch_prompts):
        chunk = prompts[start : start + batch_prompts]
        texts = [render_generation_prompt(tokenizer, p) for p in chunk]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(device) for k, v in enc.items()}
        with torch.inference_mode():
            ids = model.generate(
                **enc,
                generation_config=config,
                logits_processor=build_processors(params, RawLogprobRecorder()),
                use_model_defaults=False,
            )
        rows = ids[:, enc["input_ids"].shape[1] :].tolist()
        for i, prompt in enumerate(chunk):
            endings = []
            for row in rows[i * per_prompt : (i + 1) * per_prompt]:
                stop = first_stop(row, generator.stop_ids)
                raw = tokenizer.decode(row if stop is None else row[:stop])
                text = raw[: find_end(raw, finished=stop is not None)]
                endings.append(clean_ending(strip_prompt_echo(clean_ending(text), prompt)))
            out.append(endings)
    model.to("cpu")
    return out
