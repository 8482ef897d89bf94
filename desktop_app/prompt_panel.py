"""The joke beginning: a multi-line field with a length counter, «Создать!» and «Стоп»."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.widgets import restyle, section
from inference.core.params import MAX_PROMPT_CHARS


class PromptEdit(QPlainTextEdit):
    """Ctrl+Enter submits instead of adding a line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class PromptPanel(QWidget):
    generate_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout, self.caption = section(self)
        self.edit = PromptEdit(self)
        self.edit.setObjectName("promptEdit")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(76)  # three lines; short screens need the room
        self.edit.submitted.connect(self.generate_requested)
        self.edit.textChanged.connect(self._update_counter)
        self.counter = QLabel(self)
        self.counter.setObjectName("promptCounter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.generate_button = QPushButton(self)
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate_requested)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        layout.addWidget(self.edit)
        layout.addWidget(self.counter)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.caption.setText(t("prompt.caption"))
        self.edit.setPlaceholderText(t("prompt.placeholder"))
        self.generate_button.setText(t("prompt.generate"))
        self.generate_button.setToolTip(t("prompt.generate_tip"))
        self.cancel_button.setToolTip(t("prompt.cancel_tip"))
        self.set_cancelling(False)
        self._update_counter()

    def text(self) -> str:
        return self.edit.toPlainText()

    def too_long(self) -> bool:
        return len(self.text().strip()) > MAX_PROMPT_CHARS

    def set_busy(self, busy: bool) -> None:
        self.generate_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.set_cancelling(False)

    def set_cancelling(self, cancelling: bool) -> None:
        self.cancel_button.setText(t("prompt.cancelling" if cancelling else "prompt.cancel"))
        if cancelling:
            self.cancel_button.setEnabled(False)

    def _update_counter(self) -> None:
        length = len(self.text().strip())
        over = length > MAX_PROMPT_CHARS
        key = "prompt.too_long" if over else "prompt.counter"
        self.counter.setText(t(key, length=length, limit=MAX_PROMPT_CHARS))
        self.counter.setProperty("over", over)
        restyle(self.counter)
