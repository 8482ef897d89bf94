"""The window's models side: the «Модели» button and dialog, the first-run offer, and what
happens when an install ends while no dialog is open (installs outlive the dialog)."""

from __future__ import annotations

import copy
import logging

from desktop_app.first_run_dialog import FirstRunDialog
from desktop_app.i18n import tm
from desktop_app.message_bar import ERROR, INFO
from desktop_app.models_dialog import ModelsDialog
from desktop_app.models_service import ModelsService
from inference.core.errors import DemotivatorError
from inference.core.settings import save_settings
from inference.models.catalog import Catalog, CatalogEntry, load_catalog
from inference.models.install_job import DONE, FAILED, InstallJob, JobUpdate
from inference.models.installer import first_run_offer
from inference.models.model_store import ModelStore, use_model

log = logging.getLogger(__name__)


class WindowModelsMixin:
    """Mixed into MainWindow (which provides ``settings``, ``apply_settings``, ``messages``,
    ``models_button`` and the status bar)."""

    def _init_models(self) -> None:
        self.models = ModelsService(self)
        self.models.updated.connect(self._on_models_update)
        self.models.ended.connect(self._on_install_ended)
        self.models_button.clicked.connect(self.open_models)
        self._use_when_installed: set[str] = set()  # first-run installs: used once done
        self._models_dialog: ModelsDialog | None = None

    def _retranslate_models(self) -> None:
        self.models_button.setToolTip(tm("button.models_tip"))
        self._on_models_update(None)

    def open_models(self) -> ModelsDialog:
        """Window-modal but asynchronous, like the settings: downloads go on behind it."""
        dialog = self.models_dialog
        if dialog is not None:
            dialog.raise_()
            return dialog
        dialog = ModelsDialog(self.models, lambda: self.settings, self.apply_settings, self)
        dialog.finished.connect(self._models_dialog_closed)
        dialog.finished.connect(dialog.deleteLater)
        self._models_dialog = dialog
        dialog.open()
        return dialog

    @property
    def models_dialog(self) -> ModelsDialog | None:
        """The «Модели» dialog while it is open."""
        return getattr(self, "_models_dialog", None)

    def _models_dialog_closed(self) -> None:
        self._models_dialog = None  # deleted later: never touched again

    # --- first run -----------------------------------------------------------------------
    def offer_first_run(self, force: bool = False) -> None:
        """Offer the recommended models when only the lite ones are there and the offer
        was never answered (the check reads the models folder: on the scan thread).
        ``force``: the lite notice's «Установить модели» - offered again, answered or not;
        with nothing left to offer the «Модели» dialog opens."""
        if self.settings.first_run_offer_dismissed and not force:
            return
        self._offer_forced = force
        settings = copy.deepcopy(self.settings)

        def check() -> tuple[Catalog, list[CatalogEntry]]:
            catalog = load_catalog()
            return catalog, first_run_offer(settings, ModelStore.from_settings(settings), catalog)

        self.models.scan(check, self._show_first_run)

    def _show_first_run(self, found: tuple[Catalog, list[CatalogEntry]]) -> None:
        catalog, entries = found
        if self._closed:
            return
        if not entries:
            if getattr(self, "_offer_forced", False):
                self.open_models()
            return
        dialog = FirstRunDialog(catalog, entries, self)
        dialog.accepted.connect(
            lambda: self.install_recommended(entries, onnx=not dialog.torch_only())
        )
        dialog.finished.connect(self._remember_first_run)  # «Не сейчас» and «Установить»
        dialog.finished.connect(dialog.deleteLater)
        self._first_run_dialog = dialog
        dialog.open()

    def install_recommended(self, entries: list[CatalogEntry], onnx: bool = True) -> None:
        """Download ``entries`` in the background, each used for its role once installed
        (unless the user chose another model meanwhile); the «Модели» dialog shows it.
        ``onnx``: convert each after its download (the fast ONNX Runtime path, the default);
        False keeps the PyTorch weights only."""
        store = ModelStore.from_settings(self.settings)
        for entry in entries:
            try:
                self.models.install(entry.id, store, onnx=onnx)
            except DemotivatorError as exc:
                self.messages.show_message(ERROR, str(exc))
                continue
            self._use_when_installed.add(entry.id)
        self.open_models()

    def _remember_first_run(self) -> None:
        self.settings.first_run_offer_dismissed = True
        try:
            save_settings(self.settings)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)

    # --- installs ending -----------------------------------------------------------------
    def _on_models_update(self, _update: JobUpdate | None) -> None:
        running = self.models.running()
        percent = self.models.overall_percent()
        if not running:
            text = tm("button.models")
        elif percent is None:
            text = tm("button.models_busy")
        else:
            text = tm("button.models_progress", percent=percent)
        self.models_button.setText(text)

    def _on_install_ended(self, job: InstallJob, update: JobUpdate) -> None:
        self._on_models_update(update)
        dialog_open = self.models_dialog is not None
        if update.state == DONE and job.result is not None:
            self.statusBar().showMessage(tm("msg.installed", name=job.result.id), 10_000)
            if job.model_id in self._use_when_installed:
                self._use_installed(job)
        elif update.state == FAILED and not dialog_open:
            self.messages.show_message(ERROR, tm("msg.install_failed", error=update.error))
        self._use_when_installed.discard(job.model_id)

    def _use_installed(self, job: InstallJob) -> None:
        model = job.result
        if model is None or getattr(self.settings.models, f"{model.role}_dir"):
            return  # the user picked a model for that role meanwhile: keep it
        settings = use_model(copy.deepcopy(self.settings), model)
        self.apply_settings(settings)
        self.messages.show_message(INFO, tm("msg.installed_used", name=model.id))
