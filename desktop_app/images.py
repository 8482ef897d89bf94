"""Conversions between Pillow images and Qt images (no copies kept alive by accident)."""

from __future__ import annotations

from PIL import Image
from PySide6.QtGui import QImage


def pil_to_qimage(image: Image.Image) -> QImage:
    """A QImage owning its pixels (safe to build on a worker thread, then hand over)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimage = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return qimage.copy()  # detach from ``data``, which Python frees
