"""One model in the «Модели» dialog: name, status, size, licence, description, a progress
bar while it installs, and the buttons that make sense in its state."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.i18n import tm
from desktop_app.model_rows import ABSENT, BUNDLED, INSTALLED, PARTIAL, ModelRow
from desktop_app.widgets import restyle
from inference.core.human_units import format_bytes
from inference.core.i18n import tr
from inference.models.install_job import CONVERTING, DOWNLOADING, FAILED, QUEUED, JobUpdate

RUNNING = (QUEUED, DOWNLOADING, CONVERTING)
OK, PROBLEM = "ok", "error"


def code_spans(text: str) -> str:
    """Plain text with Markdown `code` spans as rich text (the catalogue's descriptions
    name commands that way; shown literally the backticks looked like a slip)."""
    parts = html.escape(text).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: leave them as they are
        return html.escape(text)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _label(name: str, parent: QWidget, wrap: bool = False) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def row_title(row: ModelRow) -> str:
    if row.entry is not None and row.entry.repo:
        return row.entry.repo.split("/", 1)[1]
    if row.state == BUNDLED:
        return tm("row.lite_title")
    if row.source == "hub" and "/" in row.origin:  # installed by its Hub id: its name
        return row.origin.split("/", 1)[1]
    return row.id


class ModelRowWidget(QFrame):
    install_requested = Signal(str, bool)  # model id, convert to ONNX afterwards
    cancel_requested = Signal(str)
    remove_requested = Signal(str)
    verify_requested = Signal(str)
    use_requested = Signal(str)

    def __init__(self, row: ModelRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelRow")
        self.row = row
        self.job_update: JobUpdate | None = None  # the install running (or failed) for it
        self.busy_text = ""  # «проверка…» while a verify/remove runs
        self.note, self.note_level = "", ""  # the last verify's outcome
        self.in_use = False
        self._build()
        self.set_row(row)

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = _label("modelTitle", self)
        self.badge = _label("recommendedBadge", self)
        self.status = _label("statusPill", self)
        self.in_use_pill = _label("inUsePill", self)
        self.meta = _label("modelMeta", self)
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.meta.setOpenExternalLinks(True)
        self.description = _label("modelDescription", self, wrap=True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName(f"progress_{self.row.id}")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.detail = _label("modelDetail", self, wrap=True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.onnx = QCheckBox(self)
        self.onnx.setObjectName("onnxCheck")
        self.buttons: dict[str, QPushButton] = {}
        for name, signal in (
            ("install", None),
            ("cancel", self.cancel_requested),
            ("verify", self.verify_requested),
            ("remove", self.remove_requested),
            ("use", self.use_requested),
        ):
            button = QPushButton(self)
            button.setObjectName(f"{name}ModelButton")
            button.setAutoDefault(False)  # Enter in the dialog must not start a download
            if signal is not None:
                button.clicked.connect(lambda _=False, s=signal: s.emit(self.row.id))
            self.buttons[name] = button
        self.buttons["install"].clicked.connect(
            lambda: self.install_requested.emit(self.row.id, self.onnx.isChecked())
        )

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title)
        top.addWidget(self.badge)
        top.addStretch(1)
        top.addWidget(self.in_use_pill)
        top.addWidget(self.status)
        texts = QVBoxLayout()
        texts.setSpacing(3)
        texts.addWidget(self.meta)
        texts.addWidget(self.description)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        actions.addWidget(self.onnx)
        for button in self.buttons.values():
            actions.addWidget(button)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(texts, 1)
        body.addLayout(actions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(body)
        layout.addWidget(self.progress)
        layout.addWidget(self.detail)
        self._retranslate()

    def _retranslate(self) -> None:
        self.badge.setText(tm("row.recommended"))
        self.in_use_pill.setText(tm("row.in_use"))
        self.onnx.setText(tm("row.onnx"))
        self.onnx.setToolTip(tm("row.onnx_tip"))
        for name, button in self.buttons.items():
            button.setText(tm(f"row.{name}"))
            button.setToolTip(tm(f"row.{name}_tip"))

    # --- state ---------------------------------------------------------------------------
    def set_row(self, row: ModelRow) -> None:
        """New facts from a scan of the models folder."""
        self.row = row
        if self.job_update is not None and self.job_update.state not in (*RUNNING, FAILED):
            self.job_update = None  # done or cancelled: the scan now tells the state
        entry = row.entry
        self.title.setText(row_title(row))
        self.badge.setVisible(bool(entry and entry.default and row.downloadable))
        description = self._description()
        self.description.setTextFormat(Qt.TextFormat.RichText)
        self.description.setText(code_spans(description))
        self.description.setVisible(bool(description))
        self.meta.setText(self._meta())
        self.refresh()

    def show_update(self, update: JobUpdate) -> None:
        self.job_update = update
        self.note = ""
        self.refresh()

    def set_busy(self, text: str) -> None:
        self.busy_text = text
        if text:
            self.note = ""
        self.refresh()

    def set_note(self, text: str, level: str) -> None:
        self.note, self.note_level = text, level
        self.refresh()

    def set_in_use(self, in_use: bool) -> None:
        self.in_use = in_use
        self.setProperty("inUse", in_use)
        restyle(self)
        self.refresh()

    @property
    def running(self) -> bool:
        return self.job_update is not None and self.job_update.state in RUNNING

    @property
    def failed(self) -> bool:
        return self.job_update is not None and self.job_update.state == FAILED

    def refresh(self) -> None:
        row, running, busy = self.row, self.running, bool(self.busy_text)
        state, text = self._status()
        self.status.setText(text)
        self.status.setProperty("state", state)
        restyle(self.status)
        self.in_use_pill.setVisible(self.in_use)
        self._show_progress(running or busy)
        detail, level = self._detail()
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.detail.setProperty("level", level)
        restyle(self.detail)
        can_install = row.downloadable and row.state in (ABSENT, PARTIAL) and not running
        install = self.buttons["install"]
        install.setVisible(can_install)
        key = "row.install_partial" if row.state == PARTIAL else "row.install"
        install.setText(tm("row.retry" if self.failed else key))
        self.onnx.setVisible(can_install and row.kind == "model")
        self.buttons["cancel"].setVisible(running)
        self.buttons["verify"].setVisible(row.state == INSTALLED and not running)
        remove = self.buttons["remove"]
        remove.setVisible(bool(row.store_ids) and not running)
        remove.setText(tm("row.remove_partial" if row.state == PARTIAL else "row.remove"))
        self.buttons["use"].setVisible(row.usable and not self.in_use and not running)
        for name in ("install", "verify", "remove", "use"):
            self.buttons[name].setEnabled(not busy)
        self.onnx.setEnabled(not busy)

    def _status(self) -> tuple[str, str]:
        update = self.job_update
        if update is not None and update.state in (*RUNNING, FAILED):
            percent = update.percent
            if update.state == FAILED:
                return "failed", tm("status.failed")
            if update.state == QUEUED:
                return "downloading", tm("status.queued")
            key = "status.downloading" if update.state == DOWNLOADING else "status.converting"
            if percent is None:
                return update.state, tm(key + "_busy")
            return update.state, tm(key, percent=percent)
        if self.row.state == INSTALLED and self.row.onnx:
            return "onnx", tr("state.onnx", "models")
        return self.row.state, tr(f"state.{self.row.state}", "models")

    def _detail(self) -> tuple[str, str]:
        if self.busy_text:
            return self.busy_text, ""
        if self.job_update is not None and (self.running or self.failed):
            return self.job_update.text, PROBLEM if self.failed else ""
        if self.note:
            return self.note, self.note_level
        row = self.row
        if row.state == PARTIAL:
            done, total = format_bytes(row.partial_bytes), format_bytes(row.size)
            return tm("row.partial", done=done, total=total), ""
        return "", ""

    def _show_progress(self, visible: bool) -> None:
        bar, update = self.progress, self.job_update
        self.progress.setVisible(visible)
        if not visible:
            return
        if self.busy_text or update is None or update.fraction is None:
            bar.setRange(0, 0)  # busy: a moving bar, no number to show
            return
        bar.setRange(0, 1000)
        bar.setValue(int(update.fraction * 1000))

    def _description(self) -> str:
        row = self.row
        if row.entry is not None:
            return row.entry.text()
        if row.source == "hub" and row.origin:  # installed by its Hub id
            return tm("row.source.hub_repo", repo=row.origin)
        if row.origin:
            return tm("row.imported_from", path=row.origin)
        return tm(f"row.source.{row.source}", path=str(row.paths[0]) if row.paths else "")

    def _meta(self) -> str:
        row, parts = self.row, []
        entry = row.entry
        if entry is not None and entry.repo:
            parts.append(html.escape(entry.repo))
        if row.state == BUNDLED:
            parts.append(html.escape(tm("row.bundled_size")))
        elif row.size:
            key = "row.download_size" if row.downloadable else "row.disk_size"
            parts.append(html.escape(tm(key, size=format_bytes(row.size))))
        if entry is not None and entry.licence.name and row.downloadable:
            name = html.escape(entry.licence.name)
            if entry.licence.url:
                name = f'<a href="{html.escape(entry.licence.url, quote=True)}">{name}</a>'
            parts.append(tm("row.licence", licence=name))
        if row.kind != "model":
            parts.append(html.escape(tm(f"row.kind.{row.kind}")))
        return " · ".join(parts)
