"""The candidates list shows each score on a 0–100 scale where the ranker says how, marks
what the gate or the filter set aside and says why in the tooltip (Russian and English)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.candidates_panel import SCORE_ROLE, CandidatesPanel
from inference.core import i18n
from inference.core.params import Candidate


def test_scores_read_out_of_100_and_set_aside_endings_say_why(qtbot):
    panel = CandidatesPanel()
    qtbot.addWidget(panel)
    candidates = [
        Candidate("А мы не знали.", score=0.81, meta={"score_percent": 73.4}),
        Candidate("Без процентов.", score=0.2),
        Candidate(
            "Извините за путаницу.",
            score=0.9,
            meta={"score_percent": 91.0, "filtered_reason": "not_a_joke"},
        ),
    ]
    panel.set_candidates(candidates, 0, "ranker")
    items = [panel.list.item(i) for i in range(panel.list.count())]
    assert [it.data(SCORE_ROLE) for it in items] == ["73/100", "+0.20", "✕ 91/100"]
    tips = [it.data(Qt.ItemDataRole.ToolTipRole) for it in items]
    assert "73 из 100" in tips[0] and "Отложено" not in tips[0]
    assert tips[1] == "Без процентов."
    assert "не похоже на концовку шутки" in tips[2]
    i18n.set_language("en")
    try:
        panel.set_candidates(candidates, 0, "ranker")
        tip = panel.list.item(2).data(Qt.ItemDataRole.ToolTipRole)
        assert "Set aside: does not look like a joke ending" in tip
    finally:
        i18n.set_language("ru")
