"""The «Модели» dialog's line for installing any Hugging Face repo by its id
(``owner/name[@revision]``), for models the catalogue does not name — a fine-tune, a mirror's
copy, a test server's repo. It shows its own install's progress (catalogue rows show theirs);
the role is read from the downloaded config, the model then appears in its role's section."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.i18n import tm
from inference.models.install_job import (
    CONVERTING,
    DOWNLOADING,
    FAILED,
    FINISHED,
    QUEUED,
    JobUpdate,
)

RUNNING = (QUEUED, DOWNLOADING, CONVERTING)


class HubInstallBar(QFrame):
    install_requested = Signal(str, bool)  # the repo id as typed, convert to ONNX afterwards
    cancel_requested = Signal(str)  # the job's id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hubInstallBar")
        self.job_id = ""  # the install this bar follows ("" when none)
        caption = QLabel(tm("hub.caption"), self)
        caption.setObjectName("hubCaption")
        self.edit = QLineEdit(self)
        self.edit.setObjectName("hubRepoEdit")
        self.edit.setPlaceholderText(tm("hub.placeholder"))
        self.edit.setToolTip(tm("hub.tip"))
        self.edit.returnPressed.connect(self._request)
        self.onnx = QCheckBox(tm("row.onnx"), self)
        self.onnx.setObjectName("hubOnnxCheck")
        self.onnx.setToolTip(tm("row.onnx_tip"))
        self.install_button = QPushButton(tm("hub.install"), self)
        self.install_button.setObjectName("hubInstallButton")
        self.install_button.setAutoDefault(False)
        self.install_button.clicked.connect(self._request)
        self.cancel_button = QPushButton(tm("row.cancel"), self)
        self.cancel_button.setObjectName("hubCancelButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(self.job_id))
        self.progress = QProgressBar(self)
        self.progress.setObjectName("hubProgress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.status = QLabel(self)
        self.status.setObjectName("hubStatus")
        self.status.setWordWrap(True)

        line = QHBoxLayout()
        line.setSpacing(6)
        line.addWidget(caption)
        line.addWidget(self.edit, 1)
        line.addWidget(self.onnx)
        line.addWidget(self.install_button)
        line.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(line)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.show_update(None)

    def _request(self) -> None:
        text = self.edit.text().strip()
        if text and not self.running:
            self.install_requested.emit(text, self.onnx.isChecked())

    @property
    def running(self) -> bool:
        return bool(self.job_id) and self.cancel_button.isVisibleTo(self)

    def follow(self, job_id: str, update: JobUpdate) -> None:
        """Show ``job_id``'s install from now on (started here, or found running)."""
        self.job_id = job_id
        self.edit.setText(job_id)
        self.show_update(update)

    def show_update(self, update: JobUpdate | None) -> None:
        running = update is not None and update.state in RUNNING
        self.edit.setReadOnly(running)
        self.install_button.setVisible(not running)
        self.onnx.setVisible(not running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        if running and update.fraction is not None:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(update.fraction * 1000))
        elif running:
            self.progress.setRange(0, 0)  # connecting / converting: a moving bar
        if update is None:
            self.status.setText("")
            self.status.setProperty("level", "")
        elif update.state in RUNNING:
            self.status.setText(self._running_text(update))
            self.status.setProperty("level", "")
        else:
            self.status.setText(update.text if update.state in FINISHED else "")
            self.status.setProperty("level", "error" if update.state == FAILED else "")
        self.status.setVisible(bool(self.status.text()))
        self.status.style().unpolish(self.status)  # the level property changes its colour
        self.status.style().polish(self.status)

    @staticmethod
    def _running_text(update: JobUpdate) -> str:
        if update.state == QUEUED:
            return tm("status.queued")
        key = "status.downloading" if update.state == DOWNLOADING else "status.converting"
        head = tm(key + "_busy") if update.percent is None else tm(key, percent=update.percent)
        return f"{head} · {update.text}" if update.text else head
