"""Small building blocks shared by the panels."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def section(panel: QWidget) -> tuple[QVBoxLayout, QLabel]:
    """A panel's column layout and its bold caption (already added)."""
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    caption = QLabel(panel)
    caption.setObjectName("sectionTitle")
    layout.addWidget(caption)
    return layout, caption


def card(*widgets: QWidget, stretch: int = 0, margins: int = 12) -> QFrame:
    """A white rounded frame around ``widgets`` (styled by ``QFrame#card``)."""
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(margins, margins - 2 if margins else 0, margins, margins)
    for widget in widgets:
        layout.addWidget(widget, stretch)
    return frame


def note(parent: QWidget, name: str) -> QLabel:
    """A grey centred text shown where a list is still empty."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def smooth_list(widget: QListWidget, name: str) -> QListWidget:
    widget.setObjectName(name)
    widget.setWordWrap(True)
    widget.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return widget


def close_button(parent: QWidget, name: str) -> QToolButton:
    """A flat ✕ from the style's own icons (no font needs to have the glyph)."""
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setIcon(parent.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
    button.setAutoRaise(True)
    return button


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class ElidedLabel(QLabel):
    """One line that gives way: its text is drawn with «…» when the room is short, so a
    long text (a model's name in «загрузка модели …») never widens the column it sits in.
    ``text()`` stays whole; set the tooltip for the whole line."""

    def __init__(self, parent: QWidget | None = None, min_chars: int = 14) -> None:
        super().__init__(parent)
        self.min_chars = min_chars  # what it still asks for when squeezed

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        room = self.fontMetrics().averageCharWidth() * self.min_chars
        return QSize(min(hint.width(), room), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        room = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(room, int(self.alignment()), text)

