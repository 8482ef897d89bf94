"""The main window: prompt, progress, candidates, poster, captions, history.

All model work runs on the pipeline thread (:class:`PipelineService`), composition on the
composer thread, file work on the io thread; this class only reacts to their queued
signals on the GUI thread, so the window stays responsive at every moment.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app import jobs, pyside_fixes, theme
from desktop_app.app_log import setup_logging
from desktop_app.application import app_icon, ensure_fonts
from desktop_app.candidates_panel import CandidatesPanel
from desktop_app.composer import Composer
from desktop_app.editor_panel import EditorPanel
from desktop_app.history_panel import HistoryPanel
from desktop_app.i18n import install_qt_translations, t
from desktop_app.images import pil_to_qimage
from desktop_app.message_bar import ERROR, WARNING, MessageBar
from desktop_app.picture_input import OwnPicture
from desktop_app.pipeline_service import PipelineService
from desktop_app.poster_view import PosterView
from desktop_app.progress_panel import DONE, FAILED, STOPPED, ProgressPanel
from desktop_app.prompt_panel import PromptPanel
from desktop_app.runner import BackgroundRunner
from desktop_app.widgets import card
from desktop_app.window_chrome import ColumnScroll, WindowChromeMixin, lite_warnings
from desktop_app.window_edits import WindowEditsMixin
from desktop_app.window_files import WindowFilesMixin
from desktop_app.window_history import WindowHistoryMixin
from desktop_app.window_models import WindowModelsMixin
from desktop_app.window_settings import WindowSettingsMixin
from desktop_app.window_variants import VariantStrip, WindowVariantsMixin
from inference.core.errors import DemotivatorError
from inference.core.i18n import set_language, tr
from inference.core.settings import Settings, load_settings
from inference.runs.history import History
from inference.runs.pipeline import MakeRequest, validate_prompt
from inference.runs.result import Result

COMPOSE_DEBOUNCE_MS = 25  # coalesces a burst of keystrokes; composing itself is ~10 ms


class MainWindow(
    WindowChromeMixin,
    WindowEditsMixin,
    WindowHistoryMixin,
    WindowVariantsMixin,
    WindowFilesMixin,
    WindowSettingsMixin,
    WindowModelsMixin,
    QMainWindow,
):
    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        pyside_fixes.apply()
        super().__init__(parent)
        self.setObjectName("mainWindow")
        ensure_fonts()
        self.log_file = setup_logging()
        warnings: list[str] = []
        if settings is None:
            settings, warnings = load_settings()
        self.settings = settings
        set_language(settings.language)
        install_qt_translations(settings.language)  # Qt's file dialogs, text menus
        theme.apply(settings.theme)  # before the widgets: each is polished once
        self.history = History()
        self.result: Result | None = None
        self.entry_id: str | None = None  # the history entry showing ``result``
        self.own_picture: OwnPicture | None = None
        self._scene_joke = ""  # the joke the current visual prompt describes
        self._closed = False
        self.threads_stopped = False
        self._status_loading = False  # the status bar shows a model-loading message
        self._pictures_loading = 0  # own pictures being read on the io thread
        self._run_after_picture = False  # «Создать!» came while one was being read
        self._prompt_error = False  # the bar shows the prompt's own error
        self._build()
        # Threads start last: a widget error above must not leave them running.
        self.service = PipelineService(settings, self)
        self.composer = Composer(self)
        self.io = BackgroundRunner("io", self)
        self._init_models()
        self._connect()
        self._init_history()
        self._init_variants()
        self._init_chrome()
        self.retranslate()
        self._update_state()
        if warnings:
            self.messages.show_message(WARNING, "\n".join(warnings))
        self.refresh_history()
        # once the window is up: load the models while the user types (lever 6, issue 18)
        QTimer.singleShot(0, self, self.service.warm_up)

    # --- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        # No fixed size: window_state fits it to the screen (or restores the last one);
        # the layouts' own minimum keeps every button's text whole, in either language.
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())
        self.logo = QLabel(self)
        self.logo.setPixmap(app_icon().pixmap(32, 32))
        self.app_title = QLabel(self)
        self.app_title.setObjectName("appTitle")
        self.app_subtitle = QLabel(self)
        self.app_subtitle.setObjectName("appSubtitle")
        self.settings_button = QPushButton(self)
        self.settings_button.setObjectName("settingsButton")
        self.models_button = QPushButton(self)
        self.models_button.setObjectName("modelsButton")
        header = self.header_layout = QHBoxLayout()
        header.addWidget(self.logo)
        header.addSpacing(4)
        header.addWidget(self.app_title)
        header.addSpacing(12)
        self._build_chrome()
        header.addWidget(self.app_subtitle, 1, Qt.AlignmentFlag.AlignBottom)
        header.addWidget(self.lite_notice, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addStretch(0)
        header.addWidget(self.history_toggle)
        header.addWidget(self.models_button)
        header.addWidget(self.settings_button)
        self.messages = MessageBar(self)

        self.prompt = PromptPanel()
        self.progress = ProgressPanel()
        self.progress_title = QLabel()
        self.progress_title.setObjectName("sectionTitle")
        self.candidates = CandidatesPanel()
        # Three rows at least: on a short screen the column scrolls instead of squeezing it.
        self.candidates.list.setMinimumHeight(3 * self.fontMetrics().height() * 2 + 24)
        left = QWidget()
        left.setObjectName("leftColumn")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(10)
        left_layout.addWidget(card(self.prompt))
        left_layout.addWidget(card(self.progress_title, self.progress))
        left_layout.addWidget(card(self.candidates), 1)
        # On a short screen the left column scrolls instead of squeezing the endings list.
        self.left_scroll = ColumnScroll(left)
        self.left_scroll.setObjectName("leftScroll")

        self.poster = PosterView()
        self.poster.export_for_drag = self.export_for_drag
        self.editor = EditorPanel()
        center = QWidget()
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        center_layout.setSpacing(10)
        self.variants_strip = VariantStrip()
        center_layout.addWidget(card(self.poster, stretch=1, margins=0), 1)
        center_layout.addWidget(self.variants_strip)
        center_layout.addWidget(card(self.editor))

        self.history_panel = HistoryPanel()
        self.history_card = card(self.history_panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left_scroll)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.history_card)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([380, 640, 260])

        root = QWidget()
        root_layout = QVBoxLayout(root)
        root_layout.setContentsMargins(14, 10, 14, 6)
        root_layout.setSpacing(10)
        root_layout.addLayout(header)
        root_layout.addWidget(self.messages)
        root_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(root)

        self._compose_timer = QTimer(self)
        self._compose_timer.setSingleShot(True)
        self._compose_timer.setInterval(COMPOSE_DEBOUNCE_MS)
        self._compose_timer.timeout.connect(self._compose_now)

    def _connect(self) -> None:
        self.prompt.generate_requested.connect(self.generate)
        self.prompt.cancel_requested.connect(self.cancel)
        self.candidates.chosen.connect(self.choose_candidate)
        self.candidates.more_requested.connect(self.more_candidates)
        self.candidates.redraw_requested.connect(self.redraw_picture)
        self.editor.captions_edited.connect(self._captions_edited)
        self.editor.repeat_seed_requested.connect(self.repeat_with_seed)
        self.prompt.edit.textChanged.connect(self._prompt_changed)
        self.settings_button.clicked.connect(self.open_settings)
        self.messages.open_log_requested.connect(self.open_log)
        self._connect_files()
        s = self.service
        s.started.connect(self._on_started)
        s.progressed.connect(self._on_progress)
        s.partial.connect(self._on_partial)
        s.finished.connect(self._on_finished)
        s.stopped.connect(self._on_stopped)
        s.failed.connect(self._on_failed)
        s.failed_after_stop.connect(self._on_failed_after_stop)
        self.composer.composed.connect(self._on_composed)
        self.composer.failed.connect(lambda _result, exc: self.show_error(exc))
        for keys, slot in (
            ("Ctrl+Return", self.generate),
            ("Ctrl+Enter", self.generate),
            ("Esc", self.cancel),
            ("Ctrl+,", self.open_settings),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)

    def retranslate(self) -> None:
        self.setWindowTitle(t("window.title"))
        self.app_title.setText(t("window.app_name"))
        self.app_subtitle.setText(t("window.tagline"))
        self.settings_button.setText(t("window.settings"))
        self.settings_button.setToolTip(t("window.settings_tip"))
        self.progress_title.setText(t("progress.caption"))
        for panel in (self.prompt, self.progress, self.candidates, self.editor):
            panel.retranslate()
        self.history_panel.retranslate()
        self.messages.retranslate()
        self._retranslate_chrome()
        self._retranslate_files()
        self._retranslate_models()
        self._update_hint()

    # --- state ---------------------------------------------------------------------------
    def _update_state(self) -> None:
        busy, result = self.service.busy, self.result
        has_candidates = bool(result and result.candidates)
        self.prompt.set_busy(busy)
        # Only a run disables the list: an empty one stays enabled, so an error or a stop
        # never leaves the window looking half-disabled.
        self.candidates.list.setEnabled(not busy)
        self.candidates.more_button.setEnabled(not busy and has_candidates)
        drawing = self.settings.models.picture_source != "own"
        self.candidates.redraw_button.setEnabled(not busy and has_candidates and drawing)
        # Captions can be edited before a picture exists (it is composed once drawn); a
        # history entry kept without its picture can only be viewed, saved and copied.
        editable = result is not None and (result.picture is not None or result.poster is None)
        self.editor.set_editable(not busy and editable)
        drawn = result is not None and result.picture_source == "model" and drawing
        self.editor.set_scene(
            result.visual_prompt if result else "",
            result.image_params.seed if drawn else None,
            not busy and drawn and result.picture is not None,
        )
        self.editor.set_poster_ready(self.poster.has_image())
        self.history_panel.set_busy(busy)  # browsable during a run; deleting waits

    def _update_hint(self) -> None:
        if self.service.busy:
            key = "poster.hint_working"
        elif self.result is not None and self.result.picture is None:
            key = "poster.hint_no_picture"
        else:
            key = "poster.hint_empty"
        self.poster.set_hint(t(key))

    def show_result(self, result: Result | None, image: QImage | None = None) -> None:
        """Make ``result`` the one on screen: candidates, captions, poster (``image``: the
        poster already converted, off the GUI thread)."""
        self.result = result
        if result is None:
            self.candidates.set_candidates([], 0, "")
            self.editor.set_captions("", "")
            self.poster.set_image(None)
        else:
            self.candidates.set_candidates(result.candidates, result.chosen_index, result.ranking)
            self.editor.set_captions(result.title, result.subtitle)
            if image is None and result.poster is not None:
                image = pil_to_qimage(result.poster)
            self.poster.set_image(image)
        self._forget_variants()
        self._update_hint()
        self._update_state()

    def show_error(self, exc: BaseException, after_stop: bool = False) -> None:
        if isinstance(exc, DemotivatorError):
            text = str(exc)
        else:
            text = t("error.unexpected", err=f"{type(exc).__name__}: {exc}")
        if after_stop:
            text = t("error.after_stop", err=text)
        self.messages.show_message(ERROR, text, offer_log=True)
        self.statusBar().showMessage(t("status.failed"), 8000)

    # --- running the pipeline ------------------------------------------------------------
    def generate(self) -> None:
        if self.service.busy:
            return
        if self._pictures_loading:
            # The picture just chosen is still being read: the run starts once it is in,
            # so it uses that picture instead of failing or drawing one.
            self._run_after_picture = True
            return
        try:
            prompt = validate_prompt(self.prompt.text())
        except DemotivatorError as exc:
            self.messages.show_message(ERROR, str(exc))
            self._prompt_error = True  # cleared as soon as the prompt is fixed
            self.prompt.edit.setFocus()
            return
        if self.settings.models.picture_source == "own" and self.own_picture is None:
            self.messages.show_message(ERROR, t("error.need_picture"))
            return
        self.messages.dismiss()
        picture = self.own_picture.source if self.own_picture else None
        self.service.run(MakeRequest(prompt=prompt, picture=picture))

    def more_candidates(self) -> None:
        if self.result is not None and not self.service.busy:
            self.messages.dismiss()
            self.service.more(self.result)  # the core keeps earlier endings and typed captions

    def redraw_picture(self, keep_variants: bool = False) -> None:
        if self.result is None or self.service.busy:
            return
        if not keep_variants:
            self._variants_ended()
        self.messages.dismiss()
        self.clear_own_picture()  # asking for a drawn picture ends the own one
        describe = not self.result.visual_prompt or self._scene_joke != self.result.joke
        if self._take_edited_scene():
            describe = False  # the user's words, not a new description
        self.service.redraw(self.result, describe)

    def repeat_with_seed(self) -> None:
        """«Повторить · зерно N»: the same seed, the scene as the field says it."""
        if self.result is None or self.service.busy or self.result.picture is None:
            return
        self.messages.dismiss()
        self._take_edited_scene()
        self.service.redraw(self.result, describe=False, new_seed=False)

    def _take_edited_scene(self) -> bool:
        scene = self.editor.scene()
        if not scene or scene == self.result.visual_prompt:
            return False
        self.result.visual_prompt = scene
        self._scene_joke = self.result.joke  # it describes this joke now
        return True

    def cancel(self) -> None:
        self._run_after_picture = False
        if self.service.busy:
            self.service.cancel()
            self.prompt.set_cancelling(True)
            self.statusBar().showMessage(t("status.cancelling"))

    def _on_started(self, kind: str, stages: tuple) -> None:
        self.progress.start(stages)
        self.statusBar().showMessage(t(f"status.started.{kind}"))
        self._update_hint()
        self._update_state()

    def _on_progress(self, event) -> None:
        if event.texts is not None:
            if self.service.kind == jobs.RUN:  # «Ещё варианты» keeps the earlier list
                self.candidates.show_written(event.texts)  # endings as their tokens arrive
            return
        if event.preview is not None:
            if self.service.busy and not self.poster.has_image():
                self.poster.set_preview(pil_to_qimage(event.preview))  # latents, ~64 px
            return
        self.progress.on_event(event)
        loading = event.total is None and bool(event.message)
        if loading:
            self.statusBar().showMessage(event.message)  # «загрузка модели…»
        elif self._status_loading:
            self.statusBar().showMessage(t(f"status.started.{self.service.kind}"))
        self._status_loading = loading

    def _on_partial(self, kind: str, result: Result) -> None:
        if kind == jobs.RUN:
            self.entry_id = None
            self.poster.set_image(None)
        self.show_result(result)

    def _on_finished(self, kind: str, result: Result, image: QImage | None) -> None:
        self.progress.finish(DONE)
        if kind == jobs.REDRAW and self._variant_drawn(result):
            self.show_result(result, image)  # the next variant is already on its way
            return
        if result.visual_prompt and kind != jobs.MORE:
            self._scene_joke = result.joke
        self.show_result(result, image)
        if kind == jobs.MORE and result.picture is not None:
            self._compose_now()  # the kept captions, not the new best ending's defaults
        seconds = sum(result.timings.values())
        self.statusBar().showMessage(t("status.done", seconds=f"{seconds:.1f}"), 10_000)
        # The lite-model lines are the header's one-line notice, not a bar after every run.
        skip = lite_warnings(result) | {tr("rank.by_likelihood")}
        notes = [w for w in result.warnings if w not in skip]
        if notes:
            self.messages.show_message(WARNING, "\n".join(notes))
        # One entry per picture: a run or «Другая картинка» adds one, «Ещё варианты»
        # (same poster, more endings) updates the entry on screen.
        self.store_in_history(new_entry=kind != jobs.MORE or self.entry_id is None)

    def _on_stopped(self, kind: str, partial: Result | None) -> None:
        self.progress.finish(STOPPED)
        self._variants_ended()
        self.poster.set_preview(None)
        if kind == jobs.RUN and partial is not None and partial.candidates:
            self.entry_id = None
            self.show_result(partial)
        else:
            self._update_hint()
            self._update_state()
        self.statusBar().showMessage(t("status.stopped"), 8000)

    def _on_failed(self, kind: str, exc: BaseException, partial: Result | None) -> None:
        self.progress.finish(FAILED)
        self._variants_ended()
        self.poster.set_preview(None)
        if kind == jobs.RUN and partial is not None and partial.candidates:
            self.entry_id = None
            self.show_result(partial)
        else:
            self._update_hint()
            self._update_state()
        self.show_error(exc)

    def _on_failed_after_stop(self, kind: str, exc: BaseException) -> None:
        # A run started since waits behind that load and reports its own outcome (the same
        # model fails it again, or new settings no longer use it): only an idle window,
        # which would otherwise never hear of the broken model, shows it.
        if not self.service.busy and not self._closed:
            self.show_error(exc, after_stop=True)

    # --- editing -------------------------------------------------------------------------
    def choose_candidate(self, index: int) -> None:
        """Another ending: captions follow it and the poster is re-composed (no model)."""
        result = self.result
        if result is None or self.service.busy or index == result.chosen_index:
            return
        self.service.pipeline.choose(result, index, compose=False)
        self.editor.set_captions(result.title, result.subtitle)
        self._compose_now()

    def _captions_edited(self) -> None:
        if self.result is None or self.service.busy:
            return
        self.result.title, self.result.subtitle = self.editor.captions()
        self._compose_timer.start()

    def _compose_now(self) -> None:
        self._compose_timer.stop()
        if self.result is not None:
            self.composer.request(self.result)

    def _on_composed(self, result: Result, poster, image) -> None:
        if result is not self.result or self._closed:
            return
        result.poster = poster
        self.poster.set_image(image)
        self._update_state()
        self.store_in_history(new_entry=self.entry_id is None, later=True)

    # --- closing -------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop every thread (a running job is cancelled first); safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._compose_timer.stop()
        self._history_timer.stop()
        self.flush_pending_delete()  # queued before the io thread stops
        stopped = [
            self.service.shutdown(),
            self.composer.stop(),
            self.io.stop(),
            self.models.shutdown(),  # a download stops; it resumes from its part next time
        ]
        # A model still loading cannot be interrupted; main() then exits without
        # destroying its thread (Qt aborts on destroying a running QThread).
        self.threads_stopped = all(stopped)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._closed:
            self.save_window_state()
        self.shutdown()
        super().closeEvent(event)
