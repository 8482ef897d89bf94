"""The settings dialog: backends and model folders per stage, text and picture parameters,
threads, output folder and language. Inputs are range-checked as you type; «Сбросить»
restores the defaults; the caller persists what ``settings()`` returns."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.llm_source import ModelLocationField, ServerFields
from desktop_app.settings_fields import FolderField, SeedField
from inference.core import registry
from inference.core.i18n import tr
from inference.core.registry import ROLES
from inference.core.settings import PICTURE_SOURCES, RANGES, Settings
from inference.models.model_manager import bundled_model_dir

LANGUAGES = (("ru", "Русский"), ("en", "English"))
THEMES = ("system", "light", "dark")


NUMBER_WIDTH = 170  # numbers need no full-width fields


def _spin(key: str, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setMaximumWidth(NUMBER_WIDTH)
    lo, hi = RANGES[key]
    box.setRange(int(lo), int(hi))
    box.setSingleStep(step)
    return box


def _dspin(key: str, step: float, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setMaximumWidth(NUMBER_WIDTH)
    lo, hi = RANGES[key]
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    return box


def _combo(values: tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    for value in values:
        box.addItem(value, value)
    return box


def _select(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    box.setCurrentIndex(max(index, 0))


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(560)
        self._base = copy.deepcopy(settings)  # keeps fields the dialog does not show
        self._shown: dict[str, Any] = {}  # the fields' values as load() left them
        self.tabs = QTabWidget(self)
        self.backend, self.folder = {}, {}
        self.labels: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}  # by key, for the tooltips
        models = self._page("models")
        for role in ROLES:
            self.backend[role] = _combo(registry.backend_names(role))
            self.backend[role].setObjectName(f"{role}Backend")
            # the generator may also be a .gguf file or a server URL (desktop_app/llm_source)
            location = ModelLocationField() if role == "generator" else FolderField()
            self.folder[role] = location
            self.folder[role].setObjectName(f"{role}Folder")
            self.folder[role].changed.connect(self._validate)
            if role == "illustrator":
                self.picture_source = _combo(PICTURE_SOURCES)
                self.picture_source.setObjectName("pictureSource")
                self.picture_source.currentIndexChanged.connect(self._update_enabled)
                self._row(models, "picture_source", self.picture_source)
            self._row(models, f"{role}_backend", self.backend[role])
            self._row(models, f"{role}_dir", self.folder[role])
            if role == "generator":
                self.server = ServerFields()
                models.addRow(self.server.label, self.server)
                self.folder[role].changed.connect(self._location_changed)
        self.models_dir = FolderField(must_exist=False)
        self.models_dir.changed.connect(self._validate)
        self._row(models, "models_dir", self.models_dir)

        text = self._page("text")
        self.n_candidates = self._row(text, "n_candidates", _spin("n_candidates"))
        self.temperature = self._row(text, "temperature", _dspin("generation.temperature", 0.05))
        self.top_p = self._row(text, "top_p", _dspin("generation.top_p", 0.05))
        self.max_tokens = self._row(text, "max_tokens", _spin("generation.max_new_tokens", 8))

        picture = self._page("picture")
        self.image_width = self._row(picture, "image_width", _spin("image.width", 64))
        self.image_height = self._row(picture, "image_height", _spin("image.height", 64))
        self.steps = self._row(picture, "steps", _spin("image.steps"))
        self.guidance = self._row(picture, "guidance", _dspin("image.guidance", 0.5, 1))
        self.seed = self._row(picture, "seed", SeedField())
        self.negative_prompt = self._row(picture, "negative_prompt", QLineEdit())

        general = self._page("general")
        self.threads = self._row(general, "threads", _spin("threads"))
        self.poster_width = self._row(general, "poster_width", _spin("poster_width", 64))
        self.output_dir = self._row(general, "output_dir", FolderField(must_exist=False))
        self.output_dir.changed.connect(self._validate)
        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self._row(general, "language", self.language)
        self.theme = _combo(THEMES)
        self.theme.setObjectName("themeCombo")
        self._row(general, "theme", self.theme)

        self.error = QLabel(self)
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        reset = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        reset.setObjectName("resetButton")
        reset.clicked.connect(self.reset)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.retranslate()
        self.load(settings)

    # --- building ------------------------------------------------------------------------
    def _page(self, name: str) -> QFormLayout:
        page = QWidget()
        page.setObjectName(f"page_{name}")
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.tabs.addTab(page, name)
        return form

    def _row(self, form: QFormLayout, key: str, widget: QWidget) -> QWidget:
        if not widget.objectName():  # tests find fields by name: n_candidates → nCandidates
            head, *rest = key.split("_")
            widget.setObjectName(head + "".join(part.title() for part in rest))
        label = QLabel()
        self.labels[key] = label
        self.fields[key] = widget
        form.addRow(label, widget)
        return widget

    def retranslate(self) -> None:
        self.setWindowTitle(t("settings.title"))
        for i, name in enumerate(("models", "text", "picture", "general")):
            self.tabs.setTabText(i, t(f"settings.tab.{name}"))
        for key, label in self.labels.items():
            label.setText(t(f"settings.field.{key}"))
            tip = t(f"settings.tip.{key}")  # jargon (top_p, guidance, seed…) explained
            if tip != f"settings.tip.{key}":
                label.setToolTip(tip)
                self.fields[key].setToolTip(tip)
        for i in range(self.theme.count()):
            self.theme.setItemText(i, t(f"settings.theme.{self.theme.itemData(i)}"))
        for role, box in self.backend.items():
            for i in range(box.count()):
                box.setItemText(i, tr(registry.backend(role, box.itemData(i)).label_key))
        for i in range(self.picture_source.count()):
            value = self.picture_source.itemData(i)
            self.picture_source.setItemText(i, t(f"settings.picture_source.{value}"))
        self.folder["generator"].edit.setPlaceholderText(t("settings.placeholder.bundled"))
        self._ranker_placeholder()
        self.folder["illustrator"].edit.setPlaceholderText(t("settings.placeholder.bundled"))
        self.negative_prompt.setPlaceholderText(t("settings.placeholder.negative_prompt"))
        self.models_dir.edit.setPlaceholderText(t("settings.placeholder.default_dir"))
        self.output_dir.edit.setPlaceholderText(t("settings.placeholder.default_dir"))
        self.threads.setSpecialValueText(t("settings.threads_auto"))
        for button, key in (
            (QDialogButtonBox.StandardButton.RestoreDefaults, "settings.reset"),
            (QDialogButtonBox.StandardButton.Ok, "settings.ok"),
            (QDialogButtonBox.StandardButton.Cancel, "settings.cancel"),
        ):  # Qt's own translations are not shipped: name the buttons ourselves
            self.buttons.button(button).setText(t(key))
        for field in (*self.folder.values(), self.models_dir, self.output_dir, self.seed):
            field.retranslate()
        self.server.retranslate()

    # --- values --------------------------------------------------------------------------
    def load(self, settings: Settings) -> None:
        m = settings.models
        for role in ROLES:
            _select(self.backend[role], getattr(m, f"{role}_backend"))
            self.folder[role].set_path(getattr(m, f"{role}_dir"))
        _select(self.picture_source, m.picture_source)
        self.server.set_model(m.generator_model)
        self.server.api_key.setText(m.generator_api_key)
        self._location_changed()
        self.models_dir.set_path(m.models_dir)
        g, i = settings.generation, settings.image
        self.n_candidates.setValue(settings.n_candidates)
        self.temperature.setValue(g.temperature)
        self.top_p.setValue(g.top_p)
        self.max_tokens.setValue(g.max_new_tokens)
        self.image_width.setValue(i.width)
        self.image_height.setValue(i.height)
        self.steps.setValue(i.steps)
        self.guidance.setValue(i.guidance)
        self.negative_prompt.setText(i.negative_prompt)
        self.seed.set_seed(g.seed if g.seed is not None else i.seed)
        self.threads.setValue(settings.threads)
        self.poster_width.setValue(settings.poster_width)
        self.output_dir.set_path(settings.output_dir)
        _select(self.language, settings.language)
        _select(self.theme, settings.theme)
        self._update_enabled()
        self._validate()
        self._shown = self._read()  # what «OK» compares against (see settings())

    def reset(self) -> None:
        self.load(Settings())
        self._shown = {}  # every field now holds a default the result must take

    def _read(self) -> dict[str, Any]:
        """Every setting the dialog shows, as dotted path → the value its field holds."""
        seed = self.seed.seed()
        values: dict[str, Any] = {}
        for role in ROLES:
            values[f"models.{role}_backend"] = self.backend[role].currentData()
            values[f"models.{role}_dir"] = self.folder[role].path()
        values |= {
            "models.picture_source": self.picture_source.currentData(),
            "models.generator_model": self.server.model_name(),
            "models.generator_api_key": self.server.api_key.text().strip(),
            "models.models_dir": self.models_dir.path(),
            "n_candidates": self.n_candidates.value(),
            "generation.temperature": round(self.temperature.value(), 2),
            "generation.top_p": round(self.top_p.value(), 2),
            "generation.max_new_tokens": self.max_tokens.value(),
            "image.width": self.image_width.value() // 8 * 8,  # latent models: multiples of 8
            "image.height": self.image_height.value() // 8 * 8,
            "image.steps": self.steps.value(),
            "image.guidance": round(self.guidance.value(), 1),
            "image.negative_prompt": " ".join(self.negative_prompt.text().split()),
            "generation.seed": seed,  # one field for both seeds
            "image.seed": seed,
            "threads": self.threads.value(),
            "poster_width": self.poster_width.value(),
            "output_dir": self.output_dir.path(),
            "language": self.language.currentData(),
            "theme": self.theme.currentData(),
        }
        return values

    def settings(self) -> Settings:
        """The settings with the user's changes. A field left as it was shown keeps the
        exact value it came from: a hand-written 0.875 or width 100, or two different
        seeds, survive «OK» although the fields round them or show only one."""
        s = copy.deepcopy(self._base)
        for path, value in self._read().items():
            if path in self._shown and self._shown[path] == value:
                continue
            *parents, name = path.split(".")
            target = s
            for parent in parents:
                target = getattr(target, parent)
            setattr(target, name, value)
        return s

    def errors(self) -> list[str]:
        fields = (*self.folder.values(), self.models_dir, self.output_dir)
        if self.picture_source.currentData() == "own":  # the picture model is not used
            fields = tuple(f for f in fields if f is not self.folder["illustrator"])
        return [f.error() for f in fields if f.error()]

    def _validate(self) -> None:
        errors = self.errors()
        self.error.setText("\n".join(errors))
        self.error.setVisible(bool(errors))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not errors)
        self._ranker_placeholder()
        # A message that went away gives its room back (the dialog only ever grew).
        QTimer.singleShot(0, self._shrink)

    def _location_changed(self) -> None:
        """A .gguf or a URL picks its backend; the server's fields show for a URL only."""
        location = self.folder["generator"].path()
        if location:
            current = self.backend["generator"].currentData()
            _select(self.backend["generator"], registry.backend_for_location(
                "generator", location, current))  # fmt: skip
        is_url = self.folder["generator"].kind() == registry.URL
        self.server.url = location if is_url else ""
        self.server.setVisible(is_url)
        self.server.label.setVisible(is_url)

    def _shrink(self) -> None:
        wanted = max(self.sizeHint().height(), self.minimumSizeHint().height())
        if self.height() > wanted:
            self.resize(self.width(), wanted)

    def _ranker_placeholder(self) -> None:
        """An empty ranker folder means the lite ranker while the lite generator writes,
        else ordering by likelihood: the placeholder says which one applies."""
        lite = not self.folder["generator"].path() and bundled_model_dir("ranker") is not None
        key = "settings.placeholder.lite_ranker" if lite else "settings.placeholder.no_ranker"
        self.folder["ranker"].edit.setPlaceholderText(t(key))

    def _update_enabled(self) -> None:
        drawing = self.picture_source.currentData() != "own"
        self.backend["illustrator"].setEnabled(drawing)
        self.folder["illustrator"].setEnabled(drawing)
        self._validate()

    def accept(self) -> None:
        if not self.errors():
            super().accept()
