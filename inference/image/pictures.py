"""The user's own picture: read anything Pillow opens into a sane RGB image.

- JPEG, PNG, WebP, BMP, GIF (first frame), TIFF…: whatever Pillow identifies.
- EXIF orientation applied, so a phone photo is the right way up.
- Transparency flattened on white: most transparent pictures (logos, stickers, cut-outs)
  are drawn for a light page, and dark lines on black would vanish into the poster's mat.
- Huge pictures scaled down to ``max_side`` (JPEGs are decoded at a reduced scale
  directly, which saves most of the time and memory); pictures beyond Pillow's
  decompression-bomb limit (about 179 megapixels) are refused with a clear message.
- Only a regular file of at most ``MAX_PICTURE_BYTES`` is opened (a FIFO, a device such
  as /dev/zero or a multi-GB video is refused at once), and it is streamed, never read
  into memory whole; a strip longer than ``MAX_ASPECT``:1 is refused (it would be a line).
- Any failure is an :class:`~inference.core.errors.ImageError` naming the file.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from inference.core.errors import ImageError
from inference.core.i18n import tr

WHITE = (255, 255, 255)
MAX_PICTURE_BYTES = 256 << 20  # far above any photo; refused before a byte is read
MAX_ASPECT = 20  # longer / shorter side; 20:1 is still ~40 px tall on a 1024 px poster
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


def _open_file(source: str | os.PathLike, name: str) -> BinaryIO:
    """The picture file, opened only once it is known to be a regular file of sane size:
    a FIFO would block forever, /dev/zero or an 8 GB video would fill the memory."""
    path = Path(source)
    try:
        # O_NONBLOCK: a FIFO swapped in after a check must not hang the open either.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        raise ImageError(tr("picture.missing", "poster", path=name)) from exc
    except IsADirectoryError as exc:
        raise ImageError(tr("picture.is_folder", "poster", path=name)) from exc
    except OSError as exc:
        raise ImageError(tr("picture.unreadable", "poster", path=name, err=exc)) from exc
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = tr("picture.is_folder", "poster", path=name)
    elif not stat.S_ISREG(info.st_mode):
        problem = tr("picture.not_a_file", "poster", path=name)
    elif info.st_size > MAX_PICTURE_BYTES:
        limit = MAX_PICTURE_BYTES >> 20
        problem = tr("picture.file_too_big", "poster", path=name, limit=limit)
    if problem:
        os.close(fd)
        raise ImageError(problem)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _check_shape(image: Image.Image, name: str) -> None:
    """A 4000x10 strip would shrink to a line of a few pixels on the poster: refused, said why."""
    width, height = image.size
    if min(width, height) and max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageError(
            tr("picture.too_thin", "poster", path=name, w=width, h=height, ratio=MAX_ASPECT)
        )


def load_picture(source: str | os.PathLike | bytes, max_side: int = 2048) -> Image.Image:
    """The picture at ``source`` (a path or the file's bytes) as an upright RGB image
    whose longer side is at most ``max_side``; raises ImageError with a clear message."""
    if max_side < 16:
        raise ValueError("max_side must be at least 16")
    name = _describe(source)
    file = io.BytesIO(source) if isinstance(source, bytes) else _open_file(source, name)
    try:
        with warnings.catch_warnings(), file:
            # Between 1x and 2x Pillow's pixel limit it only warns; we downscale anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Pillow reads the header only, identifying the format by its signature; the
            # pixels are streamed from the file by load() (no whole-file copy in memory).
            image = Image.open(file)
            _check_shape(image, name)
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
