"""All the endings with their ranker scores, best first; «Ещё варианты», «Другая картинка»."""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.i18n import t
from desktop_app.widgets import note, section, smooth_list
from inference.core.params import Candidate

SCORE_ROLE = Qt.ItemDataRole.UserRole + 1
_PAD, _BADGE_W = 8, 68


def format_score(score: float | None, decimals: int = 2) -> str:
    if score is None or not math.isfinite(score):
        return "—"
    return f"{score:+.{decimals}f}"


MAX_DECIMALS = 4  # what the score badge has room for


def format_scores(scores: list[float | None]) -> list[str]:
    """The list's badges: two decimals, more where two would hide what the ranking shows
    (a regressor whose scores all lie within ±0.005 must not read «-0.00» on every row)."""
    for decimals in range(2, MAX_DECIMALS + 1):
        texts = [format_score(score, decimals) for score in scores]
        shown = {text: score for text, score in zip(texts, scores, strict=True)}
        distinct = len(shown) == len(set(scores))
        no_false_zero = all(
            score is None or score == 0 or float(text) != 0
            for text, score in zip(texts, scores, strict=True)
            if text != "—"
        )
        if distinct and no_false_zero:
            break
    return texts


def readable_badge(candidate: Candidate, raw: str) -> str:
    """«73/100» where the ranker says how its scores compare with real jokes, a cross for
    an ending the gate or the filter turned away, else the raw score."""
    percent = candidate.meta.get("score_percent")
    mark = "✕ " if candidate.meta.get("filtered_reason") else ""
    return f"{mark}{round(percent)}/100" if percent is not None else f"{mark}{raw}"


def candidate_tooltip(candidate: Candidate) -> str:
    """The ending, what the score means, and why it was set aside when it was."""
    from inference.core.i18n import tr

    lines = [candidate.text]
    percent = candidate.meta.get("score_percent")
    if percent is not None:
        lines.append(tr("score.percent", "ranking", percent=round(percent)))
    reason = candidate.meta.get("filtered_reason")
    if reason:
        lines.append(tr("score.filtered", "ranking", reason=tr(f"reason.{reason}", "ranking")))
    return "\n".join(lines)


class CandidateDelegate(QStyledItemDelegate):
    """Wrapped text on the left, the score in a small badge on the right."""

    def _text_rect(self, rect: QRect) -> QRect:
        return rect.adjusted(_PAD, _PAD - 2, -(_BADGE_W + 2 * _PAD), -(_PAD - 2))

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        width = max(option.rect.width(), 200)
        rect = self._text_rect(QRect(0, 0, width, 10_000))
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        flags = Qt.TextFlag.TextWordWrap
        height = QFontMetrics(option.font).boundingRect(rect, flags, text).height()
        return QSize(width, min(height, 6 * option.fontMetrics.height()) + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text, option.text = option.text, ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(option.palette.color(role))
        painter.drawText(
            self._text_rect(option.rect),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap,
            text,
        )
        badge = QRect(option.rect.right() - _BADGE_W - _PAD, option.rect.top(), _BADGE_W, 0)
        badge.setHeight(option.fontMetrics.height() + 6)
        badge.moveTop(option.rect.center().y() - badge.height() // 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(option.palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(badge, 8, 8)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(index.data(SCORE_ROLE) or ""))
        painter.restore()


class CandidatesPanel(QWidget):
    chosen = Signal(int)
    more_requested = Signal()
    redraw_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout, self.caption = section(self)
        self.ranking = QLabel(self)
        self.ranking.setObjectName("rankingNote")
        self.ranking.setWordWrap(True)
        self.list = smooth_list(QListWidget(self), "candidatesList")
        self.list.setItemDelegate(CandidateDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.currentRowChanged.connect(self._on_row)
        self.empty = note(self, "candidatesEmpty")
        self.more_button = QPushButton(self)
        self.more_button.setObjectName("moreButton")
        self.more_button.clicked.connect(self.more_requested)
        self.redraw_button = QPushButton(self)
        self.redraw_button.setObjectName("redrawButton")
        self.redraw_button.clicked.connect(self.redraw_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.more_button)
        buttons.addWidget(self.redraw_button)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.ranking)
        layout.addLayout(buttons)
        self._ranking_key = ""
        self.retranslate()
        self.set_candidates([], 0, "")

    def retranslate(self) -> None:
        self.caption.setText(t("candidates.caption"))
        self.more_button.setText(t("candidates.more"))
        self.more_button.setToolTip(t("candidates.more_tip"))
        self.redraw_button.setText(t("candidates.redraw"))
        self.redraw_button.setToolTip(t("candidates.redraw_tip"))
        self.ranking.setText(t(self._ranking_key) if self._ranking_key else "")
        self.empty.setText(t("candidates.empty"))

    def set_candidates(self, candidates: list[Candidate], chosen: int, ranking: str) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        badges = format_scores([candidate.score for candidate in candidates])
        for candidate, badge in zip(candidates, badges, strict=True):
            item = QListWidgetItem(candidate.text.strip() or "…")
            item.setData(SCORE_ROLE, readable_badge(candidate, badge))
            item.setToolTip(candidate_tooltip(candidate))
            self.list.addItem(item)
        if candidates:
            self.list.setCurrentRow(chosen)
        self.list.blockSignals(False)
        self._ranking_key = f"candidates.ranking.{ranking}" if ranking else ""
        self.ranking.setText(t(self._ranking_key) if ranking else "")
        self.ranking.setVisible(bool(ranking))
        self.list.setVisible(bool(candidates))
        self.empty.setVisible(not candidates)

    def show_written(self, texts: tuple[str, ...] | list[str]) -> None:
        """The endings as the generator writes them, token by token (before the filter and
        the ranker): plain rows with no score; ``set_candidates`` replaces them once ranked.
        Rows are updated in place, so the list does not flicker at every token."""
        self.list.blockSignals(True)
        while self.list.count() > len(texts):
            self.list.takeItem(self.list.count() - 1)
        for row, text in enumerate(texts):
            shown = text.strip() or "…"
            item = self.list.item(row)
            if item is None:
                item = QListWidgetItem(shown)
                item.setData(SCORE_ROLE, "…")
                self.list.addItem(item)
            elif item.text() != shown:
                item.setText(shown)
        self.list.blockSignals(False)
        self._ranking_key = ""
        self.ranking.setVisible(False)
        self.list.setVisible(bool(texts))
        self.empty.setVisible(not texts)

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.chosen.emit(row)
