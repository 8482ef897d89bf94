"""The candidate filter on hand-written strings: chatbot replies of any instruct model,
labels, echoes, unfinished, over-long and non-Russian endings; screening of candidates with
reasons kept; the fallback that never lets a hard fault through."""

from __future__ import annotations

import pytest

from inference.core.params import Candidate
from inference.text import joke_filter as jf

PROMPT = "Встречаются два кота"


@pytest.mark.parametrize(
    "text",
    [
        "Извините за путаницу.",
        "Извините за ошибку! Вот исправленная версия:",
        "Прошу прощения, я неверно понял задачу.",
        "Конечно! Вот пример смешной концовки: кот упал.",
        "Похоже, вы хотите анекдот про котов.",
        "Кажется, вы забыли закончить фразу.",
        "Вы имели в виду двух котов?",
        "К сожалению, я не могу продолжить эту шутку.",
        "Я не могу помогать вам с этим.",
        "Как языковая модель, я не шучу.",
        "Вот ваш анекдот.",
        "Эта шутка о том, что коты ленивые.",
        "Надеюсь, вам понравилось!",
        "Хорошо, вот вариант.",
        "Sure! Here is a joke.",
        "I'm sorry, but I can't help with that.",
        "It seems you want a joke.",
        "Here's the ending.",
        "Кот упал. Могу помочь ещё с одним вариантом.",
        "**Конечно!** Кот упал.",
        "Поговорим про котов!",
        "Вам интересно, что было дальше.",
        "вы ошиблись, коты не встречаются.",
        "Вот смешную конец.",
        "А вот и смешная концовка.",
        "помогаю вам.",
    ],
)
def test_assistant_talk_in_both_languages(text: str) -> None:
    assert jf.is_assistant_talk(text)
    assert jf.reject_reason(text, PROMPT) == jf.REASON_ASSISTANT


@pytest.mark.parametrize(
    "text",
    [
        "— Извините, а вы не кот?",  # a character speaking, not the model
        "А второй отвечает: «Мяу».",
        "И один другому говорит: — Ну ты и кот!",
        "Вот так и живём.",
        "Кот упал, а второй смеётся.",
        "— Вы кто такой? — спрашивает первый.",  # «вы» inside a dialogue line
        "Один другому: «Вам не холодно?»",
    ],
)
def test_jokes_that_merely_look_polite_are_kept(text: str) -> None:
    assert jf.reject_reason(text, PROMPT) is None, text


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("По-русски:", True),
        ("Без кавычек: «Один кот говорит другому: мяу.»", True),
        ("Пиши: кот сказал мяу.", True),
        ("Ответ: мяу.", True),
        ("Концовка 2: мяу.", True),
        ("Вариант шутки:", True),
        ("Врач: — Следующий!", False),
        ("Вовочка отвечает: «Нет».", False),
        ("Он сказал: «Мяу».", False),
        ("Первый спрашивает: «Ты кто?»", False),
    ],
)
def test_labels_and_lead_ins_but_not_speakers(text: str, label: bool) -> None:
    assert jf.is_label(text) is label


def test_echoes_of_the_beginning() -> None:
    assert jf.is_echo("Встречаются два кота и молчат.", PROMPT)  # contains it
    assert jf.is_echo("встречаются два кота", PROMPT)  # a copy
    assert jf.is_echo("Встречались два кота.", PROMPT)  # a near copy
    assert jf.is_echo("Студент приходит на экзамен.", "Приходит студент на экзамен")
    assert jf.is_echo("Кота встречают.", PROMPT)  # only the beginning's own words
    long_prompt = "Заходит как-то программист в бар и заказывает"
    assert jf.is_echo("Потом программист в бар и заказывает снова.", long_prompt)  # 4-word run
    assert not jf.is_echo("Один другому: «Мяу».", PROMPT)
    assert not jf.is_echo("А бар закрыт.", long_prompt)


