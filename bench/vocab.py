"""Tokenizers for benchmark models: trained here on a few lines, padded to the real size.

No hub is reachable, so the real tokenizers cannot be downloaded. What matters for speed is
the vocabulary *size* (the embedding and, above all, the LM head over 151,936 Qwen tokens),
not which merges it holds. So a small BPE / WordPiece is trained on :data:`CORPUS` and its
vocabulary is padded with filler entries up to the size in the config: every id the model
can produce decodes to something, and ``len(tokenizer)`` equals the model's vocabulary.
Fillers are never produced by encoding (no merge leads to them).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Joke-like Russian lines and English scene lines (the illustrator's prompts are English).
CORPUS = """\
Приходит мужик в библиотеку и спрашивает книгу о паранойе.
— Она у вас за спиной, — шепчет библиотекарь.
Встречаются два программиста, и один говорит: у меня всё работает.
Жена просит мужа купить батон, а если будут яйца — десяток.
Учитель спрашивает Вовочку, почему он опоздал на урок.
Кот сидит на окне и смотрит на птиц с видом философа.
Начальник сказал, что премии не будет, зато будет корпоратив.
Понедельник начался в субботу, а закончился только к пятнице.
Врач говорит пациенту: у меня для вас две новости.
Старый рыбак поймал золотую рыбку и попросил тишины.
Студент перед экзаменом спит на учебнике, надеясь на осмос.
Сосед сверлит стену каждое утро ровно в семь часов.
Мотивация — это когда дедлайн завтра, а ты только открыл ноутбук.
Оптимист верит, что понедельник закончится, пессимист знает, что наступит следующий.
Ёжик шёл по лесу и думал о вечном, пока не наступил на шишку.
Штирлиц долго смотрел в одну точку, потом в другую.
Лучше поздно, чем в понедельник. Хотел как лучше, а получилось как всегда.
a tired office worker staring at a broken coffee machine, dramatic lighting
a cat sitting on a laptop keyboard in a dark room, cinematic photo
an old man fishing alone on a frozen lake at dawn, muted colors
a student sleeping on a stack of books in a library, warm light
two penguins arguing on an ice floe, wildlife photography
a robot painting a portrait of a sad clown, oil painting
"""

QWEN_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
CLIP_BOS, CLIP_EOS = "<|startoftext|>", "<|endoftext|>"
# Qwen2.5's ChatML template, reduced to what the app uses (system, user, assistant turns).
CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def corpus_lines() -> list[str]:
    """The lines above plus the instructions the app itself sends to the generator, so that
    the chat prompt takes about as many tokens as with a real tokenizer (unmerged Cyrillic
    would cost two byte tokens per letter and make every prompt several times longer)."""
    from inference.text.chat import SYSTEM_PROMPT_RU
    from inference.text.visual_prompt import SCENE_SYSTEM_PROMPT

    lines = [line for line in CORPUS.splitlines() if line.strip()]
    return [*lines, SYSTEM_PROMPT_RU, SCENE_SYSTEM_PROMPT]


def _fillers(alphabet: list[str], taken: set[str], prefix: str = "") -> Iterator[str]:
    """Endless unique strings over ``alphabet`` (length 2, then 3, …) not in ``taken``."""
    for length in itertools.count(2):
        for combo in itertools.product(alphabet, repeat=length):
            token = prefix + "".join(combo)
            if token not in taken:
                yield token


def _pad_vocab(vocab: dict[str, int], size: int, fillers: Iterator[str]) -> dict[str, int]:
    vocab = dict(vocab)
    while len(vocab) < size:
        vocab[next(fillers)] = len(vocab)
    return vocab


def qwen_tokenizer(vocab_size: int, chat_template: bool) -> Any:
    """A byte-level BPE ``Qwen2TokenizerFast`` with exactly ``vocab_size`` tokens, the three
    Qwen special tokens last (``<|im_end|>`` is EOS with a chat template, like Instruct)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    regular = vocab_size - len(QWEN_SPECIALS)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(
        vocab_size=min(regular, 2000), initial_alphabet=alphabet, show_progress=False
    )
    trained = Tokenizer(models.BPE())
    trained.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trained.train_from_iterator(corpus_lines(), trainer=trainer)
    state = json.loads(trained.to_str())["model"]
    vocab = _pad_vocab(state["vocab"], regular, _fillers(sorted(alphabet), set(state["vocab"])))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]

    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(list(QWEN_SPECIALS))
    # padding_side must go to the constructor: setting the attribute later is not saved.
    return Qwen2TokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>" if chat_template else "<|endoftext|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        padding_side="left",
        model_max_length=32768,
        chat_template=CHATML_TEMPLATE if chat_template else None,
    )


def bert_tokenizer(vocab_size: int, max_length: int) -> Any:
    """A lower-casing WordPiece ``BertTokenizerFast`` with exactly ``vocab_size`` tokens."""
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

    trainer = trainers.WordPieceTrainer(
        vocab_size=min(vocab_size, 2000), special_tokens=list(BERT_SPECIALS), show_progress=False
    )
    trained = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    trained.normalizer = normalizers.BertNormalizer(lowercase=True)
    trained.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trained.train_from_iterator(corpus_lines(), trainer=trainer)
    base = trained.get_vocab()
    letters = sorted({ch for line in corpus_lines() for ch in line.lower() if ch.isalpha()})
    vocab = _pad_vocab(base, vocab_size, _fillers(letters, set(base), prefix="##"))

    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return BertTokenizerFast(tokenizer_object=tok, model_max_length=max_length)


def clip_tokenizer(dst: Path, vocab_size: int) -> Any:
    """A ``CLIPTokenizer`` laid out like OpenAI CLIP's (256 bytes, the same with ``</w>``,
    merges, then fillers, then the two special tokens last), written to ``dst``."""
    import regex
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import CLIPTokenizer
    from transformers.models.clip.tokenization_clip import bytes_to_unicode

    byte_encoder = bytes_to_unicode()
    # CLIP's own pre-tokenisation pattern (tokenization_clip.py), so merges match use.
    pattern = regex.compile(
        r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE
    )
    words = [
        "".join(byte_encoder[b] for b in token.encode("utf-8"))
        for line in corpus_lines()
        if line.isascii()
        for token in pattern.findall(line.lower())
    ]
    base = list(byte_encoder.values())
    budget = max(0, min(vocab_size - 2 - 2 * len(base), 800))
    trainer = trainers.BpeTrainer(
        vocab_size=len(base) + budget,
        initial_alphabet=base,
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    bpe.train_from_iterator([" ".join(words)], trainer=trainer)
    merges = [
        tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
        for m in json.loads(bpe.to_str())["model"]["merges"]
    ]

    tokens = base + [b + "</w>" for b in base] + ["".join(m) for m in merges]
    ids = {tok: i for i, tok in enumerate(dict.fromkeys(tokens))}
    ids = _pad_vocab(ids, vocab_size - 2, _fillers(sorted(base), set(ids)))
    ids[CLIP_BOS], ids[CLIP_EOS] = len(ids), len(ids) + 1
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "vocab.json").write_text(json.dumps(ids, ensure_ascii=False), encoding="utf-8")
    (dst / "merges.txt").write_text(
        "#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n", encoding="utf-8"
    )
    return CLIPTokenizer(str(dst / "vocab.json"), str(dst / "merges.txt"), model_max_length=77)
