"""Post-processing rules and prompt rendering, on hand-written strings (no model runs)."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from inference.text.chat import (
    SYSTEM_PROMPT_RU,
    build_generation_messages,
    render_generation_prompt,
    render_training_example,
)
from inference.text.postprocess import (
    clean_ending,
    find_end,
    normalise,
    repeats_prompt,
    select_candidates,
    similarity,
    strip_prompt_echo,
)

PROMPT = "Приходит мужик в бар"


def cut(raw: str, finished: bool = True) -> str:
    return raw[: find_end(raw, finished)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("а там никого.<|im_end|>\n<|im_start|>user\nещё", "а там никого."),
        ("а там никого.<|endoftext|>мусор", "а там никого."),
        ("первая шутка.\n\nВторая шутка совсем про другое.", "первая шутка."),
        ("ответ смешной.\n  \nещё", "ответ смешной."),
        ("ответ смешной.\nQ: Приходит мужик в аптеку", "ответ смешной."),
        ("ответ смешной.\nПользователь: а ещё?", "ответ смешной."),
        ("ответ смешной.\nuser\nа ещё?", "ответ смешной."),
        # dialogue lines are part of a joke, not a new turn
        ("— Где?\n— Там!", "— Где?\n— Там!"),
        # leading blank lines are not the end of the joke
        ("\n\nа бармен молчит.", "\n\nа бармен молчит."),
    ],
)
def test_find_end_cuts_at_the_end_of_the_joke(raw: str, expected: str) -> None:
    assert cut(raw) == expected


def test_unfinished_text_is_cut_back_to_the_last_sentence() -> None:
    raw = "Бармен говорит: «Мы не обслуживаем». Мужик отвечает: а я и не"
    assert cut(raw, finished=False) == "Бармен говорит: «Мы не обслуживаем»."
    # finished texts are kept whole; an unfinished one without any sentence end too
    assert cut(raw, finished=True) == raw
    assert cut("и тут он понял что", finished=False) == "и тут он понял что"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("assistant\nА бармен ему: «Нальём!»", "А бармен ему: «Нальём!»"),
        ("Ответ: «А там никого»", "А там никого"),
        ('"Все ушли на фронт."', "Все ушли на фронт."),
        ("A: <|im_start|>а  там\t никого<|im_end|>", "а там никого"),
        ("«Стой», — сказал он. «Иди»", "«Стой», — сказал он. «Иди»"),
        ("— Где?  \n\n — Там!\r", "— Где?\n— Там!"),
        ("текст\x07 с мусором \ufffd", "текст с мусором"),
    ],
)
def test_clean_ending_strips_chat_debris(raw: str, expected: str) -> None:
    assert clean_ending(raw) == expected


def test_normalise_and_similarity() -> None:
    assert normalise("  Ёлки-палки, ЁЖ!! ") == "елки палки еж"
    assert similarity("А бармен молчит.", "а бармен — молчит!") == 1.0
    assert similarity("А бармен молчит.", "Корова улетела на Луну") < 0.5


def test_strip_prompt_echo() -> None:
    assert strip_prompt_echo("Приходит  мужик в бар, а бармен — медведь.", PROMPT) == (
        "а бармен — медведь."
    )
    assert strip_prompt_echo("приходит мужик в бар", PROMPT) == ""
    assert strip_prompt_echo("А бармен — медведь.", PROMPT) == "А бармен — медведь."


def test_repeats_prompt() -> None:
    assert repeats_prompt("мужик в бар", PROMPT)
    assert repeats_prompt("Приходит мужик в бары", PROMPT)
    assert repeats_prompt("...", PROMPT)
    assert not repeats_prompt("а бармен — медведь", PROMPT)


def test_select_candidates_drops_empty_duplicates_and_echoes() -> None:
    endings = [
        "А бармен — медведь.",  # 0 kept
        "",  # empty
        "а бармен — медведь!",  # exact duplicate after normalisation
        "А бармен - медведь..",  # duplicate again
        "А бармен — медведъ.",  # near duplicate (one letter)
        "Приходит мужик в бар",  # repeats the prompt
        "?!…",  # no content
        "И заказывает молоко.",  # 7 kept
        "И заказывает кефир, потому что молоко кончилось.",  # 8 kept: overlaps but differs
    ]
    assert select_candidates(endings, PROMPT) == [0, 7, 8]
    assert select_candidates([], PROMPT) == []


@pytest.fixture(scope="module")
def chat_tokenizer(tiny_generator_dir):
    return AutoTokenizer.from_pretrained(tiny_generator_dir)


@pytest.fixture(scope="module")
def plain_tokenizer(tiny_generator_plain_dir):
    return AutoTokenizer.from_pretrained(tiny_generator_plain_dir)


def test_generation_messages_with_few_shot() -> None:
    messages = build_generation_messages(" Начало ", [("Сетап", "Панчлайн")])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"] == SYSTEM_PROMPT_RU
    assert messages[-1]["content"] == "Начало"


def test_render_generation_prompt_uses_the_chat_template(chat_tokenizer) -> None:
    text = render_generation_prompt(chat_tokenizer, PROMPT)
    assert text.startswith("<|im_start|>system\n" + SYSTEM_PROMPT_RU)
    assert text.endswith(f"<|im_start|>user\n{PROMPT}<|im_end|>\n<|im_start|>assistant\n")


def test_render_generation_prompt_plain_continuation(plain_tokenizer) -> None:
    assert render_generation_prompt(plain_tokenizer, PROMPT + "  ") == PROMPT
    text = render_generation_prompt(plain_tokenizer, PROMPT, [("Сетап", "— Панч")])
    assert text == f"Сетап\n— Панч\n\n{PROMPT}"


def test_training_example_matches_the_generation_prompt(chat_tokenizer, plain_tokenizer) -> None:
    prompt, completion = render_training_example(chat_tokenizer, PROMPT, " а там медведь ")
    assert prompt == render_generation_prompt(chat_tokenizer, PROMPT)
    assert completion == "а там медведь<|im_end|>"
    prompt, completion = render_training_example(plain_tokenizer, PROMPT, "а там медведь")
    assert prompt == PROMPT
    assert completion == " а там медведь<|endoftext|>"
