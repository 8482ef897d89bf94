"""The «Модели» dialog's actions on installed models: verify, remove (asked first), use
for its role, and import a local folder — each run on the models service's worker thread,
its outcome shown in the row or the dialog's message bar."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.i18n import t, tm
from desktop_app.message_bar import ERROR, INFO
from desktop_app.model_row_widget import OK, PROBLEM, row_title
from desktop_app.model_rows import BUNDLED, same_folder
from inference.core.errors import DemotivatorError
from inference.core.i18n import tr
from inference.core.progress import ProgressEvent
from inference.models.model_store import VerifyReport, use_model

# «Проверить» checks files (sizes, SHA-256) and the folder's structure, but does not load the
# model: a second copy of a multi-GB model next to the one the pipeline holds could exhaust
# the memory (`demotivator models verify --load` does the full load).
VERIFY_LOAD = False


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, DemotivatorError):
        return str(exc)
    return t("error.unexpected", err=f"{type(exc).__name__}: {exc}")


class ModelActionsMixin:
    """Mixed into ModelsDialog (which provides ``rows``, ``service``, ``messages``,
    ``import_buttons``, ``settings()``, ``store()``, ``refresh()`` and ``_apply``)."""

    def verify(self, model_id: str) -> None:
        widget = self.rows[model_id]
        ids, store = widget.row.store_ids, self.store()
        widget.set_busy(tm("row.verifying"))

        def run(progress) -> list[VerifyReport]:
            return [store.verify(i, load=VERIFY_LOAD, progress=progress) for i in ids]

        self.service.work(
            f"row:{model_id}",
            run,
            lambda reports: self._verified(model_id, reports),
            lambda exc: self._row_failed(model_id, exc),
        )

    def _verified(self, model_id: str, reports: list[VerifyReport]) -> None:
        widget = self.rows.get(model_id)
        if widget is None or self._closed:
            return
        widget.set_busy("")
        problems = [p for r in reports for p in r.problems]
        if problems:
            widget.set_note(tm("row.verify_failed", problems="; ".join(problems)), PROBLEM)
            return
        files = sum(r.files_checked for r in reports)
        loaded = ", ".join(sorted({r.loaded_with for r in reports if r.loaded_with}))
        key = "row.verify_ok_loaded" if loaded else "row.verify_ok"
        widget.set_note(tm(key, files=files, backend=loaded), OK)

    def _row_failed(self, model_id: str, exc: BaseException) -> None:
        if self._closed:
            return
        if model_id in self.rows:
            self.rows[model_id].set_busy("")
        self.messages.show_message(ERROR, describe_error(exc))
        self.refresh()

    def confirm_remove(self, model_id: str) -> QMessageBox:
        """Asks first (asynchronously: the event loop and the downloads go on)."""
        widget = self.rows[model_id]
        box = QMessageBox(QMessageBox.Icon.Question, tm("remove.title"), "", parent=self)
        box.setObjectName("confirmRemove")
        box.setText(tm("remove.text", name=row_title(widget.row)))
        box.setInformativeText(tm("remove.details", paths="\n".join(map(str, widget.row.paths))))
        yes = box.addButton(tm("remove.yes"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tm("remove.no"), QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda button: button is yes and self.remove(model_id))
        box.finished.connect(box.deleteLater)
        box.open()
        return box

    def remove(self, model_id: str) -> None:
        widget = self.rows[model_id]
        ids, store = widget.row.store_ids, self.store()
        paths = widget.row.paths
        widget.set_busy(tm("row.removing"))
        self.service.work(
            f"row:{model_id}",
            lambda _progress: [store.remove(i) for i in ids],
            lambda _removed: self._removed(model_id, widget.row.role, paths),
            lambda exc: self._row_failed(model_id, exc),
        )

    def _removed(self, model_id: str, role: str, paths: tuple[Path, ...]) -> None:
        if self._closed:
            return
        settings = self.settings()
        chosen = getattr(settings.models, f"{role}_dir")
        if chosen and any(same_folder(p, Path(chosen)) for p in paths):
            settings = copy.deepcopy(settings)  # the removed model was in use: back to default
            setattr(settings.models, f"{role}_dir", "")
            self._apply(settings)
            self.messages.show_message(INFO, tm("msg.removed_in_use", role=tr(f"role.{role}")))
        self.refresh()

    def use(self, model_id: str) -> None:
        widget = self.rows[model_id]
        row = widget.row
        if row.use is None:
            return
        settings = copy.deepcopy(self.settings())
        try:
            use_model(settings, row.use)
        except DemotivatorError as exc:
            self.messages.show_message(ERROR, str(exc))
            return
        if row.state == BUNDLED:  # "" means "the bundled model", also after an app update
            setattr(settings.models, f"{row.role}_dir", "")
        self._apply(settings)
        self.show_uses()
        role = tr(f"role.{row.role}")
        self.messages.show_message(INFO, tm("msg.used", name=row_title(row), role=role))

    def pick_import_folder(self, role: str) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, tm("dialog.import_pick", role=tr(f"role.{role}")), str(Path.home())
        )
        if folder:
            self.import_folder(role, Path(folder))

    def import_folder(self, role: str, folder: Path) -> None:
        """Check ``folder`` is a model for ``role`` and copy it into the models folder (on
        the worker thread); a clear message either way."""
        store = self.store()
        self.import_buttons[role].setEnabled(False)
        self.messages.show_message(INFO, tm("msg.importing", path=str(folder)))
        self.service.work(
            "import",
            lambda progress: store.import_folder(folder, role, progress=progress),
            lambda model: self._imported(role, model.id),
            lambda exc: self._import_failed(role, exc),
        )

    def _imported(self, role: str, model_id: str) -> None:
        if self._closed:
            return
        self.import_buttons[role].setEnabled(True)
        self.messages.show_message(INFO, tm("msg.imported", id=model_id, role=tr(f"role.{role}")))
        self.refresh()

    def _import_failed(self, role: str, exc: BaseException) -> None:
        if self._closed:
            return
        self.import_buttons[role].setEnabled(True)
        self.messages.show_message(ERROR, tm("msg.import_failed", err=describe_error(exc)))

    def _on_progress(self, name: str, event: ProgressEvent) -> None:
        if self._closed:
            return
        percent = int(100 * event.done / event.total) if event.total else None
        if name == "import" and percent is not None and self.messages.level == INFO:
            self.messages.text.setText(tm("msg.importing_percent", percent=percent))
        elif name.startswith("row:") and self.rows.get(name[4:]) and self.rows[name[4:]].busy_text:
            key = "row.loading" if percent is None else "row.verifying_percent"
            self.rows[name[4:]].set_busy(tm(key, percent=percent))
