"""«Ещё 4 картинки»: four pictures for the same joke, each with its own seed, drawn one
after another (each a «Другая картинка» job) into a strip under the poster; clicking one
puts it on the poster with its seed, so «Повторить · зерно N» repeats it."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

from desktop_app.i18n import t
from desktop_app.images import pil_to_qimage
from inference.runs.result import Result

VARIANTS = 4
THUMB = QSize(72, 72)


@dataclass
class Variant:
    picture: Image.Image
    seed: int | None


class VariantStrip(QListWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pictureVariants")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(THUMB)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFixedHeight(THUMB.height() + 22)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.hide()


class WindowVariantsMixin:
    """Mixed into MainWindow (``service``, ``result``, ``editor``, ``variants_strip`` …)."""

    def _init_variants(self) -> None:
        self._variants: list[Variant] = []
        self._variants_left = 0
        self._variants_for: Result | None = None
        self.variants_strip.currentRowChanged.connect(self.pick_variant)
        self.editor.more_pictures_requested.connect(self.more_pictures)

    def more_pictures(self) -> None:
        result = self.result
        if result is None or self.service.busy or result.picture is None:
            return
        self.variants_strip.blockSignals(True)
        self.variants_strip.clear()
        self.variants_strip.blockSignals(False)
        self._variants, self._variants_left, self._variants_for = [], VARIANTS, result
        self.variants_strip.setToolTip(t("variants.tip"))
        self.redraw_picture(keep_variants=True)

    def variants_running(self) -> bool:
        return self._variants_left > 0

    def _variant_drawn(self, result: Result) -> bool:
        """A finished redraw while collecting variants: keep it, start the next. True when
        the window should not treat it as a finished picture of its own (not the last)."""
        if not self._variants_left or result is not self._variants_for:
            return False
        self._variants_left -= 1
        self._variants.append(Variant(result.picture.copy(), result.image_params.seed))
        thumb = result.picture.copy()
        thumb.thumbnail((THUMB.width() * 2, THUMB.height() * 2))
        item = QListWidgetItem(QIcon(QPixmap.fromImage(pil_to_qimage(thumb))), "")
        item.setToolTip(t("variants.item", seed=result.image_params.seed))
        self.variants_strip.blockSignals(True)
        self.variants_strip.addItem(item)
        self.variants_strip.setCurrentRow(self.variants_strip.count() - 1)
        self.variants_strip.blockSignals(False)
        self.variants_strip.show()
        if self._variants_left:
            self.service.redraw(result, describe=False, new_seed=True)
            return True
        return False  # the last one: stored and shown like any new picture

    def _variants_ended(self) -> None:
        self._variants_left = 0

    def pick_variant(self, row: int) -> None:
        result = self._variants_for
        if result is None or result is not self.result or self.service.busy:
            return
        if not 0 <= row < len(self._variants):
            return
        chosen = self._variants[row]
        result.picture, result.picture_source = chosen.picture, "model"
        result.image_params.seed = chosen.seed
        self._update_state()
        self._compose_now()

    def _forget_variants(self) -> None:
        """Another result on screen: its strip no longer applies."""
        if self.result is not self._variants_for:
            self._variants, self._variants_for, self._variants_left = [], None, 0
            self.variants_strip.clear()
            self.variants_strip.hide()
