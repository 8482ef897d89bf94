"""Generator and ranker measurements, run through the app's own loaders and stage objects.

Generator: N candidates × M new tokens (sampling, the app's settings) from a prompt of
exactly P tokens, as plain continuation so the prompt length is the benchmark's, not the
chat template's. The first token step (prompt processing, "prefill") and the rest
("decode") are timed separately from the app's own per-token progress reports.
Correctness artifacts: the prompt's logits and a greedy continuation, compared with the
PyTorch fp32 reference by the parent process.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import peak_rss_mb, rss_mb, stopwatch, summarize, timed
from inference.core.params import GenerationParams
from inference.core.progress import Progress

# A joke beginning long enough to give any benchmark tokenizer its P tokens.
PROMPT_SOURCE = (
    "Приходит мужик в библиотеку и спрашивает книгу о паранойе, а библиотекарь шепчет ему, "
    "что она у него за спиной, и кот на окне смотрит на них с видом философа."
)
RANKER_TEXTS = [
    "Приходит мужик в библиотеку и просит книгу о паранойе. — Она у вас за спиной!",
    "Лучше поздно, чем в понедельник.",
    "Оптимист верит, что понедельник закончится. Пессимист знает, что наступит следующий.",
    "Кот сидит на окне и смотрит на птиц с видом философа.",
    "Начальник сказал, что премии не будет, зато будет корпоратив.",
    "Штирлиц долго смотрел в одну точку. Потом в другую. Двоеточие, догадался Штирлиц.",
    "Студент перед экзаменом спит на учебнике, надеясь на осмос.",
    "Мотивация — это когда дедлайн завтра, а ты только открыл ноутбук.",
]


def exact_prompt(tokenizer: Any, n_tokens: int) -> tuple[str, int]:
    """A prompt text that tokenizes to ``n_tokens`` tokens (the first tokens of the source,
    decoded); returns it with the count it really gets, which the report shows."""
    ids = tokenizer(PROMPT_SOURCE, add_special_tokens=False)["input_ids"][:n_tokens]
    text = tokenizer.decode(ids)
    return text, len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _generation_run(gen: Any, prompt: str, n: int, params: GenerationParams) -> dict[str, Any]:
    rows, split = timed(lambda clock: gen.raw_batch(prompt, n, params, clock.progress()))
    tokens = split["steps"]
    decode_s = split.get("between_steps_s") or 0.0
    return {
        "total_s": split["total_s"],
        "cpu_s": split["cpu_s"],
        "prefill_s": split.get("first_step_s"),
        "decode_s": decode_s,
        "decode_token_ms": 1000 * decode_s / (tokens - 1) if tokens > 1 else None,
        "decode_tokens_per_s": n * (tokens - 1) / decode_s if decode_s else None,
        "new_tokens": tokens,
        "rows": len(rows),
    }


def _load_gguf(task: dict[str, Any]) -> tuple[Any, Any]:
    """A llamacpp variant: the GGUF on llama.cpp, and the folder's tokenizer to cut the
    exact prompt with (no logits to compare: llama.cpp's server does not return them)."""
    from transformers import AutoTokenizer

    from bench.variants import GGUF_FILE
    from inference.text.llamacpp_generator import load_llamacpp_generator

    gen = load_llamacpp_generator(Path(task["folder"]) / GGUF_FILE, threads=task["threads"])
    gen.info["chat_template"] = ""  # plain continuation, like the other variants
    task["artifacts"] = None
    return gen, AutoTokenizer.from_pretrained(task["folder"])


def measure_generator(task: dict[str, Any]) -> dict[str, Any]:
    from inference.text.generator import load_generator

    with stopwatch() as load:
        if task["backend"] == "llamacpp":
            gen, tokenizer = _load_gguf(task)
        else:
            gen = load_generator(task["folder"], task["backend"], task["threads"])
            tokenizer = gen.tokenizer
    rss_loaded = rss_mb()
    tokenizer.chat_template = None  # plain continuation: the prompt is exactly P tokens
    prompt, prompt_tokens = exact_prompt(tokenizer, task["prompt_tokens"])
    n, new_tokens = task["candidates"], task["new_tokens"]
    params = GenerationParams(
        temperature=0.9,
        top_p=0.95,
        top_k=50,
        repetition_penalty=1.1,
        max_new_tokens=new_tokens,
        seed=task.get("seed", 0),
    )
    with stopwatch() as warm:  # first call: graph set-up and buffer allocation
        gen.raw_batch(prompt, n, replace(params, max_new_tokens=2), Progress())
    runs = [_generation_run(gen, prompt, n, params) for _ in range(task["repeats"])]
    result = {
        "load_s": load["s"],
        "warmup_s": warm["s"],
        "rss_after_load_mb": rss_loaded,
        "prompt_tokens": prompt_tokens,
        "candidates": n,
        "runs": runs,
        **summarize(
            runs,
            (
                "total_s",
                "cpu_s",
                "prefill_s",
                "decode_s",
                "decode_token_ms",
                "decode_tokens_per_s",
                "new_tokens",
            ),
        ),
    }
    if task.get("artifacts"):
        _generator_artifacts(gen, prompt, new_tokens, Path(task["artifacts"]))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _generator_artifacts(gen: Any, prompt: str, new_tokens: int, path: Path) -> None:
    import torch

    enc = gen.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    with torch.inference_mode():
        logits = gen.model(**enc).logits[0].float().numpy()
    greedy = GenerationParams(
        temperature=0.0, repetition_penalty=1.0, max_new_tokens=new_tokens, seed=0
    )
    ids = gen.raw_batch(prompt, 1, greedy, Progress())[0]["ids"]
    np.savez(path, logits=logits, greedy=np.asarray(ids, dtype=np.int64))


def measure_ranker(task: dict[str, Any]) -> dict[str, Any]:
    from inference.text.ranker import load_ranker

    with stopwatch() as load:
        ranker = load_ranker(task["folder"], task["backend"], task["threads"])
    rss_loaded = rss_mb()
    texts = RANKER_TEXTS[: task["texts"]]
    with stopwatch() as warm:
        ranker.score(texts)
    runs = []
    scores: list[float] = []
    for _ in range(task["repeats"]):
        with stopwatch() as t:
            scores = ranker.score(texts)
        runs.append({"total_s": t["s"], "cpu_s": t["cpu_s"]})
    if task.get("artifacts"):
        np.savez(Path(task["artifacts"]), scores=np.asarray(scores, dtype=np.float64))
    return {
        "load_s": load["s"],
        "warmup_s": warm["s"],
        "rss_after_load_mb": rss_loaded,
        "texts": len(texts),
        "runs": runs,
        **summarize(runs, ("total_s", "cpu_s")),
        "peak_rss_mb": peak_rss_mb(),
    }
