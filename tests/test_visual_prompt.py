"""Visual prompt rules (pure functions); the model-driven path is in test_generator.py."""

from __future__ import annotations

import pytest

from inference.text.visual_prompt import (
    MAX_WORDS,
    SCENE_SYSTEM_PROMPT,
    build_scene_messages,
    clean_scene,
    fallback_from_joke,
    scene_or_fallback,
    truncate_words,
)

JOKE = "Приходит мужик в бар.\n— Налейте!\n— «Не наливаем»."


def test_scene_messages_ask_for_english_without_lettering() -> None:
    messages = build_scene_messages(JOKE)
    assert messages[0] == {"role": "system", "content": SCENE_SYSTEM_PROMPT}
    assert "English" in SCENE_SYSTEM_PROMPT and "text" in SCENE_SYSTEM_PROMPT
    assert JOKE in messages[1]["content"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "A man at a bar counter, dim light.<|im_end|>\nmore",
            "A man at a bar counter, dim light.",
        ),
        ('Description: "A bear pouring beer in a pub"', "A bear pouring beer in a pub"),
        ("assistant\nScene: a cat on a windowsill\n\nThis image shows", "a cat on a windowsill"),
        ("  An   old\nfisherman   at dawn ", "An old fisherman at dawn"),
    ],
)
def test_clean_scene(raw: str, expected: str) -> None:
    assert clean_scene(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "<|im_end|>",
        "Мужик стоит у барной стойки, тусклый свет.",  # not English: useless to CLIP
        "Cat.",  # too short to be a scene
        "ывфа ghj ывап ывап",
    ],
)
def test_unusable_answers_are_rejected(raw: str) -> None:
    assert clean_scene(raw) == ""
    assert scene_or_fallback(raw, JOKE) == fallback_from_joke(JOKE)


def test_long_descriptions_fit_clip() -> None:
    long = " ".join(f"word{i}" for i in range(100))
    assert len(clean_scene(long).split()) == MAX_WORDS
    sentences = "A cat sits on a roof at night under the stars. " * 6
    cut = truncate_words(sentences)
    assert len(cut.split()) <= MAX_WORDS and cut.endswith("stars.")


def test_fallback_is_the_cleaned_truncated_joke() -> None:
    assert fallback_from_joke(JOKE) == "Приходит мужик в бар. Налейте! Не наливаем."
    assert fallback_from_joke("<|im_start|>assistant\n«Кот»<|im_end|>") == "Кот"
    long_joke = " ".join(["слово"] * 200)
    assert len(fallback_from_joke(long_joke).split()) == MAX_WORDS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "This picture depicts a man at a bar counter with a bear bartender, dim light.",
            "A man at a bar counter with a bear bartender, dim light.",
        ),
        ("An image of a cat on a roof at night.", "A cat on a roof at night."),
        ("The image shows: two crocodiles on a river bank.", "Two crocodiles on a river bank."),
        ("In this cartoon, a programmer sits at a bar.", "A programmer sits at a bar."),
        # a description that merely mentions a picture keeps its words
        ("A painter hangs a picture of a cat.", "A painter hangs a picture of a cat."),
    ],
)
def test_openers_that_waste_clip_tokens_are_removed(raw: str, expected: str) -> None:
    assert clean_scene(raw) == expected
    assert "This picture shows" in SCENE_SYSTEM_PROMPT  # the model is told not to


def test_an_answer_cut_by_the_token_budget_ends_at_its_last_full_sentence() -> None:
    raw = "A programmer sits at a bar with a laptop. The bartender, a tired old"
    assert clean_scene(raw) == "A programmer sits at a bar with a laptop."
    assert clean_scene("A cat sits on a roof") == "A cat sits on a roof"  # no sentence at all


def test_scene_request_holds_the_whole_joke() -> None:
    joke = "Заходит как-то программист в бар. — Ну и баги у вас!"
    content = build_scene_messages(joke)[1]["content"]
    assert "Заходит как-то программист в бар" in content and "Ну и баги" in content
    assert "punchline" in SCENE_SYSTEM_PROMPT
