"""The window on real people's screens: a 1366×768 laptop at 100 % and 125 %, its size and
splitter remembered, and the dark theme readable (rendered pixels, not style-sheet text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QListWidget, QWidget

from desktop_app import theme
from desktop_app.main_window import MainWindow
from inference.core.params import Candidate
from inference.core.settings import Settings, save_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("scale", ["1", "1.25"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_everything_is_reachable_on_a_1366x768_laptop(tmp_path, scale, language):
    screen = {"width": 1366, "height": 768, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, **screen}]}))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": scale,
    }
    out = subprocess.run(
        [sys.executable, "-m", "tests.gui.fit_probe", language],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    x, y, width, height = report["available"]
    assert (width, height) == (round(1366 / float(scale)), round(768 / float(scale)))
    fx, fy, fw, fh = report["frame"]
    assert fx >= x and fy >= y and fx + fw <= x + width and fy + fh <= y + height, report
    assert report["outside"] == []
    assert report["clipped"] == [] and report["clipped_at_minimum"] == []
    # The minimum leaves room for a taskbar and a title bar even at 125 %.
    assert report["minimum"][0] <= width and report["minimum"][1] <= height - 100


def test_size_position_and_splitter_are_remembered(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(QRect(40, 30, first.minimumSizeHint().width() + 37, 600))
    sizes = first.splitter.sizes()
    first.splitter.setSizes([sizes[0] + 40, sizes[1] - 40, sizes[2]])
    first.set_history_visible(False)
    wanted_geometry, wanted_sizes = first.geometry(), first.splitter.sizes()
    first.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    # The default offscreen screen (800×800) is narrower than the window's minimum, so
    # the width is Qt's to clamp; the height, position and splitter come back as left.
    assert again.geometry().height() == wanted_geometry.height()
    assert again.geometry().y() == wanted_geometry.y()
    assert again.splitter.sizes()[0] == wanted_sizes[0]
    assert not again.history_card.isVisible() and not again.history_toggle.isChecked()
    again.history_toggle.click()
    assert again.history_card.isVisible()


# --- contrast ------------------------------------------------------------------------------
def luminance(color: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.red())
        + 0.7152 * channel(color.green())
        + 0.0722 * channel(color.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_contrast(image: QImage, rect: QRect) -> float:
    """Background = the most common colour inside ``rect``; text = the pixel that differs
    most from it (the core of the glyph strokes). Their contrast ratio."""
    counts: dict[int, int] = {}
    pixels = []
    for y in range(rect.top(), rect.bottom() + 1):
        for x in range(rect.left(), rect.right() + 1):
            rgb = image.pixel(x, y) & 0xFFFFFF
            counts[rgb] = counts.get(rgb, 0) + 1
            pixels.append(rgb)
    background = QColor(max(counts, key=counts.get))
    return max(contrast(QColor(p), background) for p in set(pixels))


def dark_system_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for r, value in (
        (role.Window, "#202124"),
        (role.WindowText, "#e8eaed"),
        (role.Base, "#202124"),
        (role.Text, "#e8eaed"),
        (role.Button, "#303134"),
        (role.ButtonText, "#e8eaed"),
    ):
        palette.setColor(r, QColor(value))
    return palette


@pytest.fixture
def dark_system(qapp):
    before = QApplication.palette()
    QApplication.setPalette(dark_system_palette())  # what Qt hands over in dark mode
    yield
    QApplication.setPalette(before)
    theme.apply("light")


def text_widgets(window: QWidget) -> list[tuple[QWidget, QRect]]:
    """Every visible text: labels, enabled buttons (disabled ones are exempt, as in WCAG),
    and each list row; as rectangles in window coordinates, inset past borders."""
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not window:
            continue
        top_left = widget.mapTo(window, QPoint(0, 0))
        if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            found.append((widget, QRect(top_left, widget.size()).adjusted(1, 1, -1, -1)))
        elif isinstance(widget, QAbstractButton) and widget.text() and widget.isEnabled():
            found.append((widget, QRect(top_left, widget.size()).adjusted(3, 3, -3, -3)))
        elif isinstance(widget, QListWidget):
            viewport = widget.viewport()
            origin = viewport.mapTo(window, QPoint(0, 0))
            for row in range(widget.count()):
                rect = widget.visualItemRect(widget.item(row)).translated(origin)
                found.append((widget, rect.adjusted(4, 3, -4, -3)))
    return found


@pytest.mark.parametrize(("choice", "expected"), [("system", "dark"), ("light", "light")])
def test_every_text_is_readable_in_either_theme(qtbot, dark_system, choice, expected):
    """With the system in dark mode: «как в системе» gives the dark theme, «светлое»
    the light one, and in both every rendered text has a contrast ratio of at least 4.5."""
    save_settings(Settings(theme=choice))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert theme.current() == expected
    candidates = [
        Candidate(text="а книги о паранойе у нас за вами следят", score=0.8),
        Candidate(text="и библиотекарь шепчет: «они уже здесь»", score=0.1),
    ]
    window.candidates.set_candidates(candidates, 1, "ranker")
    window.prompt.edit.setPlainText("Приходит мужик в библиотеку")
    window.messages.show_message("warning", "Проверка: предупреждение читается")
    qtbot.waitUntil(lambda: window.messages.isVisible())
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ratio = image.devicePixelRatio()
    checked, poor = 0, []
    for widget, rect in text_widgets(window):
        scaled = QRect(
            int(rect.x() * ratio),
            int(rect.y() * ratio),
            int(rect.width() * ratio),
            int(rect.height() * ratio),
        )
        if scaled.width() < 4 or scaled.height() < 4:
            continue
        checked += 1
        value = text_contrast(image, scaled.intersected(image.rect()))
        if value < 4.5:
            name = widget.objectName() or type(widget).__name__
            poor.append(f"{name} {getattr(widget, 'text', lambda: '')()!r}: {value:.2f}")
    assert checked >= 25
    assert poor == []
    # The window really is dark (or light), not one with the other's text colours.
    lightness = QColor(image.pixel(5, image.height() // 2)).lightness()
    assert lightness < 60 if expected == "dark" else lightness > 200


def test_theme_choice_overrides_the_system_and_applies_at_once(qtbot, dark_system):
    save_settings(Settings(theme="light"))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert theme.current() == "light"
    settings = Settings(theme="dark")
    window.apply_settings(settings)
    assert theme.current() == "dark"
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 60


def test_switching_to_english_retranslates_the_notice_and_drops_old_warnings(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.lite_notice.isVisible()  # a fresh install runs on the bundled models
    russian = window.lite_notice.text.text()
    window.messages.show_message("warning", "Старое предупреждение")
    settings = Settings(language="en")
    window.apply_settings(settings)
    assert window.lite_notice.text.text() != russian
    assert window.lite_notice.button.text() == "Install models"
    assert window.messages.isHidden()
    window.apply_settings(Settings(language="ru"))


def test_settings_dialog_gives_back_the_room_of_a_message(make_window, qtbot, tmp_path):
    window = make_window()
    dialog = window.open_settings()
    qtbot.waitExposed(dialog)
    height = dialog.height()
    dialog.folder["generator"].set_path(str(tmp_path / "no such folder"))
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    qtbot.waitUntil(lambda: dialog.height() > height)
    dialog.folder["generator"].set_path("")
    qtbot.waitUntil(lambda: dialog.height() == height)
    # The ranker field says what an empty folder means: the built-in one here.
    assert "мини" in dialog.folder["ranker"].edit.placeholderText()
    assert dialog.labels["top_p"].toolTip() and dialog.fields["guidance"].toolTip()
    dialog.reject()


def test_negative_prompt_is_a_setting(make_window):
    from inference.core.settings import load_settings

    window = make_window()
    dialog = window.open_settings()
    dialog.negative_prompt.setText("  text,   watermark ")
    dialog.accept()
    assert load_settings()[0].image.negative_prompt == "text, watermark"
    assert window.settings.image.negative_prompt == "text, watermark"
