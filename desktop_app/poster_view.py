"""The poster, scaled to fit (HiDPI aware), draggable out of the window as a PNG file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QRect, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDrag, QImage, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

BACKGROUND = QColor("#1e1f22")
HINT = QColor("#9aa0a6")


class PosterView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posterView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 320)
        self._image = QImage()
        self._scaled: QPixmap | None = None
        self._hint = ""
        self._press: QPoint | None = None
        # Supplied by the window: writes the poster to a file and returns its path.
        self.export_for_drag: Callable[[], Path | None] | None = None

    # --- content -------------------------------------------------------------------------
    def image(self) -> QImage:
        return self._image

    def has_image(self) -> bool:
        return not self._image.isNull()

    def pixmap(self) -> QPixmap:
        """The full-size poster (null when none), the accessor a QLabel-minded caller
        expects."""
        return QPixmap.fromImage(self._image)

    def set_image(self, image: QImage | None) -> None:
        self._image = image if image is not None else QImage()
        self._scaled = None
        self.setCursor(
            Qt.CursorShape.OpenHandCursor if self.has_image() else Qt.CursorShape.ArrowCursor
        )
        self.update()

    def set_hint(self, text: str) -> None:
        self._hint = text
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(560, 640)

    # --- painting ------------------------------------------------------------------------
    def _target(self) -> QRect:
        """Where the poster goes: as large as fits, aspect kept, centred, 12 px margin."""
        area = self.rect().adjusted(12, 12, -12, -12)
        size = self._image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        top_left = area.center() - QPoint(size.width() // 2, size.height() // 2)
        return QRect(top_left, size)

    def _pixmap(self, target: QRect) -> QPixmap:
        """Scaled once per size with smooth filtering, at device pixels (sharp on HiDPI)."""
        ratio = self.devicePixelRatioF()
        device = target.size() * ratio
        if self._scaled is None or self._scaled.size() != device:
            scaled = self._image.scaled(
                device,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled = QPixmap.fromImage(scaled)
            self._scaled.setDevicePixelRatio(ratio)
        return self._scaled

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.has_image():
            target = self._target()
            painter.drawPixmap(target.topLeft(), self._pixmap(target))
        elif self._hint:
            box = self.rect().adjusted(24, 24, -24, -24)
            pen = QPen(HINT, 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawRoundedRect(box, 14, 14)
            painter.drawText(
                box.adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._hint,
            )
        painter.end()

    # --- drag the poster out -------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.has_image():
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        moved = (event.position().toPoint() - self._press).manhattanLength()
        if moved >= QApplication.startDragDistance():
            self._press = None
            self.start_drag()

    def drag_mime(self) -> QMimeData:
        """The poster as image data plus a file URL (what file managers and chats want)."""
        mime = QMimeData()
        mime.setImageData(self._image)
        path = self.export_for_drag() if self.export_for_drag else None
        if path is not None:
            mime.setUrls([QUrl.fromLocalFile(str(path))])
        return mime

    def start_drag(self) -> None:
        drag = QDrag(self)
        drag.setMimeData(self.drag_mime())
        thumb = self._image.scaled(
            160, 160, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        drag.setPixmap(QPixmap.fromImage(thumb))
        drag.exec(Qt.DropAction.CopyAction)
