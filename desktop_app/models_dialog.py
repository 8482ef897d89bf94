"""The «Модели» dialog: the catalogue by role with each model's status, size, licence and
description; install (optionally converting to ONNX), cancel, verify, remove, use for its
role (those three in :mod:`desktop_app.model_actions`); which model each role uses now; a
local folder imported for a role.

A thin view: installs belong to :class:`ModelsService` (they go on when the dialog
closes), the models folder is read on its scan thread, verify/remove/import run on its
worker thread; this class only reacts to their queued signals on the GUI thread.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.hub_install_bar import HubInstallBar
from desktop_app.i18n import tm
from desktop_app.message_bar import ERROR, INFO, MessageBar
from desktop_app.model_actions import ModelActionsMixin, describe_error
from desktop_app.model_row_widget import ModelRowWidget, row_title
from desktop_app.model_rows import (
    ModelRow,
    ModelsSnapshot,
    row_in_use,
    scan,
)
from desktop_app.models_service import ModelsService
from desktop_app.role_uses import RoleUsePanel
from desktop_app.widgets import card
from inference.core.errors import DemotivatorError
from inference.core.human_units import format_bytes
from inference.core.i18n import tr
from inference.core.registry import ROLES, backend_for_location
from inference.core.settings import Settings
from inference.models.hub_files import parse_repo_spec
from inference.models.install_job import DONE, FAILED, InstallJob, JobUpdate
from inference.models.model_manager import ModelManager
from inference.models.model_store import ModelStore, use_model


class ModelsDialog(ModelActionsMixin, QDialog):
    def __init__(
        self,
        service: ModelsService,
        get_settings: Callable[[], Settings],
        apply_settings: Callable[[Settings], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("modelsDialog")
        self.service, self._get_settings, self._apply = service, get_settings, apply_settings
        self.snapshot: ModelsSnapshot | None = None
        self.rows: dict[str, ModelRowWidget] = {}
        self._closed = False
        self._build()
        service.updated.connect(self._on_update)
        service.ended.connect(self._on_ended)
        service.progressed.connect(self._on_progress)
        self.finished.connect(self._detach)
        self.refresh()

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.setWindowTitle(tm("dialog.title"))
        screen = self.screen().availableGeometry()
        self.resize(min(960, screen.width() - 40), min(820, screen.height() - 60))
        self.setMinimumSize(720, 520)
        title = QLabel(tm("dialog.heading"), self)
        title.setObjectName("dialogTitle")
        intro = QLabel(tm("dialog.intro"), self)
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)

        self.recommend_text = QLabel(self)
        self.recommend_text.setWordWrap(True)
        self.recommend_button = QPushButton(self)
        self.recommend_button.setObjectName("installRecommendedButton")
        self.recommend_button.setAutoDefault(False)
        self.recommend_button.clicked.connect(self.install_recommended)
        self.recommend_bar = QFrame(self)
        self.recommend_bar.setObjectName("recommendBar")
        bar_layout = QHBoxLayout(self.recommend_bar)
        bar_layout.setContentsMargins(12, 8, 8, 8)
        bar_layout.addWidget(self.recommend_text, 1)
        bar_layout.addWidget(self.recommend_button)
        self.recommend_bar.hide()

        self.uses = RoleUsePanel(self)
        self.hub_bar = HubInstallBar(self)
        self.hub_bar.install_requested.connect(self.install_from_hub)
        self.hub_bar.cancel_requested.connect(self.cancel)
        from desktop_app.train_ranker_panel import TrainRankerPanel

        self.train_panel = TrainRankerPanel(self)  # «Обучить свою модель оценки шуток»
        self.train_panel.installed.connect(self.use_trained_ranker)
        self.messages = MessageBar(self)
        self.messages.log_button.hide()
        from desktop_app.gguf_panel import LocalGgufPanel  # LM Studio's, ollama's, the user's

        self.gguf_panel = LocalGgufPanel(self.settings, self)
        self.gguf_panel.use_requested.connect(self.use_gguf)
        self.gguf_panel.folder_added.connect(self.add_gguf_folder)

        content = QWidget()
        content.setObjectName("modelsContent")
        self.sections: dict[str, QVBoxLayout] = {}
        self.import_buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(6)
        for role in ROLES:
            column.addLayout(self._section_header(role))
            rows = QVBoxLayout()
            rows.setSpacing(8)
            self.sections[role] = rows
            column.addLayout(rows)
            column.addSpacing(10)
        column.addStretch(1)
        scroll = self.scroll = QScrollArea(self)
        scroll.setObjectName("modelsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Narrower than the rows need (a small screen): scroll rather than cut the buttons.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidget(content)

        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("modelsFolder")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_folder = QPushButton(tm("dialog.open_folder"), self)
        open_folder.setObjectName("openModelsFolderButton")
        open_folder.setAutoDefault(False)
        open_folder.clicked.connect(self.open_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(tm("dialog.close"))
        close.setIcon(QIcon())  # the style's ✕ icon looks like an error next to the text
        buttons.rejected.connect(self.reject)
        footer = QHBoxLayout()
        footer.addWidget(self.folder_label, 1)
        footer.addWidget(open_folder)
        footer.addSpacing(12)
        footer.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(card(self.uses))
        layout.addWidget(self.recommend_bar)
        layout.addWidget(self.messages)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.hub_bar)
        layout.addWidget(self.gguf_panel)
        layout.addWidget(self.train_panel)
        layout.addLayout(footer)

    def _section_header(self, role: str) -> QHBoxLayout:
        caption = QLabel(tm(f"role.{role}"), self)
        caption.setObjectName("sectionTitle")
        button = QPushButton(tm("dialog.import"), self)
        button.setObjectName(f"import_{role}")
        button.setToolTip(tm("dialog.import_tip", role=tr(f"role.{role}")))
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False, r=role: self.pick_import_folder(r))
        self.import_buttons[role] = button
        header = QHBoxLayout()
        header.addWidget(caption, 1, Qt.AlignmentFlag.AlignBottom)
        header.addWidget(button)
        return header

    # --- the models folder ---------------------------------------------------------------
    def settings(self) -> Settings:
        return self._get_settings()

    def store(self) -> ModelStore:
        return ModelStore.from_settings(self.settings())

    def refresh(self) -> None:
        """Re-read the models folder (on the scan thread) and show what it holds."""
        settings = copy.deepcopy(self.settings())
        self.service.scan(lambda: scan(settings), self._on_scan, self._on_scan_failed)

    def _on_scan(self, snapshot: ModelsSnapshot) -> None:
        if self._closed:
            return
        self.snapshot = snapshot
        seen = set()
        for role in ROLES:
            layout = self.sections[role]
            for row in snapshot.for_role(role):
                seen.add(row.id)
                widget = self.rows.get(row.id) or self._new_row(row)
                widget.set_row(row)
                layout.addWidget(widget)  # re-adding moves it to the end: catalogue order
                widget.show()  # at once, not on the layout's next pass: the scan just landed
        for row_id in set(self.rows) - seen:
            self.rows.pop(row_id).deleteLater()
        for job in self._jobs_to_show():  # e.g. a download started before the dialog opened
            self.rows[job.model_id].show_update(job.last)
        if not self.hub_bar.running:  # a Hub-id install started before the dialog opened
            for job in self.service.running():
                if job.model_id not in self.rows:
                    self.hub_bar.follow(job.model_id, job.last)
        self.folder_label.setText(tm("dialog.folder", path=str(snapshot.root)))
        self._show_recommended()
        self.show_uses()
        if snapshot.error:
            self.messages.show_message(ERROR, snapshot.error)

    def _on_scan_failed(self, exc: BaseException) -> None:
        if not self._closed:
            self.messages.show_message(ERROR, describe_error(exc))

    def _jobs_to_show(self) -> list[InstallJob]:
        """Installs of shown rows still running, or failed (their error stays in view)."""
        jobs = (self.service.job(row_id) for row_id in self.rows)
        return [j for j in jobs if j is not None and (j.state == FAILED or not j.finished)]

    def _new_row(self, row: ModelRow) -> ModelRowWidget:
        widget = ModelRowWidget(row)
        widget.install_requested.connect(self.install)
        widget.cancel_requested.connect(self.cancel)
        widget.verify_requested.connect(self.verify)
        widget.remove_requested.connect(self.confirm_remove)
        widget.use_requested.connect(self.use)
        self.rows[row.id] = widget
        return widget

    def _show_recommended(self) -> None:
        snapshot = self.snapshot
        wanted = [i for i in snapshot.recommended if i in self.rows] if snapshot else []
        if not wanted or any(self.rows[i].running for i in wanted):
            self.recommend_bar.hide()
            return
        names = ", ".join(row_title(self.rows[i].row) for i in wanted)
        size = format_bytes(snapshot.recommended_size)
        self.recommend_text.setText(tm("dialog.recommended", names=names, size=size))
        self.recommend_button.setText(tm("dialog.install_recommended", size=size))
        self.recommend_bar.show()

    def show_uses(self) -> None:
        """Mark the row each role uses now and fill the «Сейчас используются» block."""
        settings = self.settings()
        manager = ModelManager(settings)
        rows = self.snapshot.rows if self.snapshot else ()
        in_use = set()
        for role in ROLES:
            spec = manager.spec(role)
            row_id = row_in_use(rows, spec.path if spec else None)
            in_use.add(row_id)
            title = row_title(self.rows[row_id].row) if row_id else ""
            self.uses.show_role(role, spec, title)
        for row_id, widget in self.rows.items():
            widget.set_in_use(row_id in in_use)

    # --- installing ----------------------------------------------------------------------
    def install(self, model_id: str, onnx: bool = False) -> InstallJob | None:
        self.messages.dismiss()
        try:
            job = self.service.install(model_id, self.store(), onnx=onnx)
        except (DemotivatorError, ImportError, ValueError) as exc:
            self.messages.show_message(ERROR, describe_error(exc))
            return None
        if model_id in self.rows:
            self.rows[model_id].show_update(job.last)
        self._show_recommended()
        return job

    def install_from_hub(self, text: str, onnx: bool = False) -> InstallJob | None:
        """Install a Hub repo by its id; one the catalogue names goes through its row."""
        rows = self.snapshot.rows if self.snapshot else ()
        listed = next(
            (
                r.id
                for r in rows
                if r.entry is not None
                and r.downloadable
                and text.lower() in (r.entry.id, r.entry.repo.lower())
            ),
            None,
        )
        if listed is not None:
            self.scroll.ensureWidgetVisible(self.rows[listed])  # its row shows the progress
            return self.install(listed, onnx)
        if parse_repo_spec(text) is None:
            self.messages.show_message(ERROR, tm("hub.bad_id", id=text))
            return None
        job = self.install(text, onnx)
        if job is not None:
            self.hub_bar.follow(job.model_id, job.last)
        return job

    def install_recommended(self) -> None:
        for model_id in self.snapshot.recommended if self.snapshot else ():
            self.install(model_id)

    def cancel(self, model_id: str) -> None:
        self.service.cancel(model_id)
        if model_id in self.rows:
            self.rows[model_id].set_busy(tm("row.cancelling"))

    def _on_update(self, update: JobUpdate) -> None:
        widget = self.rows.get(update.model_id)
        if widget is not None and not self._closed:
            widget.busy_text = ""
            widget.show_update(update)
        elif update.model_id == self.hub_bar.job_id and not self._closed:
            self.hub_bar.show_update(update)

    def _on_ended(self, job: InstallJob, update: JobUpdate) -> None:
        if self._closed:
            return
        if update.state == DONE and job.model_id in self.rows:
            name = row_title(self.rows[job.model_id].row)
            self.messages.show_message(INFO, tm("msg.installed", name=name))
        elif update.state == DONE and job.model_id == self.hub_bar.job_id and job.result:
            self.messages.show_message(INFO, tm("msg.installed", name=job.result.id))
        self.refresh()

    def use_trained_ranker(self, model_id: str) -> None:
        """A ranker the training job just installed becomes the one the app uses."""
        settings = copy.deepcopy(self.settings())
        try:
            use_model(settings, self.store().get(model_id), backend="torch")
        except DemotivatorError as exc:
            self.messages.show_message(ERROR, str(exc))
            return
        self._apply(settings)
        self.show_uses()
        self.refresh()

    def use_gguf(self, path: str) -> None:
        """A GGUF found on this machine becomes the generator where it lies (no copy)."""
        settings = copy.deepcopy(self.settings())
        settings.models.generator_dir = path
        settings.models.generator_backend = backend_for_location("generator", path)
        self._apply(settings)
        self.show_uses()
        self.messages.show_message(INFO, tr("gui.gguf_used", "llm", path=path))

    def add_gguf_folder(self, folder: str) -> None:
        settings = copy.deepcopy(self.settings())
        if folder not in settings.models.gguf_folders:
            settings.models.gguf_folders.append(folder)
            self._apply(settings)
        self.gguf_panel.rescan()

    def open_folder(self) -> None:
        root = self.store().root
        root.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(root)))

    # --- closing -------------------------------------------------------------------------
    def _detach(self) -> None:
        """The installs go on; this view stops listening to them."""
        self._closed = True
        for signal, slot in (
            (self.service.updated, self._on_update),
            (self.service.ended, self._on_ended),
            (self.service.progressed, self._on_progress),
        ):
            signal.disconnect(slot)
