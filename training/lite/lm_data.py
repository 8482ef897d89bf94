"""Training examples for the lite generator: plain Russian text plus chat-formatted
setup → punchline pairs, both as ``{"input_ids", "labels"}`` for
:class:`training.generator_data.CompletionCollator`.

- Plain: every training text between two ``<|endoftext|>`` markers, the loss on every
  token — the model learns the language (proverbs and aphorisms have no usable cut).
- Chat: :func:`training.generator_data.encode_pair` — the exact prompt the app sends
  (system instruction + the beginning as the user turn), the loss on the punchline and
  ``<|im_end|>`` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.data_files import load_split
from training.generator_data import IGNORE, encode_pairs
from training.lite.tokenizer_build import BOS_EOS

Example = dict[str, list[int]]


def plain_example(tokenizer: Any, text: str, max_length: int) -> Example:
    """``<|endoftext|> text <|endoftext|>``; a text longer than ``max_length`` is cut and
    loses its closing marker (the model must not learn to stop mid-text)."""
    eot = tokenizer.convert_tokens_to_ids(BOS_EOS)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    body = [eot] + ids
    body = body[:max_length] if len(body) + 1 > max_length else body + [eot]
    return {"input_ids": body, "labels": [IGNORE] + body[1:]}


def lm_examples(
    tokenizer: Any, jokes: list[dict[str, Any]], pairs: list[dict[str, Any]], max_length: int
) -> tuple[list[Example], dict[str, int]]:
    """Plain examples of ``jokes`` followed by chat examples of ``pairs`` (the Trainer
    shuffles them with its seed)."""
    plain = [plain_example(tokenizer, j["text"], max_length) for j in jokes]
    chat, skipped = encode_pairs(tokenizer, pairs, max_length)
    stats = {
        "plain_examples": len(plain),
        "chat_examples": len(chat),
        "chat_skipped_too_long": skipped,
        "tokens": sum(len(e["input_ids"]) for e in plain + chat),
        "loss_tokens": sum(sum(t != IGNORE for t in e["labels"]) for e in plain + chat),
    }
    return plain + chat, stats


def split_examples(
    tokenizer: Any, data_dir: Path, split: str, max_length: int
) -> tuple[list[Example], dict[str, int]]:
    """:func:`lm_examples` of one split of a prepared-data folder."""
    return lm_examples(
        tokenizer, load_split(data_dir, split), load_split(data_dir, split, "pairs"), max_length
    )
