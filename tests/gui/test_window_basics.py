"""The window without model runs: names, start-up, prompt checks, settings, language."""

from __future__ import annotations

import copy
import json

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
)

from desktop_app.i18n import install_qt_translations
from desktop_app.main_window import MainWindow
from inference.core.i18n import set_language
from inference.core.params import MAX_PROMPT_CHARS
from inference.core.settings import SETTINGS_FILE, config_dir, load_settings
from tests.gui.conftest import RUN_TIMEOUT_MS

NAMES = {
    "promptEdit": QPlainTextEdit,
    "generateButton": QPushButton,
    "cancelButton": QPushButton,
    "saveButton": QPushButton,
    "copyButton": QPushButton,
    "candidatesList": QListWidget,
    "titleEdit": QLineEdit,
    "subtitleEdit": QLineEdit,
    "settingsButton": QPushButton,
    "historyList": QListWidget,
}


def test_no_argument_window_has_the_stable_object_names(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    for name, cls in NAMES.items():
        assert isinstance(window.findChild(cls, name), cls), name
    assert window.findChild(object, "posterView") is window.poster
    bars = window.findChildren(QProgressBar)
    assert len(bars) == 5 and all(bar.objectName().startswith("progress") for bar in bars)
    assert not window.service.busy and window.result is None
    assert not window.findChild(QPushButton, "cancelButton").isEnabled()
    assert not window.findChild(QPushButton, "saveButton").isEnabled()


def test_heavy_libraries_stay_out_of_the_start_up():
    import subprocess
    import sys

    code = (
        "import sys, desktop_app.__main__, desktop_app.main_window;"
        "print([m for m in ('torch','transformers','diffusers','onnxruntime','numpy')"
        " if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_empty_and_too_long_prompts_are_refused_visibly(make_window):
    window = make_window()
    window.generate()
    assert window.messages.isVisible() and window.messages.level == "error"
    assert not window.service.busy
    window.prompt.edit.setPlainText("а" * (MAX_PROMPT_CHARS + 12))
    assert window.prompt.counter.property("over") is True
    assert str(MAX_PROMPT_CHARS) in window.prompt.counter.text()
    window.messages.dismiss()
    window.generate()
    assert window.messages.isVisible() and str(MAX_PROMPT_CHARS) in window.messages.text.text()
    assert not window.service.busy and window.prompt.generate_button.isEnabled()


def test_corrupt_settings_file_still_starts_with_a_warning(make_window):
    path = config_dir() / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ not json", encoding="utf-8")
    window = make_window()
    assert window.messages.isVisible() and window.messages.level == "warning"
    assert SETTINGS_FILE in window.messages.text.text()
    assert path.with_name(SETTINGS_FILE + ".corrupt").exists()
    assert window.prompt.generate_button.isEnabled()


def test_settings_dialog_round_trip_and_live_language_switch(make_window, qtbot, tmp_path):
    window = make_window()
    assert window.prompt.generate_button.text() == "Создать!"
    dialog = window.open_settings()
    assert dialog.isVisible()
    dialog.n_candidates.setValue(3)
    dialog.temperature.setValue(0.7)
    dialog.backend["generator"].setCurrentIndex(dialog.backend["generator"].findData("torch"))
    dialog.folder["generator"].set_path(str(tmp_path))
    dialog.seed.set_seed(1234)
    dialog.output_dir.set_path(str(tmp_path / "posters"))
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.LeftButton)
    try:
        saved = json.loads((config_dir() / SETTINGS_FILE).read_text("utf-8"))
        assert saved["n_candidates"] == 3 and saved["language"] == "en"
        assert saved["generation"]["temperature"] == 0.7
        assert saved["models"]["generator_backend"] == "torch"
        assert saved["generation"]["seed"] == saved["image"]["seed"] == 1234
        loaded, warnings = load_settings()
        assert warnings == [] and loaded == window.settings
        qtbot.waitUntil(lambda: window.service.pipeline.settings is window.settings)
        # Live retranslation, no restart.
        assert window.prompt.generate_button.text() == "Create!"
        assert window.windowTitle().startswith("Demotivator Studio")
        assert "Settings" in window.settings_button.text()
        again = window.open_settings()
        assert again.n_candidates.value() == 3 and again.seed.seed() == 1234
        again.reset()
        assert again.n_candidates.value() == 6 and again.seed.seed() is None
        assert again.language.currentData() == "ru"
        again.reject()
    finally:
        set_language("ru")


def test_qt_own_texts_follow_the_ui_language(make_window):
    """File dialogs and the context menu of a text field are Qt's: Russian by default too."""
    window = make_window()
    assert QCoreApplication.translate("QFileDialog", "File &name:") == "&Имя файла:"
    assert QCoreApplication.translate("QLineEdit", "&Copy") == "&Копировать"
    english = copy.deepcopy(window.settings)
    english.language = "en"
    try:
        window.apply_settings(english)
        assert QCoreApplication.translate("QLineEdit", "&Copy") == "&Copy"
    finally:
        set_language("ru")
        install_qt_translations("ru")


def test_window_shortcuts_work_right_after_the_settings_dialog(make_window, qtbot):
    window = make_window()
    qtbot.mouseClick(window.findChild(QPushButton, "settingsButton"), Qt.MouseButton.LeftButton)
    first = window.findChild(QDialog, "settingsDialog")
    assert first is not None and first.isVisible()
    first.reject()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=RUN_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Ctrl+,
    again = window.findChildren(QDialog, "settingsDialog")
    assert any(d is not first and d.isVisible() for d in again)
    window.open_settings().reject()


def test_settings_dialog_refuses_a_missing_model_folder(make_window, tmp_path):
    window = make_window()
    dialog = window.open_settings()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.folder["illustrator"].set_path(str(tmp_path / "nope"))
    assert not ok.isEnabled() and dialog.error.isVisible()
    assert "nope" in dialog.error.text()
    dialog.picture_source.setCurrentIndex(dialog.picture_source.findData("own"))
    assert ok.isEnabled()  # the picture model is not used, its folder does not matter
    dialog.reject()
    assert not (config_dir() / SETTINGS_FILE).exists()


def test_own_picture_setting_asks_for_a_picture_before_running(make_window):
    window = make_window()
    settings = window.settings
    settings.models.picture_source = "own"
    window.apply_settings(settings)
    assert not window.candidates.redraw_button.isEnabled()
    window.prompt.edit.setPlainText("Купил мужик шляпу")
    window.generate()
    assert window.messages.level == "error" and not window.service.busy


def test_bundled_font_is_the_ui_font_when_the_system_has_none(tmp_path):
    """A bare container: fontconfig finds no font files, so Qt would draw boxes."""
    import os
    import subprocess
    import sys

    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    code = (
        "from PySide6.QtGui import QFontInfo;"
        "from PySide6.QtWidgets import QApplication;"
        "from desktop_app.application import create_application;"
        "create_application([]); print(QFontInfo(QApplication.font()).family())"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "PT Serif"
