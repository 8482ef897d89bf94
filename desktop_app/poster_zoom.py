"""The poster at full size in its own window: scroll to look at details, Ctrl+wheel or
+ / − to zoom, 0 for 100 %, Esc to close."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut, QWheelEvent
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_app.i18n import t

ZOOMS = (0.25, 0.33, 0.5, 0.67, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


class PosterZoom(QDialog):
    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posterZoom")
        self.setWindowTitle(t("poster.zoom_title"))
        self.image = image
        self.label = QLabel(self)
        self.label.setObjectName("posterZoomImage")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("posterZoomScroll")
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.label)
        self.scroll.viewport().installEventFilter(self)
        self.scroll.setStyleSheet("background: #1e1f22;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        for keys, step in (("+", 1), ("=", 1), ("-", -1), ("0", 0)):
            QShortcut(QKeySequence(keys), self, activated=lambda s=step: self.step(s))
        self.zoom = 1.0
        self.set_zoom(1.0)
        screen = (parent.screen() if parent else None) or self.screen()
        area = screen.availableGeometry()
        self.resize(
            min(image.width() + 24, int(area.width() * 0.9)),
            min(image.height() + 24, int(area.height() * 0.9)),
        )

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        ratio = self.devicePixelRatioF()
        size = self.image.size() * zoom * ratio
        scaled = self.image.scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        self.label.setPixmap(pixmap)
        self.label.resize(pixmap.size() / ratio)
        self.setWindowTitle(f"{t('poster.zoom_title')} — {round(zoom * 100)} %")

    def step(self, direction: int) -> None:
        if direction == 0:
            self.set_zoom(1.0)
            return
        bigger = [z for z in ZOOMS if z > self.zoom + 1e-6]
        smaller = [z for z in ZOOMS if z < self.zoom - 1e-6]
        if direction > 0 and bigger:
            self.set_zoom(bigger[0])
        elif direction < 0 and smaller:
            self.set_zoom(smaller[-1])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Ctrl+wheel zooms (the scroll area would scroll with it)."""
        if (
            isinstance(event, QWheelEvent)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.step(1 if event.angleDelta().y() > 0 else -1)
            return True
        return super().eventFilter(watched, event)
