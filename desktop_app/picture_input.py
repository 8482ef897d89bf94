"""The user's own picture from a file, the clipboard or a drop: what was given, and its
loading (off the GUI thread) into a picture the pipeline can use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, QMimeData
from PySide6.QtGui import QImage

from desktop_app.i18n import t

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")


@dataclass
class OwnPicture:
    """A loaded picture; ``source`` is what a new run passes as ``MakeRequest.picture``
    (the file path, so the sidecar names it, or the image itself when it came from memory)."""

    image: Image.Image
    source: str | Image.Image
    label: str  # recorded as the result's picture_source
    name: str  # shown to the user


def source_from_mime(mime: QMimeData | None) -> Path | QImage | None:
    """A local file (first URL) or image data from a clipboard / drop, else None."""
    if mime is None:
        return None
    if mime.hasUrls():
        for url in mime.urls():
            if url.isLocalFile():
                return Path(url.toLocalFile())
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return image
    return None


def _png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def load_own_picture(source: Path | QImage) -> OwnPicture:
    """Runs on a worker thread (QImage is reentrant); raises ImageError with a clear text."""
    from inference.image.pictures import load_picture  # numpy: kept out of the start-up

    if isinstance(source, QImage):
        image = load_picture(_png_bytes(source))
        return OwnPicture(image, image, "clipboard", t("picture.from_clipboard"))
    image = load_picture(source)
    return OwnPicture(image, str(source), str(source), source.name)
