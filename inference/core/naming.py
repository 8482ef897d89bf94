"""Sensible names: poster files (a few words of the caption plus the time) and model ids."""

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


def slug_id(text: str) -> str:
    """A folder-safe model id from a name (``Qwen2.5-1.5B`` → ``qwen2.5-1.5b``)."""
    text = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return text[:64] or "model"


def poster_file_name(text: str, when: datetime | None = None, ext: str = "png") -> str:
    stamp = (when or datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    base = slug(text)
    return f"{base}_{stamp}.{ext}" if base else f"demotivator_{stamp}.{ext}"
