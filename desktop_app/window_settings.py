"""The window's settings side: the dialog, persisting, live language switch."""

from __future__ import annotations

import logging

from desktop_app.i18n import install_qt_translations, t
from desktop_app.message_bar import ERROR
from desktop_app.settings_dialog import SettingsDialog
from inference.core.i18n import set_language
from inference.core.settings import Settings, save_settings

log = logging.getLogger(__name__)


class WindowSettingsMixin:
    """Mixed into MainWindow (which provides ``settings``, ``service`` and the widgets)."""

    def open_settings(self) -> SettingsDialog:
        """Window-modal but asynchronous: the event loop (and a running job) go on."""
        dialog = getattr(self, "_settings_dialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            return dialog
        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.settings()))
        # Forget it before it is deleted: a later open must not touch the deleted dialog.
        dialog.finished.connect(lambda: setattr(self, "_settings_dialog", None))
        dialog.finished.connect(dialog.deleteLater)
        # Back to the window: its shortcuts (Esc, Ctrl+S…) work at once, even where no
        # window manager hands the focus back (offscreen tests, bare X servers).
        dialog.finished.connect(self.activateWindow)
        self._settings_dialog = dialog
        dialog.open()
        return dialog

    def apply_settings(self, settings: Settings) -> None:
        """Persist, hand to the pipeline (models reload only where their spec changed),
        and retranslate the window when the language changed."""
        language_changed = settings.language != self.settings.language
        theme_changed = settings.theme != self.settings.theme
        try:
            save_settings(settings)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)
            self.messages.show_message(ERROR, t("error.settings_not_saved", err=exc), True)
        self.settings = settings
        self.service.configure(settings)
        if language_changed:
            set_language(settings.language)
            install_qt_translations(settings.language)
            self.retranslate()
            # A note or warning written in the old language goes (errors stay: they say
            # what failed); the lite-model notice is retranslated with the header.
            if self.messages.level in ("warning", "info"):
                self.messages.dismiss()
        if theme_changed:
            self.apply_theme()
        self._update_lite_notice()
        self._update_state()
        self.statusBar().showMessage(t("status.settings_saved"), 6000)
