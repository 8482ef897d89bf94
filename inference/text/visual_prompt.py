"""Visual prompt: the text handed to the image model, as pure functions.

Stable Diffusion's CLIP text encoder reads English and stops at 77 tokens, so the LLM is
asked for a short English scene with no lettering in it (:func:`build_scene_messages`); its
answer is cleaned and cut to :data:`MAX_WORDS` (about 1.3 CLIP tokens per English word keeps
40 words under 77). When the model is not instruction-tuned, or answers with nothing usable
(empty, mostly non-Latin, one word), the joke itself is cleaned and truncated instead.
"""

from __future__ import annotations

import re

from inference.text.postprocess import clean_ending, find_end

MAX_WORDS = 40
# One short sentence (issue 18, lever 2): the scene used to cost a second generation of up
# to 64 tokens; the row now stops at its first full sentence (:func:`scene_done`) and this
# cap only bounds a model that never ends one (~1.3 tokens per English word).
SCENE_MAX_NEW_TOKENS = 32
MIN_SCENE_WORDS = 3
MIN_LATIN_SHARE = 0.8  # of all letters; a Russian answer is no use to an English-only encoder

SCENE_SYSTEM_PROMPT = (
    "You write prompts for an image generator. Describe one picture that illustrates the "
    "whole joke, its beginning and its punchline: who or what is in it, where, what is "
    "happening, the mood and the lighting. Answer in English with one short sentence of "
    "at most 20 words, and start with the subject itself, never with "
    "'This picture shows' or 'An image of'. Do not put any text, letters, captions or "
    "speech bubbles in the picture. Answer with the description only."
)
# Openers that only spend CLIP's 77 tokens: «This picture depicts…», «An image of…».
_MEDIUM = (
    r"(?:picture|image|illustration|scene|photo(?:graph)?|drawing|painting|artwork|cartoon"
    r"|sketch)"
)
_OPENER_RE = re.compile(
    rf"^\s*(?:(?:in\s+)?(?:this|the)\s+(?:\w+\s+)?{_MEDIUM}\s*,?\s*"
    r"(?:shows|depicts|features|illustrates|portrays|presents|captures|displays|is\s+of|"
    r"we\s+see|there\s+is|there\s+are)?\s*:?\s*"
    rf"|(?:an?\s+)?(?:\w+\s+)?{_MEDIUM}\s+(?:of|showing|depicting|featuring)\s+)",
    re.I,
)
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")
_LABEL_RE = re.compile(
    r"^\s*(?:image\s+)?(?:prompt|description|scene|picture|image)\s*[:：-]\s*", re.I
)
_DIALOGUE_DASH_RE = re.compile(r"(^|\n)\s*[—–-]\s*")


def build_scene_messages(joke: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SCENE_SYSTEM_PROMPT},
        {"role": "user", "content": f"Joke (in Russian):\n{joke.strip()}\n\nPicture description:"},
    ]


def last_full_sentence(text: str) -> str:
    """``text`` cut after its last sentence end; unchanged when it has none."""
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
    return text[: ends[-1]] if ends else text


def scene_done(text: str) -> bool:
    """The scene row has written its first full sentence of a few words (an answer still
    inside a ``<think>`` block is not done): drawing can start, no more tokens are needed."""
    if "<think>" in text:
        if "</think>" not in text:
            return False
        text = text.split("</think>", 1)[1]
    match = _SENTENCE_END_RE.search(text)
    return match is not None and len(text[: match.start()].split()) >= MIN_SCENE_WORDS


def truncate_words(text: str, max_words: int = MAX_WORDS) -> str:
    """At most ``max_words`` words, cut back to the last full sentence when there is one,
    so the prompt never stops mid-phrase; a text without any sentence end is cut at a word."""
    words = text.split()
    cut = " ".join(words[:max_words])
    if len(words) > max_words or not _SENTENCE_END_RE.search(cut[-1:] + " "):
        whole = last_full_sentence(cut)
        return whole if whole != cut else cut.rstrip(",;:—–- ")
    return cut


def strip_opener(text: str) -> str:
    """«This picture depicts a cat…» → «A cat…»."""
    rest = _OPENER_RE.sub("", text, count=1).lstrip()
    if rest == text or len(rest.split()) < MIN_SCENE_WORDS:
        return text
    return rest[:1].upper() + rest[1:]


def latin_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum("a" <= ch.lower() <= "z" for ch in letters) / len(letters)


def clean_scene(raw: str) -> str:
    """The model's description, cleaned and cut to fit; "" when it is not usable."""
    text = clean_ending(raw[: find_end(raw)])
    text = _LABEL_RE.sub("", text)
    text = clean_ending(text)  # quotes may only show after the label is gone
    text = strip_opener(" ".join(text.split()))
    if len(text.split()) < MIN_SCENE_WORDS or latin_share(text) < MIN_LATIN_SHARE:
        return ""
    return truncate_words(text)


def fallback_from_joke(joke: str) -> str:
    """The joke itself as a prompt: debris, dialogue dashes and line breaks removed, cut to
    :data:`MAX_WORDS` words."""
    text = clean_ending(joke)
    text = _DIALOGUE_DASH_RE.sub(r"\1", text)
    text = re.sub(r"[«»\"“”„]", "", text)
    return truncate_words(" ".join(text.split()))


def scene_or_fallback(raw: str, joke: str) -> str:
    return clean_scene(raw) or fallback_from_joke(joke)
