"""The window's frame around the work: sized to the screen and remembered, the theme, the
one-line lite-model notice, the history panel's show/hide toggle, Ctrl+Q, the drop
highlight, and owning its threads' lifetime (stopped on close, on the application's
``aboutToQuit`` and at interpreter exit, so an embedding script never aborts in Qt)."""

from __future__ import annotations

import atexit
import weakref

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import (
    QDragLeaveEvent,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop_app import theme, window_state
from desktop_app.i18n import t
from desktop_app.widgets import restyle
from inference.core.i18n import tr
from inference.core.settings import Settings
from inference.models.model_manager import bundled_model_dir
from inference.runs.result import Result


def uses_lite_models(settings: Settings) -> bool:
    """No real generator chosen (the bundled lite one writes the jokes) or, when pictures
    are drawn, no real illustrator (the emoji one draws)."""
    m = settings.models
    lite_text = not m.generator_dir and bundled_model_dir("generator") is not None
    return lite_text or (m.picture_source == "model" and not m.illustrator_dir)


def lite_warnings(result: Result) -> set[str]:
    """The core's per-run «lite model in use» lines (and the lite illustrator's own), which
    the header's notice says once instead."""
    lines = {tr("model.lite_in_use", role=tr(f"role.{m.role}")) for m in result.models if m.lite}
    return lines | {tr("illustrator.notice", "lite")}


class ColumnScroll(QScrollArea):
    """A column that scrolls vertically on short screens and is never narrower than its
    content plus the scroll bar (the bar must not cover the buttons' right edge)."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _width(self, content: QSize) -> int:
        bar = self.verticalScrollBar().sizeHint().width()
        return content.width() + bar + 2 * self.frameWidth() + 2

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._width(self.widget().minimumSizeHint()), 120)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = self.widget().sizeHint()
        return QSize(self._width(hint), hint.height())


def _shutdown_at_exit(ref: weakref.ref) -> None:
    window = ref()
    if window is not None:
        window.shutdown()


class LiteNotice(QFrame):
    """«Work with lite models … [Установить модели]»: one line in the header, so showing or
    hiding it never moves the rest of the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liteNotice")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 2, 4, 2)
        layout.setSpacing(8)
        self.text = QLabel(self)
        self.text.setObjectName("liteNoticeText")
        self.button = QPushButton(self)
        self.button.setObjectName("liteInstallButton")
        layout.addWidget(self.text)
        layout.addWidget(self.button)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

    def retranslate(self) -> None:
        self.text.setText(t("lite.notice"))
        self.setToolTip(t("lite.notice_tip"))
        self.button.setText(t("lite.install"))
        self.button.setToolTip(t("lite.notice_tip"))


class WindowChromeMixin:
    """Mixed into MainWindow (which provides ``settings``, ``splitter``, ``history_card``,
    ``shutdown`` and the header widgets)."""

    def _build_chrome(self) -> None:
        self.lite_notice = LiteNotice(self)
        self.lite_notice.button.clicked.connect(lambda: self.offer_first_run(force=True))
        self.history_toggle = QToolButton(self)
        self.history_toggle.setObjectName("panelToggle")
        self.history_toggle.setCheckable(True)
        self.history_toggle.setChecked(True)
        self.history_toggle.toggled.connect(self.set_history_visible)

    def _init_chrome(self) -> None:
        """After the layout and the threads exist: geometry, shortcuts, lifetime."""
        state = window_state.load_state()
        self._fit_pending = not window_state.restore(self, self.splitter, state)
        if self._fit_pending:
            window_state.fit_to_screen(self)
            left = self.left_scroll.minimumSizeHint().width() + 8
            history = 250
            self.splitter.setSizes([left, max(200, self.width() - left - history), history])
        self.history_toggle.setChecked(state.get("history_visible", True) is not False)
        # Ctrl+Q everywhere (⌘Q on macOS): StandardKey.Quit is empty on Windows.
        QShortcut(QKeySequence("Ctrl+Q"), self, activated=self.close)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        atexit.register(_shutdown_at_exit, weakref.ref(self))
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):  # Qt 6.5+: the system switched light/dark
            # A bound method: the connection ends with the window (a lambda would keep it).
            hints.colorSchemeChanged.connect(self._follow_system_theme)
        self._update_lite_notice()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        # Polished by the style sheet, the layout knows its real minimum only now.
        if self._fit_pending:
            self._fit_pending = False
            self._fit_header(window_state.preferred_size(self).width())
            window_state.fit_to_screen(self)
        super().showEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        self._fit_header()
        super().resizeEvent(event)

    def _fit_header(self, width: int | None = None) -> None:
        """The app's name gives way first when the header has no room (it is in the title
        bar too): the buttons and the lite notice keep their whole text."""
        title = self.app_title
        title_width = title.sizeHint().width() + self.header_layout.spacing()
        others = self.header_layout.minimumSize().width() - (
            title_width if title.isVisible() else 0
        )
        margins = self.centralWidget().layout().contentsMargins()
        room = (width or self.width()) - margins.left() - margins.right()
        title.setVisible(room >= others + title_width)

    def _retranslate_chrome(self) -> None:
        self.lite_notice.retranslate()
        self.history_toggle.setText(t("history.toggle"))
        self.history_toggle.setToolTip(t("history.toggle_tip"))

    # --- theme -------------------------------------------------------------------------------
    def apply_theme(self) -> str:
        name = theme.apply(self.settings.theme)
        self.progress.restyle_rows()
        return name

    def _follow_system_theme(self, *_scheme: object) -> None:
        if self.settings.theme == "system" and not self._closed:
            self.apply_theme()

    # --- panels --------------------------------------------------------------------------
    def set_history_visible(self, visible: bool) -> None:
        self.history_card.setVisible(visible)
        if self.history_toggle.isChecked() != visible:
            self.history_toggle.setChecked(visible)

    def _update_lite_notice(self) -> None:
        lite = uses_lite_models(self.settings)
        self.lite_notice.setVisible(lite)
        self.app_subtitle.setVisible(not lite)

    def save_window_state(self) -> None:
        extra = {"history_visible": self.history_toggle.isChecked()}
        window_state.save_state(self, self.splitter, extra)

    # --- drag highlight --------------------------------------------------------------------
    def set_drop_highlight(self, on: bool) -> None:
        self.poster.set_drop_highlight(on)
        central = self.centralWidget()
        if central is not None:
            central.setProperty("dropTarget", on)
            restyle(central)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt API
        self.set_drop_highlight(False)
        super().dragLeaveEvent(event)
