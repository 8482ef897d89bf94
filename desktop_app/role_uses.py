"""«Сейчас используются»: which model each role runs now (the settings, read through
:class:`~inference.models.model_manager.ModelManager` exactly as the pipeline reads them)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from desktop_app.i18n import tm
from inference.core.i18n import tr
from inference.core.registry import BUNDLED, ROLES
from inference.models.model_manager import ModelSpec


class RoleUsePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roleUses")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        caption = QLabel(tm("uses.caption"), self)
        caption.setObjectName("sectionTitle")
        grid.addWidget(caption, 0, 0, 1, 2)
        self.values: dict[str, QLabel] = {}
        for i, role in enumerate(ROLES, start=1):
            name = QLabel(tm(f"role.{role}"), self)
            name.setObjectName("roleName")
            value = QLabel(self)
            value.setObjectName(f"uses_{role}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, i, 0)
            grid.addWidget(value, i, 1)
            self.values[role] = value
        grid.setColumnStretch(1, 1)

    def show_role(self, role: str, spec: ModelSpec | None, title: str = "") -> None:
        """``title``: the name of the dialog's row that ``spec`` points at, if any."""
        label = self.values[role]
        label.setToolTip(str(spec.path) if spec else "")
        label.setProperty("lite", spec is None or spec.bundled)
        if spec is None:
            label.setText(tm(f"uses.none.{role}"))
        elif spec.traits.source == BUNDLED:  # no backend to name: the app's own drawing
            label.setText(tm(f"uses.{spec.backend}_{role}"))
        elif spec.bundled:
            label.setText(tm("uses.bundled", backend=tr(spec.traits.label_key)))
        else:
            name = title or spec.path.name
            label.setText(tm("uses.model", name=name, backend=tr(spec.traits.label_key)))
