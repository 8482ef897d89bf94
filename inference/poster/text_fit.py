"""Pure text-fitting for the poster: normalise, wrap and size a caption to a box.

Like memegen: try each allowed line count, split the words into that many balanced lines,
and keep the line count that allows the largest font (a little bias towards fewer lines).
Widths are measured once at a reference size and scaled (glyph advances are nearly linear
in the size); the chosen size is then checked with the real font and lowered until every
line fits, so text never overflows. Words wider than a line are broken without a hyphen,
and a text too long for the allowed lines gets more lines as a last resort.

Fonts use Pillow's BASIC layout: the same rendering with or without libraqm (captions are
Cyrillic/Latin and need no complex shaping), and measuring is cheaper.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial

from PIL import ImageFont

from inference.poster.caption_emoji import ZWJ, line_width

REF_SIZE = 100  # font size at which widths are measured and then scaled
FEWER_LINES_BIAS = 0.9  # each extra line must buy more than ~11% of font size
NBSP = "\u00a0"
_NO_BREAK_SPACES = (NBSP, "\u2007", "\u202f")
_SPACE_RUN = re.compile("[ \u00a0]{2,}")
_NEWLINES = re.compile(r"\r\n|[\n\r\v\f\u2028\u2029\x1c-\x1e\x85]")


@lru_cache(maxsize=128)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``size`` px, cached: the GUI re-composes on every keystroke."""
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def _text_width(path: str, size: int, text: str) -> float:
    # As drawn: emoji as sprites, characters the font lacks left out (caption_emoji)
    return line_width(path, load_font(path, size), text)


def _clean_char(ch: str) -> str:
    if ch in _NO_BREAK_SPACES:
        return NBSP  # kept: "10\u00a0км" must not be split across lines
    if ch.isspace():
        return " "
    if ch == ZWJ:
        return ch  # joins emoji sequences (🧑‍💻); dropped later where it joins no emoji
    # Control and format characters (soft hyphen, zero-width spaces, BOM) have no glyph.
    return "" if unicodedata.category(ch) in ("Cc", "Cf") else ch


def normalize_line(text: str) -> str:
    """NFC, invisible/control characters dropped, any run of whitespace -> one space."""
    text = "".join(_clean_char(ch) for ch in unicodedata.normalize("NFC", text))
    # A run of spaces breaks if any of them does.
    text = _SPACE_RUN.sub(lambda m: " " if " " in m.group() else NBSP, text)
    return text.strip(" " + NBSP)


def normalize_paragraphs(text: str) -> list[str]:
    """Explicit line breaks kept (dialogue lines in a subtitle), empty lines dropped."""
    return [p for p in (normalize_line(part) for part in _NEWLINES.split(text)) if p]


@dataclass(frozen=True)
class FitBox:
    """Where a text may go: the width, the size range and the height budgets (px)."""

    width: int
    max_size: int
    min_size: int
    floor_size: int  # last resort: never smaller than this, the canvas grows instead
    lines: tuple[int, int]  # allowed line counts before the last resort
    max_height: int  # budget for the normal line counts
    hard_height: int  # budget once more lines are allowed
    line_pitch: float = 1.2  # baseline-to-baseline distance, in font sizes


@dataclass(frozen=True)
class FittedText:
    size: int
    lines: tuple[str, ...]


class _Measure:
    """Widths of the words and characters of one text at the reference size."""

    def __init__(self, path: str) -> None:
        # partial over the cached measure: wrap() calls it per word per try, keep it cheap.
        self.word = self.char = partial(_text_width, path, REF_SIZE)
        self.space = self.word(" ")


def break_word(word: str, width: float, measure: _Measure) -> list[str]:
    """Hyphenless hard break of ``word`` into pieces no wider than ``width`` (ref units)."""
    pieces, current, current_w = [], "", 0.0
    for ch in word:
        w = measure.char(ch)
        if current and current_w + w > width:
            pieces.append(current)
            current, current_w = "", 0.0
        current += ch
        current_w += w
    if current:
        pieces.append(current)
    return pieces


def wrap(paragraphs: list[str], width: float, measure: _Measure) -> list[str]:
    """Greedy wrap at ``width`` (ref units); each paragraph starts a new line."""
    lines: list[str] = []
    for paragraph in paragraphs:
        line, line_w = "", 0.0
        for word in paragraph.split(" "):
            word_w = measure.word(word)
            pieces = [word] if word_w <= width else break_word(word, width, measure)
            for piece in pieces:
                piece_w = word_w if len(pieces) == 1 else measure.word(piece)
                if line and line_w + measure.space + piece_w <= width:
                    line, line_w = f"{line} {piece}", line_w + measure.space + piece_w
                else:
                    if line:
                        lines.append(line)
                    line, line_w = piece, piece_w
        if line:
            lines.append(line)
    return lines


