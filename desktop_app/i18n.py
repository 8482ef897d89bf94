"""GUI strings: ``t(key)`` reads ``resources/i18n/gui.json`` in the current language;
``tm(key)`` the «Модели» dialog's own ``resources/i18n/models_gui.json``.
:func:`install_qt_translations` puts Qt's own texts (file dialogs, the context menu of a
text field) in the same language, from the translations the PySide6 wheel ships."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QObject, QTranslator
from PySide6.QtWidgets import QFileDialog

from inference.core.i18n import tr

DOMAIN = "gui"
MODELS_DOMAIN = "models_gui"
_qt_translator: QTranslator | None = None
_gap_translator: QTranslator | None = None
_labels_filter: QObject | None = None
# Texts of Qt's own file dialog that the wheel's qtbase translations leave in English:
# (context, source text) -> our key in gui.json.
QT_GAPS = {
    ("QAbstractFileIconProvider", "Folder"): "qt.folder",
    ("QAbstractFileIconProvider", "File"): "qt.file",
    ("QAbstractFileIconProvider", "Drive"): "qt.drive",
}


class GapTranslator(QTranslator):
    """Fills the gaps listed in QT_GAPS from our own catalogue (Russian only: English is
    Qt's source language)."""

    def translate(  # noqa: D102 - Qt API
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        key = QT_GAPS.get((context, source))
        return t(key) if key else ""

    def isEmpty(self) -> bool:  # noqa: N802 - Qt API
        return False


class FileDialogLabels(QObject):
    """Qt's own file dialog sets «Look in:» and «Files of type:» from untranslated
    defaults: name them as each dialog is shown (static getOpenFileName() included)."""

    LABELS = (
        (QFileDialog.DialogLabel.LookIn, "qt.look_in"),
        (QFileDialog.DialogLabel.FileType, "qt.files_of_type"),
    )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Show and isinstance(watched, QFileDialog):
            for label, key in self.LABELS:
                watched.setLabelText(label, t(key))
        return False


def t(key: str, /, **kwargs: object) -> str:
    return tr(key, DOMAIN, **kwargs)


def tm(key: str, /, **kwargs: object) -> str:
    return tr(key, MODELS_DOMAIN, **kwargs)


def install_qt_translations(language: str) -> bool:
    """Qt's texts in ``language`` (English: Qt's own source texts). False when no
    application runs yet or the wheel has no such translation (then Qt stays English)."""
    global _qt_translator, _gap_translator
    app = QCoreApplication.instance()
    if app is None:
        return False
    for old in (_qt_translator, _gap_translator):
        if old is not None:
            app.removeTranslator(old)
    _qt_translator = _gap_translator = None
    if language == "en":
        return True
    _gap_translator = GapTranslator(app)
    app.installTranslator(_gap_translator)  # installed first: asked after qtbase
    global _labels_filter
    if _labels_filter is None:
        _labels_filter = FileDialogLabels(app)
        app.installEventFilter(_labels_filter)
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder):
        return False
    app.installTranslator(translator)
    _qt_translator = translator
    return True
