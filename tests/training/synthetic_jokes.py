"""A small synthetic joke dataset whose ratings are a learnable function of the text.

Jokes are assembled from pieces written for these tests. A joke mentioning a cat (кот) gets
more votes, one mentioning Monday (понедельник) fewer, plus noise; each day also has its
own traffic level (votes drift over the "years"), which ``day_percentile`` should cancel.
Half the jokes are dialogues (last line a reply), half narratives. Written through the
scraper's own DB API, so ``train prepare`` reads it exactly as it reads a real scrape.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

from scraper.dataset import JokeRecord
from scraper.db import Transaction, connect, upsert_joke
from scraper.textnorm import text_hash

SUBJECTS = [
    "Мужик",
    "Программист",
    "Студент",
    "Бабушка",
    "Врач",
    "Таксист",
    "Начальник",
    "Сосед",
    "Учитель",
    "Рыбак",
]
ACTIONS = [
    "пришёл в магазин",
    "открыл ноутбук",
    "поймал золотую рыбку",
    "купил лотерейный билет",
    "сел в автобус",
    "пошёл в библиотеку",
    "вернулся домой поздно",
    "выключил будильник",
]
REPLIES = [
    "— А зачем вам почта, если есть я?",
    "— Так ведь знак висит!",
    "— Значит, ты ещё не запускал тесты.",
    "— Мне плевать, что вы думаете.",
    "— Это надолго.",
    "— Ну и зачем ты это сделал?",
]
ENDINGS = [
    "Через неделю всё повторилось.",
    "Зато выспался.",
    "Никто не поверил.",
    "Теперь у него две тундры.",
    "Надежда осталась.",
    "Тишина была сильнее.",
]
CAT = " вместе с котом"
MONDAY = " в понедельник"


def joke_text(subject: str, action: str, tail: str, cat: bool, monday: bool, dialogue: bool) -> str:
    first = f"{subject}{MONDAY if monday else ''} {action}{CAT if cat else ''}."
    if dialogue:
        return f"{first}\nЕго спрашивают, как дела.\n{tail}"
    return f"{first} Так прошёл весь день. {tail}"


def true_quality(text: str) -> float:
    """The hidden rule the ranker should discover."""
    return (1.0 if "кот" in text else 0.0) - (1.0 if "понедельник" in text else 0.0)


def synthetic_records(days: int = 30, per_day: int = 12, seed: int = 7) -> list[JokeRecord]:
    rng = random.Random(seed)
    combos = [
        (s, a, t, cat, mon, dlg)
        for s, a, (t, dlg) in itertools.product(
            SUBJECTS, ACTIONS, [(r, True) for r in REPLIES] + [(e, False) for e in ENDINGS]
        )
        for cat, mon in itertools.product((False, True), repeat=2)
    ]
    rng.shuffle(combos)
    start = date(2023, 1, 1)
    records = []
    for d in range(days):
        day = (start + timedelta(days=d)).isoformat()
        traffic = 1.0 + 2.0 * d / days + rng.uniform(-0.2, 0.2)  # the site grows over time
        for k in range(per_day):
            text = joke_text(*combos.pop())
            quality = true_quality(text) + rng.gauss(0.0, 0.35)
            down = rng.randint(5, 25)
            net = round(traffic * (60 + 40 * quality))
            up = max(0, net + down)
            records.append(
                JokeRecord(
                    id=f"anekdot.ru:{d * 100 + k}",
                    source="anekdot.ru",
                    text=text,
                    text_hash=text_hash(text),
                    date=day,
                    up=up,
                    down=down,
                    net=up - down,
                    total=up + down,
                )
            )
    return records


def write_db(path: Path, records: list[JokeRecord]) -> Path:
    conn = connect(path)
    try:
        with Transaction(conn):
            for rec in records:
                upsert_joke(conn, rec)
    finally:
        conn.close()
    return path
