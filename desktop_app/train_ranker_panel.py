"""«Обучить свою модель оценки шуток»: the one-command ranker flow
(:mod:`training.ranker_flow`) as a background job in the Models dialog — a jokes count,
Start/Stop, one progress bar per step with its message, and a status line. Stopping keeps
everything done so far; pressing the button again continues from there (the flow reuses
its work folder). Training runs in a plain Python thread: the window stays responsive.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inference.core.errors import Cancelled, DemotivatorError
from inference.core.i18n import tr
from inference.core.progress import Progress

DOMAIN = "ranker_flow"


def _t(key: str, **kwargs: object) -> str:
    return tr(key, DOMAIN, **kwargs)


class _Relay(QObject):
    """Carries the worker thread's news to the GUI thread (queued signals)."""

    event = Signal(str, int, int, str)  # stage, done, total (-1: unknown), message
    ended = Signal(str, str)  # outcome ("installed" | "stopped" | "failed"), detail


class TrainRankerPanel(QFrame):
    installed = Signal(str)  # the new model's id in the store

    def __init__(self, parent: QWidget | None = None, work: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainRankerPanel")
        self.work = work
        self.base_url: str | None = None  # None: anekdot.ru (tests: a local site)
        self.base: str | None = None  # None: rubert-tiny2 from the catalogue
        self.last_day: date | None = None  # None: yesterday
        self.train_overrides: dict[str, object] = {}
        self._progress: Progress | None = None
        self._thread: threading.Thread | None = None
        self._relay = _Relay()
        self._relay.event.connect(self._on_event)
        self._relay.ended.connect(self._on_ended)

        caption = QLabel(_t("gui.caption"), self)
        caption.setObjectName("trainRankerCaption")
        self.jokes = QSpinBox(self)
        self.jokes.setObjectName("trainRankerJokes")
        self.jokes.setRange(100, 50_000)
        self.jokes.setSingleStep(500)
        self.jokes.setValue(3000)
        self.jokes.setSuffix(_t("gui.jokes_suffix"))
        self.jokes.setToolTip(_t("cli.jokes"))
        self.start_button = QPushButton(_t("gui.start"), self)
        self.start_button.setObjectName("trainRankerStart")
        self.start_button.setAutoDefault(False)
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton(_t("gui.stop"), self)
        self.stop_button.setObjectName("trainRankerStop")
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(self.stop)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("trainRankerProgress")
        self.status = QLabel(_t("gui.idle"), self)
        self.status.setObjectName("trainRankerStatus")
        self.status.setWordWrap(True)

        line = QHBoxLayout()
        line.addWidget(caption, 1)
        line.addWidget(self.jokes)
        line.addWidget(self.start_button)
        line.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(line)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        self._set_running(False)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.jokes.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.bar.setVisible(running)

    def start(self) -> None:
        if self.running:
            return
        from training.cli_ranker_flow import default_work_dir
        from training.ranker_flow import Flow, FlowConfig
        from training.trainer_common import TrainOptions

        opts = TrainOptions(show_progress=False, **self.train_overrides)  # type: ignore[arg-type]
        cfg = FlowConfig(
            work=self.work or default_work_dir(),
            jokes=self.jokes.value(),
            base_url=self.base_url,
            use=False,  # the dialog applies it to the app's own settings
            train=opts,
        )
        if self.base is not None:
            cfg.base = self.base
        if self.last_day is not None:
            cfg.last_day, cfg.stride_days = self.last_day, 1
        if self.base_url is not None:
            cfg.delay_s = 0.0
        relay = self._relay
        progress = self._progress = Progress(
            lambda e: relay.event.emit(
                e.stage, e.done, -1 if e.total is None else e.total, e.message
            )
        )
        self._set_running(True)
        self.status.setText(_t("gui.running"))

        def work() -> None:
            try:
                state = Flow(cfg, progress).run()
                relay.ended.emit("installed", state["install"]["id"])
            except Cancelled:
                relay.ended.emit("stopped", "")
            except DemotivatorError as exc:
                relay.ended.emit("failed", str(exc))
            except Exception as exc:  # noqa: BLE001 - shown in the panel, never a crash
                relay.ended.emit("failed", f"{type(exc).__name__}: {exc}")

        self._thread = threading.Thread(target=work, name="train-ranker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the job to stop at the next page, prepared joke or file, training step, or
        chunk downloaded or copied into the store."""
        if self._progress is not None and self.running:
            self._progress.cancel()
            self.status.setText(_t("gui.stopping"))

    def _on_event(self, stage: str, done: int, total: int, message: str) -> None:
        self.bar.setRange(0, max(total, 0))  # 0..0: a busy bar while the total is unknown
        if total > 0:
            self.bar.setValue(min(done, total))
        step = _t(f"step.{stage}")
        name = step if step != f"step.{stage}" else stage
        self.status.setText(f"{name}: {done}/{total}" if total > 0 else name)

    def _on_ended(self, outcome: str, detail: str) -> None:
        self._thread = None
        self._set_running(False)
        if outcome == "installed":
            self.status.setText(_t("gui.done", id=detail))
            self.installed.emit(detail)
        elif outcome == "stopped":
            self.status.setText(_t("gui.stopped"))
        else:
            self.status.setText(_t("gui.failed", error=detail))
