"""The user's own picture: read anything Pillow opens into a sane RGB image.

- JPEG, PNG, WebP, BMP, GIF (first frame), TIFF…: whatever Pillow identifies.
- EXIF orientation applied, so a phone photo is the right way up.
- Transparency flattened on white: most transparent pictures (logos, stickers, cut-outs)
  are drawn for a light page, and dark lines on black would vanish into the poster's mat.
- Huge pictures scaled down to ``max_side`` (JPEGs are decoded at a reduced scale
  directly, which saves most of the time and memory); pictures beyond Pillow's
  decompression-bomb limit (about 179 megapixels) are refused with a clear message.
- Any failure is an :class:`~inference.errors.ImageError` naming the file.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from inference.errors import ImageError
from inference.i18n import tr

WHITE = (255, 255, 255)
_HIGH_DEPTH_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")


def to_rgb(image: Image.Image, background: tuple[int, int, int] = WHITE) -> Image.Image:
    """``image`` as RGB; alpha (or palette transparency) flattened on ``background``."""
    if image.mode == "RGB":
        return image
    if image.mode in _HIGH_DEPTH_MODES:
        image = _to_8bit(image)
    has_alpha = image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    )
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, background)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _to_8bit(image: Image.Image) -> Image.Image:
    """16-bit / 32-bit grey to 8-bit; Pillow's own conversion clips at 255 (all white)."""
    values = np.asarray(image, dtype=np.float64)
    top = float(values.max()) if values.size else 0.0
    scale = 255.0 / (65535.0 if top > 255 and top <= 65535 else max(top, 255.0))
    if image.mode == "F" and 0.0 < top <= 1.0:  # float pictures are usually 0..1
        scale = 255.0
    return Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8), "L")


def _describe(source: str | os.PathLike | bytes) -> str:
    return tr("picture.in_memory", "poster") if isinstance(source, bytes) else str(source)


def _open(source: str | os.PathLike | bytes, name: str) -> Image.Image:
    if isinstance(source, bytes):
        return Image.open(io.BytesIO(source))
    path = Path(source)
    if not path.exists():
        raise ImageError(tr("picture.missing", "poster", path=name))
    if path.is_dir():
        raise ImageError(tr("picture.is_folder", "poster", path=name))
    try:
        data = path.read_bytes()  # read once: no file handle stays open behind the image
    except OSError as exc:
        raise ImageError(tr("picture.unreadable", "poster", path=name, err=exc)) from exc
    return Image.open(io.BytesIO(data))


def load_picture(source: str | os.PathLike | bytes, max_side: int = 2048) -> Image.Image:
    """The picture at ``source`` (a path or the file's bytes) as an upright RGB image
    whose longer side is at most ``max_side``; raises ImageError with a clear message."""
    if max_side < 16:
        raise ValueError("max_side must be at least 16")
    name = _describe(source)
    try:
        with warnings.catch_warnings():
            # Between 1x and 2x Pillow's pixel limit it only warns; we downscale anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = _open(source, name)
            # Only JPEG honours draft(): decode at 1/2..1/8 scale, still >= max_side.
            image.draft("RGB", (max_side, max_side))
            image.load()
    except Image.DecompressionBombError as exc:
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000
        raise ImageError(tr("picture.too_large", "poster", path=name, limit=limit)) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(tr("picture.not_image", "poster", path=name)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated or damaged data with any of these.
        raise ImageError(tr("picture.corrupt", "poster", path=name, err=exc)) from exc
    # A broken EXIF block must not cost the picture itself: it is then kept as stored.
    with contextlib.suppress(OSError, SyntaxError, ValueError, TypeError, KeyError):
        ImageOps.exif_transpose(image, in_place=True)
    try:
        image = to_rgb(image)
    except (OSError, ValueError) as exc:  # e.g. a LAB or multi-channel TIFF
        raise ImageError(tr("picture.unsupported", "poster", path=name, err=exc)) from exc
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image
