"""Small input widgets for the settings dialog: a folder field and a seed field."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.widgets import restyle

SEED_MAX = 2**31 - 1  # QSpinBox holds a C int


class FolderField(QWidget):
    """A folder path with «Обзор…»; ``must_exist`` folders are checked as you type."""

    changed = Signal()

    def __init__(self, must_exist: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.must_exist = must_exist
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._validate)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._pick)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)
        self.retranslate()

    def retranslate(self) -> None:
        self.browse.setText(t("settings.browse"))

    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str) -> None:
        self.edit.setText(path)

    def error(self) -> str:
        """Why the value is not acceptable, or "" when it is (empty means the default)."""
        text = self.path()
        if not text:
            return ""
        path = Path(text).expanduser()
        if self.must_exist and not path.is_dir():
            return t("settings.error.no_folder", path=text)
        if not self.must_exist and path.exists() and not path.is_dir():
            return t("settings.error.not_folder", path=text)
        return ""

    def _validate(self) -> None:
        self.edit.setProperty("invalid", bool(self.error()))
        restyle(self.edit)
        self.edit.setToolTip(self.error())
        self.changed.emit()

    def _pick(self) -> None:
        start = self.path() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, t("settings.pick_folder"), start)
        if folder:
            self.set_path(folder)


class SeedField(QWidget):
    """«Фиксированное зерно» + its value; unchecked means a new random seed every run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.fixed = QCheckBox(self)
        self.value = QSpinBox(self)
        self.value.setRange(0, SEED_MAX)
        self.fixed.toggled.connect(self.value.setEnabled)
        layout.addWidget(self.fixed)
        layout.addWidget(self.value, 1)
        self.set_seed(None)
        self.retranslate()

    def retranslate(self) -> None:
        self.fixed.setText(t("settings.seed_fixed"))
        self.fixed.setToolTip(t("settings.seed_tip"))

    def seed(self) -> int | None:
        return self.value.value() if self.fixed.isChecked() else None

    def set_seed(self, seed: int | None) -> None:
        self.fixed.setChecked(seed is not None)
        self.value.setEnabled(seed is not None)
        self.value.setValue(min(seed or 0, SEED_MAX))
