"""The lite models' own tokenizers, trained with ``tokenizers`` on the training split.

- Generator: byte-level BPE wrapped as ``Qwen2TokenizerFast`` with a ChatML chat template
  (system turns left out, see :data:`CHAT_TEMPLATE`) and ``<|im_end|>`` as EOS — the shape
  of Qwen2.5-Instruct, so the generator code and the export treat it like a real Qwen.
  ``<|endoftext|>`` separates plain documents and pads. The corpus includes the role lines
  of the chat examples, so they get merges of their own.
- Ranker: WordPiece wrapped as ``BertTokenizerFast``, lower-cased but with accents kept
  (stripping them would turn ``й`` into ``и``).

Trained single-threaded (``RAYON_NUM_THREADS=1`` must be set before ``tokenizers`` is first
used) so the merges are the same on every machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# ChatML without the system turn: a model this small cannot follow an instruction, and the
# app's 50-token system prompt would double the compute of every chat example (training
# and generation alike). Real Qwen templates keep it; the generator code is the same.
CHAT_TEMPLATE = (
    "{%- for message in messages %}{%- if message['role'] != 'system' %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
BOS_EOS = "<|endoftext|>"  # document separator, padding
SPECIAL_TOKENS = [BOS_EOS, "<|im_start|>", "<|im_end|>"]
BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def single_threaded() -> None:
    """Deterministic merges: the Rust trainer's parallel counting can order ties
    differently from run to run."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int, max_length: int, dst: Path) -> Any:
    """Train, wrap and save (to ``dst``) the generator's tokenizer; returns it."""
    single_threaded()
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer=trainer)
    # padding_side must go to the constructor: setting the attribute later is not saved.
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token=BOS_EOS,
        unk_token=None,
        padding_side="left",
        model_max_length=max_length,
        chat_template=CHAT_TEMPLATE,
    )
    tokenizer.save_pretrained(dst)
    return tokenizer


def train_wordpiece_tokenizer(
    texts: Iterable[str], vocab_size: int, max_length: int, dst: Path
) -> Any:
    """Train, wrap and save (to ``dst``) the ranker's tokenizer; returns it."""
    single_threaded()
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import BertTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=2, special_tokens=BERT_SPECIALS, show_progress=False
    )
    tok.train_from_iterator(list(texts), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer = BertTokenizerFast(
        tokenizer_object=tok,
        model_max_length=max_length,
        do_lower_case=True,
        strip_accents=False,
        padding_side="right",
    )
    tokenizer.save_pretrained(dst)
    return tokenizer