def balanced_wrap(
    paragraphs: list[str], n_lines: int, low: float, high: float, measure: _Measure
) -> list[str]:
    """The narrowest wrap in [low, high] (ref units) that keeps at most ``n_lines`` lines,
    so lines come out even instead of a long line followed by a lonely word."""
    best = wrap(paragraphs, high, measure)
    if len(best) > n_lines:
        return best
    while high - low > max(1.0, high * 0.002):  # 0.2%: finer changes no font size
        mid = (low + high) / 2
        lines = wrap(paragraphs, mid, measure)
        if len(lines) <= n_lines:
            high, best = mid, lines
        else:
            low = mid
    return best


def block_height(size: int, n_lines: int, pitch: float, path: str) -> int:
    """Height of ``n_lines`` lines from the first ascender to the last descender."""
    ascent, descent = load_font(path, size).getmetrics()
    return ascent + descent + round((n_lines - 1) * size * pitch)


def _size_for(lines: list[str], box: FitBox, budget: int, measure: _Measure, em: float) -> int:
    """Largest size at which ``lines`` fit the width and ``budget`` (scaled estimate)."""
    widest = max(measure.word(line) for line in lines)
    by_width = REF_SIZE * box.width / widest
    by_height = budget / (em + (len(lines) - 1) * box.line_pitch)
    return max(1, int(min(box.max_size, by_width, by_height)))


def _shrink_to_fit(lines: list[str], size: int, box: FitBox, path: str) -> int:
    """Check with the real font at ``size`` and step down while a line overflows."""
    while size > 1 and any(_text_width(path, size, line) > box.width for line in lines):
        size -= 1
    return size


def fit_text(paragraphs: list[str], box: FitBox, path: str) -> FittedText:
    """Font size and lines for ``paragraphs`` inside ``box`` (see the module docstring)."""
    if not paragraphs:
        return FittedText(0, ())
    measure = _Measure(path)
    ascent, descent = load_font(path, REF_SIZE).getmetrics()
    em = (ascent + descent) / REF_SIZE  # block height of one line, in font sizes
    widest_word = max(measure.word(w) for p in paragraphs for w in p.split(" "))
    # Widest paragraph kept on one line, summed the way wrap() sums it.
    full = max(
        sum(measure.word(w) for w in p.split(" ")) + p.count(" ") * measure.space
        for p in paragraphs
    )
    lo, hi = box.lines
    best: tuple[float, int, list[str]] | None = None
    for n in range(max(lo, len(paragraphs)), max(hi, len(paragraphs)) + 1):
        # The widest of n lines is at least (full - spaces)/n: skip the search when even
        # that size is below the minimum (long texts go straight to the last resort).
        narrowest = max(1.0, full - (n - 1) * measure.space) / n
        by_height = box.max_height / (em + (n - 1) * box.line_pitch)
        bound = min(REF_SIZE * box.width / narrowest, by_height)
        if bound < box.min_size:
            continue
        # No hard breaks here: the narrowest width is the widest word.
        lines = balanced_wrap(paragraphs, n, widest_word, max(full, widest_word), measure)
        if len(lines) > n:
            continue
        size = _size_for(lines, box, box.max_height, measure, em)
        score = size * FEWER_LINES_BIAS ** (len(lines) - 1)
        if best is None or score > best[0]:
            best = (score, size, lines)
    if best is not None and best[1] >= box.min_size:
        return FittedText(_shrink_to_fit(best[2], best[1], box, path), tuple(best[2]))
    return _last_resort(paragraphs, box, path, measure)


def _last_resort(paragraphs: list[str], box: FitBox, path: str, measure: _Measure) -> FittedText:
    """Too long for the allowed lines: more lines at the smallest normal size, then smaller
    sizes (down to ``floor_size``) while the block is taller than ``hard_height``."""
    size = box.min_size
    while True:
        lines = wrap(paragraphs, REF_SIZE * box.width / size, measure)
        height = block_height(size, len(lines), box.line_pitch, path)
        if height <= box.hard_height or size <= box.floor_size:
            break
        size = max(box.floor_size, int(size * 0.92))
    return FittedText(_shrink_to_fit(lines, size, box, path), tuple(lines))