def test_unfinished_over_long_and_non_russian() -> None:
    assert jf.is_unfinished("и тут один другому говорит")
    assert not jf.is_unfinished("Мяу!")
    assert not jf.is_unfinished("Он сказал: «Мяу.»")
    assert not jf.is_unfinished("— Где?\n— Там…")
    assert jf.is_over_long("Раз. Два. Три.")
    assert not jf.is_over_long("Раз. Два!")
    assert jf.is_non_russian("The cat said meow.")
    assert not jf.is_non_russian("Кот сказал по-английски: «meow».")
    assert jf.reject_reason("Кот сказал: «мяу», а потом", PROMPT) == jf.REASON_UNFINISHED
    assert jf.reject_reason("The two cats meet.", PROMPT) == jf.REASON_NON_RUSSIAN
    assert jf.reject_reason("после.", PROMPT) == jf.REASON_FRAGMENT
    assert jf.reject_reason("— Мяу.", PROMPT) is None and jf.reject_reason("Мяу!", PROMPT) is None
    assert jf.reject_reason("собеса.", PROMPT) == jf.REASON_FRAGMENT
    assert jf.reject_reason("разбежались.", PROMPT) is None  # a whole predicate


def test_made_up_words_are_counted_by_the_dictionary() -> None:
    assert jf.unknown_words("свойние за зубами.") == ["свойние"]
    assert jf.unknown_words("Штирлиц ушёл в лес, а Мюллер остался.") == []  # names inside
    assert jf.reject_reason("вобилия кота.", PROMPT) == jf.REASON_NON_WORDS


def test_thinking_blocks() -> None:
    assert jf.strip_thinking("<think>\nхм\n</think>\n\nМяу.") == "Мяу."
    assert jf.strip_thinking("<think>думаю и думаю") == ""
    assert jf.reject_reason("", PROMPT, raw="<think>думаю и думаю") == jf.REASON_THINKING


def test_judge_trims_to_two_sentences_first() -> None:
    verdict = jf.judge("Один упал. Второй смеётся. Это шутка о том, что коты ленивы.", PROMPT)
    assert verdict.trimmed and verdict.text == "Один упал. Второй смеётся."
    assert verdict.reason is None


def _cands(*texts: str, source: str = "generated") -> list[Candidate]:
    return [Candidate(text=t, meta={"source": source, "row": i}) for i, t in enumerate(texts)]


def test_screen_keeps_reasons_limits_and_marks_duplicates() -> None:
    cands = _cands(
        "Извините за путаницу.",
        "Один другому: «Мяу».",
        "один другому — мяу!",
        "Продолжение:",
        "А второй молчит.",
        "И оба ушли.",
    )
    kept, dropped = jf.screen(cands, PROMPT, limit=2)
    assert [c.text for c in kept] == ["Один другому: «Мяу».", "А второй молчит."]
    reasons = {c.text: c.meta["filtered_reason"] for c in dropped}
    assert reasons == {
        "Извините за путаницу.": jf.REASON_ASSISTANT,
        "один другому — мяу!": jf.REASON_DUPLICATE,
        "Продолжение:": jf.REASON_LABEL,
        "И оба ушли.": jf.REASON_SURPLUS,
    }


def test_collection_endings_skip_the_style_rules_and_the_limit() -> None:
    cands = _cands("Мяу.") + _cands("— он комментирует как может", source="collection")
    kept, dropped = jf.screen(cands, PROMPT, limit=1)
    assert [c.text for c in kept] == ["Мяу.", "— он комментирует как может"] and not dropped


def test_below_standard_never_lets_talk_labels_or_echoes_through() -> None:
    cands = _cands(
        "Извините за путаницу.", "По-русски:", "Встречаются два кота.", "и тут один другому"
    )
    kept, dropped = jf.screen(cands, PROMPT, limit=3)
    assert kept == []
    fallback = jf.below_standard(dropped, 3)
    assert [c.text for c in fallback] == ["и тут один другому"]
    assert fallback[0].meta["below_standard"] == jf.REASON_UNFINISHED
    assert jf.below_standard([c for c in dropped if c not in fallback], 3) == []


def test_rows_to_request_over_generates_a_little() -> None:
    assert jf.rows_to_request(1) == 3
    assert jf.rows_to_request(8) == 10
    assert jf.rows_to_request(20) == 25
