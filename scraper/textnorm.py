"""Text helpers shared by every source: whitespace normalisation, the dedup hash, byte
decoding with a fallback for mislabelled encodings, and lenient date parsing."""

from __future__ import annotations

import codecs
import hashlib
import re
import threading
import unicodedata
from datetime import UTC, date, datetime

# Non-breaking and other fixed-width spaces that HTML pages and old files are full of.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2009\u200a"), " ")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\ufeff\u00ad"), None)
_RUN_OF_SPACES = re.compile(r"[ \t]+")
_WORDS = re.compile(r"\w+")


def clean_text(text: str) -> str:
    """Normalise spaces and line ends, keep the line structure and everything else.

    Non-breaking spaces become plain spaces, runs of spaces collapse, every line is
    stripped, and blank lines at the start and end are dropped (blank lines inside stay:
    they separate stanzas and dialogue blocks).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_SPACES).translate(_ZERO_WIDTH)
    lines = [_RUN_OF_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def text_hash(text: str) -> str:
    """SHA-256 of the text reduced to its words: reposts that differ only in case, ё/е,
    punctuation, dashes or line breaks get the same hash."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    words = (w.replace("_", "") for w in _WORDS.findall(folded))
    key = " ".join(w for w in words if w)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns (text, encoding used). See :func:`decode_counted`."""
    text, encoding, _bad = decode_counted(data, declared)
    return text, encoding


def decode_counted(data: bytes, declared: str | None = None) -> tuple[str, str, int]:
    """Decode ``data``; returns (text, encoding used, bytes replaced by U+FFFD).

    Tries the declared charset (HTTP header), then one declared in a <meta> tag, then UTF-8,
    then windows-1251 (what Russian sites used before UTF-8). A charset that fits
    all but a few bytes (a page with one broken byte) is kept, those bytes replaced and
    counted; one that fails on many bytes is taken as wrong (a cp1251 page labelled utf-8)
    and the next candidate is tried.
    """
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii"))
    # UTF-8 validates itself: a cp1251 page read as UTF-8 fails on nearly every letter.
    for encoding in (*candidates, "utf-8"):
        text, bad = _decode_replacing(data, encoding)
        if text is not None and bad <= max(MAX_BAD_BYTES, len(data) // 1000):
            return text, encoding, bad
    text, bad = _decode_replacing(data, "windows-1251")  # maps all but 5 byte values
    return text or "", "windows-1251", bad


MAX_BAD_BYTES = 16  # per page at least; else 1 per 1000 bytes


def _decode_replacing(data: bytes, encoding: str) -> tuple[str | None, int]:
    """(text with bad bytes replaced, how many were bad); (None, 0) for an unknown charset."""
    try:
        return data.decode(encoding), 0
    except LookupError:
        return None, 0
    except UnicodeDecodeError:
        pass
    bad = 0

    def count(exc: UnicodeError) -> tuple[str, int]:
        nonlocal bad
        assert isinstance(exc, UnicodeDecodeError)
        bad += exc.end - exc.start
        return "\ufffd", exc.end

    with _COUNT_LOCK:  # one global handler name; it closes over this call's ``bad``
        codecs.register_error(_COUNTING, count)
        text = data.decode(encoding, errors=_COUNTING)
    return text, bad


_COUNTING = "scraper-count-bad-bytes"
_COUNT_LOCK = threading.Lock()


def _compact_date(value: float) -> str | None:
    """20231204 → 2023-12-04. Unix seconds in that range would be August 1970, which no
    joke dataset holds, so a number that reads as a valid YYYYMMDD is taken as one."""
    if not float(value).is_integer() or not 1900_01_01 <= value <= 2100_12_31:
        return None
    number = int(value)
    try:
        return date(number // 10000, number // 100 % 100, number % 100).isoformat()
    except ValueError:
        return None


_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(value: object) -> str | None:
    """A date as ``YYYY-MM-DD`` from ISO strings, ``DD.MM.YYYY``, ``YYYYMMDD`` numbers,
    datetime/date objects or Unix timestamps (seconds or milliseconds); None when it cannot
    be read."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        compact = _compact_date(value)
        if compact is not None:
            return compact
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    if text.isdigit():
        return parse_date(int(text))
    return None
