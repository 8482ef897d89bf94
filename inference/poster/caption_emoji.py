"""Emoji and other characters the caption font cannot draw.

A serif text font has no emoji, and Pillow draws a missing glyph as the font's ".notdef"
box (PT Serif's even carries a tiny copyright notice), so a title like «Кот 🐱» came out
with a tofu box. Here a caption line is split into runs: text the font can draw, and emoji
drawn in colour from the bundled Noto Color Emoji sprites of the lite illustrator
(``resources/lite_illustrator/emoji_sprites.zip``). A character that is neither (a Chinese
ideograph in PT Serif, say) is left out rather than drawn as a box.

Pure and cached: the composer measures every word of a caption many times while fitting.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageFont

from inference.image.lite_match import SPRITES_FILE, sprite_name
from resources import resource_path

EMOJI_HEIGHT = 0.92  # sprite height, in font sizes (about a capital letter plus descender)
EMOJI_SPACING = 0.06  # blank space on each side of an emoji, in font sizes
EMOJI_DROP = 0.14  # how far the sprite reaches below the baseline, in font sizes
ZWJ, VS16, KEYCAP = "\u200d", "\ufe0f", "\u20e3"
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_REGIONAL = range(0x1F1E6, 0x1F200)
_TAGS = range(0xE0020, 0xE0080)


@dataclass(frozen=True)
class Run:
    text: str
    emoji: bool  # True: one emoji cluster drawn as a sprite


@lru_cache(maxsize=16)
def font_codepoints(path: str) -> frozenset[int] | None:
    """The code points ``path`` has glyphs for; None when the font cannot be read this way
    (then every character is assumed drawable, as before)."""
    try:
        from fontTools.ttLib import TTFont

        with TTFont(path, lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap() or {}
        return frozenset(cmap)
    except Exception:  # an unusual font format must not stop the poster
        return None


def _is_modifier(cp: int) -> bool:
    return cp in _SKIN_TONES or cp in _TAGS or chr(cp) in (VS16, KEYCAP)


def clusters(text: str) -> list[str]:
    """User-perceived characters, as far as emoji need them: a base character with its
    variation selector, skin tone, keycap or tags, ZWJ-joined sequences and flag pairs."""
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i + 1
        if ord(text[i]) in _REGIONAL and j < len(text) and ord(text[j]) in _REGIONAL:
            j += 1  # a flag is two regional indicators
        while j < len(text):
            if _is_modifier(ord(text[j])):
                j += 1
            elif text[j] == ZWJ and j + 1 < len(text):
                j += 2
            else:
                break
        out.append(text[i:j])
        i = j
    return out


class _Sprites:
    """The emoji sprite archive, opened on first use (absent archive: no emoji)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zip: zipfile.ZipFile | None = None
        self._names: frozenset[str] = frozenset()
        self._opened = False

    def _open(self) -> None:
        if self._opened:
            return
        self._opened = True
        try:
            self._zip = zipfile.ZipFile(resource_path("lite_illustrator", SPRITES_FILE))
            self._names = frozenset(self._zip.namelist())
        except (OSError, zipfile.BadZipFile):
            self._zip = None

    def name_for(self, cluster: str) -> str | None:
        """The archive entry for ``cluster``: exact, then without selectors/skin tones,
        then its first character alone (a ZWJ family falls back to its first member)."""
        with self._lock:
            self._open()
            plain = "".join(ch for ch in cluster if not _is_modifier(ord(ch)))
            for candidate in (cluster, plain, plain.split(ZWJ)[0]):
                if candidate and sprite_name(candidate) in self._names:
                    return sprite_name(candidate)
            return None

    def image(self, name: str) -> Image.Image:
        with self._lock:
            assert self._zip is not None
            return Image.open(io.BytesIO(self._zip.read(name))).convert("RGBA")


SPRITES = _Sprites()


@lru_cache(maxsize=512)
def _sprite(name: str) -> Image.Image:
    return SPRITES.image(name)


def _drawable(ch: str, codepoints: frozenset[int]) -> bool:
    return ord(ch) in codepoints or ch.isspace()


@lru_cache(maxsize=4096)
def split_runs(path: str, text: str) -> tuple[Run, ...]:
    """``text`` as text runs and emoji runs; clusters the font lacks and no sprite covers
    are dropped. With a font whose glyphs cannot be listed: one text run, as is."""
    codepoints = font_codepoints(path)
    if codepoints is None:
        return (Run(text, False),) if text else ()
    runs: list[Run] = []
    buffer = ""
    for cluster in clusters(text):
        if all(_drawable(ch, codepoints) for ch in cluster):
            buffer += cluster
            continue
        name = SPRITES.name_for(cluster)
        if name is None:
            # neither a glyph nor an emoji: the drawable part stays, the rest is left out
            buffer += "".join(ch for ch in cluster if _drawable(ch, codepoints))
            continue
        if buffer:
            runs.append(Run(buffer, False))
            buffer = ""
        runs.append(Run(cluster, True))
    if buffer:
        runs.append(Run(buffer, False))
    return tuple(runs)


def drawable_text(path: str, text: str) -> str:
    """``text`` without the characters that would come out as boxes."""
    return "".join(run.text for run in split_runs(path, text))


def emoji_size(cluster: str, size: int) -> tuple[int, int]:
    """Sprite size in px for a font of ``size`` px (aspect ratio of the sprite kept)."""
    name = SPRITES.name_for(cluster)
    height = max(1, round(size * EMOJI_HEIGHT))
    if name is None:
        return 0, height
    sprite = _sprite(name)
    return max(1, round(sprite.width * height / sprite.height)), height


def run_width(run: Run, font: ImageFont.FreeTypeFont) -> float:
    if not run.emoji:
        return font.getlength(run.text)
    return emoji_size(run.text, round(font.size))[0] + 2 * EMOJI_SPACING * font.size


def line_width(path: str, font: ImageFont.FreeTypeFont, text: str) -> float:
    """Advance width of ``text`` as it will be drawn (emoji included, boxes left out)."""
    return sum(run_width(run, font) for run in split_runs(path, text))


def draw_line(
    canvas: Image.Image,
    origin: tuple[int, int],
    text: str,
    path: str,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
) -> None:
    """Draw ``text`` with its left baseline end at ``origin`` (Pillow anchor "ls")."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(canvas)
    x, baseline = float(origin[0]), origin[1]
    for run in split_runs(path, text):
        if not run.emoji:
            draw.text((round(x), baseline), run.text, font=font, fill=fill, anchor="ls")
        else:
            name = SPRITES.name_for(run.text)
            width, height = emoji_size(run.text, round(font.size))
            if name is not None:
                sprite = _sprite(name).resize((width, height), Image.Resampling.LANCZOS)
                left = round(x + EMOJI_SPACING * font.size)
                top = round(baseline + EMOJI_DROP * font.size) - height
                canvas.paste(sprite, (left, top), sprite)
        x += run_width(run, font)


def emoji_extent(size: int) -> tuple[int, int]:
    """(top, bottom) of an emoji relative to the baseline, for ink boxes."""
    height = max(1, round(size * EMOJI_HEIGHT))
    bottom = round(EMOJI_DROP * size)
    return bottom - height, bottom
