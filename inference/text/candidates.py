"""Raw generated rows → candidates: the one code path every generator backend (ONNX Runtime,
PyTorch, llama.cpp, a local LLM server) goes through once its raw texts exist, so the
clean-up, the metadata the joke filter and the ranker read, and the likelihood used for
ranking are the same whatever wrote the text. Filtering itself happens in the pipeline
(:mod:`inference.text.joke_filter`), for all backends alike.
"""

from __future__ import annotations

from typing import Any

from inference.core.params import Candidate
from inference.text.few_shot import example_sets, group_sizes
from inference.text.postprocess import after_thinking, clean_ending, find_end, strip_prompt_echo

SOURCE_GENERATED = "generated"  # Candidate.meta["source"]; the collection's are "collection"


def row_groups(
    prompt: str,
    n: int,
    seed: int | None,
    fixed: list[tuple[str, str]],
    rows_per_group: int,
    examples_per_set: int,
) -> list[tuple[int, list[tuple[str, str]]]]:
    """(rows, few-shot examples) per group of one request: ``fixed`` examples for every
    group, else a seeded draw per group from the bundled collection (inference.text.few_shot)."""
    sizes = group_sizes(n, rows_per_group)
    if fixed:
        sets = [list(fixed)] * len(sizes)
    else:
        sets = example_sets(prompt, len(sizes), seed, examples_per_set)
    return list(zip(sizes, sets, strict=True))


def answer_text(row: dict[str, Any]) -> str:
    """The row's joke text without a reasoning model's leading ``<think>…</think>`` block
    (an unclosed block leaves nothing: the model never reached its answer)."""
    raw = row["raw"]
    start = after_thinking(raw)
    if start == 0:
        return row["text"]
    rest = raw[start:]
    return rest[: find_end(rest, finished=row["finished"])]


def row_candidate(
    row: dict[str, Any],
    prompt: str,
    backend: str,
    index: int,
    group: int,
    examples: list[tuple[str, str]],
) -> Candidate:
    """One row (``text`` cut at the joke's end, ``raw``, ``logprob``, ``tokens``,
    ``generated_tokens``, ``finished``) as a cleaned candidate; never dropped here."""
    ending = clean_ending(strip_prompt_echo(clean_ending(answer_text(row)), prompt))
    meta = {
        "tokens": row["tokens"],
        "generated_tokens": row["generated_tokens"],
        "finished": row["finished"],
        "row": index,
        "group": group,
        "examples": [setup for setup, _ in examples],
        "backend": backend,
        "source": SOURCE_GENERATED,
    }
    if "<think>" in row["raw"]:
        meta["raw"] = row["raw"]
    return Candidate(text=ending, logprob=row["logprob"], meta=meta)
