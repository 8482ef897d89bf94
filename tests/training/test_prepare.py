"""train prepare: cleaning, setup/punchline splitting, targets, date split, files, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from scraper.dataset import JokeRecord
from scraper.textnorm import text_hash
from training.data_files import SPLITS, load_split
from training.date_split import SplitConfig, repost_groups
from training.prepare import PrepareConfig, build_dataset
from training.punchline import PairConfig, split_joke
from training.targets import approval, day_percentiles, fit_zscale, mid_rank_percentiles
from training.text_clean import TextFilter, clean_text, normalised_key, rejection_reason

DIALOGUE = (
    "Учитель спрашивает Вовочку, почему он опоздал.\n"
    "— Так ведь знак висит: «Школа, сбавьте скорость»!"
)
NARRATIVE = "Штирлиц долго смотрел в одну точку. Потом в другую. Двоеточие, догадался Штирлиц."
ONE_SENTENCE = (
    "Пессимист видит тёмный туннель, оптимист — свет в конце, машинист — двух идиотов на рельсах."
)


def rec(
    i: int,
    text: str,
    day: str | None,
    up: int | None = None,
    down: int | None = None,
    h: str | None = None,
) -> JokeRecord:
    net = None if up is None or down is None else up - down
    return JokeRecord(
        id=f"t:{i}",
        source="t",
        text=text,
        text_hash=h or text_hash(text),
        date=day,
        up=up,
        down=down,
        net=net,
    )


# --- cleaning ----------------------------------------------------------------------------
def test_clean_text_normalises_entities_spaces_and_dashes():
    raw = "&quot;Привет&quot;,&nbsp;&nbsp;мир!<br>- Ответ \u200b  тут\r\n\r\n\r\n\r\nКонец&amp;amp;"
    assert clean_text(raw) == '"Привет", мир!\n— Ответ тут\n\nКонец&'


def test_normalised_key_ignores_case_punctuation_and_yo():
    assert normalised_key("Ёжик шёл по лесу!") == normalised_key("ежик  шел, по лесу")
    assert normalised_key("Ёжик шёл по лесу") != normalised_key("Ёжик шёл по полю")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Коротко.", "too_short"),
        ("Подробности тут: https://example.com/joke смешно", "has_url"),
        ("1234567890 — 0987654321 — 11111", "not_text"),
        ("Суперкалифрагилистический", "too_few_words"),
        (NARRATIVE, None),
    ],
)
def test_rejection_reasons(text, reason):
    assert rejection_reason(text, TextFilter(min_chars=10)) == reason


# --- setup → punchline -----------------------------------------------------------------------
def test_dialogue_punchline_is_the_last_reply():
    cut = split_joke(DIALOGUE)
    assert (cut.kind, cut.setup) == ("dialogue", "Учитель спрашивает Вовочку, почему он опоздал.")
    assert cut.punchline == "— Так ведь знак висит: «Школа, сбавьте скорость»!"


def test_narrative_punchline_is_the_last_sentence():
    cut = split_joke(NARRATIVE)
    assert cut.kind == "sentence"
    assert cut.setup == "Штирлиц долго смотрел в одну точку. Потом в другую."
    assert cut.punchline == "Двоеточие, догадался Штирлиц."


def test_multiline_narrative_cuts_at_the_last_line():
    cut = split_joke("Мужик купил лотерейный билет\nи выиграл ещё один лотерейный билет")
    assert (cut.kind, cut.punchline) == ("sentence", "и выиграл ещё один лотерейный билет")


def test_one_sentence_joke_is_cut_after_the_turn():
    cut = split_joke(ONE_SENTENCE)
    assert cut.kind == "turn"
    assert cut.setup == "Пессимист видит тёмный туннель, оптимист — свет в конце, машинист —"
    assert cut.punchline == "двух идиотов на рельсах."


def test_jokes_that_cannot_be_split_are_left_out_with_a_reason():
    assert split_joke("Лучше поздно, чем в понедельник.").reason == "no_boundary"
    assert (
        split_joke("Кот. Сидит на окне и смотрит на птиц с видом философа.").reason
        == "setup_too_short"
    )
    assert not split_joke(NARRATIVE, PairConfig(methods=("dialogue",))).ok
    long_end = "Начало шутки тут. " + "Очень длинная концовка без конца " * 12 + "."
    assert split_joke(long_end, PairConfig(max_punchline_chars=100)).reason == "punchline_too_long"


# --- targets (hand-checked) ------------------------------------------------------------
def test_targets_on_a_hand_checked_example():
    # one day, nets 10, 20, 20, 30: mean 20, population std sqrt(50)
    records = [
        rec(1, "Первая шутка про кота и молоко.", "2024-05-01", 12, 2),
        rec(2, "Вторая шутка про соседа и дрель.", "2024-05-01", 25, 5),
        rec(3, "Третья шутка про врача и пациента.", "2024-05-01", 21, 1),
        rec(4, "Четвёртая шутка про студента и осмос.", "2024-05-01", 40, 10),
        rec(5, "Шутка без голосов из файла fortune.", None),
    ]
    cfg = PrepareConfig(
        split=SplitConfig(validation_fraction=0, test_fraction=0), approval_a=1, approval_b=1
    )
    jokes, _, report = build_dataset(records, cfg)
    got = {r["id"]: r["targets"] for r in jokes["train"]}
    s = math.sqrt(50)
    expected = {
        "t:1": (-10 / s, 13 / 16, 0.0),
        "t:2": (0.0, 26 / 32, 0.5),
        "t:3": (0.0, 22 / 24, 0.5),
        "t:4": (10 / s, 41 / 52, 1.0),
    }
    for joke_id, (z, a, p) in expected.items():
        assert got[joke_id]["zscore"] == pytest.approx(z)
        assert got[joke_id]["approval"] == pytest.approx(a)
        assert got[joke_id]["day_percentile"] == pytest.approx(p)
    assert got["t:5"] == {"zscore": None, "approval": None, "day_percentile": None}
    assert report["zscore_scale"] == pytest.approx({"mean": 20.0, "std": s})


def test_timestamps_become_days_and_votes_are_completed_from_net_and_total():
    # A hand-made file: timestamps instead of days, and only the site's rating (net) and
    # the number of votes (total) — no up/down columns.
    def row(i: int, stamp: str, net: int, total: int) -> JokeRecord:
        text = f"Шутка номер {i} про тёщу, блины и длинную очередь."
        return JokeRecord(
            id=f"t:{i}",
            source="t",
            text=text,
            text_hash=text_hash(text),
            date=stamp,
            net=net,
            total=total,
        )

    records = [
        row(1, "2024-05-01 09:15:00", 10, 30),  # up 20, down 10
        row(2, "2024-05-01T23:59:59", 30, 30),  # up 30, down 0 — same day as row 1
        row(3, "2024-05-02 00:00:01", 0, 4),  # up 2, down 2
    ]
    cfg = PrepareConfig(split=SplitConfig(validation_fraction=0, test_fraction=0))
    jokes, _, report = build_dataset(records, cfg)
    got = {r["id"]: r for r in jokes["train"]}
    assert [got[f"t:{i}"]["date"] for i in (1, 2, 3)] == ["2024-05-01", "2024-05-01", "2024-05-02"]
    assert report["splits"]["train"]["days"] == 2
    # within-day percentile compares rows 1 and 2 only; row 3 is alone on its day
    assert [got[f"t:{i}"]["targets"]["day_percentile"] for i in (1, 2, 3)] == [0.0, 1.0, 0.5]
    assert (got["t:1"]["up"], got["t:1"]["down"]) == (20, 10)
    assert got["t:1"]["targets"]["approval"] == pytest.approx(21 / 32)
    assert got["t:2"]["targets"]["approval"] == pytest.approx(31 / 32)
    assert got["t:3"]["targets"]["approval"] == pytest.approx(0.5)


def test_target_functions():
    assert approval(3, 0, a=1, b=1) == pytest.approx(0.8)  # 3/3 votes is not "perfect"
    assert approval(290, 10, a=1, b=1) > approval(3, 0, a=1, b=1)
    assert mid_rank_percentiles([5.0]) == [0.5]
    assert day_percentiles(["a", "b", "a", "b"], [1, 100, 2, 50]) == [0.0, 1.0, 1.0, 0.0]
    assert fit_zscale([3.0, 3.0]).std == 1.0


def test_zscore_scale_comes_from_the_training_split_only():
    records = [
        rec(i, f"Шутка номер {i} про кота и соседа.", f"2024-01-0{1 + i % 4}", 10 * i, 0)
        for i in range(1, 9)
    ]
    cfg = PrepareConfig(split=SplitConfig(validation_fraction=0, test_from="2024-01-04"))
    jokes, _, report = build_dataset(records, cfg)
    train_nets = [r["net"] for r in jokes["train"]]
    assert report["zscore_scale"]["mean"] == pytest.approx(sum(train_nets) / len(train_nets))
    assert {r["date"] for r in jokes["test"]} == {"2024-01-04"}


# --- date split and reposts -------------------------------------------------------------
def test_repost_groups_join_rows_sharing_any_key():
    assert repost_groups(
        [("h1", "k1"), ("h2", "k2"), ("h3", "k1"), ("h2", "k4"), ("h5", "k5")]
    ) == [0, 1, 0, 1, 4]


def test_reposts_stay_on_one_side_of_the_date_split():
    records = [
        rec(i, f"Уникальная шутка {i} про кота, соседа и дрель.", f"2024-02-{1 + i:02d}", 10 + i, 2)
        for i in range(20)
    ]
    repost = "Повтор: кот учёный ходит по цепи и всё время сбивается."
    records.append(rec(100, repost, "2024-02-01", 50, 1))
    records.append(
        rec(101, repost.upper(), "2024-02-20", 70, 1, h="other-hash")
    )  # same words, other hash
    cfg = PrepareConfig(
        keep_reposts=True, split=SplitConfig(validation_fraction=0.2, test_fraction=0.2)
    )
    jokes, _, report = build_dataset(records, cfg)
    where = {r["id"]: split for split in SPLITS for r in jokes[split]}
    assert where["t:100"] == where["t:101"] == "train"  # the group's earliest date decides
    assert report["test_from"] > report["validation_from"]
    _assert_no_overlap(jokes)

    merged, _, report = build_dataset(records, PrepareConfig(split=cfg.split))
    ids = {r["id"] for split in SPLITS for r in merged[split]}
    assert "t:100" in ids and "t:101" not in ids and report["counts"]["reposts_merged"] == 1


def _assert_no_overlap(jokes: dict[str, list]) -> None:
    for field in ("text_hash", "key"):
        seen: dict[str, str] = {}
        for split in SPLITS:
            for row in jokes[split]:
                assert seen.setdefault(row[field], split) == split, (field, row["id"])


def test_prepared_folder_from_the_scraper_db(prepared_data: Path):
    report = json.loads((prepared_data / "report.json").read_text(encoding="utf-8"))
    jokes = {s: load_split(prepared_data, s) for s in SPLITS}
    _assert_no_overlap(jokes)
    days = {s: {r["date"] for r in jokes[s]} for s in SPLITS}
    assert (
        max(days["train"]) < min(days["validation"]) <= max(days["validation"]) < min(days["test"])
    )
    assert min(days["test"]) == report["test_from"] and len(days["test"]) == 6
    assert report["counts"] == {"read": 360, "kept": 360, "reposts_merged": 0}
    assert sum(report["pairs"].values()) == 360 and report["pairs"]["dialogue"] > 100
    pairs = load_split(prepared_data, "train", "pairs")
    assert len(pairs) == report["splits"]["train"]["pairs"] > 200
    assert all(p["punchline"].startswith("— ") for p in pairs if p["kind"] == "dialogue")
    for target in ("zscore", "approval", "day_percentile"):
        png = prepared_data / f"hist_{target}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert report["targets"][target]["test"]["n"] == len(jokes["test"])


def test_prepare_cli_errors_are_one_line(tmp_path: Path, capsys):
    from scraper.db import connect
    from training.cli import main

    empty = tmp_path / "empty.sqlite"
    connect(empty).close()
    assert main(["prepare", "--db", str(empty), "--out", str(tmp_path / "d"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert (
        main(["prepare", "--db", str(tmp_path / "missing.sqlite"), "--out", str(tmp_path / "d")])
        == 1
    )
    assert (
        main(
            [
                "ranker",
                "--data",
                str(tmp_path),
                "--base",
                str(tmp_path),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 1
    )
    assert "train prepare" in capsys.readouterr().err
    assert main(["nonsense"]) == 2


@pytest.mark.parametrize("kind", ["missing", "not a database"])
def test_unusable_db_error_is_the_only_line_even_with_progress_on(tmp_path: Path, capsys, kind):
    """Without --quiet the progress bar must not start before the file is checked: the one
    error line is all the user sees on stderr."""
    from training.cli import main

    db = tmp_path / "jokes.sqlite"
    if kind == "not a database":
        db.write_text("hello", encoding="utf-8")
    assert main(["prepare", "--db", str(db), "--out", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(db) in err[0], err
