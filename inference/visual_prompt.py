"""Visual prompt: the text handed to the image model, as pure functions.

Stable Diffusion's CLIP text encoder reads English and stops at 77 tokens, so the LLM is
asked for a short English scene with no lettering in it (:func:`build_scene_messages`); its
answer is cleaned and cut to :data:`MAX_WORDS` (about 1.3 CLIP tokens per English word keeps
40 words under 77). When the model is not instruction-tuned, or answers with nothing usable
(empty, mostly non-Latin, one word), the joke itself is cleaned and truncated instead.
"""

from __future__ import annotations

import re

from inference.postprocess import clean_ending, find_end

MAX_WORDS = 40
SCENE_MAX_NEW_TOKENS = 64
MIN_SCENE_WORDS = 3
MIN_LATIN_SHARE = 0.8  # of all letters; a Russian answer is no use to an English-only encoder

SCENE_SYSTEM_PROMPT = (
    "You write prompts for an image generator. Describe one picture that illustrates the "
    "joke: who or what is in it, where, the mood and the lighting. Answer in English with "
    "one or two sentences, at most 40 words. Do not put any text, letters, captions or "
    "speech bubbles in the picture. Answer with the description only."
)
_LABEL_RE = re.compile(
    r"^\s*(?:image\s+)?(?:prompt|description|scene|picture|image)\s*[:：-]\s*", re.I
)
_DIALOGUE_DASH_RE = re.compile(r"(^|\n)\s*[—–-]\s*")


def build_scene_messages(joke: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SCENE_SYSTEM_PROMPT},
        {"role": "user", "content": f"Joke (in Russian):\n{joke.strip()}\n\nPicture description:"},
    ]


def truncate_words(text: str, max_words: int = MAX_WORDS) -> str:
    """At most ``max_words`` words; cut back to the last full sentence when one ends in the
    second half, so the prompt does not stop mid-phrase."""
    words = text.split()
    if len(words) <= max_words:
        return " ".join(words)
    cut = " ".join(words[:max_words])
    stop = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if stop >= len(cut) // 2:
        return cut[: stop + 1]
    return cut.rstrip(",;:—–- ")


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
    text = " ".join(text.split())
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
