"""The lite generator's honest quality report: held-out perplexity next to unigram and bigram
baselines on the same tokens, and sample completions written by the app's own generator.

Two held-out sets (the test split, never trained on):

- ``plain``: whole test texts between ``<|endoftext|>`` markers — how well the model knows
  the language of the corpus;
- ``punchline``: the chat prompt the app sends with a test joke's beginning, scored on the
  real ending and ``<|im_end|>`` only — how well it continues a beginning.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from inference.core.params import GenerationParams
from inference.core.progress import Progress
from training.data_files import load_split
from training.generator_data import CompletionCollator, encode_pairs, punchline_nll
from training.lite.lm_data import plain_example, split_examples
from training.lite.ngram import BigramModel

SAMPLE_COUNT = 20
SAMPLE_SEED = 7
# Extra beginnings typed by a user (not from the corpus); the first is the README's.
USER_PROMPTS = (
    "Заходит как-то программист в бар",
    "Встречаются два кота",
    "Учитель спрашивает Вовочку",
    "Купил я как-то холодильник",
)


def model_nll(model: Any, pad_id: int, examples: list[dict], batch_size: int = 64) -> tuple:
    """Summed NLL of the label tokens of ``examples`` and their number."""
    import torch

    collate = CompletionCollator(pad_id)
    params = getattr(model, "parameters", None)  # an ONNX Runtime model has none: CPU
    device = next(params()).device if params else "cpu"
    total, count = 0.0, 0
    if hasattr(model, "eval"):
        model.eval()
    ordered = sorted(examples, key=lambda e: len(e["input_ids"]))  # little padding
    with torch.inference_mode():
        for start in range(0, len(ordered), batch_size):
            batch = {
                k: v.to(device) for k, v in collate(ordered[start : start + batch_size]).items()
            }
            nll, n = punchline_nll(model, batch)
            total += float(nll.sum())
            count += int(n.sum())
    return total, count


def _ppl(nll: float, n: int) -> float:
    return math.exp(nll / max(n, 1))


def perplexity_report(
    model_dir: Path, data_dir: Path, max_length: int, backend: str = "torch"
) -> dict[str, Any]:
    """Perplexities on the test split; ``backend`` ``onnx`` scores an exported folder (to
    see what quantization costs)."""
    from inference.text.generator import load_generator

    loaded = load_generator(model_dir, backend=backend)
    tokenizer, model = loaded.tokenizer, loaded.model
    train, _ = split_examples(tokenizer, data_dir, "train", max_length)
    baseline = BigramModel(len(tokenizer)).fit(train)
    held_out = {
        "plain": [
            plain_example(tokenizer, j["text"], max_length) for j in load_split(data_dir, "test")
        ],
        "punchline": encode_pairs(tokenizer, load_split(data_dir, "test", "pairs"), max_length)[0],
    }
    report: dict[str, Any] = {"split": "test", "backend": loaded.backend}
    for name, examples in held_out.items():
        nll, n = model_nll(model, tokenizer.pad_token_id, examples)
        base = baseline.nll(examples)
        if base["tokens"] != n:
            raise RuntimeError(f"token counts differ: model {n}, baselines {base['tokens']}")
        report[name] = {
            "texts": len(examples),
            "tokens": n,
            "lite_generator": _ppl(nll, n),
            "bigram": _ppl(base["bigram_nll"], n),
            "unigram": _ppl(base["unigram_nll"], n),
        }
    return report


def sample_completions(
    model_dir: Path, data_dir: Path, backend: str = "torch", count: int = SAMPLE_COUNT
) -> list[dict[str, Any]]:
    """One sampled ending (n=1, fixed seed, the app's default sampling) for the user
    prompts and for test beginnings, through ``inference.text.generator`` — unfiltered."""
    from inference.text.generator import load_generator

    generator = load_generator(model_dir, backend=backend)
    pairs = load_split(data_dir, "test", "pairs")
    chosen = [p for p in pairs if p["kind"] != "words"][: count - len(USER_PROMPTS) - 4]
    chosen += [p for p in pairs if p["kind"] == "words"][:4]
    prompts = [(p, None) for p in USER_PROMPTS] + [(p["setup"], p["punchline"]) for p in chosen]
    samples = []
    for i, (setup, real) in enumerate(prompts[:count]):
        params = GenerationParams(seed=SAMPLE_SEED + i)
        candidates = generator.generate(setup, 1, params, Progress())
        samples.append(
            {
                "beginning": setup,
                "real_ending": real,
                "generated": candidates[0].text if candidates else "",
            }
        )
    return samples
