"""How fast the window feels (issue 18, lever 6): endings shown as their tokens arrive (a
partial ending is in the list while the run still writes), and models loaded in the
background once the window is open, so the first run loads nothing."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from desktop_app.candidates_panel import SCORE_ROLE
from desktop_app.pipeline_service import ENV_NO_WARM_UP, WARM_ROLES
from inference.core.progress import ProgressEvent
from tests.gui.conftest import run_prompt, wait_idle


def rows(widget: QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_endings_appear_while_they_are_written(window, qtbot):
    held: list[tuple[str, ...]] = []
    reached, release = threading.Event(), threading.Event()

    def hold(event: ProgressEvent) -> None:
        # on the pipeline thread: stop in the middle of writing, at the first visible text
        if event.texts and any(t.strip() for t in event.texts) and not reached.is_set():
            held.append(event.texts)
            reached.set()
            release.wait(60)

    window.service.stepped.connect(hold, Qt.ConnectionType.DirectConnection)
    window.prompt.edit.setPlainText("Заходит как-то программист в бар")
    qtbot.mouseClick(window.prompt.generate_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(reached.is_set, timeout=180_000)
        expected = [t.strip() or "…" for t in held[0]]
        qtbot.waitUntil(lambda: rows(window.candidates.list) == expected)
        assert window.service.busy  # still writing: nothing ranked yet
        assert window.candidates.list.item(0).data(SCORE_ROLE) == "…"
        assert window.candidates.list.isVisible() and not window.candidates.ranking.isVisible()
    finally:
        release.set()
    wait_idle(qtbot, window)
    # once ranked, the list holds the candidates with their scores
    assert window.result is not None and window.result.candidates
    assert rows(window.candidates.list) == [c.text.strip() or "…" for c in window.result.candidates]


def test_models_warm_up_while_idle_so_the_first_run_loads_nothing(
    make_window, model_settings, qtbot, monkeypatch
):
    monkeypatch.delenv(ENV_NO_WARM_UP)
    window = make_window()
    warmed: list[list[str]] = []
    window.service.warmed.connect(warmed.append)
    models = window.service.pipeline.models
    qtbot.waitUntil(lambda: bool(warmed), timeout=180_000)
    assert warmed == [list(WARM_ROLES)] and all(models.is_loaded(r) for r in WARM_ROLES)
    loads: list[ProgressEvent] = []
    window.service.progressed.connect(
        lambda e: loads.append(e) if e.total is None and e.message else None
    )
    run_prompt(qtbot, window)
    assert window.result is not None and window.result.poster is not None
    assert loads == []  # no «загрузка модели…» row: every model was already loaded
