"""Endings that are not joke endings at all, for the lite ranker's negatives and its gate.

What instruct models write instead of a punchline when they misread the task, made from
pieces so that no fixed sentence is learnt: the assistant talking about the request
(apologies, offers, "here is an example:", statements about itself, in Russian and in
English), labels and lead-ins that end in a colon, echoes of the beginning, and decoding
debris (chat-template tokens, markup, code, other scripts, repeated words). Every maker
takes the joke's own setup and another joke's real ending, so the same words appear in
positives and negatives: the model has to learn the form, not the vocabulary.
"""

from __future__ import annotations

import numpy as np

APOLOGY = (
    "Извините за путаницу.",
    "Извините за ошибку!",
    "Прошу прощения за недоразумение.",
    "Простите, я неправильно понял вопрос.",
    "Приношу извинения.",
    "Извините, я не совсем понял.",
)
OPENER = (
    "Конечно!",
    "Конечно, вот",
    "Хорошо,",
    "Отличный вопрос!",
    "Понял вас.",
    "Рад помочь!",
    "С удовольствием!",
    "Давайте попробуем.",
    "Вот",
    "Итак,",
    "Спасибо за вопрос.",
    "Ваш запрос понятен.",
    "Похоже,",
    "Кажется,",
    "Видимо,",
    "Хм,",
    "Ха-ха!",
    "Интересно!",
    "Забавно!",
    "Понятно.",
    "Ой,",
)
TALK = (
    "вот исправленная версия:",
    "вот пример:",
    "вот продолжение шутки:",
    "вот смешная концовка:",
    "вот вариант анекдота:",
    "похоже, вы хотели рассказать анекдот.",
    "кажется, вы начали шутку.",
    "я могу придумать концовку.",
    "я не могу продолжить эту историю.",
    "к сожалению, я не знаю этот анекдот.",
    "как языковая модель, я не умею шутить.",
    "я был создан, чтобы помогать людям.",
    "я — искусственный интеллект и не имею чувств.",
    "пожалуйста, уточните, что вы имеете в виду.",
    "если у вас есть ещё вопросы, спрашивайте!",
    "надеюсь, это поможет!",
    "это интересная ситуация.",
    "это классическое начало анекдота.",
    "давайте разберём эту фразу.",
    "вот перевод на русский язык:",
)
# the request talked about in its own words ({w}: a word of the beginning)
ABOUT = (
    "вы хотите пошутить про {w}.",
    "это шутка про {w}?",
    "вы имеете в виду {w}?",
    "давайте придумаем смешную концовку про {w}.",
    "я не совсем понимаю, что значит «{w}».",
    "продолжение истории про {w}:",
    "ваш анекдот про {w} очень смешной!",
    "смысл шутки в том, что {w} здесь ни при чём.",
    "юмор здесь в игре слов: {w}.",
    "эта история про {w} основана на стереотипе.",
)
QUESTIONS = (
    "Что вы имеете в виду?",
    "Можете уточнить задание?",
    "Какой стиль шутки вам нужен?",
    "Хотите ещё один вариант?",
    "Вам нужна короткая или длинная концовка?",
    "Продолжить?",
)
ENGLISH = (
    "Sure! Here's a joke:",
    "I'm sorry, but I can't continue this.",
    "As an AI language model, I don't have feelings.",
    "Here is the corrected version:",
    "It seems like you started a joke.",
    "Let me know if you need anything else!",
)
LABELS = (
    "Концовка:",
    "Ответ:",
    "Продолжение:",
    "Шутка:",
    "Анекдот:",
    "Пиши:",
    "По-русски:",
    "Без кавычек:",
    "Вот так:",
    "Пример:",
    "Итог:",
    "Перевод:",
    "Вариант 1:",
    "И тут он говорит:",
    "Ассистент:",
)
DEBRIS = (
    "<|im_end|>",
    "<|im_start|>assistant",
    "<|endoftext|>",
    "```",
    "```python",
    "###",
    "**",
    "[/INST]",
    "</s>",
    "<br>",
    "哈哈哈",
    "笑话",
    "1.",
    "2)",
    "—",
    "...",
    "#анекдот",
    "http://",
    "😂😂😂",
    "user",
    "assistant",
)


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def _quote(text: str, rng: np.random.Generator) -> str:
    left, right = _pick(rng, (("«", "»"), ('"', '"'), ("“", "”")))
    return f"{left}{text.strip()}{right}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def assistant_reply(setup: str, other: str, rng: np.random.Generator) -> str:
    """The chatbot answering the request instead of finishing the joke."""
    roll = rng.random()
    if roll < 0.1:
        return _pick(rng, ENGLISH) + ("" if rng.random() < 0.5 else " " + other)
    if roll < 0.2:
        return _pick(rng, QUESTIONS)
    head = _pick(rng, APOLOGY) if roll < 0.45 else _pick(rng, OPENER)
    talk = _pick(rng, TALK)
    if rng.random() < 0.4:
        words = [w.strip('.,!?…:;«»"—') for w in setup.split()]
        words = [w for w in words if len(w) > 3] or ["это"]
        talk = _pick(rng, ABOUT).format(w=_pick(rng, tuple(words)).lower())
    text = f"{head} {talk if head.endswith(',') or head == 'Вот' else _cap(talk)}"
    if text.endswith(":") and rng.random() < 0.8:
        text += " " + _quote(other if rng.random() < 0.6 else setup, rng)
    elif rng.random() < 0.3:
        text += " " + _cap(_pick(rng, TALK))
    return text


def label_line(setup: str, other: str, rng: np.random.Generator) -> str:
    """A lead-in that stops at its colon, or a label followed by text that is no ending."""
    label = _pick(rng, LABELS)
    roll = rng.random()
    if roll < 0.5:
        return label
    if roll < 0.75:
        return f"{label} {_quote(setup, rng)}"
    words = other.split()
    return f"{' '.join(words[: max(1, len(words) // 2)])} {label}"


def echo(setup: str, other: str, rng: np.random.Generator) -> str:
    """The beginning said again: whole, with a dash, or its last words."""
    words = setup.split()
    roll = rng.random()
    if roll < 0.4 or len(words) < 3:
        return setup
    if roll < 0.6:
        return f"— {setup}"
    if roll < 0.8:
        cut = int(rng.integers(max(1, len(words) // 2), len(words)))
        return " ".join(words[-cut:])
    return f"{setup} {setup}"


def debris(setup: str, other: str, rng: np.random.Generator) -> str:
    """What decoding leaves when it goes wrong: template tokens, markup, code, other
    scripts, a word repeated, a fragment of the ending wrapped in junk."""
    roll = rng.random()
    junk = " ".join(_pick(rng, DEBRIS) for _ in range(int(rng.integers(1, 4))))
    words = other.split() or ["да"]
    if roll < 0.3:
        return junk
    if roll < 0.5:
        word = _pick(rng, tuple(words))
        return " ".join([word] * int(rng.integers(3, 8)))
    if roll < 0.75:
        return f"{junk} {' '.join(words[: int(rng.integers(1, len(words) + 1))])}"
    return f"{other} {junk}"


MAKERS = {"assistant": assistant_reply, "label": label_line, "echo": echo, "debris": debris}
