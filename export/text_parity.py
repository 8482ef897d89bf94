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


def teacher_forced(reference: Any, exported: Any) -> dict[str, Any]:
    """Top-1 agreement and KL over :data:`TEACHER_PAIRS` (both generators share a tokenizer)."""
    import torch

    from export.parity import to_numpy
    from inference.text.chat import render_generation_prompt

    tok = reference.tokenizer
    positions = same = 0
    kls: list[float] = []
    for setup, ending in TEACHER_PAIRS:
        prompt = tok(render_generation_prompt(tok, setup), add_special_tokens=False)["input_ids"]
        tail = tok(ending, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt + tail], dtype=torch.long)
        with torch.inference_mode():
            a = to_numpy(reference.model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits)
            b = to_numpy(exported.model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits)
        # logits at prompt end .. one before the last token predict the ending's tokens
        window = slice(len(prompt) - 1, ids.shape[1] - 1)
        n, s, k = compare_next_tokens(a[0, window], b[0, window])
        positions, same, kls = positions + n, same + s, kls + k
    return {
        "teacher_forced_positions": positions,
        "teacher_forced_top1_agreement": same / max(positions, 1),
        "kl_mean": float(np.mean(kls)) if kls else 0.0,
        "kl_max": float(np.max(kls)) if kls else 0.0,
    }


def greedy(reference: Any, exported: Any) -> dict[str, Any]:
    """Greedy continuations of :data:`GREEDY_PROMPTS`, token by token."""
    from inference.core.params import GenerationParams
    from inference.core.progress import Progress

    params = GenerationParams(
        temperature=0.0, repetition_penalty=1.0, max_new_tokens=GREEDY_NEW_TOKENS, seed=0
    )
    torch_rows, onnx_rows, agreements = [], [], []
    for prompt in GREEDY_PROMPTS:
        a = reference.raw_batch(prompt, 1, params, Progress())[0]["ids"]
        b = exported.raw_batch(prompt, 1, params, Progress())[0]["ids"]
        torch_rows.append(a)
        onnx_rows.append(b)
        agreements.append(token_agreement(a, b)[1])
    return {
        "greedy_prompts": list(GREEDY_PROMPTS),
        "greedy_new_tokens": GREEDY_NEW_TOKENS,
        "greedy_tokens_identical": torch_rows == onnx_rows,
        "greedy_token_agreement": float(np.mean(agreements)),
        "greedy_tokens_torch": torch_rows,
        "greedy_tokens_onnx": onnx_rows,
    }


def generator_parity(reference: Any, exported: Any) -> dict[str, Any]:
    """The generator's parity report (loaded generators: ``torch`` and ``onnx`` backend)."""
    import torch

    from inference.text.chat import render_generation_prompt

    text = render_generation_prompt(reference.tokenizer, GREEDY_PROMPTS[0])
    enc = reference.tokenizer(text, return_tensors="pt", add_special_tokens=False)
    with torch.inference_mode():
        ref_logits = reference.model(**enc).logits
        onnx_logits = exported.model(**enc).logits
    report = {
        "prompt": GREEDY_PROMPTS[0],
        "prompt_tokens": int(enc["input_ids"].shape[1]),
        "max_abs_logits_diff": max_abs_diff(ref_logits, onnx_logits),
        **greedy(reference, exported),
        **teacher_forced(reference, exported),
    }
    report["verdict"] = verdict(report)
    return report


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
