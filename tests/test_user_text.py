"""Text typed by the user: terminal escapes stripped, and captions the poster font cannot
draw are said (and no longer said once they are fixed)."""

from __future__ import annotations

from PIL import Image

from inference.core.params import Candidate
from inference.core.settings import Settings
from inference.core.user_text import clean_user_text
from inference.runs.pipeline import Pipeline
from inference.runs.result import Result


def test_terminal_escapes_and_control_characters_are_removed():
    raw = "\x1b[1;31mКрасный\x1b[0m \x1b]0;title\x07текст\x00\x9b\x08\nвторая\tстрока"
    assert clean_user_text(raw) == "Красный текст\nвторая\tстрока"
    assert clean_user_text("Обычный текст, ёжик — «кавычки»!") == "Обычный текст, ёжик — «кавычки»!"


def test_an_undrawable_caption_is_warned_about_until_it_is_fixed():
    pipeline = Pipeline(Settings())
    result = Result(prompt="Заходит как-то", candidates=[Candidate(" в бар")])
    result.picture = Image.new("RGB", (64, 48), (90, 120, 200))
    result.add_warning("другое предупреждение")
    pipeline.compose(result, title="שלום עולם", subtitle="مرحبا и по-русски")
    assert len(result.caption_warnings) == 2
    assert "пустая" in result.caption_warnings[0]  # nothing of the Hebrew title is drawn
    assert "пропущены" in result.caption_warnings[1] and "م" in result.caption_warnings[1]
    assert all(w in result.warnings for w in result.caption_warnings)
    pipeline.compose(result, title="Заходит как-то", subtitle="в бар")
    assert result.caption_warnings == []
    assert result.warnings == ["другое предупреждение"]
