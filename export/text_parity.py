"""How faithful a generator export is to its PyTorch original, and the verdict on it.

Three measures, all through the app's own loaders (``torch`` vs ``onnx`` backend):

- greedy agreement: the share of positions where greedy decoding of fixed beginnings gives
  the same token (what a user sees: one early flip changes everything after it);
- teacher-forced top-1 agreement: both models read the same real joke endings after the
  generation prompt; the share of positions whose most likely next token is the same;
- KL(PyTorch || ONNX) of the next-token distributions at those positions, mean and max.

Random weights mislead here (their next-token distributions are almost flat, so tiny
errors flip the argmax and the order of quantization errors differs): the thresholds below
were set on real weights (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from export.parity import max_abs_diff, token_agreement

# Below these an export is reported as unfaithful (a warning after `demotivator export`).
# Greedy 0.9: the acceptance line of the joke engine (issue 13). Top-1 0.9: on a real 0.5B
# instruct model a faithful export (int8 weight-only, fp32 compute: greedy 1.0, KL 0.0002)
# measured 0.94 — its 3 misses of 52 are near-ties — and the lossy ones (dynamic int8, int4)
# 0.58 (docs/performance.md).
GREEDY_MIN = 0.9
TOP1_MIN = 0.9

GREEDY_PROMPTS = (
    "Приходит мужик в библиотеку и спрашивает",
    "Штирлиц шёл по лесу",
)
GREEDY_NEW_TOKENS = 16
# Real setups and endings, read teacher-forced after the generation prompt.
TEACHER_PAIRS = (
    ("Приходит мужик в библиотеку и просит книгу о паранойе.", "— Она у вас за спиной!"),
    ("Лучше поздно,", "чем в понедельник."),
    (
        "Оптимист верит, что понедельник закончится.",
        "Пессимист знает, что наступит следующий.",
    ),
    ("Встречаются два кота.", "— Мяу. — Гав! — Ты чего? — Иностранный учу."),
)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def compare_next_tokens(ref: np.ndarray, got: np.ndarray) -> tuple[int, int, list[float]]:
    """(positions, top-1 matches, per-position KL(ref || got)) for (positions, vocab)."""
    ref, got = np.asarray(ref, np.float64), np.asarray(got, np.float64)
    lp, lq = _log_softmax(ref), _log_softmax(got)
    kl = (np.exp(lp) * (lp - lq)).sum(axis=-1)
    same = int((ref.argmax(-1) == got.argmax(-1)).sum())
    return ref.shape[0], same, [float(v) for v in kl]


def _inputs(tok) -> dict[str, Any]:
    """The token ids both generators read: the logits prompt and the teacher-forced pairs."""
    from inference.text.chat import render_generation_prompt

    prompt = tok(render_generation_prompt(tok, GREEDY_PROMPTS[0]), add_special_tokens=False)
    pairs = []
    for setup, ending in TEACHER_PAIRS:
        start = tok(render_generation_prompt(tok, setup), add_special_tokens=False)["input_ids"]
        pairs.append((list(start), list(tok(ending, add_special_tokens=False)["input_ids"])))
    return {"prompt": list(prompt["input_ids"]), "pairs": pairs}


def observe(generator: Any, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """What one generator answers to the parity inputs (its own tokenizer's unless
    ``inputs`` is given): the prompt's logits, the greedy rows and, for each teacher-forced
    pair, the logits that predict the ending's tokens. Small enough to hand from one process
    to another, so the two generators never need to be in memory together."""
    import torch

    from export.parity import to_numpy
    from inference.core.params import GenerationParams
    from inference.core.progress import Progress

    inputs = inputs or _inputs(generator.tokenizer)

    def logits(ids: list[int]) -> np.ndarray:
        batch = torch.tensor([ids], dtype=torch.long)
        with torch.inference_mode():
            out = generator.model(input_ids=batch, attention_mask=torch.ones_like(batch)).logits
        return to_numpy(out)[0].astype(np.float32)  # fp32 logits: nothing lost

    params = GenerationParams(
        temperature=0.0, repetition_penalty=1.0, max_new_tokens=GREEDY_NEW_TOKENS, seed=0
    )
    return {
        "inputs": inputs,
        "prompt_logits": logits(inputs["prompt"]),
        "greedy": [generator.raw_batch(p, 1, params, Progress())[0]["ids"] for p in GREEDY_PROMPTS],
        # logits at prompt end .. one before the last token predict the ending's tokens
        "teacher": [logits(a + b)[len(a) - 1 : len(a) + len(b) - 1] for a, b in inputs["pairs"]],
    }


def compare(reference: dict[str, Any], exported: dict[str, Any]) -> dict[str, Any]:
    """The parity report of two :func:`observe` results, with its verdict."""
    positions = same = 0
    kls: list[float] = []
    for a, b in zip(reference["teacher"], exported["teacher"], strict=True):
        n, s, k = compare_next_tokens(a, b)
        positions, same, kls = positions + n, same + s, kls + k
    torch_rows, onnx_rows = reference["greedy"], exported["greedy"]
    agreements = [token_agreement(a, b)[1] for a, b in zip(torch_rows, onnx_rows, strict=True)]
    report = {
        "prompt": GREEDY_PROMPTS[0],
        "prompt_tokens": len(reference["inputs"]["prompt"]),
        "max_abs_logits_diff": max_abs_diff(reference["prompt_logits"], exported["prompt_logits"]),
        "greedy_prompts": list(GREEDY_PROMPTS),
        "greedy_new_tokens": GREEDY_NEW_TOKENS,
        "greedy_tokens_identical": torch_rows == onnx_rows,
        "greedy_token_agreement": float(np.mean(agreements)),
        "greedy_tokens_torch": torch_rows,
        "greedy_tokens_onnx": onnx_rows,
        "teacher_forced_positions": positions,
        "teacher_forced_top1_agreement": same / max(positions, 1),
        "kl_mean": float(np.mean(kls)) if kls else 0.0,
        "kl_max": float(np.max(kls)) if kls else 0.0,
    }
    report["verdict"] = verdict(report)
    return report


def generator_parity(reference: Any, exported: Any) -> dict[str, Any]:
    """The generator's parity report (loaded generators: ``torch`` and ``onnx`` backend)."""
    seen = observe(reference)
    return compare(seen, observe(exported, seen["inputs"]))


