"""The poster, scaled to fit (HiDPI aware), draggable out of the window as a PNG file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDrag,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication, QMenu, QSizePolicy, QWidget

from desktop_app.i18n import t

BACKGROUND = QColor("#1e1f22")
HINT = QColor("#9aa0a6")
DROP = QColor("#5b93f5")  # a picture dragged over the window: «drop it here»


class PosterView(QWidget):
    copy_requested = Signal()
    save_requested = Signal()
    zoom_requested = Signal()  # the poster at full size, in its own scrollable window
    folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posterView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 200)  # small laptop screens: the captions must stay in view
        self._image = QImage()
        self._scaled: QPixmap | None = None
        self._hint = ""
        self._press: QPoint | None = None
        self._drop_highlight = False
        self._preview = QImage()  # the picture half drawn (latents), shown until a poster
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

    def set_preview(self, image: QImage | None) -> None:
        """A look at the picture being drawn; not a poster (nothing to save or copy)."""
        self._preview = image if image is not None else QImage()
        self.update()

    def has_preview(self) -> bool:
        return not self._preview.isNull()

    def set_image(self, image: QImage | None) -> None:
        self._preview = QImage()
        self._image = image if image is not None else QImage()
        self._scaled = None
        self.setCursor(
            Qt.CursorShape.OpenHandCursor if self.has_image() else Qt.CursorShape.ArrowCursor
        )
        self.update()

    def set_drop_highlight(self, on: bool) -> None:
        self._drop_highlight = on
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
        elif self.has_preview():
            area = self.rect().adjusted(48, 48, -48, -48)
            size = self._preview.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            box = QRect(area.center() - QPoint(size.width() // 2, size.height() // 2), size)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(box, self._preview)
        if self._drop_highlight:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(DROP, 3, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(91, 147, 245, 40))
            painter.drawRoundedRect(self.rect().adjusted(6, 6, -6, -6), 14, 14)
        elif not self.has_image() and not self.has_preview() and self._hint:
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

    # --- zoom and the context menu ----------------------------------------------------------
    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.has_image():
            self.zoom_requested.emit()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt API
        self.context_menu().popup(event.globalPos())

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("posterMenu")
        has = self.has_image()
        for key, signal in (
            ("poster.menu.zoom", self.zoom_requested),
            ("poster.menu.copy", self.copy_requested),
            ("poster.menu.save", self.save_requested),
            ("poster.menu.folder", self.folder_requested),
        ):
            action = menu.addAction(t(key), signal.emit)
            action.setEnabled(has or key == "poster.menu.folder")
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

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
