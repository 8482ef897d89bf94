"""Poster captions, the user's own picture, and «Сохранить…» / «Копировать»."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.widgets import close_button


class EditorPanel(QWidget):
    captions_edited = Signal()
    repeat_seed_requested = Signal()  # draw again from the scene field with the same seed
    more_pictures_requested = Signal()  # «Ещё 4 картинки» to pick from
    pick_file_requested = Signal()
    paste_requested = Signal()
    clear_picture_requested = Signal()
    save_requested = Signal()
    copy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(10)
        self.title_label, self.subtitle_label = QLabel(self), QLabel(self)
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("titleEdit")
        self.subtitle_edit = QLineEdit(self)
        self.subtitle_edit.setObjectName("subtitleEdit")
        self._filling = False  # set_captions() is writing the fields, not the user
        for edit in (self.title_edit, self.subtitle_edit):
            edit.setClearButtonEnabled(True)
            # textChanged, not textEdited: a caption set from code (a test, an accessibility
            # tool, the clear button) re-composes the poster just like typing does.
            edit.textChanged.connect(self._text_changed)
        form.addRow(self.title_label, self.title_edit)
        form.addRow(self.subtitle_label, self.subtitle_edit)
        # The scene the model described for the picture: visible and editable; «Другая
        # картинка» and «Повторить» draw from what the field says.
        self.scene_label = QLabel(self)
        self.scene_edit = QLineEdit(self)
        self.scene_edit.setObjectName("sceneEdit")
        self.repeat_button = QPushButton(self)
        self.repeat_button.setObjectName("repeatSeedButton")
        self.repeat_button.clicked.connect(self.repeat_seed_requested)
        scene_row = QHBoxLayout()
        scene_row.addWidget(self.scene_edit, 1)
        scene_row.addWidget(self.repeat_button)
        self.more_pictures_button = QPushButton(self)
        self.more_pictures_button.setObjectName("morePicturesButton")
        self.more_pictures_button.clicked.connect(self.more_pictures_requested)
        scene_row.addWidget(self.more_pictures_button)
        form.addRow(self.scene_label, scene_row)
        self._seed: int | None = None

        self.picture_button = QToolButton(self)
        self.picture_button.setObjectName("pictureButton")
        self.picture_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.picture_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.picture_button.clicked.connect(self.pick_file_requested)
        self.picture_menu = QMenu(self.picture_button)
        self.file_action = self.picture_menu.addAction("", self.pick_file_requested.emit)
        self.paste_action = self.picture_menu.addAction("", self.paste_requested.emit)
        self.picture_button.setMenu(self.picture_menu)
        self.chip = QWidget(self)
        self.chip.setObjectName("pictureChip")
        chip_layout = QHBoxLayout(self.chip)
        chip_layout.setContentsMargins(6, 2, 2, 2)
        self.chip_thumb = QLabel(self.chip)
        self.chip_text = QLabel(self.chip)
        self.chip_clear = close_button(self.chip, "clearPictureButton")
        self.chip_clear.clicked.connect(self.clear_picture_requested)
        chip_layout.addWidget(self.chip_thumb)
        chip_layout.addWidget(self.chip_text)
        chip_layout.addWidget(self.chip_clear)
        self.chip.hide()

        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.save_requested)
        self.copy_button = QPushButton(self)
        self.copy_button.setObjectName("copyButton")
        self.copy_button.clicked.connect(self.copy_requested)
        row = QHBoxLayout()
        row.addWidget(self.picture_button)
        row.addWidget(self.chip)
        row.addStretch(1)
        row.addWidget(self.copy_button)
        row.addWidget(self.save_button)
        layout.addLayout(form)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.title_label.setText(t("editor.title"))
        self.subtitle_label.setText(t("editor.subtitle"))
        self.title_edit.setPlaceholderText(t("editor.title_placeholder"))
        self.subtitle_edit.setPlaceholderText(t("editor.subtitle_placeholder"))
        self.picture_button.setText(t("editor.own_picture"))
        self.picture_button.setToolTip(t("editor.own_picture_tip"))
        self.file_action.setText(t("editor.picture_file"))
        self.paste_action.setText(t("editor.picture_paste"))
        self.chip_clear.setToolTip(t("editor.picture_clear"))
        self.save_button.setText(t("editor.save"))
        self.save_button.setToolTip(t("editor.save_tip"))
        self.copy_button.setText(t("editor.copy"))
        self.copy_button.setToolTip(t("editor.copy_tip"))
        self.scene_label.setText(t("editor.scene"))
        self.scene_edit.setPlaceholderText(t("editor.scene_placeholder"))
        self.scene_edit.setToolTip(t("editor.scene_tip"))
        self.more_pictures_button.setText(t("editor.more_pictures"))
        self.more_pictures_button.setToolTip(t("editor.more_pictures_tip"))
        self.set_seed(self._seed)

    def _text_changed(self) -> None:
        # Read-only fields (a run going on, a history entry without its picture) ignore
        # changes made from code too: there is nothing to re-compose then.
        if not self._filling and not self.title_edit.isReadOnly():
            self.captions_edited.emit()

    def set_captions(self, title: str, subtitle: str) -> None:
        """Fill the fields without emitting ``captions_edited`` (that is for the user)."""
        self._filling = True
        try:
            if self.title_edit.text() != title:
                self.title_edit.setText(title)
            if self.subtitle_edit.text() != subtitle:
                self.subtitle_edit.setText(subtitle)
        finally:
            self._filling = False

    def captions(self) -> tuple[str, str]:
        return self.title_edit.text(), self.subtitle_edit.text()

    def set_editable(self, editable: bool) -> None:
        self.title_edit.setReadOnly(not editable)
        self.subtitle_edit.setReadOnly(not editable)

    def set_scene(self, scene: str, seed: int | None, drawable: bool) -> None:
        """The drawn picture's scene and seed; ``drawable``: a model can draw again now."""
        if self.scene_edit.text() != scene:
            self.scene_edit.setText(scene)
        self.set_seed(seed)
        self.scene_edit.setReadOnly(not drawable)
        self.repeat_button.setEnabled(drawable and seed is not None)
        self.more_pictures_button.setEnabled(drawable)

    def set_seed(self, seed: int | None) -> None:
        self._seed = seed
        shown = "—" if seed is None else str(seed)
        self.repeat_button.setText(t("editor.repeat_seed", seed=shown))
        self.repeat_button.setToolTip(t("editor.repeat_seed_tip", seed=shown))

    def scene(self) -> str:
        return " ".join(self.scene_edit.text().split())

    def set_poster_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.copy_button.setEnabled(ready)

    def show_picture_chip(self, preview: QImage | None, name: str) -> None:
        if preview is None:
            self.chip.hide()
            return
        thumb = preview.scaled(
            40, 28, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.chip_thumb.setPixmap(QPixmap.fromImage(thumb))
        self.chip_text.setText(name)
        self.chip.setToolTip(name)
        self.chip.show()
