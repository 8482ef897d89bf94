"""Captions with emoji and with characters the serif font lacks: colour emoji from the
bundled sprites, never the font's ".notdef" boxes, and nothing leaves the canvas."""

from __future__ import annotations

import numpy as np
from PIL import Image

from inference.core.params import PosterStyle
from inference.poster.caption_emoji import Run, clusters, split_runs
from inference.poster.poster import BUNDLED_FONT, compose_poster, layout_poster

FONT = str(BUNDLED_FONT)
STYLE = PosterStyle(width=480)
GREY = Image.new("RGB", (400, 300), (128, 128, 128))


def _caption_band(poster: Image.Image, title: str) -> np.ndarray:
    layout = layout_poster(GREY.size, title, "", STYLE)
    assert layout.title is not None
    left, top, right, bottom = layout.title.box
    return np.asarray(poster, np.int16)[top:bottom, left:right]


def _saturated_pixels(band: np.ndarray) -> int:
    """Pixels clearly coloured (white text and black mat are grey)."""
    return int(((band.max(axis=2) - band.min(axis=2)) > 60).sum())


def test_emoji_in_the_title_are_drawn_in_colour() -> None:
    title = "Кот 🐱 и ёжик 🦔"
    band = _caption_band(compose_poster(GREY, title, "", STYLE), title)
    assert _saturated_pixels(band) > 200
    plain = "Кот и ёжик"
    assert _saturated_pixels(_caption_band(compose_poster(GREY, plain, "", STYLE), plain)) == 0


def test_characters_without_glyph_or_sprite_are_left_out_not_boxed() -> None:
    with_han = layout_poster(GREY.size, "Кот 中文 бар", "подпись 漢字", STYLE)
    without = layout_poster(GREY.size, "Кот бар", "подпись", STYLE)
    assert [line.text for line in with_han.title.lines] == ["Кот бар"]
    assert [line.text for line in with_han.subtitle.lines] == ["подпись"]
    assert with_han.canvas_size == without.canvas_size
    # a caption of nothing drawable takes no space at all
    assert layout_poster(GREY.size, "中文", "", STYLE).title is None


def test_emoji_sequences_stay_one_picture() -> None:
    assert clusters("a🧑\u200d💻b🇷🇺❤️👍🏽") == ["a", "🧑\u200d💻", "b", "🇷🇺", "❤️", "👍🏽"]
    runs = split_runs(FONT, "Кот 🐱!")
    assert runs == (Run("Кот ", False), Run("🐱", True), Run("!", False))


def test_many_emoji_stay_inside_the_canvas() -> None:
    poster_layout = layout_poster(GREY.size, "😂" * 80, "👍 " * 100, STYLE)
    width, height = poster_layout.canvas_size
    for block in (poster_layout.title, poster_layout.subtitle):
        assert block is not None
        for line in block.lines:
            left, top, right, bottom = line.box
            assert 0 <= left <= right <= width and 0 <= top <= bottom <= height
