"""What a reviewer who knows only the issue and the README does to the window: press
«Создать!» right after choosing a picture, point the app at a broken model folder, stop a
run while that broken model loads. Each must end in a clear message and a usable window."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QListWidget, QPushButton

from inference.core.settings import save_settings
from tests.gui.conftest import PROMPT, RUN_TIMEOUT_MS, Gate, tiny_settings, wait_idle

NAMED = ("promptEdit", "generateButton", "settingsButton", "candidatesList", "titleEdit")


def message_text(window) -> str:
    """The in-window message, found the way the README tells a reviewer to."""
    label = window.findChild(QLabel, "messageText")
    return label.text() if label is not None and label.isVisible() else ""


@pytest.fixture
def broken_onnx_generator(tiny_generator_onnx_dir: Path, tmp_path: Path) -> Path:
    """A generator folder that passes the quick folder checks but whose weights cannot be
    read: the failure only comes while the model loads."""
    folder = tmp_path / "half-downloaded"
    shutil.copytree(tiny_generator_onnx_dir, folder)
    graphs = list(folder.rglob("*.onnx"))
    assert graphs
    for graph in graphs:
        graph.write_bytes(b"\x00 not a protobuf")
    return folder


def test_generate_right_after_choosing_a_picture_waits_for_it(
    make_window, tiny_generator_dir, tiny_ranker_dir, qtbot, tmp_path, monkeypatch
):
    """The picture is read on a background thread; «Создать!» pressed meanwhile starts the
    run once it is in, with that picture, instead of saying that no picture was chosen."""
    settings = tiny_settings(tiny_generator_dir, tiny_ranker_dir, None)
    settings.models.picture_source = "own"
    save_settings(settings)
    window = make_window()
    photo = tmp_path / "photo.png"
    Image.new("RGB", (300, 200), (20, 160, 40)).save(photo)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(photo), ""))
    window.prompt.edit.setPlainText(PROMPT)
    window.editor.picture_button.click()
    qtbot.mouseClick(window.prompt.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.service.busy, timeout=10_000)
    wait_idle(qtbot, window)
    # Random-weight endings may earn the joke filter's warning; nothing may fail.
    assert window.messages.level != "error", message_text(window)
    assert window.poster.has_image() and window.result.picture_source == str(photo)


def test_a_broken_model_folder_leaves_a_message_and_a_usable_window(
    make_window, broken_onnx_generator, qtbot
):
    settings = tiny_settings(broken_onnx_generator, None, None)
    settings.models.generator_backend = "onnx"
    save_settings(settings)
    window = make_window()
    window.prompt.edit.setPlainText(PROMPT)
    qtbot.mouseClick(window.prompt.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "half-downloaded" in message_text(window)
    for name in NAMED:
        assert window.findChild(object, name).isEnabled(), name
    assert window.findChild(QListWidget, "candidatesList").count() == 0
    assert not window.findChild(QPushButton, "cancelButton").isEnabled()


def test_a_model_that_fails_to_load_after_stop_is_shown(make_window, broken_onnx_generator, qtbot):
    """«Стоп» while a model loads lets the job go at once; if that load then fails, the
    idle window must still say the model is broken, not only the log."""
    settings = tiny_settings(broken_onnx_generator, None, None)
    settings.models.generator_backend = "onnx"
    save_settings(settings)
    window = make_window()
    gate = Gate(window, "generate", loading=True)  # held at «загрузка модели…»
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    try:
        qtbot.waitUntil(gate.reached.is_set, timeout=60_000)
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        # A state, not a time: enabled while the load is still held at the gate.
        qtbot.waitUntil(window.prompt.generate_button.isEnabled, timeout=RUN_TIMEOUT_MS)
        assert message_text(window) == ""  # nothing failed yet: the load is held
    finally:
        gate.release.set()
    qtbot.waitUntil(lambda: window.service.pending_jobs == 0, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "half-downloaded" in message_text(window), timeout=RUN_TIMEOUT_MS)
    assert window.messages.level == "error" and window.messages.log_button.isVisible()
    assert window.prompt.generate_button.isEnabled() and not window.service.busy


def test_closing_mid_run_writes_no_error_to_the_log(window, qtbot):
    """Closing the window during a run stops it; a stop is no failure, so the log the
    user is sent to («Открыть журнал») gains no ERROR line with a traceback."""
    window.settings.generation.max_new_tokens = 200
    window.service.configure(window.settings)
    gate = Gate(window, "generate", done=2)
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    try:
        qtbot.waitUntil(gate.reached.is_set, timeout=RUN_TIMEOUT_MS)
    finally:
        gate.release.set()
    window.close()
    # The stopped job's last queued signals arrive after its threads end: wait for that
    # state, then deliver what they posted.
    qtbot.waitUntil(lambda: window.service.pending_jobs == 0, timeout=RUN_TIMEOUT_MS)
    QApplication.processEvents()
    log_text = window.log_file.read_text("utf-8")
    assert "ERROR" not in log_text, log_text[-2000:]


def test_score_badges_tell_close_scores_apart():
    """A ranker (a regressor) whose scores all lie within ±0.005 still shows them, not
    «-0.00» on every row; ordinary scores keep two decimals."""
    from desktop_app.candidates_panel import format_scores

    assert format_scores([0.5, -0.44, 0.12]) == ["+0.50", "-0.44", "+0.12"]
    assert format_scores([-0.0026, -0.0031, -0.0045]) == ["-0.0026", "-0.0031", "-0.0045"]
    assert format_scores([0.1234, 0.1236]) == ["+0.123", "+0.124"]
    assert format_scores([None, 0.25]) == ["—", "+0.25"]
    assert format_scores([]) == []
