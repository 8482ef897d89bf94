"""Small building blocks shared by the panels."""

from __future__ import annotations

from PySide6.QtCore import Qt
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
