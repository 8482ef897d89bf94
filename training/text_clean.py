"""Cleaning, filtering and duplicate keys for joke texts (pure functions, no I/O).

The scraper keeps texts close to the source; training wants them tidy: HTML entities and
odd spaces normalised, dialogue dashes unified, blank-line runs collapsed — but line breaks
kept, because dialogue turns are lines and the setup/punchline splitter relies on them.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_RUNS = re.compile(r"\n{3,}")
# A dialogue line opens with a dash of any kind; the em dash is the Russian convention.
_LEADING_DASH = re.compile(r"^[-‐‑‒–—―]\s*")
_TAGS = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]{1,200}>")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")


def clean_text(text: str) -> str:
    """Entities decoded, stray tags dropped (``<br>`` becomes a line break), spaces collapsed
    inside lines, each line stripped, dialogue dashes made ``— ``, at most one blank line."""
    text = html.unescape(html.unescape(text or ""))  # some sources double-escape (&amp;quot;)
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ANY_TAG.sub("", _TAGS.sub("\n", text))
    lines = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if _LEADING_DASH.match(line) and len(line) > 1:
            line = "— " + _LEADING_DASH.sub("", line)
        lines.append(line)
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def normalised_key(text: str) -> str:
    """A hash that treats reposts as equal: case, ё/е, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    words = _WORD.findall(folded)
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TextFilter:
    """What counts as a usable joke. Lengths are in characters of the cleaned text."""

    min_chars: int = 20
    max_chars: int = 1000
    min_words: int = 3
    min_letter_ratio: float = 0.5  # letters / non-space characters
    allow_urls: bool = False  # links are mostly adverts and "see the picture" posts


def rejection_reason(text: str, flt: TextFilter) -> str | None:
    """Why ``text`` (already cleaned) is not kept, or None if it is. The reasons are the
    keys of the prepare report's counters."""
    if not text:
        return "empty"
    if len(text) < flt.min_chars:
        return "too_short"
    if len(text) > flt.max_chars:
        return "too_long"
    if not flt.allow_urls and _URL.search(text):
        return "has_url"
    if len(_WORD.findall(text)) < flt.min_words:
        return "too_few_words"
    visible = [c for c in text if not c.isspace()]
    letters = len(_LETTER.findall(text))
    if not visible or letters / len(visible) < flt.min_letter_ratio:
        return "not_text"
    return None
