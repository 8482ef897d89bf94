"""«Модели GGUF на этом компьютере»: the GGUF files LM Studio, ollama and the user's own
folders already hold (:mod:`inference.models.gguf_discovery`), offered as the joke generator with
one click and without copying them.

The scan reads only file headers but may walk big folders, so it runs on a worker thread and
comes back through a queued signal; «Использовать» asks the dialog to point the settings at
the file (``use_requested``), «Добавить папку…» adds a folder to the settings' list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inference.core.human_units import format_bytes
from inference.core.i18n import tr
from inference.core.settings import Settings
from inference.models.gguf_discovery import FoundGguf, discover

DOMAIN = "llm"


class _Found(QObject):
    arrived = Signal(int, list)  # scan number, [FoundGguf]


class LocalGgufPanel(QWidget):
    use_requested = Signal(str)  # the path of the chosen GGUF
    folder_added = Signal(str)

    def __init__(self, get_settings: Callable[[], Settings], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("localGgufPanel")
        self._get_settings = get_settings
        self.found: list[FoundGguf] | None = None  # None while the first scan runs
        self.title = QLabel(self)
        self.title.setObjectName("sectionTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("ggufList")
        self.list.setMaximumHeight(120)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item: self._use())
        self.use = QPushButton(self)
        self.use.setObjectName("useGgufButton")
        self.use.clicked.connect(self._use)
        self.add_folder = QPushButton(self)
        self.add_folder.setObjectName("addGgufFolderButton")
        self.add_folder.clicked.connect(self._pick_folder)
        for button in (self.use, self.add_folder):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_folder)
        buttons.addWidget(self.use)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self._signal = _Found(self)
        self._signal.arrived.connect(self._show)
        self._scans = 0
        self.retranslate()
        self.rescan()

    def retranslate(self) -> None:
        self.title.setText(tr("gui.local_gguf", DOMAIN))
        self.use.setText(tr("gui.use_gguf", DOMAIN))
        self.add_folder.setText(tr("gui.add_gguf_folder", DOMAIN))
        self._update_buttons()

    def rescan(self) -> None:
        self._scans += 1
        number, folders = self._scans, list(self._get_settings().models.gguf_folders)
        folders = [f for f in folders if isinstance(f, str)]

        def work() -> None:
            self._signal.arrived.emit(number, discover(folders))

        threading.Thread(target=work, daemon=True, name="gguf-scan").start()

    def _show(self, number: int, found: list) -> None:
        if number != self._scans:
            return
        self.found = found
        self.list.clear()
        for item in found:
            where = tr(f"gui.source.{item.source}", DOMAIN)
            text = f"{item.name} · {item.quantization or item.architecture} · "
            text += f"{format_bytes(item.size)} · {where}"
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, str(item.path))
            entry.setToolTip(str(item.path))
            self.list.addItem(entry)
        if not found:
            empty = QListWidgetItem(tr("gui.no_gguf", DOMAIN))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        self._update_buttons()

    def _selected_path(self) -> str:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) or "" if items else ""

    def _update_buttons(self) -> None:
        self.use.setEnabled(bool(self._selected_path()))

    def _use(self) -> None:
        path = self._selected_path()
        if path:
            self.use_requested.emit(path)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("gui.add_gguf_folder", DOMAIN))
        if folder:
            self.folder_added.emit(folder)
