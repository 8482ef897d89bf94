"""Settings widgets for bringing one's own LLM: the generator's location field (a model
folder, a .gguf file or a server URL) and, for a server, its model list with «Проверить»
and an optional API key.

«Проверить» asks the server on a worker thread (a dead address takes seconds to give up)
and hands the answer back through a queued signal; the list keeps a model the user typed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.settings_fields import FolderField
from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.registry import FILE, URL, location_kind

DOMAIN = "llm"


class ModelLocationField(FolderField):
    """A folder, a .gguf file («Файл GGUF…») or an http(s) URL typed in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.pick_file: QPushButton | None = None  # FolderField's constructor retranslates
        super().__init__(must_exist=True, parent=parent)
        self.pick_file = QPushButton(self)
        self.pick_file.setObjectName("generatorGgufButton")
        self.pick_file.clicked.connect(self._pick_gguf)
        self.layout().addWidget(self.pick_file)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        if self.pick_file is not None:
            self.pick_file.setText(tr("gui.pick_gguf", DOMAIN))

    def kind(self) -> str:
        return location_kind(self.path()) if self.path() else ""

    def error(self) -> str:
        kind = self.kind()
        if kind == URL:
            return ""
        if kind == FILE:
            if not Path(self.path()).expanduser().is_file():
                return tr("gguf.missing", DOMAIN, path=self.path())
            return ""
        return super().error()

    def _pick_gguf(self) -> None:
        start = self.path() if self.kind() == FILE else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, tr("gui.pick_gguf_title", DOMAIN), start, "GGUF (*.gguf)"
        )
        if path:
            self.set_path(path)


class _Answer(QObject):
    """Carries a worker thread's answer to the GUI thread (queued connection)."""

    arrived = Signal(int, list, str)  # request number, model names, error line


class ServerFields(QWidget):
    """The server's model (editable list, «Проверить» fills it) and an API key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generatorServer")
        self.url = ""
        self.label = QLabel()  # the form row's label, kept here to retranslate it
        self.model = QComboBox(self)
        self.model.setObjectName("generatorModel")
        self.model.setEditable(True)
        self.check = QPushButton(self)
        self.check.setObjectName("checkServerButton")
        self.check.clicked.connect(self.ask_server)
        self.api_key = QLineEdit(self)
        self.api_key.setObjectName("generatorApiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel(self)
        self.status.setObjectName("serverStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.model, 1)
        row.addWidget(self.check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.api_key)
        layout.addWidget(self.status)
        self._answer = _Answer(self)
        self._answer.arrived.connect(self._show)
        self._asked = 0  # answers to older clicks are dropped
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(tr("gui.server_model", DOMAIN))
        self.check.setText(tr("gui.check", DOMAIN))
        self.api_key.setPlaceholderText(tr("gui.api_key", DOMAIN))
        self.model.lineEdit().setPlaceholderText(tr("gui.first_model", DOMAIN))

    def model_name(self) -> str:
        return self.model.currentText().strip()

    def set_model(self, name: str) -> None:
        if name and self.model.findText(name) < 0:
            self.model.addItem(name)
        self.model.setCurrentText(name)

    def ask_server(self) -> None:
        from inference.text.server_generator import check_server

        self._asked += 1
        number, url, key = self._asked, self.url, self.api_key.text().strip()
        self.check.setEnabled(False)
        self.status.setText(tr("gui.checking", DOMAIN, url=url))

        def work() -> None:
            try:
                _, models = check_server(url, key)
                self._answer.arrived.emit(number, models, "")
            except ModelError as exc:
                self._answer.arrived.emit(number, [], str(exc))

        threading.Thread(target=work, daemon=True, name="server-check").start()

    def _show(self, number: int, models: list, error: str) -> None:
        if number != self._asked:
            return
        self.check.setEnabled(True)
        if error:
            self.status.setText(error)
            return
        typed = self.model_name()
        self.model.clear()
        self.model.addItems(models)
        self.set_model(typed if typed in models else (models[0] if models else ""))
        self.status.setText(tr("gui.models_found", DOMAIN, count=len(models)))