def verdict(report: dict[str, Any]) -> dict[str, Any]:
    """``{"faithful", "greedy", "top1", "kl_mean"}``: faithful when greedy and teacher-forced
    top-1 agreement both reach their thresholds (a report without top-1 is judged on greedy)."""
    greedy_share = float(report.get("greedy_token_agreement", 0.0))
    top1 = report.get("teacher_forced_top1_agreement")
    faithful = greedy_share >= GREEDY_MIN and (top1 is None or float(top1) >= TOP1_MIN)
    return {
        "faithful": faithful,
        "greedy": round(greedy_share, 3),
        "top1": None if top1 is None else round(float(top1), 3),
        "kl_mean": report.get("kl_mean"),
        "greedy_min": GREEDY_MIN,
        "top1_min": TOP1_MIN,
    }


def verdict_line(report: dict[str, Any]) -> str | None:
    """The one translated line `demotivator export` ends with (None for reports that carry
    no generator verdict): faithful, or a warning with the numbers and what to do."""
    from inference.core.i18n import tr

    judged = report.get("verdict")
    if not judged:
        return None
    top1 = judged["top1"] if judged["top1"] is not None else float("nan")
    values = {"greedy": judged["greedy"], "top1": top1, "kl": judged.get("kl_mean") or 0.0}
    if judged["faithful"]:
        return tr("export.verdict_ok", "text", **values)
    limits = {"greedy_min": judged["greedy_min"], "top1_min": judged["top1_min"]}
    return tr("export.verdict_low", "text", **values, **limits)
