"""The window's smaller manners: a prompt error goes once the prompt is fixed, Ctrl+Q, the
poster's context menu and full-size view, the highlight while a picture is dragged over."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent, QImage
from PySide6.QtWidgets import QApplication

from desktop_app.poster_zoom import PosterZoom


def test_the_prompt_error_goes_once_the_prompt_is_fixed(make_window):
    window = make_window()
    window.generate()  # empty prompt
    assert window.messages.isVisible() and window.messages.level == "error"
    window.prompt.edit.setPlainText("   ")
    assert window.messages.isVisible()  # still empty: the error stays
    window.prompt.edit.setPlainText("Заходит как-то улитка в бар")
    assert window.messages.isHidden()


def test_ctrl_q_closes_the_window_and_stops_its_threads(make_window, qtbot):
    window = make_window()
    # A window shortcut: the window must be the active one (offscreen has no window
    # manager to make it so).
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.prompt.edit, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.threads_stopped


def test_poster_context_menu_and_full_size_view(make_window, qtbot):
    window = make_window()
    menu = window.poster.context_menu()
    actions = menu.actions()
    assert len(actions) == 4 and not actions[0].isEnabled()  # no poster yet: only the folder
    image = QImage(300, 420, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    window.poster.set_image(image)
    menu = window.poster.context_menu()
    assert all(action.isEnabled() for action in menu.actions())
    menu.actions()[0].trigger()  # «Открыть в полном размере»
    zoom = window.findChild(PosterZoom, "posterZoom")
    assert zoom is not None and zoom.isVisible()
    pixmap = zoom.label.pixmap()
    assert (pixmap.width() / pixmap.devicePixelRatio(), pixmap.height()) == (300, 420)
    zoom.step(1)
    assert zoom.zoom > 1 and zoom.label.width() > 300
    zoom.close()


def test_a_picture_dragged_over_the_window_is_highlighted_until_it_leaves(make_window, tmp_path):
    window = make_window()
    picture = tmp_path / "p.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    before = window.poster.grab().toImage()
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() and window.poster._drop_highlight
    during = window.poster.grab().toImage()
    assert during != before  # the poster area shows where to drop it
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not window.poster._drop_highlight


def test_qt_file_dialog_texts_are_russian_too(make_window, qtbot):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QFileDialog

    window = make_window()  # installs Qt's translations for the settings' language
    dialog = QFileDialog(window, "x", "", "*")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.show()
    assert dialog.labelText(QFileDialog.DialogLabel.LookIn) == "Папка:"
    assert dialog.labelText(QFileDialog.DialogLabel.FileType) == "Тип файлов:"
    assert QCoreApplication.translate("QAbstractFileIconProvider", "Folder") == "Папка"
    dialog.close()


def test_a_long_loading_message_does_not_widen_the_left_column(qtbot):
    """«загрузка модели «…»» names the model: a long name is drawn shortened («…», the whole
    line in the tooltip) instead of pushing the column under the poster (at 1366×768 the
    «Стоп» button and «Другая картинка» were cut off while a run was going)."""
    from desktop_app.progress_panel import ProgressPanel
    from inference.core.progress import ProgressEvent

    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.start(("generate", "rank", "draw", "compose"))
    panel.show()

    def loading(name: str) -> int:
        panel.on_event(ProgressEvent("draw", 0, None, f"загрузка модели «{name}»…"))
        panel.flush()
        return panel.minimumSizeHint().width()

    short = loading("sd")
    name = "очень-длинное-имя-модели-" * 6
    assert loading(name) == short  # the column's minimum does not follow the name
    detail = panel.rows["draw"].detail
    assert name in detail.text() and name in detail.toolTip()  # the whole line is kept
    assert detail.sizeHint().width() > detail.minimumSizeHint().width() * 3
