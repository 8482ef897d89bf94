"""Generator examples: (setup, punchline) → token ids with the loss on the punchline only.

The text comes from :func:`inference.text.chat.render_training_example` — the same function the
generator's prompt is built with — so the model is trained on exactly what it is later
prompted with: system instruction, setup as the user turn, punchline as the assistant turn,
then the end of turn / EOS. Prompt and completion are tokenised separately, as at
generation time (the model continues the prompt's tokens), and the labels of every prompt
and padding position are -100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from inference.text.chat import render_training_example

IGNORE = -100  # positions the loss skips (PyTorch's cross-entropy ignore_index)


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]

    def as_dict(self) -> dict[str, list[int]]:
        return {"input_ids": self.input_ids, "labels": self.labels}


def encode_pair(tokenizer: Any, setup: str, punchline: str, max_length: int) -> Encoded | None:
    """One training example, or None when the punchline alone does not fit ``max_length``.
    A long prompt loses its beginning (as the generator truncates it: the joke is last)."""
    prompt_text, completion_text = render_training_example(tokenizer, setup, punchline)
    prompt = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    completion = tokenizer(completion_text, add_special_tokens=False)["input_ids"]
    eos = tokenizer.eos_token_id
    if eos is not None and eos not in completion:
        completion.append(eos)  # the model must learn to stop
    if len(completion) >= max_length:
        return None
    prompt = prompt[-(max_length - len(completion)) :]
    return Encoded(prompt + completion, [IGNORE] * len(prompt) + list(completion))


def encode_pairs(
    tokenizer: Any, pairs: list[dict[str, Any]], max_length: int
) -> tuple[list[dict[str, list[int]]], int]:
    """Encoded examples and the number of pairs left out because they do not fit."""
    examples, skipped = [], 0
    for pair in pairs:
        enc = encode_pair(tokenizer, pair["setup"], pair["punchline"], max_length)
        if enc is None:
            skipped += 1
        else:
            examples.append(enc.as_dict())
    return examples, skipped


class CompletionCollator:
    """Right padding (training needs no left padding): pad id / attention 0 / label -100."""

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int = 8) -> None:
        self.pad_token_id = pad_token_id
        self.multiple = pad_to_multiple_of

    def __call__(self, features: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        longest = max(len(f["input_ids"]) for f in features)
        if self.multiple > 1:
            longest = -(-longest // self.multiple) * self.multiple
        ids, mask, labels = [], [], []
        for f in features:
            pad = longest - len(f["input_ids"])
            ids.append(f["input_ids"] + [self.pad_token_id] * pad)
            mask.append([1] * len(f["input_ids"]) + [0] * pad)
            labels.append(f["labels"] + [IGNORE] * pad)
        return {
            "input_ids": torch.tensor(ids, dtype=torch.long),
            "attention_mask": torch.tensor(mask, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
        }


def punchline_nll(model: Any, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per example: summed negative log-likelihood of the label tokens and their count."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    logits, labels = logits[:, :-1].float(), batch["labels"][:, 1:]
    nll = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]),
        labels.reshape(-1),
        ignore_index=IGNORE,
        reduction="none",
    ).view(labels.shape)
    counted = labels != IGNORE
    return (nll * counted).sum(dim=1), counted.sum(dim=1)
