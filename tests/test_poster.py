"""Poster composer: golden images, layout properties on many titles, text fitting."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.core.errors import ImageError, InputError
from inference.core.params import PosterStyle
from inference.poster.poster import (
    BUNDLED_FONT,
    PosterLayout,
    compose_poster,
    layout_poster,
    render_poster,
    scale_picture,
)
from inference.poster.text_fit import (
    REF_SIZE,
    _Measure,
    break_word,
    load_font,
    normalize_line,
    normalize_paragraphs,
    wrap,
)
from tests.synthetic_pictures import landscape, portrait

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("DEMOTIVATOR_UPDATE_GOLDEN") == "1"
GOLDEN_STYLE = PosterStyle(width=480)  # small goldens keep the repository lean
MAX_MEAN_DIFF = 1.5  # of 255: survives FreeType/zlib differences, not a moved caption

LONG_TITLE = (
    "Штирлиц долго смотрел в одну точку, потом в другую, потом в третью и наконец понял, "
    "что это не точки, а многоточие, и что начальство ждёт отчёт к понедельнику"
)
GOLDEN_CASES = {
    "short_title": (landscape, "Жизнь", "Она такая, какая есть"),
    "long_title": (landscape, LONG_TITLE, "Подпись под длинным заголовком"),
    "multi_line": (landscape, "Когда думал, что хуже уже не будет", "— Ты где?\n— Я здесь!"),
    "cyrillic": (landscape, "Ёжик «й» — ЁЛКА, щётка и № 5", "съешь же ещё этих мягких булок"),
    "no_subtitle": (landscape, "Без подписи", ""),
    "portrait": (portrait, "Портрет", "вертикальная картинка"),
    "landscape_wide": (lambda: landscape((900, 300)), "Панорама", "широкая картинка"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str) -> None:
    draw_picture, title, subtitle = GOLDEN_CASES[name]
    poster = compose_poster(draw_picture(), title, subtitle, GOLDEN_STYLE)
    path = GOLDEN_DIR / f"{name}.png"
    if UPDATE_GOLDEN:
        GOLDEN_DIR.mkdir(exist_ok=True)
        poster.save(path, optimize=True)
        return
    assert path.exists(), f"{path} missing: run with DEMOTIVATOR_UPDATE_GOLDEN=1 and look at it"
    golden = Image.open(path).convert("RGB")
    assert poster.size == golden.size
    diff = np.abs(np.asarray(poster, np.int16) - np.asarray(golden, np.int16)).mean()
    assert diff < MAX_MEAN_DIFF, f"{name}: mean difference {diff:.2f}"


# --- layout properties ------------------------------------------------------------------

TITLES = [
    "",
    "   \t \n ",
    "Жизнь",
    "Ёлка",
    "Когда думал, что хуже уже не будет",
    "а" * 120,  # one word wider than any line
    "Превысокомногорассмотрительствующий " * 6,
    "слово " * 100,  # 600 characters
    LONG_TITLE * 3,  # ~500 characters of real words
    "x" * 600,
    "Кот 🐱 и пёс 🐶 👨‍👩‍👧",
    "tab\tnew\nline\r\nNUL\x00soft\u00adhyphen zero\u200bwidth",
    "W" * 40 + " " + "i" * 40,
    "10\u00a0км — это\u00a0далеко",
]
SUBTITLES = ["", "Она такая", "— Ты где?\n— Я здесь!\n\n— А где это «здесь»?", "подпись " * 60]
PICTURES = [(640, 400), (360, 560), (300, 1200), (1600, 200), (1, 1), (5000, 7)]


def _inside(box: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    left, top, right, bottom = box
    return 0 <= left <= right <= size[0] and 0 <= top <= bottom <= size[1]


def _check_layout(layout: PosterLayout, picture: tuple[int, int], style: PosterStyle) -> None:
    size = layout.canvas_size
    assert size[0] == style.width
    assert _inside(layout.frame_box, size)
    assert _inside(layout.picture_box, size)
    # Aspect ratio kept to within one pixel of rounding.
    pic_w, pic_h = layout.picture_size
    assert (
        abs(pic_w - pic_h * picture[0] / picture[1]) <= 1
        or abs(pic_h - pic_w * picture[1] / picture[0]) <= 1
    )
    assert pic_h <= round(style.width * style.max_picture_height)
    assert pic_w <= style.width * style.picture_fraction
    previous_bottom = layout.frame_box[3]
    for block in (layout.title, layout.subtitle):
        if block is None:
            continue
        assert block.lines and block.font_size >= 8
        assert _inside(block.box, size)
        assert block.box[1] >= previous_bottom  # below the frame, the subtitle below the title
        previous_bottom = block.box[3]
        for line in block.lines:
            assert _inside(line.box, size)
            assert line.text == line.text.strip()


@pytest.mark.parametrize("picture", PICTURES)
def test_layout_keeps_everything_inside(picture: tuple[int, int]) -> None:
    style = PosterStyle(width=480)
    for title in TITLES:
        for subtitle in SUBTITLES:
            _check_layout(layout_poster(picture, title, subtitle, style), picture, style)


@pytest.mark.parametrize("width", [100, 320, 1024])
def test_layout_other_widths(width: int) -> None:
    style = PosterStyle(width=width)
    for title in TITLES[2:]:
        _check_layout(layout_poster((640, 400), title, SUBTITLES[2], style), (640, 400), style)


def test_text_is_kept_word_for_word() -> None:
    style = PosterStyle(width=480)
    for title in TITLES:
        layout = layout_poster((640, 400), title, "", style)
        expected = normalize_line(title)
        if not expected:
            assert layout.title is None
            continue
        joined = "".join(line.text for line in layout.title.lines).replace(" ", "")
        assert joined == expected.replace(" ", "")


def test_normal_titles_respect_the_line_count() -> None:
    style = PosterStyle(width=480)
    for title in ("Жизнь", "Когда думал, что хуже уже не будет", "один два три четыре пять"):
        layout = layout_poster((640, 400), title, "", style)
        assert 1 <= len(layout.title.lines) <= style.title_lines[1]
    # A short title stays on one line at the largest size.
    layout = layout_poster((640, 400), "Жизнь", "", style)
    assert len(layout.title.lines) == 1
    assert layout.title.font_size == round(480 * style.title_size)


def test_subtitle_dialogue_lines_are_respected() -> None:
    layout = layout_poster((640, 400), "Т", "— Ты где?\n\n— Я здесь!", PosterStyle(width=1024))
    assert [line.text for line in layout.subtitle.lines] == ["— Ты где?", "— Я здесь!"]
    assert layout.subtitle.font_size < layout.title.font_size


def test_empty_subtitle_takes_no_space() -> None:
    style = PosterStyle(width=480)
    without = layout_poster((640, 400), "Жизнь", "", style)
    blank = layout_poster((640, 400), "Жизнь", " \n\t ", style)
    with_sub = layout_poster((640, 400), "Жизнь", "подпись", style)
    assert without == blank
    assert without.subtitle is None
    assert without.canvas_size[1] < with_sub.canvas_size[1]


def _regions(poster: Image.Image, layout: PosterLayout) -> np.ndarray:
    """True where something may be drawn: inside the frame and inside the text boxes."""
    allowed = np.zeros((poster.height, poster.width), bool)
    boxes = [layout.frame_box]
    for block in (layout.title, layout.subtitle):
        boxes += [line.box for line in block.lines] if block else []
    for left, top, right, bottom in boxes:
        allowed[top:bottom, left:right] = True
    return allowed


@pytest.mark.parametrize(
    "picture,title,subtitle",
    [
        ((640, 400), "Жизнь", "Она такая"),
        ((360, 560), LONG_TITLE * 3, "— Ты где?\n— Я здесь!"),
        ((1600, 200), "а" * 120, "подпись " * 60),
        ((300, 1200), "Кот 🐱 и «ёжик» — Й", ""),
    ],
)
def test_rendered_poster_regions(picture: tuple[int, int], title: str, subtitle: str) -> None:
    style = PosterStyle(width=480)
    image = Image.new("RGB", picture, (120, 130, 140))  # flat grey: easy to tell from the mat
    poster = compose_poster(image, title, subtitle, style)
    layout = layout_poster(picture, title, subtitle, style)
    assert poster.mode == "RGB" and poster.size == layout.canvas_size
    pixels = np.asarray(poster)
    # Outside the frame and the text boxes: the black mat, nothing else.
    assert (pixels[~_regions(poster, layout)] == 0).all()
    # The picture fills its box.
    left, top, right, bottom = layout.picture_box
    assert (pixels[top:bottom, left:right] == (120, 130, 140)).all()
    # The frame is white all round; between it and the picture a black gap.
    f_left, f_top, f_right, f_bottom = layout.frame_box
    f, gap = style.frame_px, style.gap_px
    ring = np.zeros(pixels.shape[:2], bool)
    ring[f_top:f_bottom, f_left:f_right] = True
    ring[f_top + f : f_bottom - f, f_left + f : f_right - f] = False
    assert (pixels[ring] == 255).all()
    inner = np.zeros(pixels.shape[:2], bool)
    inner[top - gap : bottom + gap, left - gap : right + gap] = True
    inner[top:bottom, left:right] = False
    assert (pixels[inner] == 0).all()
    # Every text line drew something white.
    for block in (layout.title, layout.subtitle):
        for line in block.lines if block else ():
            l, t, r, b = line.box  # noqa: E741
            assert pixels[t:b, l:r].max() == 255


def test_compose_is_pure_and_prescaling_is_invisible() -> None:
    style = PosterStyle(width=480)
    picture = landscape()
    first = compose_poster(picture, "Жизнь", "Она такая", style)
    again = compose_poster(picture, "Жизнь", "Она такая", style)
    assert first.tobytes() == again.tobytes()
    scaled = scale_picture(picture, style)
    assert scaled.size == layout_poster(picture.size, "", "", style).picture_size
    assert compose_poster(scaled, "Жизнь", "Она такая", style).tobytes() == first.tobytes()
    # render_poster draws a layout computed elsewhere (the GUI's path).
    layout = layout_poster(picture.size, "Жизнь", "Она такая", style)
    assert render_poster(scaled, layout, style).tobytes() == first.tobytes()


def test_transparent_and_grey_pictures() -> None:
    rgba = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    poster = compose_poster(rgba, "Прозрачная", "", PosterStyle(width=320))
    layout = layout_poster(rgba.size, "Прозрачная", "", PosterStyle(width=320))
    left, top, right, bottom = layout.picture_box
    assert (np.asarray(poster)[top:bottom, left:right] == 255).all()  # flattened on white
    grey = compose_poster(Image.new("L", (50, 50), 128), "Серая", "", PosterStyle(width=320))
    assert grey.mode == "RGB"


@pytest.mark.parametrize("aspect", [(4, 3), (1, 1), (3, 4), (2, 3), (9, 16), (1, 2)])
@pytest.mark.parametrize("width", [480, 1024])
def test_framed_picture_spans_80_to_85_percent_of_the_width(aspect, width) -> None:
    """The classic look for every usual picture, phone photos (9:16) and 1:2 included."""
    picture = (aspect[0] * 300, aspect[1] * 300)
    layout = layout_poster(picture, "Заголовок", "подпись", PosterStyle(width=width))
    left, _, right, _ = layout.frame_box
    assert 0.80 <= (right - left) / width <= 0.85
    assert abs(left - (width - right)) <= 1  # centred


def test_tall_picture_is_limited_and_centred() -> None:
    style = PosterStyle(width=480)
    layout = layout_poster((300, 3000), "Т", "", style)
    assert layout.picture_size[1] == round(480 * style.max_picture_height)
    left, _, right, _ = layout.picture_box
    assert abs(left - (480 - right)) <= 1


def test_bad_style_and_picture_raise_user_errors() -> None:
    with pytest.raises(InputError):
        layout_poster((10, 10), "т", "", PosterStyle(width=50))
    with pytest.raises(InputError):
        layout_poster((10, 10), "т", "", PosterStyle(picture_fraction=0.0))
    with pytest.raises(InputError, match="no-such-font"):
        layout_poster((10, 10), "т", "", PosterStyle(font="/no/such/dir/no-such-font.ttf"))
    with pytest.raises(ImageError):
        compose_poster(Image.new("RGB", (0, 0)), "т")


def test_custom_font_path_is_used() -> None:
    layout = layout_poster((10, 10), "т", "", PosterStyle(width=320, font=str(BUNDLED_FONT)))
    assert layout.title.font_path == str(BUNDLED_FONT)


# --- text fitting helpers ----------------------------------------------------------------


def test_normalize_line() -> None:
    assert normalize_line("  a \t b\n\nc  ") == "a b c"
    assert normalize_line("мяг\u00adкий\u200b знак\x00") == "мягкий знак"
    assert normalize_line("10\u00a0км") == "10\u00a0км"  # no-break space kept
    assert normalize_line("е\u0308лка") == "ёлка"  # NFC: one glyph, not a combining mark
    assert normalize_line(" \u00a0 ") == ""


def test_normalize_paragraphs() -> None:
    assert normalize_paragraphs("— Привет!\r\n\n  — Пока \u2028х") == ["— Привет!", "— Пока", "х"]
    assert normalize_paragraphs(" \n\n ") == []


def test_break_word_and_wrap_respect_the_width() -> None:
    measure = _Measure(str(BUNDLED_FONT))
    word = "Превысокомногорассмотрительствующий"
    pieces = break_word(word, 600, measure)
    assert "".join(pieces) == word and len(pieces) > 1
    assert all(measure.word(p) <= 600 + 1 for p in pieces)
    lines = wrap(["один два три четыре пять шесть семь"], 800, measure)
    assert len(lines) > 1
    assert all(measure.word(line) <= 800 + 2 for line in lines)
    assert " ".join(lines) == "один два три четыре пять шесть семь"


def test_font_renders_cyrillic() -> None:
    font = load_font(str(BUNDLED_FONT), REF_SIZE)
    missing = bytes(font.getmask("\ue000"))  # a private-use code point: the "no glyph" box
    for ch in "ёйЁЙ«»—–№щЩъЪ":
        assert bytes(font.getmask(ch)) != missing, ch
