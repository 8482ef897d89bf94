"""The window as a reviewer drives it: a settings file written by hand with only a few keys
and "~" paths, widgets found by objectName, the real (Qt, non-native) save dialog."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from inference.core.settings import SETTINGS_FILE, config_dir
from tests.gui.conftest import RUN_TIMEOUT_MS


def write_settings(data: dict) -> None:
    path = config_dir() / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_hand_written_settings_with_home_relative_folders(
    make_window, qtbot, tmp_path, monkeypatch, tiny_generator_dir, tiny_ranker_dir, tiny_sd_dir
):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    for name, folder in (("gen", tiny_generator_dir), ("rank", tiny_ranker_dir)):
        (home / "models" / name).symlink_to(folder)
    (home / "models" / "sd").symlink_to(tiny_sd_dir)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    torch = {f"{role}_backend": "torch" for role in ("generator", "ranker", "illustrator")}
    write_settings(
        {
            "models": {
                "generator_dir": "~/models/gen",
                "ranker_dir": "~/models/rank",
                "illustrator_dir": "~/models/sd",
                **torch,
            },
            "generation": {"max_new_tokens": 8},
            "image": {"width": 64, "height": 64, "steps": 2},
            "n_candidates": 3,
            "output_dir": "~/Posters",
        }
    )
    window = make_window()
    assert window.messages.isHidden(), window.messages.text.text()  # no warning: all valid
    window.findChild(QPlainTextEdit, "promptEdit").setPlainText("Встречаются как-то два кота")
    save = window.findChild(QPushButton, "saveButton")
    qtbot.mouseClick(window.findChild(QPushButton, "generateButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(save.isEnabled, timeout=RUN_TIMEOUT_MS)
    # Random-weight endings may earn the joke filter's warning; nothing may fail.
    assert window.messages.level != "error", window.messages.text.text()
    assert 1 <= window.findChild(QListWidget, "candidatesList").count() <= 3
    assert window.findChild(QLineEdit, "titleEdit").text() == "Встречаются как-то два кота"
    shown = window.findChild(QWidget, "posterView").pixmap()
    assert shown.size().toTuple() == window.result.poster.size  # the poster, full size

    offered: dict[str, str] = {}

    def accept_the_offered_name() -> None:  # what a user does: press «Сохранить»
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        offered["folder"] = dialog.directory().absolutePath()
        offered["name"] = dialog.findChild(QLineEdit, "fileNameEdit").text()
        dialog.accept()

    QTimer.singleShot(300, accept_the_offered_name)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # returns when the dialog closed
    assert Path(offered["folder"]) == home / "Posters"  # "~" expanded, not a folder "~"
    saved = home / "Posters" / offered["name"]
    qtbot.waitUntil(saved.exists, timeout=10_000)
    with Image.open(saved) as image:
        assert image.format == "PNG" and image.size == window.result.poster.size
    assert not (tmp_path / "~").exists()


def test_open_log_without_a_desktop_says_where_the_log_is(
    make_window, qtbot, tmp_path, monkeypatch
):
    write_settings({"models": {"generator_dir": str(tmp_path / "no-such-model")}})
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no xdg-open
    window = make_window()
    window.prompt.edit.setPlainText("Заходит как-то программист в бар")
    window.generate()
    qtbot.waitUntil(lambda: not window.service.busy and window.messages.level == "error")
    error = window.messages.text.text()
    assert "no-such-model" in error
    qtbot.mouseClick(window.messages.log_button, Qt.MouseButton.LeftButton)
    text = window.messages.text.text()
    assert window.messages.level == "error" and text.startswith(error)  # the error stays
    assert str(window.log_file) in text and window.log_file.is_file()
    assert "no-such-model" in window.log_file.read_text("utf-8")


def test_ok_in_the_settings_dialog_keeps_hand_written_values(make_window, qtbot):
    """Opening the settings and pressing OK changes nothing the user did not touch, even
    values the fields would round (width 100, temperature 0.875) or seeds that differ
    although the dialog shows one seed field; a touched field is saved as shown."""
    hand = {
        "generation": {"temperature": 0.875, "seed": 11},
        "image": {"width": 100, "height": 72, "seed": 5},
        "n_candidates": 3,
    }
    write_settings(hand)
    window = make_window()

    for change in (False, True):
        # The dialog is window-modal but asynchronous: the click returns with it open.
        qtbot.mouseClick(window.findChild(QPushButton, "settingsButton"), Qt.MouseButton.LeftButton)
        (dialog,) = [d for d in window.findChildren(QDialog, "settingsDialog") if d.isVisible()]
        if change:  # fields are found by their names
            dialog.findChild(QSpinBox, "nCandidates").setValue(5)
        dialog.accept()
        saved = json.loads((config_dir() / SETTINGS_FILE).read_text("utf-8"))
        assert saved["generation"]["temperature"] == 0.875
        assert (saved["generation"]["seed"], saved["image"]["seed"]) == (11, 5)
        assert (saved["image"]["width"], saved["image"]["height"]) == (100, 72)
        assert saved["n_candidates"] == (5 if change else 3)
    assert window.settings.n_candidates == 5 and window.settings.image.width == 100
