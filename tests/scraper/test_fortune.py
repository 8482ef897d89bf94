"""The fortune-format importer on small files written here."""

from __future__ import annotations

import os

import pytest

from inference.core.errors import InputError
from scraper.dataset import iter_jokes
from scraper.db import connect
from scraper.fortune import FortuneEntry, fortune_files, import_fortunes, parse_fortune

SAMPLE = (
    "Аппетит приходит... и уходит,\n"
    "а кушать хочется всегда.\n"
    "\t\t-- Евгений Кащеев\n"
    "%\n"
    "- Алло, это прачечная?\n"
    "- Министерство культуры.\n"
    "-- А почему так грязно?\n"
    "%\n"
    "Совет на брачную ночь:\n"
    "закрой глаза и думай об Англии.\n"
    "\t\t-- королева Виктория,\n"
    "\t\t   по воспоминаниям фрейлины\n"
    "%\n"
    "   \n"
    "%\n"
    "Без подписи, зато\u00a0с неразрывным пробелом.   \n"
    "%\n"
    "Лектор:\n"
    "    -- Вопросы есть?\n"
    "Вопросов не было.\n"
    "%\n"
    "Последняя запись без процента в конце\n"
    "        -- Аноним"
)


def test_entries_text_and_attribution():
    entries = parse_fortune(SAMPLE)
    assert entries == [
        FortuneEntry("Аппетит приходит... и уходит,\nа кушать хочется всегда.", "Евгений Кащеев"),
        # Unindented "--" is dialogue, not an attribution.
        FortuneEntry(
            "- Алло, это прачечная?\n- Министерство культуры.\n-- А почему так грязно?", None
        ),
        FortuneEntry(
            "Совет на брачную ночь:\nзакрой глаза и думай об Англии.",
            "королева Виктория, по воспоминаниям фрейлины",
        ),
        FortuneEntry("Без подписи, зато с неразрывным пробелом.", None),
        # An indented "--" line followed by plain text is part of the text.
        FortuneEntry("Лектор:\n-- Вопросы есть?\nВопросов не было.", None),
        FortuneEntry("Последняя запись без процента в конце", "Аноним"),
    ]


def test_crlf_files_parse_the_same():
    assert parse_fortune(SAMPLE.replace("\n", "\r\n")) == parse_fortune(SAMPLE)


@pytest.fixture
def fortune_dir(tmp_path):
    folder = tmp_path / "ru"
    folder.mkdir()
    (folder / "aphorisms").write_text(SAMPLE, encoding="utf-8")
    (folder / "aphorisms.dat").write_bytes(b"\x00\x00\x00\x02binary index")
    os.symlink("aphorisms", folder / "aphorisms.u8")
    # Same first entry again (other punctuation) in another file, plus a new one; cp1251.
    other = "АППЕТИТ ПРИХОДИТ и уходит а кушать хочется всегда!\n%\nТолько здесь.\n%\n"
    (folder / "food.u8").write_bytes(other.encode("cp1251"))
    return folder


def test_folder_import_categories_dedup_and_idempotence(fortune_dir, tmp_path):
    assert [p.name for p in fortune_files([fortune_dir])] == ["aphorisms", "food.u8"]
    db = tmp_path / "jokes.sqlite"
    conn = connect(db)
    stats = import_fortunes(conn, [fortune_dir])
    assert (stats.files, stats.entries, stats.new, stats.duplicates) == (2, 8, 7, 1)

    rows = {r.text: r for r in iter_jokes(db)}
    assert len(rows) == 7
    first = rows["Аппетит приходит... и уходит,\nа кушать хочется всегда."]
    assert (first.source, first.category, first.attribution) == (
        "fortune",
        "aphorisms",
        "Евгений Кащеев",
    )
    assert first.id.startswith("fortune:aphorisms:") and first.up is None and first.date is None
    assert rows["Только здесь."].category == "food"

    again = import_fortunes(conn, [fortune_dir / "aphorisms", fortune_dir / "food.u8"])
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)
    assert {r.id for r in iter_jokes(db)} == {r.id for r in rows.values()}
    conn.close()


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(InputError, match="nope"):
        fortune_files([tmp_path / "nope"])


def test_plain_dash_attribution_line_unless_the_entry_is_a_dialogue():
    text = (
        "Шутка в две строки,\nвторая строка.\n-- Козьма Прутков\n%\n"
        "- Ты кто?\n-- Конь в пальто.\n%\n"  # dialogue: stays text
        "Вопрос:\n-- Ответ будет?\n%\n"  # a reply, not a name
        "-- Одна строка\n"
    )
    assert parse_fortune(text) == [
        FortuneEntry("Шутка в две строки,\nвторая строка.", "Козьма Прутков"),
        FortuneEntry("- Ты кто?\n-- Конь в пальто.", None),
        FortuneEntry("Вопрос:\n-- Ответ будет?", None),
        FortuneEntry("-- Одна строка", None),
    ]
