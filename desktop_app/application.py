"""The QApplication: name, style, fonts (PySide6 wheels ship none) and the log file."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop_app import pyside_fixes
from desktop_app.app_log import setup_logging
from resources import resource_path

APP_NAME = "Demotivator Studio"


def ensure_fonts() -> None:
    """Register the bundled fonts; with no system fonts at all (a bare container), make
    one of them the UI font so text never renders as boxes."""
    # With no font files at all, fontconfig still lists its generic aliases.
    had_fonts = bool(set(QFontDatabase.families()) - {"Monospace", "Sans Serif", "Serif"})
    family = ""
    for path in sorted(resource_path("fonts").glob("*.[ot]tf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        family = family or (families[0] if families else "")
    if not had_fonts and family:
        QApplication.setFont(QFont(family, 10))


def app_icon() -> QIcon:
    path = resource_path("icons", "demotivator-studio.png")
    return QIcon(str(path)) if path.exists() else QIcon()


def create_application(argv: list[str] | None = None) -> QApplication:
    """The running QApplication, created and styled if there is none yet."""
    pyside_fixes.apply()
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("demotivator-studio")
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    ensure_fonts()
    apply_style(app)
    setup_logging()
    return app


def apply_style(app: QApplication, choice: str = "system") -> None:
    """The light or dark theme (the window applies the one chosen in its settings)."""
    from desktop_app import theme  # the style sheet and palettes (Qt style work, lazily)

    theme.apply(choice)
