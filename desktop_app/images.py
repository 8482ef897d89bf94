"""Conversions between Pillow images and Qt images (no copies kept alive by accident)."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage


def pil_to_qimage(image: Image.Image) -> QImage:
    """A QImage owning its pixels (safe to build on a worker thread, then hand over)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimage = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return qimage.copy()  # detach from ``data``, which Python frees


def qimage_to_pil(qimage: QImage) -> Image.Image:
    """Through PNG bytes: handles every QImage format (indexed, ARGB, premultiplied…)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    qimage.save(buffer, "PNG")
    with Image.open(io.BytesIO(bytes(buffer.data()))) as image:
        image.load()
        return image.copy()
