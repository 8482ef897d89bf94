"""An in-window banner for errors, warnings and notes: what happened and what to do."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.widgets import close_button, restyle

ERROR, WARNING, INFO = "error", "warning", "info"
# The style's own icons: emoji would need an emoji font that many systems lack.
_ICONS = {
    ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


class MessageBar(QFrame):
    open_log_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.level = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self.icon = QLabel(self)
        self.icon.setObjectName("messageIcon")
        self.text = QLabel(self)
        self.text.setObjectName("messageText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_button = QPushButton(self)
        self.log_button.setObjectName("openLogButton")
        self.log_button.clicked.connect(self.open_log_requested)
        # One action the message offers (e.g. «Вернуть» after a delete).
        self.action_button = QPushButton(self)
        self.action_button.setObjectName("messageActionButton")
        self.action_button.clicked.connect(self._act)
        self._action: Callable[[], None] | None = None
        self.close_button = close_button(self, "closeMessageButton")
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.log_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.log_button.setText(t("message.open_log"))
        self.close_button.setToolTip(t("message.close"))

    def show_message(
        self,
        level: str,
        text: str,
        offer_log: bool = False,
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        self.level = level
        self.setProperty("level", level)
        restyle(self)
        self.icon.setPixmap(self.style().standardIcon(_ICONS[level]).pixmap(22, 22))
        self.text.setText(text)
        self.log_button.setVisible(offer_log)
        self._action = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)
        self.show()

    def _act(self) -> None:
        action, self._action = self._action, None
        self.dismiss()
        if action is not None:
            action()

    def dismiss(self) -> None:
        self._action = None
        self.level = ""
        self.text.clear()
        self.hide()
