"""Undo the hard line wraps of fortune files (pure function).

``fortune`` entries are wrapped at ~72–80 columns, so one sentence often spans several
lines. The scraper keeps them as they are; a language model should not learn that a
sentence breaks after 70 characters, and the setup/punchline splitter treats a line break
as a boundary. A line joins the previous one when the previous one is long (it reached the
wrap margin) and the line is not a dialogue turn. Short lines — verse, headings, dialogue —
keep their breaks.
"""

from __future__ import annotations

import re

WRAP_MIN_CHARS = 55  # a line this long most likely ended at the wrap margin
_DIALOGUE = re.compile(r"^[-‐‑‒–—―]\s*\S")
_SPACED_HYPHEN = re.compile(r"(?<=\S) - (?=\S)")


def unwrap(text: str, min_chars: int = WRAP_MIN_CHARS) -> str:
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        prev = out[-1] if out else ""
        if (
            out
            and stripped
            and len(prev) >= min_chars
            and not _DIALOGUE.match(stripped)
            and not prev.endswith(":")
        ):
            # a word hyphenated at the margin ("что-\nто") is joined without a space
            joiner = "" if len(prev) > 1 and prev[-1] == "-" and prev[-2].isalpha() else " "
            out[-1] = prev.rstrip() + joiner + stripped
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def normalise_dashes(text: str) -> str:
    """A hyphen with spaces on both sides is a dash in Russian typography: ``—``."""
    return _SPACED_HYPHEN.sub(" — ", text)


def tidy(text: str) -> str:
    return normalise_dashes(unwrap(text))
