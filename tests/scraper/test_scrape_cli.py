"""``demotivator scrape`` / ``python -m scraper``: user errors are one line, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from inference.core.i18n import set_language
from scraper.cli import main

FORTUNE = "Первая шутка.\n\t\t-- Автор\n%\nВторая\nшутка.\n%\n"


def run(argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err


def test_reversed_range(tmp_path, capsys):
    code, _out, err = run(
        ["anekdot", "--from", "2024-02-01", "--to", "2024-01-01", "--db",
         str(tmp_path / "j.sqlite"), "--base-url", "http://127.0.0.1:9"],
        capsys,
    )  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "2024-02-01", "2024-01-01")


def test_bad_date_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["anekdot", "--from", "2024-13-01", "--to", "2024-01-01", "--db", "x.sqlite"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "ГГГГ-ММ-ДД" in err and "Traceback" not in err


def test_database_in_a_missing_folder(tmp_path, capsys):
    code, _out, err = run(
        ["import-fortune", str(tmp_path), "--db", str(tmp_path / "no" / "j.sqlite")], capsys
    )
    assert code == 1
    assert_one_line_error(err, "нет папки")


def test_not_a_database(tmp_path, capsys):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    (tmp_path / "f").write_text(FORTUNE, encoding="utf-8")
    code, _out, err = run(["import-fortune", str(tmp_path / "f"), "--db", str(junk)], capsys)
    assert code == 1
    assert_one_line_error(err, str(junk))


def test_export_without_database(tmp_path, capsys):
    code, _out, err = run(
        ["export", "--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "o.jsonl")],
        capsys,
    )
    assert code == 1
    assert_one_line_error(err, "none.sqlite")
    assert not (tmp_path / "o.jsonl").exists()


def test_missing_fortune_path_in_english(tmp_path, capsys):
    set_language("en")
    code, _out, err = run(
        ["import-fortune", str(tmp_path / "nowhere"), "--db", str(tmp_path / "j.sqlite")],
        capsys,
    )
    assert code == 1
    assert_one_line_error(err, "no such file or folder", "nowhere")


def test_import_table_missing_column(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("joke,score\nКолобок повесился.,3\n", encoding="utf-8")
    code, _out, err = run(
        ["import-table", str(table), "--db", str(tmp_path / "j.sqlite"), "--text-col", "text"],
        capsys,
    )
    assert code == 1
    assert_one_line_error(err, "text", "joke, score")


def test_import_export_stats_flow(tmp_path, capsys):
    db = str(tmp_path / "j.sqlite")
    (tmp_path / "f").write_text(FORTUNE, encoding="utf-8")
    table = tmp_path / "t.jsonl"
    table.write_text(json.dumps({"joke": "Колобок повесился.", "up": 5, "down": 1}) + "\n")
    assert run(["import-fortune", str(tmp_path / "f"), "--db", db], capsys)[0] == 0
    code, out, _err = run(
        ["import-table", str(table), "--db", db, "--text-col", "joke", "--up-col", "up",
         "--down-col", "down", "--source", "mine"],
        capsys,
    )  # fmt: skip
    assert code == 0 and "новых 1" in out
    code, out, _err = run(["stats", "--db", db], capsys)
    assert out.splitlines() == ["fortune\t2", "mine\t1", "всего\t3"]
    out_file = tmp_path / "all.jsonl"
    code, out, _err = run(["export", "--db", db, "--out", str(out_file)], capsys)
    assert code == 0 and "3" in out
    rows = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
    assert sorted((r["source"], r["text"], r["net"], r["attribution"]) for r in rows) == [
        ("fortune", "Вторая\nшутка.", None, None),
        ("fortune", "Первая шутка.", None, "Автор"),
        ("mine", "Колобок повесился.", 4, None),
    ]


def test_python_dash_m_runs_the_same_cli(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scraper", "stats", "--db", str(tmp_path / "none.sqlite")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "none.sqlite")
