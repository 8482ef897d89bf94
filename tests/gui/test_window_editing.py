"""After a run: other candidates, caption edits, own picture, save, copy, drag, history.
None of these may run a model: the generator, ranker and illustrator are watched."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QListWidget, QPushButton

from inference.runs.history import History
from inference.runs.output_files import companion_paths
from tests.gui.conftest import PROMPT, RUN_TIMEOUT_MS, run_prompt, wait_idle


@pytest.fixture
def done_window(window, qtbot, monkeypatch):
    """A window with a finished poster whose models now count every call."""
    run_prompt(qtbot, window)
    assert window.poster.has_image(), window.messages.text.text()
    calls: list[str] = []
    models = window.service.pipeline.models
    for role in ("generator", "ranker", "illustrator"):
        model = models.get(role)
        for name in ("generate", "describe_scene", "score", "draw"):
            if hasattr(model, name):
                original = getattr(model, name)
                monkeypatch.setattr(
                    model,
                    name,
                    lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k),
                )
    window.model_calls = calls
    return window


def poster_key(window) -> int:
    return window.poster.image().cacheKey()


def wait_new_poster(qtbot, window, old_key: int) -> None:
    qtbot.waitUntil(lambda: window.poster.has_image() and poster_key(window) != old_key)
    wait_idle(qtbot, window)


def test_other_candidate_recomposes_without_a_model(done_window, qtbot):
    window = done_window
    if window.candidates.list.count() < 2:
        pytest.skip("the tiny model wrote a single usable ending this time")
    before, old_title = poster_key(window), window.editor.subtitle_edit.text()
    window.candidates.list.setCurrentRow(1)
    wait_new_poster(qtbot, window, before)
    chosen = window.result.candidates[1].text.strip()
    assert window.result.chosen_index == 1
    assert window.editor.subtitle_edit.text() == chosen != old_title
    assert window.result.subtitle == chosen
    assert window.model_calls == []


def test_editing_the_title_recomposes_and_updates_history(done_window, qtbot):
    window = done_window
    before = poster_key(window)
    window.editor.title_edit.setFocus()
    window.editor.title_edit.end(False)
    qtbot.keyClicks(window.editor.title_edit, " - hooray")  # QTest types ASCII only
    wait_new_poster(qtbot, window, before)
    assert window.result.title == PROMPT + " - hooray"
    assert window.result.poster.size[0] == 480
    assert window.model_calls == []
    history = History()
    qtbot.waitUntil(lambda: history.entries()[0].title.endswith("hooray"), timeout=10_000)
    assert len(history.entries()) == 1  # the entry was rewritten, not duplicated


def _write_picture(path: Path, color=(10, 200, 30), size=(120, 80)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def test_own_picture_from_a_file(done_window, qtbot, tmp_path, monkeypatch):
    window = done_window
    picture = _write_picture(tmp_path / "mine.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(picture), ""))
    before = poster_key(window)
    qtbot.mouseClick(window.editor.picture_button, Qt.MouseButton.LeftButton)
    wait_new_poster(qtbot, window, before)
    assert window.result.picture_source == str(picture)
    assert window.result.picture.size == (120, 80)
    assert window.editor.chip.isVisible() and window.own_picture is not None
    assert window.model_calls == []
    # The picture stays for the next run, which then skips drawing.
    run_prompt(qtbot, window, "Купил мужик шляпу")
    assert window.result.picture_source == str(picture) and window.poster.has_image()
    assert window.progress.rows["draw"].state == "skipped"
    assert "draw" not in window.model_calls


def test_own_picture_from_the_clipboard_with_ctrl_v(done_window, qtbot):
    window = done_window
    image = QImage(90, 60, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 30, 30))
    QGuiApplication.clipboard().setImage(image)
    before = poster_key(window)
    window.activateWindow()
    window.poster.setFocus()
    qtbot.keyClick(window.poster, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_new_poster(qtbot, window, before)
    assert window.result.picture_source == "clipboard"
    assert window.result.picture.size == (90, 60)
    assert window.result.picture.getpixel((45, 30)) == (200, 30, 30)


def test_own_picture_dropped_onto_the_window(done_window, qtbot, tmp_path):
    window = done_window
    picture = _write_picture(tmp_path / "dropped.jpg", (30, 30, 220), (64, 128))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    before = poster_key(window)
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), action, mime, buttons, keys)
    QApplication.sendEvent(window, enter)  # Qt delivers a drop only after an accepted enter
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(20, 20), action, mime, buttons, keys))
    wait_new_poster(qtbot, window, before)
    assert window.result.picture_source == str(picture)
    assert window.result.picture.size == (64, 128)


def test_unreadable_picture_is_an_error_in_the_window(done_window, qtbot, tmp_path):
    window = done_window
    bad = tmp_path / "not-a-picture.png"
    bad.write_bytes(b"definitely not an image")
    window.messages.dismiss()  # a warning the run may have left (random-weight endings)
    window.use_picture_source(bad)
    qtbot.waitUntil(window.messages.isVisible)
    assert window.messages.level == "error" and "not-a-picture.png" in window.messages.text.text()
    assert window.poster.has_image() and window.prompt.generate_button.isEnabled()


@pytest.mark.parametrize(
    ("name", "chosen", "fmt", "suffix"),
    [
        ("poster.png", "PNG (*.png)", "PNG", ".png"),
        ("poster", "JPEG (*.jpg *.jpeg)", "JPEG", ".jpg"),
    ],
)
def test_save_writes_the_poster_and_its_sidecar(
    done_window, qtbot, tmp_path, monkeypatch, name, chosen, fmt, suffix
):
    window = done_window
    offered = {}

    def dialog(parent, caption, path, filters, *a, **k):
        offered["path"], offered["filters"] = path, filters
        return str(tmp_path / name), chosen

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    qtbot.mouseClick(window.editor.save_button, Qt.MouseButton.LeftButton)
    target = tmp_path / f"poster{suffix}"
    picture, sidecar = companion_paths(target)  # poster.json, or poster.jpg.json for a JPEG
    qtbot.waitUntil(sidecar.exists, timeout=10_000)
    wait_idle(qtbot, window)
    assert Path(offered["path"]).name.endswith(".png")
    assert Path(offered["path"]).parent == window.settings.output_path()
    assert "JPEG" in offered["filters"] and "WEBP" in offered["filters"]
    with Image.open(target) as saved:
        assert saved.format == fmt and saved.size == window.result.poster.size
    assert picture.exists()


def test_copy_puts_the_poster_on_the_clipboard(done_window, qtbot):
    window = done_window
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(window.editor.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().image()
    assert not copied.isNull() and copied.size() == window.poster.image().size()
    # Ctrl+C on the window, and in a caption field with nothing selected, copies it too.
    QGuiApplication.clipboard().clear()
    window.activateWindow()
    qtbot.keyClick(window.poster, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().image().size() == window.poster.image().size()
    QGuiApplication.clipboard().clear()
    window.editor.title_edit.deselect()
    qtbot.keyClick(window.editor.title_edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().image().size() == window.poster.image().size()


def test_drag_out_offers_image_data_and_a_png_file(done_window):
    mime = done_window.poster.drag_mime()
    assert mime.hasImage() and mime.hasUrls()
    path = Path(mime.urls()[0].toLocalFile())
    with Image.open(path) as dragged:
        assert dragged.format == "PNG" and dragged.size == done_window.result.poster.size


def test_history_open_and_delete(done_window, qtbot):
    window = done_window
    first_title = window.result.title
    run_prompt(qtbot, window, "Купил мужик шляпу")
    panel = window.history_panel
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    assert panel.current_entry().title == "Купил мужик шляпу"
    window.model_calls.clear()
    panel.list.setCurrentRow(1)  # the older poster
    qtbot.waitUntil(lambda: window.result.title == first_title)
    wait_idle(qtbot, window)
    assert window.poster.has_image() and window.result.picture is not None
    assert window.editor.title_edit.text() == first_title
    assert window.model_calls == []
    entry = panel.current_entry()
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    assert window.poster.has_image()  # the poster on screen stays until replaced
    # «Вернуть» is offered: the files stay until the undo has passed.
    undo = window.messages.action_button
    assert undo.isVisible() and entry.poster_path.exists()
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    assert [e.id for e in panel.entries()].count(entry.id) == 1
    panel.delete_requested.emit(entry)  # again, and this time it goes
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    window.flush_pending_delete()  # what the undo timer (or closing) does
    wait_idle(qtbot, window)
    assert not entry.poster_path.exists() and not entry.sidecar_path.exists()
    assert entry.id not in [e.id for e in panel.entries()]


def test_history_entries_tell_versions_apart_and_the_last_comes_back(done_window, qtbot):
    window = done_window
    panel = window.history_panel
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    qtbot.mouseClick(window.candidates.more_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert panel.list.count() == 1  # same picture, more endings: the same entry
    window.candidates.list.setCurrentRow(window.candidates.list.count() - 1)
    qtbot.mouseClick(window.candidates.redraw_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.list.count() == 2)  # a new picture: a new entry
    labels = [panel.list.item(i).text() for i in range(2)]
    entries = panel.entries()
    for label, entry in zip(labels, entries, strict=True):
        assert entry.subtitle[:20] in label and entry.created.replace("T", " ")[:19] in label
    assert entries[0].subtitle != entries[1].subtitle and labels[0] != labels[1]
    newest = entries[0]
    window.close()

    from desktop_app.main_window import MainWindow
    from inference.core.settings import SETTINGS_FILE, config_dir

    (config_dir() / SETTINGS_FILE).write_text("{ not json", "utf-8")  # a warning at start
    again = MainWindow()
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.result is not None)  # the last poster, back on start
    wait_idle(qtbot, again)
    assert again.entry_id == newest.id and again.poster.has_image()
    assert again.history_panel.current_entry().id == newest.id
    assert again.messages.level == "warning"  # putting the poster back hid no warning


def test_history_context_menu_copies_and_makes_again(done_window, qtbot):
    window = done_window
    panel = window.history_panel
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    entry = panel.entries()[0]
    menu = panel.context_menu(entry)
    names = [action.text() for action in menu.actions()]
    assert len(names) == 4 and all(names)
    QGuiApplication.clipboard().clear()
    panel.copy_requested.emit(entry)
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull())
    seed = window.result.image_params.seed
    panel.remake_requested.emit(entry)
    qtbot.waitUntil(lambda: window.service.busy)
    wait_idle(qtbot, window)
    assert window.result.image_params.seed == seed  # the sidecar's seed, not a new one
    qtbot.waitUntil(lambda: panel.list.count() == 2)


def test_more_endings_rewrites_text_only(done_window, qtbot):
    window = done_window
    picture = window.result.picture
    qtbot.mouseClick(window.candidates.more_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "generate" in window.model_calls and "draw" not in window.model_calls
    assert window.result.picture is picture and window.poster.has_image()
    assert window.progress.rows["draw"].state == "skipped"


def test_more_endings_adds_to_the_list_and_keeps_a_typed_subtitle(done_window, qtbot):
    window = done_window
    earlier = [c.text.strip() for c in window.result.candidates]
    window.candidates.list.setCurrentRow(len(earlier) - 1)  # the user picks the last one
    wait_idle(qtbot, window)
    window.editor.subtitle_edit.setText("МОЯ СОБСТВЕННАЯ ПОДПИСЬ")
    wait_idle(qtbot, window)
    chosen = window.result.chosen_text.strip()
    qtbot.mouseClick(window.candidates.more_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    texts = [c.text.strip() for c in window.result.candidates]
    assert set(earlier) <= set(texts) and len(texts) > len(earlier)
    assert window.candidates.list.count() == len(texts)
    assert window.editor.subtitle_edit.text() == "МОЯ СОБСТВЕННАЯ ПОДПИСЬ"
    assert window.result.subtitle == "МОЯ СОБСТВЕННАЯ ПОДПИСЬ"
    assert window.result.chosen_text.strip() == chosen
    assert window.candidates.list.currentRow() == window.result.chosen_index
    # one order for old and new endings, the core's: what the joke gate turned away goes
    # last, the rest best first (the window does not re-sort by score alone)
    order = [("filtered_reason" not in c.meta, c.score) for c in window.result.candidates]
    assert order == sorted(order, reverse=True)
    shown = [window.candidates.list.item(i).text() for i in range(window.candidates.list.count())]
    assert shown == texts


def test_a_caption_set_from_code_recomposes_like_typing(done_window, qtbot):
    """A test, an accessibility tool or the field's clear button sets the text without
    keystrokes: the poster must follow the field all the same (and still run no model)."""
    window, before = done_window, poster_key(done_window)
    title = window.findChild(QLineEdit, "titleEdit")
    title.setText("ЗАГОЛОВОК ИЗ КОДА")
    qtbot.waitUntil(lambda: poster_key(window) != before, timeout=RUN_TIMEOUT_MS)
    assert window.result.title == "ЗАГОЛОВОК ИЗ КОДА"
    subtitle = window.findChild(QLineEdit, "subtitleEdit")
    before = poster_key(window)
    subtitle.clear()
    qtbot.waitUntil(lambda: poster_key(window) != before, timeout=RUN_TIMEOUT_MS)
    assert window.result.subtitle == ""
    assert window.model_calls == []


def test_scene_is_shown_editable_and_redrawn_with_the_same_seed(done_window, qtbot):
    window = done_window
    scene, repeat = window.editor.scene_edit, window.editor.repeat_button
    seed = window.result.image_params.seed
    assert scene.text() == window.result.visual_prompt and not scene.isReadOnly()
    assert str(seed) in repeat.text() and repeat.isEnabled()
    before = poster_key(window)
    scene.setText("a cat reading a book about paranoia, oil painting")
    qtbot.mouseClick(repeat, Qt.MouseButton.LeftButton)
    wait_new_poster(qtbot, window, before)
    assert window.result.image_params.seed == seed  # «повторить с этим зерном»
    assert window.result.visual_prompt == "a cat reading a book about paranoia, oil painting"
    assert "draw" in window.model_calls and "describe_scene" not in window.model_calls
    before = poster_key(window)
    qtbot.mouseClick(window.candidates.redraw_button, Qt.MouseButton.LeftButton)
    wait_new_poster(qtbot, window, before)
    assert window.result.image_params.seed != seed  # «Другая картинка»: a new seed
    assert window.result.visual_prompt == "a cat reading a book about paranoia, oil painting"
    assert str(window.result.image_params.seed) in repeat.text()


def test_four_more_pictures_to_pick_from(done_window, qtbot):
    window = done_window
    strip = window.findChild(QListWidget, "pictureVariants")
    assert strip is not None and strip.isHidden()
    window.findChild(QPushButton, "morePicturesButton").click()
    qtbot.waitUntil(lambda: strip.count() == 4 and not window.service.busy, timeout=180_000)
    wait_idle(qtbot, window)
    assert strip.isVisible() and window.model_calls.count("draw") == 4
    seeds = [v.seed for v in window._variants]
    assert len(set(seeds)) == 4 and window.result.image_params.seed == seeds[-1]
    before = poster_key(window)
    strip.setCurrentRow(1)  # pick the second one: on the poster with its seed
    wait_new_poster(qtbot, window, before)
    assert window.result.image_params.seed == seeds[1]
    assert window.result.picture is window._variants[1].picture
    assert str(seeds[1]) in window.editor.repeat_button.text()
    assert "draw" not in window.model_calls[4:]  # picking ran no model


def test_history_can_be_browsed_during_a_run(done_window, qtbot):
    from tests.gui.conftest import Gate

    window = done_window
    panel = window.history_panel
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    first = panel.entries()[0]
    gate = Gate(window, "generate")  # hold the next run at its first token
    window.prompt.edit.setPlainText("Купил мужик шляпу")
    window.generate()
    try:
        qtbot.waitUntil(gate.reached.is_set, timeout=60_000)
        assert window.service.busy and panel.list.isEnabled()
        window.entry_id = None  # as after a new run started: the entry is not on screen
        panel.list.setCurrentRow(-1)
        panel.list.setCurrentRow(0)
        qtbot.waitUntil(lambda: window.entry_id == first.id)
        assert window.poster.has_image() and window.result.title == first.title
        assert not panel.delete_button.isEnabled()  # deleting waits for the run's end
    finally:
        gate.release.set()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    assert window.result.title == "Купил мужик шляпу"  # the run's poster replaced it
