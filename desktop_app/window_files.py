"""The window's file and clipboard side: own picture in (file, Ctrl+V, drop), poster out
(save, Ctrl+C, drag), and the history of finished posters. File work runs on the io
thread; results come back to the GUI thread through the runner's queued signals."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import QFileDialog, QLineEdit, QPlainTextEdit

from desktop_app.i18n import t
from desktop_app.images import pil_to_qimage
from desktop_app.message_bar import INFO
from desktop_app.picture_input import IMAGE_SUFFIXES, OwnPicture, load_own_picture, source_from_mime
from desktop_app.pipeline_service import with_qimage
from inference.core.naming import poster_file_name
from inference.core.settings import data_dir
from inference.runs.history import HistoryEntry
from inference.runs.result import Result

log = logging.getLogger(__name__)

HISTORY_LIMIT = 200
HISTORY_SAVE_DELAY_MS = 1200  # after the last edit; a burst of keystrokes writes once
SAVE_FORMATS = (
    ("png", "PNG", "*.png"),
    ("jpg", "JPEG", "*.jpg *.jpeg"),
    ("webp", "WEBP", "*.webp"),
)
_SUFFIX_FORMAT = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def snapshot(result: Result) -> Result:
    """A shallow copy safe to write on another thread while the GUI keeps editing."""
    return dataclasses.replace(
        result, candidates=list(result.candidates), outputs=dict(result.outputs)
    )


class WindowFilesMixin:
    """Mixed into MainWindow (which provides the widgets, ``io`` and ``result``)."""

    def _connect_files(self) -> None:
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(HISTORY_SAVE_DELAY_MS)
        self._history_timer.timeout.connect(lambda: self.store_in_history(self.entry_id is None))
        self.editor.pick_file_requested.connect(self.pick_picture_file)
        self.editor.paste_requested.connect(self.paste_picture)
        self.editor.clear_picture_requested.connect(self.clear_own_picture)
        self.editor.save_requested.connect(self.save_poster)
        self.editor.copy_requested.connect(self.copy_poster)
        self.history_panel.open_requested.connect(self.open_history_entry)
        self.history_panel.folder_requested.connect(self.open_history_folder)
        self.poster.copy_requested.connect(self.copy_poster)
        self.poster.save_requested.connect(self.save_poster)
        self.poster.zoom_requested.connect(self.zoom_poster)
        self.poster.folder_requested.connect(self.open_history_folder)
        self.file_actions: dict[str, QAction] = {}
        for name, keys, slot in (
            ("save", QKeySequence.StandardKey.Save, self.save_poster),
            ("copy", QKeySequence.StandardKey.Copy, self.copy_poster),
            ("paste", QKeySequence.StandardKey.Paste, self.paste_picture),
            ("open", QKeySequence.StandardKey.Open, self.pick_picture_file),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.file_actions[name] = action
        for edit in (self.prompt.edit, self.editor.title_edit, self.editor.subtitle_edit):
            edit.installEventFilter(self)

    def _retranslate_files(self) -> None:
        for name, action in self.file_actions.items():
            action.setText(t(f"action.{name}"))
        if self.own_picture is not None and self.own_picture.label == "clipboard":
            self.own_picture.name = t("picture.from_clipboard")
            self.editor.chip_text.setText(self.own_picture.name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """In a text field Ctrl+C / Ctrl+V stay text operations, unless there is no text
        to copy (then the poster is copied) or only a picture to paste (it is used)."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            copy = event.matches(QKeySequence.StandardKey.Copy)
            if copy and not _has_selection(watched) and self.poster.has_image():
                self.copy_poster()
                return True
            if event.matches(QKeySequence.StandardKey.Paste):
                mime = QGuiApplication.clipboard().mimeData()
                if mime is not None and not mime.hasText() and source_from_mime(mime):
                    self.paste_picture()
                    return True
        return super().eventFilter(watched, event)

    # --- own picture ---------------------------------------------------------------------
    def pick_picture_file(self) -> None:
        filters = f"{t('dialog.images')} ({' '.join('*' + s for s in IMAGE_SUFFIXES)});;"
        filters += f"{t('dialog.all_files')} (*)"
        path, _ = QFileDialog.getOpenFileName(self, t("dialog.open_picture"), "", filters)
        if path:
            self.use_picture_source(Path(path))

    def paste_picture(self) -> None:
        source = source_from_mime(QGuiApplication.clipboard().mimeData())
        if source is None:
            self.messages.show_message(INFO, t("picture.clipboard_empty"))
            return
        self.use_picture_source(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.source() is not self.poster and source_from_mime(event.mimeData()):
            event.acceptProposedAction()
            self.set_drop_highlight(True)  # «drop it here», until it lands or leaves

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        self.set_drop_highlight(False)
        source = source_from_mime(event.mimeData())
        if source is not None and event.source() is not self.poster:
            event.acceptProposedAction()
            self.use_picture_source(source)

    def use_picture_source(self, source: Path | QImage) -> None:
        """Load a picture on the io thread, then put it on the poster (and keep it for the
        next runs until «✕» or «Другая картинка»)."""
        image = source.copy() if isinstance(source, QImage) else source  # detach from clipboard
        self.statusBar().showMessage(t("status.loading_picture"))
        self._pictures_loading += 1
        self.io.submit(lambda: load_own_picture(image), self._picture_loaded, self._picture_failed)

    def _picture_failed(self, exc: BaseException) -> None:
        self._pictures_loading -= 1
        self._run_after_picture = False  # the run asked for meanwhile would miss its picture
        self.show_error(exc)

    def _picture_loaded(self, picture: OwnPicture) -> None:
        self._pictures_loading -= 1
        self.own_picture = picture
        self.editor.show_picture_chip(pil_to_qimage(_preview(picture)), picture.name)
        self.messages.dismiss()
        if self.result is not None and not self.service.busy:
            self.service.pipeline.use_picture(self.result, picture.image)
            self.result.picture_source = picture.label
            self._update_state()
            self._compose_now()
            self.statusBar().showMessage(t("status.picture_used"), 6000)
        else:
            self.statusBar().showMessage(t("status.picture_next_run"), 8000)
        if self._run_after_picture and not self._pictures_loading:
            self._run_after_picture = False
            self.generate()

    def clear_own_picture(self) -> None:
        self.own_picture = None
        self.editor.show_picture_chip(None, "")

    # --- poster out ----------------------------------------------------------------------
    def suggested_name(self, ext: str = "png") -> str:
        text = self.result.title or self.result.prompt if self.result else ""
        return poster_file_name(text, ext=ext)

    def save_poster(self) -> None:
        if self.result is None or self.result.poster is None:
            return
        folder = self.settings.output_path()
        folder.mkdir(parents=True, exist_ok=True)
        filters = ";;".join(f"{fmt} ({globs})" for _, fmt, globs in SAVE_FORMATS)
        path, chosen = QFileDialog.getSaveFileName(
            self, t("dialog.save_poster"), str(folder / self.suggested_name()), filters
        )
        if path:
            self.save_to(Path(path), chosen)

    def save_to(self, path: Path, chosen_filter: str = "") -> None:
        """Write the poster (+ picture and JSON sidecar) on the io thread."""
        fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
        if fmt is None:  # no or unknown suffix: take the filter's format and add its suffix
            ext, fmt = next(
                ((e, f) for e, f, _ in SAVE_FORMATS if chosen_filter.startswith(f)), ("png", "PNG")
            )
            path = path.with_name(f"{path.name}.{ext}")
        snap = snapshot(self.result)
        self.io.submit(
            lambda: snap.save(path, fmt),
            lambda saved: self.statusBar().showMessage(t("status.saved", path=str(saved)), 10_000),
            self.show_error,
        )

    def copy_poster(self) -> None:
        if self.poster.has_image():
            QGuiApplication.clipboard().setImage(self.poster.image())
            self.statusBar().showMessage(t("status.copied"), 6000)

    def zoom_poster(self) -> None:
        from desktop_app.poster_zoom import PosterZoom

        if self.poster.has_image():
            dialog = PosterZoom(self.poster.image(), self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
            self.poster_zoom = dialog

    def export_for_drag(self) -> Path | None:
        """The poster as a PNG file for drag and drop (a temp folder in the data dir)."""
        if not self.poster.has_image():
            return None
        path = data_dir() / "drag" / self.suggested_name()
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("*.png"):
            old.unlink(missing_ok=True)
        return path if self.poster.image().save(str(path), "PNG") else None

    def open_log(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        self.open_path(self.log_file)

    def open_path(self, path: Path) -> None:
        """Open a file or folder in the system's app; where none opens it (no desktop, no
        xdg-open) say where it is, keeping the message on screen (the error it explains)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            return
        note = t("message.cannot_open", path=str(path))
        bar = self.messages
        if bar.isHidden() or not bar.level:
            bar.show_message(INFO, note)
        elif note not in bar.text.text():
            bar.show_message(bar.level, f"{bar.text.text()}\n{note}", not bar.log_button.isHidden())

    # --- history -------------------------------------------------------------------------
    def store_in_history(self, new_entry: bool, later: bool = False) -> None:
        """Add the current poster as a new entry, or rewrite its entry after edits."""
        if later:
            self._history_timer.start()
            return
        self._history_timer.stop()
        result = self.result
        if result is None or result.poster is None or self._closed:
            return
        snap, history, entry_id = snapshot(result), self.history, self.entry_id
        if new_entry or entry_id is None:
            work = lambda: history.add(snap)  # noqa: E731
        else:
            work = lambda: history.update(entry_id, snap)  # noqa: E731

        def stored(entry: HistoryEntry) -> None:
            if self.result is result:
                self.entry_id = entry.id
            self.refresh_history()

        self.io.submit(work, stored, lambda exc: log.warning("history not saved: %s", exc))

    def refresh_history(self) -> None:
        history = self.history
        self.io.submit(
            lambda: history.entries(limit=HISTORY_LIMIT),
            self._history_listed,  # window_history: hides a deletion that can be undone
            lambda exc: log.warning("history not listed: %s", exc),
        )

    def open_history_entry(self, entry: HistoryEntry, keep_message: bool = False) -> None:
        """Show ``entry``; ``keep_message``: leave the message bar as it is (the poster put
        back on start must not hide a warning about the settings file)."""
        # Browsing works during a run too: what the run makes replaces it when ready.
        if entry.id == self.entry_id:
            return
        if self._history_timer.isActive():  # keep unsaved edits of the one we leave
            self.store_in_history(new_entry=False)
        history = self.history

        def loaded(done: tuple[Result, QImage | None]) -> None:
            self.entry_id = entry.id
            self._scene_joke = done[0].joke
            if not keep_message and not self.messages.action_button.isVisible():
                self.messages.dismiss()  # (and «Вернуть» stays on offer)
            self.show_result(*done)
            self.history_panel.select(entry.id)

        self.io.submit(lambda: with_qimage(history.load(entry)), loaded, self.show_error)

    def open_history_folder(self) -> None:
        folder = self.history.folder
        folder.mkdir(parents=True, exist_ok=True)
        self.open_path(folder)


def _has_selection(widget: QObject) -> bool:
    if isinstance(widget, QLineEdit):
        return widget.hasSelectedText()
    if isinstance(widget, QPlainTextEdit):
        return widget.textCursor().hasSelection()
    return False


def _preview(picture: OwnPicture):
    small = picture.image.copy()
    small.thumbnail((120, 120))
    return small
