"""Thumbnails of earlier posters: open one to view / re-edit / re-save, delete, open folder."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.widgets import note, section, smooth_list
from inference.runs.history import HistoryEntry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_SIZE = QSize(64, 80)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def entry_label(entry: HistoryEntry) -> str:
    """The ending (what tells versions of one beginning apart; the beginning is in the
    tooltip and on the thumbnail) and the time to the second."""
    when = entry.created.replace("T", " ")[:19]
    return f"{_short(entry.subtitle or entry.title or entry.prompt, 48)}\n{when}"


def entry_tooltip(entry: HistoryEntry) -> str:
    lines = [entry.title or entry.prompt, entry.subtitle, entry.created.replace("T", " ")[:19]]
    return "\n".join(line for line in lines if line)


class HistoryPanel(QWidget):
    open_requested = Signal(object)  # HistoryEntry
    delete_requested = Signal(object)  # HistoryEntry
    folder_requested = Signal()
    copy_requested = Signal(object)  # HistoryEntry: its poster to the clipboard
    remake_requested = Signal(object)  # HistoryEntry: a new run with its sidecar's settings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout, self.caption = section(self)
        self.list = smooth_list(QListWidget(self), "historyList")
        self.list.setIconSize(ICON_SIZE)
        self.list.setUniformItemSizes(True)
        self.list.itemActivated.connect(self._emit_open)  # Enter / double click: re-open
        self.list.currentItemChanged.connect(self._on_current)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.empty = note(self, "historyEmpty")
        self.delete_button = QPushButton(self)
        self.delete_button.setObjectName("deleteHistoryButton")
        self.delete_button.clicked.connect(self._emit_delete)
        self.folder_button = QPushButton(self)
        self.folder_button.setObjectName("historyFolderButton")
        self.folder_button.clicked.connect(self.folder_requested)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self._emit_delete)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.delete_button)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.retranslate()
        self.set_entries([])

    def retranslate(self) -> None:
        self.caption.setText(t("history.caption"))
        self.empty.setText(t("history.empty"))
        self.delete_button.setText(t("history.delete"))
        self.folder_button.setText(t("history.folder"))
        self.folder_button.setToolTip(t("history.folder_tip"))

    def set_entries(self, entries: list[HistoryEntry], current_id: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for entry in entries:
            item = QListWidgetItem(entry_label(entry))
            path = entry.thumbnail_path if entry.thumbnail_path.exists() else entry.poster_path
            item.setIcon(QIcon(QPixmap(str(path))))
            item.setData(ENTRY_ROLE, entry)
            item.setToolTip(entry_tooltip(entry))
            item.setSizeHint(QSize(0, ICON_SIZE.height() + 14))
            self.list.addItem(item)
            if entry.id == current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.list.setVisible(bool(entries))
        self.empty.setVisible(not entries)
        self._update_buttons()

    def select(self, entry_id: str | None) -> None:
        """Highlight ``entry_id`` without opening it again."""
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            if self.list.item(i).data(ENTRY_ROLE).id == entry_id:
                self.list.setCurrentRow(i)
        self.list.blockSignals(False)
        self._update_buttons()

    def context_menu(self, entry: HistoryEntry) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("historyMenu")
        for key, signal in (
            ("history.menu.remake", self.remake_requested),
            ("history.menu.copy", self.copy_requested),
            ("history.menu.folder", None),
            ("history.menu.delete", self.delete_requested),
        ):
            if signal is None:
                menu.addAction(t(key), self.folder_requested.emit)
            else:
                menu.addAction(t(key), lambda s=signal: s.emit(entry))
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is not None:
            self.context_menu(item.data(ENTRY_ROLE)).popup(self.list.viewport().mapToGlobal(pos))

    def entries(self) -> list[HistoryEntry]:
        return [self.list.item(i).data(ENTRY_ROLE) for i in range(self.list.count())]

    def current_entry(self) -> HistoryEntry | None:
        item = self.list.currentItem()
        return item.data(ENTRY_ROLE) if item is not None else None

    def set_busy(self, busy: bool) -> None:
        """A run is going: the list stays browsable, deleting waits for its end."""
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = getattr(self, "_busy", False)
        self.delete_button.setEnabled(not busy and self.current_entry() is not None)

    def _on_current(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self._update_buttons()
        if item is not None:
            self._emit_open(item)

    def _emit_open(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(item.data(ENTRY_ROLE))

    def _emit_delete(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.delete_requested.emit(entry)
