"""Where the window was: size, position, maximized, splitter widths and the history panel
shown or hidden, kept in ``window.json`` next to the settings (not in them: this is the
window's memory, not a choice the user makes in a dialog)."""

from __future__ import annotations

import base64
import logging

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter

from inference.core.jsonfiles import read_json_file, write_json_file
from inference.core.settings import config_dir

log = logging.getLogger(__name__)

STATE_FILE = "window.json"
PREFERRED = (1440, 900)  # more than this only stretches the poster's dark margins
SCREEN_SHARE = 0.92  # of the available area, leaving room for the frame and a taskbar


def _encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _decode(text: object) -> QByteArray | None:
    if not isinstance(text, str):
        return None
    try:
        return QByteArray(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, UnicodeEncodeError):
        return None


def load_state() -> dict:
    return read_json_file(config_dir() / STATE_FILE) or {}


def save_state(window: QMainWindow, splitter: QSplitter, extra: dict) -> None:
    data = {
        "geometry": _encode(window.saveGeometry()),
        "splitter": _encode(splitter.saveState()),
        **extra,
    }
    path = config_dir() / STATE_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_file(path, data)
    except OSError as exc:  # the window still works; it just opens at the default size
        log.warning("window state not saved: %s", exc)


def preferred_size(window: QMainWindow) -> QSize:
    """Most of the available area of the window's screen, at most PREFERRED."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(*PREFERRED)
    area = screen.availableGeometry()
    return QSize(
        min(PREFERRED[0], int(area.width() * SCREEN_SHARE)),
        min(PREFERRED[1], int(area.height() * SCREEN_SHARE)),
    )


def fit_to_screen(window: QMainWindow) -> None:
    """Size the window to the screen it opens on (preferred_size), never below what its
    layout needs nor beyond the available area; centred."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(*PREFERRED)
        return
    area = screen.availableGeometry()
    minimum, preferred = window.minimumSizeHint(), preferred_size(window)
    width = min(max(preferred.width(), minimum.width()), area.width())
    height = min(max(preferred.height(), minimum.height()), area.height())
    rect = QRect(0, 0, width, height)
    rect.moveCenter(area.center())
    window.setGeometry(rect)


def restore(window: QMainWindow, splitter: QSplitter, state: dict) -> bool:
    """Put back the saved geometry and splitter; False when there is none (or it no longer
    fits any screen: restoreGeometry moves a window from a screen since unplugged)."""
    splitter_state = _decode(state.get("splitter"))
    if splitter_state is not None:
        splitter.restoreState(splitter_state)
    geometry = _decode(state.get("geometry"))
    return geometry is not None and window.restoreGeometry(geometry)
