"""The classic Russian demotivator, as pure functions: a layout, then its rendering.

Geometry (all derived from ``PosterStyle``; the canvas height follows the content):

- black canvas; the picture scaled so that with its frame it spans ``picture_fraction``
  of the canvas width, aspect ratio kept (small pictures are enlarged); a tall picture is
  limited to ``max_picture_height`` canvas widths (it then gets narrower and stays
  centred) so a phone screenshot does not make a metre-long poster;
- the top margin equals the nominal side margin of the frame;
- a ``frame_px`` white frame around the picture, ``gap_px`` of black between them;
- the title (large serif, 1..3 balanced lines) under the frame, then the smaller subtitle;
  an empty title or subtitle takes no space.

``layout_poster`` only measures text; ``compose_poster`` draws. Both are pure: same input,
same pixels, and they are fast enough to re-run on every keystroke (fonts are cached).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from inference.core.errors import ImageError, InputError
from inference.core.i18n import tr
from inference.core.params import PosterStyle
from inference.image.pictures import to_rgb
from inference.poster.caption_emoji import (
    draw_line,
    drawable_text,
    emoji_extent,
    line_width,
    split_runs,
)
from inference.poster.text_fit import (
    FitBox,
    block_height,
    fit_text,
    load_font,
    normalize_paragraphs,
)
from inference.poster.text_fit import normalize_line as _normalize_line
from resources import resource_path

Box = tuple[int, int, int, int]  # left, top, right, bottom; right and bottom exclusive

BUNDLED_FONT = resource_path("fonts", "PTSerif-Regular.ttf")
MIN_WIDTH, MAX_WIDTH = 100, 8192
TEXT_SIDE_MARGIN = 0.05  # of the canvas width, each side


@dataclass(frozen=True)
class TextLine:
    text: str
    origin: tuple[int, int]  # left end of the baseline (Pillow anchor "ls")
    box: Box  # ink and advance box: every pixel this line draws lies inside


@dataclass(frozen=True)
class TextBlock:
    font_path: str
    font_size: int
    lines: tuple[TextLine, ...]
    box: Box


@dataclass(frozen=True)
class PosterLayout:
    canvas_size: tuple[int, int]
    picture_box: Box  # where the scaled picture is pasted
    frame_box: Box  # outer edge of the white frame
    frame_px: int
    title: TextBlock | None
    subtitle: TextBlock | None

    @property
    def picture_size(self) -> tuple[int, int]:
        left, top, right, bottom = self.picture_box
        return right - left, bottom - top


def _check_style(style: PosterStyle) -> str:
    """The font path to use; raises InputError for values no poster can be made with."""
    if not MIN_WIDTH <= style.width <= MAX_WIDTH:
        raise InputError(tr("poster.bad_width", "poster", lo=MIN_WIDTH, hi=MAX_WIDTH))
    if not 0.2 <= style.picture_fraction <= 1.0 or style.frame_px < 0 or style.gap_px < 0:
        raise InputError(tr("poster.bad_style", "poster"))
    path = Path(style.font) if style.font else BUNDLED_FONT
    try:
        load_font(str(path), 12)
    except OSError as exc:
        raise InputError(tr("poster.bad_font", "poster", path=str(path), err=exc)) from exc
    return str(path)


def _picture_size(picture: tuple[int, int], style: PosterStyle) -> tuple[int, int]:
    width, height = picture
    if width < 1 or height < 1:
        raise ImageError(tr("poster.empty_picture", "poster"))
    box_w = round(style.width * style.picture_fraction) - 2 * (style.frame_px + style.gap_px)
    box_w = max(1, box_w)
    max_h = max(1, round(style.width * style.max_picture_height))
    scale = min(box_w / width, max_h / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class _Caption:
    """How a caption may shrink and grow, relative to its largest size / the canvas width."""

    min_ratio: float  # smallest normal size, of the largest
    max_height: float  # height budget for the normal line counts
    hard_height: float  # height budget once more lines are allowed
    pitch: float  # line spacing, in font sizes


TITLE = _Caption(min_ratio=0.45, max_height=0.3, hard_height=0.8, pitch=1.15)
SUBTITLE = _Caption(min_ratio=0.7, max_height=0.22, hard_height=0.6, pitch=1.25)


def _fit_box(width: int, max_size: int, lines: tuple[int, int], caption: _Caption) -> FitBox:
    floor = max(8, round(width * 0.016))  # below this a caption is unreadable anyway
    return FitBox(
        width=width - 2 * round(width * TEXT_SIDE_MARGIN),
        max_size=max(floor, max_size),
        min_size=max(floor, round(max_size * caption.min_ratio)),
        floor_size=floor,
        lines=lines,
        max_height=round(width * caption.max_height),
        hard_height=round(width * caption.hard_height),
        line_pitch=caption.pitch,
    )


def _text_block(text: list[str], top: int, box: FitBox, path: str, canvas_w: int) -> TextBlock:
    fitted = fit_text(text, box, path)
    font = load_font(path, fitted.size)
    ascent, descent = font.getmetrics()
    lines = []
    for i, line in enumerate(fitted.lines):
        baseline = top + ascent + round(i * fitted.size * box.line_pitch)
        runs = split_runs(path, line)
        advance = math.ceil(line_width(path, font, line))
        left = (canvas_w - advance) // 2
        letters = "".join(r.text for r in runs if not r.emoji)
        ink = font.getbbox(letters, anchor="ls") if letters.strip() else (0, 0, 0, 0)
        emoji_top, emoji_bottom = (
            emoji_extent(fitted.size) if any(r.emoji for r in runs) else (0, 0)
        )
        line_box = (
            left + min(0, ink[0]),
            baseline + min(-ascent, ink[1], emoji_top),
            left + max(advance, ink[2]),
            baseline + max(descent, ink[3], emoji_bottom),
        )
        lines.append(TextLine(line, (left, baseline), line_box))
    bottom = top + block_height(fitted.size, len(lines), box.line_pitch, path)
    block_box = (
        min(b.box[0] for b in lines),
        min(top, min(b.box[1] for b in lines)),
        max(b.box[2] for b in lines),
        max(bottom, max(b.box[3] for b in lines)),
    )
    return TextBlock(path, fitted.size, tuple(lines), block_box)


def _caption_lines(path: str, lines: list[str]) -> list[str]:
    """``lines`` without what the font would draw as boxes (emoji stay: they are drawn
    from sprites); lines left empty are dropped."""
    cleaned = (_normalize_line(drawable_text(path, line)) for line in lines)
    return [line for line in cleaned if line]


def layout_poster(
    picture_size: tuple[int, int], title: str, subtitle: str, style: PosterStyle
) -> PosterLayout:
    """Where everything goes on a poster for a picture of ``picture_size`` (see module doc)."""
    path = _check_style(style)
    width = style.width
    pic_w, pic_h = _picture_size(picture_size, style)
    ring = style.frame_px + style.gap_px
    # The top margin is the side margin of a full-width picture (not of a narrowed tall one).
    margin = max(0, (width - round(width * style.picture_fraction)) // 2)
    pic_left, pic_top = (width - pic_w) // 2, margin + ring
    picture_box = (pic_left, pic_top, pic_left + pic_w, pic_top + pic_h)
    frame_box = (pic_left - ring, margin, pic_left + pic_w + ring, pic_top + pic_h + ring)

    cursor = frame_box[3]
    title_block = subtitle_block = None
    title_size = round(width * style.title_size)
    title_lines = _caption_lines(path, [_normalize_line(title)])
    if title_lines:
        fit = _fit_box(width, title_size, style.title_lines, TITLE)
        title_block = _text_block(title_lines, cursor + round(title_size * 0.15), fit, path, width)
        cursor = title_block.box[3]
    paragraphs = _caption_lines(path, normalize_paragraphs(subtitle))
    if paragraphs:
        sub_size = round(width * style.subtitle_size)
        if title_block is not None:  # the subtitle never outgrows the title
            sub_size = min(sub_size, round(title_block.font_size * 0.75))
        fit = _fit_box(width, sub_size, style.subtitle_lines, SUBTITLE)
        gap = round(sub_size * 0.25) if title_block else round(title_size * 0.15)
        subtitle_block = _text_block(paragraphs, cursor + gap, fit, path, width)
        cursor = subtitle_block.box[3]
    bottom = round(margin * 0.55) if title_block or subtitle_block else margin
    height = cursor + max(bottom, style.frame_px + style.gap_px)
    return PosterLayout(
        (width, height), picture_box, frame_box, style.frame_px, title_block, subtitle_block
    )


def compose_poster(
    image: Image.Image, title: str, subtitle: str = "", style: PosterStyle | None = None
) -> Image.Image:
    """The finished RGB poster: ``image`` framed on black with the captions below it."""
    style = style or PosterStyle()
    layout = layout_poster(image.size, title, subtitle, style)
    return render_poster(image, layout, style)


def scale_picture(image: Image.Image, style: PosterStyle | None = None) -> Image.Image:
    """``image`` as RGB at the size a poster in ``style`` shows it. Composing from this
    skips the resize (the slow part): the GUI scales once and re-composes per keystroke."""
    style = style or PosterStyle()
    _check_style(style)
    size = _picture_size(image.size, style)
    picture = to_rgb(image)
    if picture.size != size:
        # reducing_gap: a fast box pre-shrink, then Lanczos; invisible at poster sizes.
        picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return picture


def render_poster(image: Image.Image, layout: PosterLayout, style: PosterStyle) -> Image.Image:
    """Draw ``layout`` (from :func:`layout_poster` for this image's size)."""
    canvas = Image.new("RGB", layout.canvas_size, style.background)
    picture = to_rgb(image)
    if picture.size != layout.picture_size:
        picture = scale_picture(picture, style)
    canvas.paste(picture, layout.picture_box[:2])
    draw = ImageDraw.Draw(canvas)
    if layout.frame_px > 0:
        left, top, right, bottom = layout.frame_box
        draw.rectangle(
            (left, top, right - 1, bottom - 1), outline=style.foreground, width=layout.frame_px
        )
    for block in (layout.title, layout.subtitle):
        if block is None:
            continue
        font = load_font(block.font_path, block.font_size)
        for line in block.lines:
            draw_line(canvas, line.origin, line.text, block.font_path, font, style.foreground)
    return canvas
