"""The first-run offer: only the bundled lite models are there, so the recommended real
ones are offered with their total size. «Установить» starts the downloads in the
background and converts them for ONNX Runtime (the fast path; «только PyTorch» skips the
conversion); «Не сейчас» is remembered; both are findable later in the «Модели» dialog."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import theme
from desktop_app.application import app_icon
from desktop_app.i18n import tm
from inference.core.human_units import format_bytes
from inference.models.catalog import Catalog, CatalogEntry


def offer_html(catalog: Catalog, entries: list[CatalogEntry]) -> str:
    muted, text2 = theme.color("muted"), theme.color("text2")  # readable in either theme
    items = []
    for entry in entries:
        name = html.escape(entry.repo.split("/", 1)[-1] or entry.id)
        role = html.escape(tm(f"role.{entry.role}"))
        size = html.escape(format_bytes(catalog.download_size(entry)))
        text = html.escape(entry.text())
        items.append(
            f"<p style='margin: 6px 0'><b>{name}</b> &nbsp;<span style='color:{muted}'>"
            f"{role} · {size}</span><br><span style='color:{text2}'>{text}</span></p>"
        )
    return "".join(items)


class FirstRunDialog(QDialog):
    """``accepted``: install ``entries``; ``rejected``: not now (remembered by the caller)."""

    def __init__(
        self, catalog: Catalog, entries: list[CatalogEntry], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.entries = entries
        self.total = sum(catalog.download_size(e) for e in entries)
        self.setWindowTitle(tm("first.window_title"))
        self.setMinimumWidth(560)
        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(56, 56))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(tm("first.title"), self)
        title.setObjectName("dialogTitle")
        title.setWordWrap(True)  # a narrow screen or a long translation: wrap, never cut
        intro = QLabel(tm("first.intro"), self)
        intro.setWordWrap(True)
        self.offer = QLabel(offer_html(catalog, entries), self)
        self.offer.setObjectName("firstRunOffer")
        self.offer.setTextFormat(Qt.TextFormat.RichText)
        self.offer.setWordWrap(True)
        size = format_bytes(self.total)
        self.total_label = QLabel(tm("first.total", size=html.escape(size)), self)
        self.total_label.setTextFormat(Qt.TextFormat.RichText)
        self.total_label.setObjectName("firstRunTotal")
        self.total_label.setWordWrap(True)
        self.torch_only_box = QCheckBox(tm("first.torch_only"), self)
        self.torch_only_box.setObjectName("firstRunTorchOnly")
        self.torch_only_box.setToolTip(tm("first.torch_only_tip"))
        later = QLabel(tm("first.later"), self)
        later.setObjectName("dialogIntro")
        later.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.install_button = QPushButton(tm("first.install", size=size), self)
        self.install_button.setObjectName("firstRunInstall")  # named before it is styled
        self.later_button = QPushButton(tm("first.not_now"), self)
        self.later_button.setObjectName("firstRunLater")
        self.buttons.addButton(self.install_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.install_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        text.setSpacing(8)
        for widget in (title, intro, self.offer, self.total_label, self.torch_only_box, later):
            text.addWidget(widget)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        body.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addLayout(body)
        layout.addSpacing(6)
        layout.addWidget(self.buttons)

    def torch_only(self) -> bool:
        """Download the PyTorch weights only, without the ONNX conversion."""
        return self.torch_only_box.isChecked()
