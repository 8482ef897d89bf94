"""Pure text rules that turn raw LLM continuations into clean joke endings.

Kept free of models so each rule is tested on hand-written strings. The generator calls
:func:`find_end` on the raw decoded text (special tokens kept) to know where the joke stops —
it also uses that position to count the tokens whose log-probability is averaged — then
:func:`clean_ending`, then :func:`select_candidates` to drop empties, duplicates and echoes
of the prompt.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# End-of-turn markers of the common chat formats (ChatML/Qwen, Llama 3, Gemma, Mistral…).
STOP_MARKERS = (
    "<|im_end|>",
    "<|im_start|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end|>",
    "<end_of_turn>",
    "<start_of_turn>",
    "</s>",
)
_SPECIAL_TOKEN_RE = re.compile(
    r"<\|[^<>|\s]{1,40}\|>|</?s>|</?think>|<(?:start|end)_of_turn>|\[/?INST\]"
)
_ROLE_WORDS = (
    r"Q|A|User|Assistant|System|Human|AI|Bot|Вопрос|Ответ|Пользователь|Ассистент|Система|Бот"
)
# A new dialogue turn: a line that starts with a role label ("Q:", "Пользователь:", "user\n").
_NEW_TURN_RE = re.compile(
    rf"\n[ \t]*(?:(?:{_ROLE_WORDS})[ \t]*[:：]|(?:user|assistant|system)[ \t]*\n)", re.I
)
_LABEL_WORDS = _ROLE_WORDS + "|Концовка|Продолжение|Шутка"
_LEADING_ROLE_RE = re.compile(
    rf"^\s*(?:(?:{_LABEL_WORDS})[ \t]*[:：]|(?:assistant|model)[ \t]*\n)\s*", re.I
)
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[»\"”)]*(?=\s|$)")
_QUOTE_PAIRS = {'"': '"', "«": "»", "“": "”", "„": "“", "'": "'", "‘": "’"}

_LEADING_THINK_RE = re.compile(r"^\s*<think>.*?(?:</think>\s*|$)", re.S)

DUPLICATE_SIMILARITY = 0.9  # character-overlap ratio above which two endings are "the same"


def find_end(raw: str, finished: bool = True) -> int:
    """Index in ``raw`` where the joke ends: the earliest end-of-turn marker, blank line or
    new role-labelled turn. An unfinished text (the model ran out of tokens) is cut back to
    its last complete sentence when one exists, so posters never end mid-word."""
    end = len(raw)
    for marker in STOP_MARKERS:
        pos = raw.find(marker)
        if pos != -1:
            end = min(end, pos)
    body_start = len(raw[:end]) - len(raw[:end].lstrip())
    for pattern in (_BLANK_LINE_RE, _NEW_TURN_RE):
        match = pattern.search(raw, body_start, end)
        if match:
            end = min(end, match.start())
    if not finished and end == len(raw):
        ends = [m.end() for m in _SENTENCE_END_RE.finditer(raw, 0, end)]
        if ends and raw[: ends[-1]].strip():
            end = ends[-1]
    return end


def after_thinking(raw: str) -> int:
    """Where the answer starts after a reasoning model's leading ``<think>…</think>`` block
    (0 when there is none; ``len(raw)`` when the block never closes)."""
    match = _LEADING_THINK_RE.match(raw)
    return match.end() if match else 0


def _strip_wrapping_quotes(text: str) -> str:
    while len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        inner = text[1:-1]
        # «А» — «Б» is two quotes, not one wrapped text
        if text[0] in inner or text[-1] in inner:
            break
        text = inner.strip()
    return text


def clean_ending(text: str) -> str:
    """Strip chat debris: leftover special tokens, role labels, quotes around the whole
    text, ragged whitespace. Line breaks inside a dialogue joke are kept."""
    text = _SPECIAL_TOKEN_RE.sub("", text)
    text = unicodedata.normalize("NFC", text).replace("\r", "")
    # control characters and U+FFFD (half a UTF-8 character cut off by a token boundary)
    text = "".join(ch for ch in text if ch in "\n\t" or not _is_junk_char(ch))
    previous = None
    while previous != text:  # "assistant\nОтвет: «…»" needs several passes
        previous = text
        text = _LEADING_ROLE_RE.sub("", text).strip()
        text = _strip_wrapping_quotes(text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _is_junk_char(ch: str) -> bool:
    return ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co")


def normalise(text: str) -> str:
    """Case, ё/е, punctuation and spacing removed: what "the same text" means to a reader."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


def has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def similarity(a: str, b: str) -> float:
    """Character-overlap ratio (0..1) of the normalised texts."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 1.0 if na == nb else 0.0
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


def strip_prompt_echo(ending: str, prompt: str) -> str:
    """Remove the prompt when the model starts its answer by repeating it verbatim."""
    words = prompt.split()
    if not words:
        return ending
    pattern = r"^\W*" + r"\s+".join(re.escape(w) for w in words) + r"\W*"
    match = re.match(pattern, ending, re.I)
    if not match:
        return ending
    return ending[match.end() :].lstrip() if match.end() < len(ending) else ""


def repeats_prompt(ending: str, prompt: str) -> bool:
    """True when the ending adds nothing: it is (part of) the prompt or nearly the prompt."""
    ne, np_ = normalise(ending), normalise(prompt)
    if not ne:
        return True
    if ne in np_:
        return True
    return similarity(ending, prompt) >= DUPLICATE_SIMILARITY


def select_candidates(
    endings: list[str], prompt: str, threshold: float = DUPLICATE_SIMILARITY
) -> list[int]:
    """Indices of the endings to keep, in order: non-empty, not an echo of the prompt, and
    not an exact or near duplicate (character overlap >= ``threshold``) of an earlier one."""
    kept: list[int] = []
    for i, text in enumerate(endings):
        if not has_content(text) or repeats_prompt(text, prompt):
            continue
        if any(similarity(text, endings[j]) >= threshold for j in kept):
            continue
        kept.append(i)
    return kept
