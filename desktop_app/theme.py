"""Light and dark themes: one colour table each, filled into ``style.qss`` (``@name``
tokens) and into the application palette, so widgets the style sheet does not name (menus,
tooltips, Qt's own dialogs, item delegates) get matching colours too.

«Как в системе» follows Qt's colour scheme hint (Qt 6.5+: Windows, macOS, GNOME/KDE) and,
where the platform gives none, the lightness of the palette the system handed to Qt. Every
text colour below has a contrast ratio of at least 4.5 against the background it sits on.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

STYLE_SHEET = Path(__file__).with_name("style.qss")


THEMES = ("system", "light", "dark")
LIGHT, DARK = "light", "dark"

COLORS: dict[str, dict[str, str]] = {
    LIGHT: {
        "window": "#f4f5f7",
        "card": "#ffffff",
        "border": "#e2e4e9",
        "input": "#ffffff",
        "input_border": "#c2c6ce",
        "readonly": "#f1f2f4",
        "text": "#1d2026",
        "text2": "#30343b",
        "muted": "#575d67",  # 6.5 on white, 6.0 on the window grey
        "faint": "#5f6672",  # hints and counters: still 5.6 on white
        "accent": "#2461cc",
        "accent_hover": "#1d52ad",
        "accent_text": "#ffffff",
        "accent_disabled": "#a9bfe9",
        "accent_soft": "#e3ebfb",
        "accent_soft_text": "#1a4fa8",
        "hover": "#eef2fb",
        "disabled_text": "#8d939c",
        "disabled_bg": "#f1f2f4",
        "disabled_border": "#dfe1e5",
        "danger": "#b3261e",
        "danger_border": "#e6a19c",
        "error_bg": "#fdecea",
        "error_border": "#f1aea8",
        "warning_bg": "#fff6e0",
        "warning_border": "#f0d08a",
        "warning_text": "#7a4f00",
        "info_bg": "#eef2fb",
        "ok": "#1b6e36",
        "ok_bg": "#e3f4e8",
        "onnx_bg": "#cfeedb",
        "onnx_text": "#12602c",
        "track": "#e6e8ec",
        "drop": "#2461cc",
        "in_use_bg": "#f8fbff",
        "in_use_border": "#8fb0ee",
        "pill": "#eceef2",
        "pill_text": "#444b56",
    },
    DARK: {
        "window": "#1b1d21",
        "card": "#26292e",
        "border": "#363a41",
        "input": "#1e2125",
        "input_border": "#4a4f58",
        "readonly": "#2c2f35",
        "text": "#e8eaed",
        "text2": "#d5d9de",
        "muted": "#aab1bc",
        "faint": "#a2a9b4",
        "accent": "#2f6fde",
        "accent_hover": "#3f7ff0",
        "accent_text": "#ffffff",
        "accent_disabled": "#2f3f5c",
        "accent_soft": "#24344f",
        "accent_soft_text": "#a9c6ff",
        "hover": "#30343b",
        "disabled_text": "#80868f",
        "disabled_bg": "#24272b",
        "disabled_border": "#33363c",
        "danger": "#ff8a80",
        "danger_border": "#8c3a34",
        "error_bg": "#3b2422",
        "error_border": "#7a3a34",
        "warning_bg": "#352c17",
        "warning_border": "#6b5520",
        "warning_text": "#f3cd7a",
        "info_bg": "#232c3b",
        "ok": "#6fd08f",
        "ok_bg": "#1f3527",
        "onnx_bg": "#1d3d29",
        "onnx_text": "#8fe0a8",
        "track": "#383c43",
        "drop": "#5b93f5",
        "in_use_bg": "#232b38",
        "in_use_border": "#4a6fae",
        "pill": "#343840",
        "pill_text": "#cfd4db",
    },
}

# The progress rows' state colours (see progress_panel), per theme.
STATE_COLORS: dict[str, dict[str, str]] = {
    LIGHT: {
        "pending": "#575d67",
        "loading": "#2461cc",
        "running": "#2461cc",
        "done": "#1b6e36",
        "skipped": "#595f69",
        "stopped": "#8a5300",
        "failed": "#b3261e",
    },
    DARK: {
        "pending": "#aab1bc",
        "loading": "#8cb4ff",
        "running": "#8cb4ff",
        "done": "#6fd08f",
        "skipped": "#9aa1ac",
        "stopped": "#f0b35a",
        "failed": "#ff8a80",
    },
}

_TOKEN = re.compile(r"@([a-z_0-9]+)")
_applied: dict[str, object] = {"name": LIGHT, "palette": None}


def current() -> str:
    """The theme last applied: ``light`` or ``dark``."""
    return str(_applied["name"])


def color(name: str) -> str:
    return COLORS[current()][name]


def state_color(state: str) -> str:
    return STATE_COLORS[current()][state]


def _system_palette() -> QPalette:
    """The palette the platform gave, not one of ours (ours is set on the application)."""
    palette = QGuiApplication.palette()
    ours = _applied["palette"]
    if isinstance(ours, QPalette) and palette == ours:
        saved = _applied.get("system")
        return saved if isinstance(saved, QPalette) else palette
    _applied["system"] = QPalette(palette)
    return palette


def system_is_dark() -> bool:
    with contextlib.suppress(AttributeError):  # Qt older than 6.5
        scheme = QGuiApplication.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Dark:
            return True
        if scheme == Qt.ColorScheme.Light:
            return False
    window = _system_palette().color(QPalette.ColorRole.Window)
    text = _system_palette().color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


def resolve(choice: str) -> str:
    if choice in (LIGHT, DARK):
        return choice
    return DARK if system_is_dark() else LIGHT


def style_sheet(name: str) -> str:
    colors = COLORS[name]
    try:
        template = STYLE_SHEET.read_text(encoding="utf-8")
    except OSError:  # unstyled is still usable
        return ""
    return _TOKEN.sub(lambda m: colors.get(m.group(1), m.group(0)), template)


def palette(name: str) -> QPalette:
    c = {key: QColor(value) for key, value in COLORS[name].items()}
    pal = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for r, key in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "input"),
        (role.AlternateBase, "pill"),
        (role.Text, "text"),
        (role.Button, "card"),
        (role.ButtonText, "text"),
        (role.BrightText, "accent_text"),
        (role.Highlight, "accent"),
        (role.HighlightedText, "accent_text"),
        (role.ToolTipBase, "card"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "faint"),
        (role.Link, "accent_soft_text" if name == DARK else "accent"),
        (role.Light, "hover"),
        (role.Midlight, "border"),
        (role.Mid, "input_border"),
        (role.Dark, "input_border"),
        (role.Shadow, "window"),
    ):
        pal.setColor(r, c[key])
    for r, key in (
        (role.WindowText, "disabled_text"),
        (role.Text, "disabled_text"),
        (role.ButtonText, "disabled_text"),
        (role.Button, "disabled_bg"),
    ):
        pal.setColor(group.Disabled, r, c[key])
    return pal


def apply(choice: str) -> str:
    """Apply the chosen theme (``system``, ``light``, ``dark``) to the whole application:
    palette and style sheet, so dialogs and menus follow; returns ``light`` or ``dark``."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return current()
    _system_palette()  # remember the platform's palette before replacing it
    name = resolve(choice)
    pal = palette(name)
    _applied["name"], _applied["palette"] = name, pal
    app.setPalette(pal)
    app.setStyleSheet(style_sheet(name))
    return name
