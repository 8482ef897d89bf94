"""Text typed by the user (prompt, captions) made safe to store and draw, and the check
that says when the poster's font cannot draw it.

- Terminal control sequences (ANSI colours such as ``ESC[31m``, OSC titles) and other
  control characters are removed: a pasted coloured line must not leave ``[31m`` in the
  title, in the sidecar or in the history.
- Letters the poster font has no glyph for (Hebrew, Arabic, CJK… in the bundled Cyrillic
  serif) are left out when the poster is drawn; :func:`undrawn_warning` says so instead of
  silently showing an empty or shortened title.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from inference.core.i18n import tr

# CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and two-byte ESC sequences.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_KEEP = {"\n", "\t"}


def clean_user_text(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (line breaks and
    tabs stay; the poster decides how to lay them out)."""
    text = _ESCAPES.sub("", text)
    text = text.replace("\x9b", "")  # the one-byte CSI of C1
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc",))


def caption_warnings(title: str, subtitle: str, font: str | Path | None = None) -> list[str]:
    """:func:`undrawn_warning` for both captions of a poster (empty when all is drawable)."""
    pairs = (("caption.title", title), ("caption.subtitle", subtitle))
    return [w for key, text in pairs if (w := undrawn_warning(tr(key), text, font))]


def _letters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def undrawn_warning(what: str, text: str, font: str | Path | None = None) -> str:
    """A warning when the poster font cannot draw letters of ``text`` ("" when it can);
    ``what`` names the caption in the message (e.g. «заголовок»)."""
    from inference.poster.caption_emoji import drawable_text
    from inference.poster.poster import BUNDLED_FONT

    path = str(font or BUNDLED_FONT)
    wanted = _letters(text)
    if not wanted:
        return ""
    drawn = _letters(drawable_text(path, text))
    if len(drawn) == len(wanted):
        return ""
    missing = "".join(dict.fromkeys(ch for ch in wanted if ch not in drawn))[:12]
    key = "caption.undrawn_all" if not drawn else "caption.undrawn_some"
    return tr(key, what=what, chars=missing, font=Path(path).name)
