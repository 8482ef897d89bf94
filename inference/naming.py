"""Sensible file names for posters: a few words of the caption plus the time."""

from __future__ import annotations

import re
from datetime import datetime

_UNSAFE = re.compile(r"[^\w\- ]+", re.UNICODE)


def slug(text: str, max_chars: int = 40) -> str:
    words = _UNSAFE.sub(" ", text).split()
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > max_chars:
            break
        out = candidate
    return out.lower() or (words[0][:max_chars].lower() if words else "")


def poster_file_name(text: str, when: datetime | None = None, ext: str = "png") -> str:
    stamp = (when or datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    base = slug(text)
    return f"{base}_{stamp}.{ext}" if base else f"demotivator_{stamp}.{ext}"
