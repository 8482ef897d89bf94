"""Whole runs through the real window with tiny models: progress, cancel, errors, and a
GUI thread that never stalls while the pipeline works."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressBar

from desktop_app.progress_panel import DONE, STOPPED
from inference.core.settings import save_settings
from inference.runs.history import History
from tests.gui.conftest import (
    PROMPT,
    RUN_TIMEOUT_MS,
    Gate,
    run_prompt,
    tiny_settings,
    wait_idle,
)
from tests.gui.heartbeat import BusyHeartbeat


def test_full_run_from_prompt_to_poster(window, qtbot):
    run_prompt(qtbot, window)
    # Random-weight endings may earn the joke filter's warning; nothing may fail.
    assert window.messages.level != "error", window.messages.text.text()
    result = window.result
    assert result is not None and result.poster is not None
    assert window.poster.has_image() and window.poster.image().width() == 480
    assert 1 <= window.candidates.list.count() == len(result.candidates) <= 4
    assert window.editor.title_edit.text() == PROMPT
    assert window.editor.subtitle_edit.text() == result.candidates[0].text.strip()
    for row in window.progress.rows.values():
        assert row.state == DONE, row.stage
        assert row.bar.value() == row.bar.maximum() > 0, row.stage
    assert window.prompt.generate_button.isEnabled()
    assert not window.prompt.cancel_button.isEnabled()
    assert window.editor.save_button.isEnabled() and window.editor.copy_button.isEnabled()
    qtbot.waitUntil(lambda: window.history_panel.list.count() == 1)
    entry = History().entries()[0]
    assert entry.title == PROMPT and entry.sidecar_path.exists()


def test_ctrl_enter_in_the_prompt_starts_a_run(window, qtbot):
    window.prompt.edit.setPlainText(PROMPT)
    qtbot.keyClick(window.prompt.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.service.busy
    assert window.prompt.edit.toPlainText() == PROMPT  # no newline typed
    wait_idle(qtbot, window)
    assert window.poster.has_image()


def test_cancel_mid_generation_then_run_again(window, qtbot):
    gate = Gate(window, "generate")
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    qtbot.waitUntil(gate.reached.is_set, timeout=180_000)
    qtbot.mouseClick(window.prompt.cancel_button, Qt.MouseButton.LeftButton)
    assert not window.prompt.cancel_button.isEnabled()  # «Останавливаю…»
    gate.release.set()
    wait_idle(qtbot, window)
    assert window.progress.rows["generate"].state == STOPPED
    assert window.result is None and not window.poster.has_image()
    assert not window.messages.isVisible()
    assert window.prompt.generate_button.isEnabled()
    assert not window.prompt.cancel_button.isEnabled()
    assert window.prompt.cancel_button.text() == "Стоп"
    run_prompt(qtbot, window)
    assert window.poster.has_image() and window.progress.rows["compose"].state == DONE


def test_esc_cancels_mid_image_keeping_the_candidates(window, qtbot):
    gate = Gate(window, "draw")
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    qtbot.waitUntil(gate.reached.is_set, timeout=180_000)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    gate.release.set()
    wait_idle(qtbot, window)
    rows = window.progress.rows
    assert rows["draw"].state == STOPPED and rows["generate"].state == DONE
    assert window.candidates.list.count() >= 1  # what finished stays visible
    assert window.editor.title_edit.text() == PROMPT
    assert not window.poster.has_image() and not window.editor.save_button.isEnabled()
    assert window.candidates.redraw_button.isEnabled()
    # «Другая картинка» finishes the poster from the kept candidates.
    qtbot.mouseClick(window.candidates.redraw_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert window.poster.has_image() and rows["draw"].state == DONE
    assert rows["generate"].state != DONE  # text was not regenerated


def test_broken_model_folder_shows_what_to_do(make_window, qtbot, tmp_path, tiny_sd_dir):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{ this is not json", encoding="utf-8")
    save_settings(tiny_settings(broken, None, tiny_sd_dir))
    window = make_window()
    run_prompt(qtbot, window)
    assert window.messages.isVisible() and window.messages.level == "error"
    text = window.messages.text.text()
    assert "broken-model" in text and "Traceback" not in text
    assert window.messages.log_button.isVisible()
    assert window.prompt.generate_button.isEnabled()
    assert not window.prompt.cancel_button.isEnabled()
    assert window.log_file.is_file() and "failed" in window.log_file.read_text("utf-8")


def test_gui_thread_never_stalls_while_a_run_is_in_progress(window, qtbot):
    run_prompt(qtbot, window)  # warm-up: the one-time library imports are not a run's work
    heartbeat = BusyHeartbeat(window, parent=window)
    heartbeat.start()
    window.prompt.edit.setPlainText(PROMPT + " и заказывает")
    window.generate()
    wait_idle(qtbot, window)
    heartbeat.stop()
    gaps = heartbeat.gaps
    assert window.poster.has_image()
    # The GUI thread kept beating during the run (a fast machine finishes the tiny models in
    # ~0.2 s: 20 beats). Gap lengths are timing, stretched at will by a busy neighbour on a
    # 2-core box: printed, not asserted (issue 15).
    assert len(gaps) >= 5
    print(f"max gap {max(gaps) * 1000:.0f} ms over {len(gaps)} beats")


def test_closing_the_window_mid_run_stops_every_thread(window, qtbot):
    gate = Gate(window, "generate")
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    qtbot.waitUntil(gate.reached.is_set, timeout=180_000)
    gate.release.set()
    window.close()  # cancels the run and waits for the threads
    assert window.threads_stopped


@pytest.mark.slow
def test_full_run_on_onnx_runtime_the_default_backend(
    make_window, qtbot, tiny_generator_onnx_dir, tiny_ranker_onnx_dir, tiny_sd_onnx_dir
):
    settings = tiny_settings(tiny_generator_onnx_dir, tiny_ranker_onnx_dir, tiny_sd_onnx_dir)
    models = settings.models
    models.generator_backend = models.ranker_backend = models.illustrator_backend = "onnx"
    save_settings(settings)
    window = make_window()
    run_prompt(qtbot, window)
    # Random-weight endings may earn the joke filter's warning; nothing may fail.
    assert window.messages.level != "error", window.messages.text.text()
    assert window.poster.has_image()
    assert {m.backend for m in window.result.models} == {"onnx"}


def test_stop_while_a_model_loads_frees_the_window_at_once(window, qtbot):
    """A load cannot be interrupted: the job is let go, the window is ready at once, and
    the model it was loading is there for the next run."""
    gate = Gate(window, "generate", loading=True)  # held at «загрузка модели…»
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    try:
        qtbot.waitUntil(gate.reached.is_set, timeout=60_000)
        rows = window.progress.rows
        bar = window.findChild(QProgressBar, "progress_generate")
        qtbot.waitUntil(lambda: rows["generate"].state == "loading" and bar.maximum() == 0)
        qtbot.mouseClick(window.prompt.cancel_button, Qt.MouseButton.LeftButton)
        # Not after the load: it is still held at the gate (a state, not a time limit).
        qtbot.waitUntil(window.prompt.generate_button.isEnabled, timeout=RUN_TIMEOUT_MS)
        assert not window.service.busy and rows["generate"].state == STOPPED
        assert not window.prompt.cancel_button.isEnabled()
        assert window.prompt.cancel_button.text() == "Стоп"
        # An impatient second try waits behind the load; stopping it is immediate too.
        window.generate()
        assert window.service.busy
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        qtbot.waitUntil(window.prompt.generate_button.isEnabled, timeout=RUN_TIMEOUT_MS)
        shown = {stage: (row.state, row.detail.text()) for stage, row in rows.items()}
    finally:
        gate.release.set()
    qtbot.waitUntil(lambda: window.service.pending_jobs == 0, timeout=RUN_TIMEOUT_MS)
    QApplication.processEvents()  # deliver what the let-go jobs still sent (to be dropped)
    assert {stage: (row.state, row.detail.text()) for stage, row in rows.items()} == shown
    assert window.result is None
    assert window.messages.isHidden(), window.messages.text.text()
    assert window.prompt.generate_button.isEnabled()
    assert window.service.pipeline.models.is_loaded("generator")
    run_prompt(qtbot, window)
    assert window.poster.has_image() and rows["compose"].state == DONE
