"""Fixtures for the window tests: tiny real models wired in through the settings file
(exactly how a user or reviewer points the app at model folders), and helpers that wait
for the background threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inference.core.params import GenerationParams, ImageParams
from inference.core.progress import ProgressEvent
from inference.core.settings import Settings, save_settings

PROMPT = "Заходит как-то программист в бар"
RUN_TIMEOUT_MS = 180_000  # the first run imports torch & co. on a busy 2-core box


@pytest.fixture(autouse=True)
def no_warm_up(monkeypatch):
    """Window tests see each run load its own models (their «загрузка модели» rows and
    gates), unless a test asks for the background warm-up by unsetting this."""
    monkeypatch.setenv("DEMOTIVATOR_NO_WARM_UP", "1")


def tiny_settings(generator: Path, ranker: Path | None, illustrator: Path | None) -> Settings:
    settings = Settings()
    models = settings.models
    models.generator_dir = str(generator)
    models.ranker_dir = str(ranker or "")
    models.illustrator_dir = str(illustrator or "")
    models.generator_backend = models.ranker_backend = models.illustrator_backend = "torch"
    settings.n_candidates = 4
    settings.threads = 1
    settings.generation = GenerationParams(temperature=1.2, max_new_tokens=12)
    settings.image = ImageParams(width=64, height=64, steps=3)
    settings.poster_width = 480
    return settings


@pytest.fixture
def model_settings(tiny_generator_dir, tiny_ranker_dir, tiny_sd_dir) -> Settings:
    """Tiny generator + ranker + illustrator, saved where the app reads its settings."""
    settings = tiny_settings(tiny_generator_dir, tiny_ranker_dir, tiny_sd_dir)
    save_settings(settings)
    return settings


@pytest.fixture
def make_window(qtbot):
    """``make_window()`` builds the real MainWindow with no arguments, shown; it is
    closed (threads stopped) at the end of the test."""
    from desktop_app.main_window import MainWindow

    def make() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        # The active window, as a user's would be: its shortcuts (Esc, Ctrl+S…) reach it,
        # whatever window an earlier test left active (offscreen has no window manager).
        window.windowHandle().requestActivate()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        return window

    return make


@pytest.fixture
def window(make_window, model_settings):
    return make_window()


def wait_idle(qtbot, window, timeout: int = RUN_TIMEOUT_MS) -> None:
    """Until no job runs and every queued composition / file write has landed."""
    qtbot.waitUntil(
        lambda: not window.service.busy and window.composer.idle and window.io.pending == 0,
        timeout=timeout,
    )


def run_prompt(qtbot, window, prompt: str = PROMPT) -> None:
    window.prompt.edit.setPlainText(prompt)
    qtbot.mouseClick(window.prompt.generate_button, Qt.MouseButton.LeftButton)
    assert window.service.busy
    wait_idle(qtbot, window)


class Gate:
    """Holds the pipeline thread at one progress event (e.g. the first token) until the
    test has pressed «Стоп», so cancelling "mid-generation" is deterministic."""

    def __init__(self, window, stage: str, done: int = 1, loading: bool = False) -> None:
        """``loading``: hold at the stage's «загрузка модели…» event instead of a step."""
        self.stage, self.done, self.loading = stage, done, loading
        self.reached, self.release = threading.Event(), threading.Event()
        # Direct connection: runs on the pipeline thread, in the middle of the stage.
        window.service.stepped.connect(self._on_event, Qt.ConnectionType.DirectConnection)

    def _on_event(self, event: ProgressEvent) -> None:
        if self.loading:
            hit = event.stage == self.stage and event.total is None
        else:
            hit = event.stage == self.stage and event.total and event.done >= self.done
        if hit and not self.reached.is_set():
            self.reached.set()
            self.release.wait(60)
