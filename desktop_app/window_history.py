"""The history's side of the window: deleting with «Вернуть» (the files go only once the
undo has passed), the last poster back on start, and the list's context menu actions
(copy a poster, make one again from its sidecar's settings)."""

from __future__ import annotations

import copy
import logging

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QImage

from desktop_app.i18n import t
from desktop_app.message_bar import INFO
from inference.runs.history import HistoryEntry
from inference.runs.pipeline import MakeRequest

log = logging.getLogger(__name__)

UNDO_MS = 10_000  # how long «Вернуть» is offered before the files are deleted


class WindowHistoryMixin:
    """Mixed into MainWindow (``history``, ``history_panel``, ``io``, ``service`` …)."""

    def _init_history(self) -> None:
        self._pending_delete: HistoryEntry | None = None
        self._restore_last = True  # the first listing puts the newest poster back
        self._delete_timer = QTimer(self)
        self._delete_timer.setSingleShot(True)
        self._delete_timer.setInterval(UNDO_MS)
        self._delete_timer.timeout.connect(self.flush_pending_delete)
        panel = self.history_panel
        panel.delete_requested.connect(self.delete_history_entry)
        panel.copy_requested.connect(self.copy_history_entry)
        panel.remake_requested.connect(self.remake_history_entry)

    def _history_listed(self, entries: list[HistoryEntry]) -> None:
        pending = self._pending_delete
        shown = [e for e in entries if pending is None or e.id != pending.id]
        self.history_panel.set_entries(shown, self.entry_id)
        if self._restore_last:
            self._restore_last = False
            if shown and self.result is None and not self.service.busy:
                self.open_history_entry(shown[0], keep_message=True)

    # --- delete, with undo ---------------------------------------------------------------
    def delete_history_entry(self, entry: HistoryEntry) -> None:
        """Hide the entry at once; its files go when «Вернуть» is no longer offered."""
        if self.service.busy:
            return
        self.flush_pending_delete()  # one undo at a time: an earlier deletion completes
        if entry.id == self.entry_id:
            self._history_timer.stop()
            self.entry_id = None
        self._pending_delete = entry
        self._delete_timer.start()
        self.refresh_history()
        self.messages.show_message(
            INFO,
            t("history.deleted", title=entry.subtitle or entry.title or entry.prompt),
            action=(t("history.undo"), self.undo_delete),
        )
        self.statusBar().showMessage(t("status.deleted"), 6000)

    def undo_delete(self) -> None:
        self._delete_timer.stop()
        self._pending_delete = None
        self.refresh_history()

    def flush_pending_delete(self) -> None:
        """Delete the files of the entry waiting for its undo (also on closing)."""
        self._delete_timer.stop()
        entry, self._pending_delete = self._pending_delete, None
        if entry is None:
            return
        history = self.history
        self.io.submit(lambda: history.delete(entry), lambda _: self.refresh_history())
        if self.messages.action_button.isVisible():
            self.messages.dismiss()  # «Вернуть» would no longer bring it back

    # --- context menu --------------------------------------------------------------------
    def copy_history_entry(self, entry: HistoryEntry) -> None:
        def copied(image: QImage) -> None:
            if not image.isNull():
                QGuiApplication.clipboard().setImage(image)
                self.statusBar().showMessage(t("status.copied"), 6000)

        self.io.submit(lambda: QImage(str(entry.poster_path)), copied, self.show_error)

    def remake_history_entry(self, entry: HistoryEntry) -> None:
        """A new run from the entry's sidecar: its beginning, its generation and picture
        settings and seeds (so a run with the same models gives the same result)."""
        if self.service.busy:
            return
        history = self.history

        def loaded(result) -> None:
            if self.service.busy or self._closed:
                return
            self.prompt.edit.setPlainText(result.prompt)
            self.messages.dismiss()
            self.service.run(
                MakeRequest(
                    prompt=result.prompt,
                    n_candidates=len(result.candidates) or None,
                    generation=copy.deepcopy(result.generation),
                    image=copy.deepcopy(result.image_params),
                )
            )

        self.io.submit(lambda: history.load(entry), loaded, self.show_error)
