"""One row per pipeline stage: name, progress bar, k/N, elapsed time and an ETA.

The current stage is highlighted; a stage reporting no total (a model loading) shows an
indeterminate bar with the loading message. Rows a job does not go through are dimmed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from desktop_app import theme
from desktop_app.i18n import t
from desktop_app.widgets import ElidedLabel
from inference.core.progress import STAGES, ProgressEvent

PENDING, LOADING, RUNNING, DONE, SKIPPED, STOPPED, FAILED = (
    "pending",
    "loading",
    "running",
    "done",
    "skipped",
    "stopped",
    "failed",
)


# The state colours per theme live in desktop_app/theme.py (STATE_COLORS).


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class _Row:
    def __init__(self, stage: str, parent: QWidget) -> None:
        self.stage = stage
        self.name = QLabel(parent)
        self.bar = QProgressBar(parent)
        self.bar.setObjectName(f"progress_{stage}")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.bar.setMinimumWidth(24)  # on a narrow column the bar gives way before the numbers
        self.detail = ElidedLabel(parent)  # a loading model's name must not widen the column
        self.detail.setObjectName(f"detail_{stage}")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.state = SKIPPED
        self.done, self.total, self.message = 0, 0, ""
        self.started = 0.0  # monotonic time the stage began (GUI clock)
        self.steps_offset = 0.0  # the stage's elapsed time when counting steps began
        self.per_step = 0.0  # seconds per step so far (model loading excluded)
        self.last_event = 0.0  # GUI clock at the latest event, so the ETA counts down
        self.elapsed = 0.0
        self.shown_state = ""  # the state the labels are styled for

    def set_state(self, state: str) -> None:
        self.state = state

    def apply_style(self) -> None:
        """Colour and weight by state, through palette and font: re-polishing style-sheet
        properties costs milliseconds per label, and this runs while the pipeline works."""
        if self.shown_state == self.state:
            return
        self.shown_state = self.state
        for label in (self.name, self.detail):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, QColor(theme.state_color(self.state)))
            label.setPalette(palette)
            font = label.font()
            font.setBold(self.state in (LOADING, RUNNING))
            label.setFont(font)


class ProgressPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressPanel")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.rows: dict[str, _Row] = {}
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(6)
        for i, stage in enumerate(STAGES):  # name, bar, numbers: one line (short screens)
            row = _Row(stage, self)
            grid.addWidget(row.name, i, 0)
            grid.addWidget(row.bar, i, 1, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row.detail, i, 2)
            self.rows[stage] = row
        self._current = ""
        self._dirty: set[str] = set()
        self._ticker = QTimer(self)  # elapsed time and ETA keep moving between events
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self._tick)
        # Token events can come faster than anyone reads: repaint at most ~30 times a second.
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(33)
        self._flush_timer.timeout.connect(self.flush)
        self.retranslate()
        self.clear()

    def restyle_rows(self) -> None:
        """Re-colour every row (the theme changed)."""
        for row in self.rows.values():
            row.shown_state = ""
            row.apply_style()

    def retranslate(self) -> None:
        for row in self.rows.values():
            row.name.setText(t(f"stage.{row.stage}"))
            self._refresh(row)

    # --- driven by the pipeline service ------------------------------------------------
    def clear(self) -> None:
        self._ticker.stop()
        self._current = ""
        for row in self.rows.values():
            self._reset(row, SKIPPED)

    def start(self, stages: tuple[str, ...]) -> None:
        self._current = ""
        for row in self.rows.values():
            self._reset(row, PENDING if row.stage in stages else SKIPPED)
        self._ticker.start()

    def on_event(self, event: ProgressEvent) -> None:
        """Cheap bookkeeping per event; the widgets follow on the next flush."""
        row = self.rows.get(event.stage)
        if row is None:
            return
        now = time.monotonic()
        if event.stage != self._current:
            self._finish_before(event.stage, now)
            self._current = event.stage
            row.started = now - event.elapsed_s
        row.message = event.message
        if event.finished:
            row.done = row.total = event.total or 1
            row.elapsed = now - row.started
            row.set_state(DONE)
        elif event.total is None:
            row.set_state(LOADING)
        else:
            if row.state != RUNNING or event.done == 0:
                row.steps_offset, row.per_step = event.elapsed_s, 0.0
            elif event.done > 0:  # worker-side clock: immune to events arriving in bursts
                row.per_step = (event.elapsed_s - row.steps_offset) / event.done
            row.done, row.total, row.last_event = event.done, event.total, now
            row.set_state(RUNNING)
        self._dirty.add(row.stage)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        self._flush_timer.stop()
        for stage in sorted(self._dirty):
            self._refresh(self.rows[stage])
        self._dirty.clear()

    def finish(self, outcome: str) -> None:
        """``outcome``: DONE (every planned row completes), STOPPED or FAILED."""
        self._ticker.stop()
        self.flush()
        now = time.monotonic()
        for row in self.rows.values():
            if row.state not in (PENDING, LOADING, RUNNING):
                continue
            if outcome == DONE:
                row.done = row.total = max(row.total, 1)
                row.elapsed = now - row.started if row.started else 0.0
                row.set_state(DONE)
            elif row.state == PENDING:
                row.set_state(SKIPPED)  # never reached
            else:
                row.set_state(outcome)
            self._refresh(row)
        self._current = ""

    # --- internals -----------------------------------------------------------------------
    def _reset(self, row: _Row, state: str) -> None:
        row.done = row.total = 0
        row.message, row.started, row.elapsed = "", 0.0, 0.0
        row.set_state(state)
        self._dirty.discard(row.stage)
        self._refresh(row)

    def _finish_before(self, stage: str, now: float) -> None:
        """Stages run in order: a planned row left behind has finished, said so or not."""
        for name in STAGES[: STAGES.index(stage)]:
            row = self.rows[name]
            if row.state in (PENDING, LOADING, RUNNING):
                row.done = row.total = max(row.total, 1)
                row.elapsed = now - row.started if row.started else 0.0
                row.set_state(DONE)
                self._dirty.add(name)

    def _tick(self) -> None:
        row = self.rows.get(self._current)
        if row is not None and row.state in (LOADING, RUNNING):
            self._refresh(row)

    def _refresh(self, row: _Row) -> None:
        bar, now = row.bar, time.monotonic()
        if row.state == LOADING:
            bar.setRange(0, 0)  # indeterminate
        else:
            bar.setRange(0, max(row.total, 1))
            bar.setValue(min(row.done, max(row.total, 1)) if row.total else 0)
        bar.setEnabled(row.state != SKIPPED)
        row.apply_style()
        row.detail.setText(self._detail(row, now))
        row.detail.setToolTip(row.message)

    @staticmethod
    def _detail(row: _Row, now: float) -> str:
        elapsed = clock(now - row.started) if row.started else ""
        if row.state == LOADING:
            return f"{row.message or t('progress.loading')} · {elapsed}"
        if row.state == RUNNING:
            text = f"{row.done}/{row.total} · {elapsed}"
            if row.per_step > 0 and row.total > row.done:
                left = row.per_step * (row.total - row.done) - (now - row.last_event)
                text += " · " + t("progress.eta", eta=clock(max(left, 0.0)))
            return text
        if row.state == DONE:
            return t("progress.done", time=clock(row.elapsed))
        if row.state in (STOPPED, FAILED, PENDING):
            return t(f"progress.{row.state}")
        return "—"
