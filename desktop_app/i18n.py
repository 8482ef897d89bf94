"""GUI strings: ``t(key)`` reads ``resources/i18n/gui.json`` in the current language;
``tm(key)`` the «Модели» dialog's own ``resources/i18n/models_gui.json``.
:func:`install_qt_translations` puts Qt's own texts (file dialogs, the context menu of a
text field) in the same language, from the translations the PySide6 wheel ships."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from inference.i18n import tr

DOMAIN = "gui"
MODELS_DOMAIN = "models_gui"
_qt_translator: QTranslator | None = None


def t(key: str, /, **kwargs: object) -> str:
    return tr(key, DOMAIN, **kwargs)


def tm(key: str, /, **kwargs: object) -> str:
    return tr(key, MODELS_DOMAIN, **kwargs)


def install_qt_translations(language: str) -> bool:
    """Qt's texts in ``language`` (English: Qt's own source texts). False when no
    application runs yet or the wheel has no such translation (then Qt stays English)."""
    global _qt_translator
    app = QCoreApplication.instance()
    if app is None:
        return False
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if language == "en":
        return True
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder):
        return False
    app.installTranslator(translator)
    _qt_translator = translator
    return True
