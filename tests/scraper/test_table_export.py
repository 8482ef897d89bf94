"""Table importer (CSV / JSONL / Parquet, column mapping) and the JSONL / Parquet export."""

from __future__ import annotations

import csv
import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference.core.errors import InputError
from scraper.dataset import JokeRecord, iter_jokes
from scraper.db import connect
from scraper.export import export_dataset
from scraper.table import ColumnMap, import_table

ROWS = [
    # like igorktech/anekdots: text, date, upvote, downvote, total_votes (and an id)
    {"uid": 7, "text": "- Кто там?\n- Сто грамм.", "date": "2019-03-08", "upvote": 30,
     "downvote": 4, "tags": "алкоголь, дверь"},
    {"uid": 8, "text": "Колобок повесился.", "date": "08.03.2019", "upvote": "12",
     "downvote": "", "tags": ""},
    {"uid": 9, "text": "   ", "date": "", "upvote": 1, "downvote": 1, "tags": ""},
    {"uid": 10, "text": "КТО ТАМ? — СТО ГРАММ!", "date": "2020-01-01", "upvote": 2,
     "downvote": 0, "tags": ""},
]  # fmt: skip
COLUMNS = ColumnMap(text="text", id="uid", date="date", up="upvote", down="downvote", tags="tags")


def write_csv(path):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)


def write_jsonl(path):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), "utf-8")


def write_parquet(path):
    rows = [dict(r, upvote=int(r["upvote"]) if r["upvote"] != "" else None) for r in ROWS]
    for r in rows:
        r["downvote"] = int(r["downvote"]) if r["downvote"] != "" else None
        r["tags"] = [t.strip() for t in r["tags"].split(",") if t.strip()]
    pq.write_table(pa.Table.from_pylist(rows), path)


@pytest.mark.parametrize(
    ("name", "writer"),
    [("a.csv", write_csv), ("a.jsonl", write_jsonl), ("a.parquet", write_parquet)],
)
def test_import_table_formats(tmp_path, name, writer):
    path = tmp_path / name
    writer(path)
    db = tmp_path / "jokes.sqlite"
    conn = connect(db)
    stats = import_table(conn, path, COLUMNS, source="anekdots")
    conn.close()
    assert (stats.entries, stats.new, stats.duplicates, stats.skipped) == (4, 2, 1, 1)
    rows = {r.id: r for r in iter_jokes(db)}
    assert rows == {
        "anekdots:7": JokeRecord(
            id="anekdots:7", source="anekdots", text="- Кто там?\n- Сто грамм.",
            text_hash=rows["anekdots:7"].text_hash, date="2019-03-08", up=30, down=4, net=26,
            total=34, tags=("алкоголь", "дверь"),
        ),
        "anekdots:8": JokeRecord(
            id="anekdots:8", source="anekdots", text="Колобок повесился.",
            text_hash=rows["anekdots:8"].text_hash, date="2019-03-08", up=12,
        ),
    }  # fmt: skip


def test_missing_column_names_what_exists(tmp_path):
    path = tmp_path / "a.csv"
    write_csv(path)
    conn = connect(tmp_path / "jokes.sqlite")
    with pytest.raises(InputError, match="joke_text.*uid, text, date"):
        import_table(conn, path, ColumnMap(text="joke_text"), source="x")
    conn.close()


def test_rows_without_id_get_a_stable_hash_id(tmp_path):
    path = tmp_path / "b.jsonl"
    write_jsonl(path)
    db = tmp_path / "jokes.sqlite"
    conn = connect(db)
    import_table(conn, path, ColumnMap(text="text"), source="b", category="misc")
    again = import_table(conn, path, ColumnMap(text="text"), source="b", category="misc")
    conn.close()
    # Without ids, the id is the text hash: the shouted repost maps onto the same row.
    assert again.new == 0 and again.unchanged == 3
    assert [r.category for r in iter_jokes(db)] == ["misc", "misc"]


@pytest.fixture
def filled_db(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path)
    db = tmp_path / "jokes.sqlite"
    conn = connect(db)
    import_table(conn, path, COLUMNS, source="anekdots")
    conn.close()
    return db


def test_export_jsonl_round_trip(filled_db, tmp_path):
    out = tmp_path / "out.jsonl"
    assert export_dataset(filled_db, out) == 2
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert lines == [r.as_dict() for r in iter_jokes(filled_db)]
    assert lines[0]["tags"] == ["алкоголь", "дверь"]


def test_export_parquet_is_typed(filled_db, tmp_path):
    out = tmp_path / "out.parquet"
    assert export_dataset(filled_db, out) == 2
    table = pq.read_table(out)
    assert table.schema.field("date").type == pa.date32()
    assert table.schema.field("net").type == pa.int64()
    rows = table.to_pylist()
    assert rows[0]["date"] == date(2019, 3, 8) and rows[0]["tags"] == ["алкоголь", "дверь"]
    assert rows[1]["down"] is None and rows[1]["text"] == "Колобок повесился."


def test_export_of_an_empty_source_selection_writes_an_empty_file(filled_db, tmp_path):
    out = tmp_path / "none.parquet"
    assert export_dataset(filled_db, out, sources=["nothing"]) == 0
    assert pq.read_table(out).num_rows == 0


def test_export_refuses_unknown_format(filled_db, tmp_path):
    with pytest.raises(InputError, match=r"\.jsonl или \.parquet"):
        export_dataset(filled_db, tmp_path / "out.xlsx")
    assert not list(tmp_path.glob("*.xlsx*")) and not list(tmp_path.glob(".*partial"))


def test_igorktech_anekdots_columns_as_published(tmp_path):
    # The published Parquet: date int64, total_votes a *string*, total_mark the rating.
    rows = [
        {"total_mark": 5, "date": 1701648000, "downvote": 2, "total_votes": "9",
         "upvote": 7, "text": "- Алло!\n- Да?", "hash": "a1"},
        {"total_mark": -1, "date": 19960104, "downvote": 3, "total_votes": "5",
         "upvote": 2, "text": "Штирлиц шёл по лесу.", "hash": "b2"},
    ]  # fmt: skip
    path = tmp_path / "anekdots.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    db = tmp_path / "j.sqlite"
    columns = ColumnMap(text="text", date="date", up="upvote", down="downvote", id="hash")
    import_table(connect(db), path, columns, source="anekdots")
    got = {r.id: (r.date, r.up, r.down, r.net, r.total, r.text) for r in iter_jokes(db)}
    assert got == {
        "anekdots:a1": ("2023-12-04", 7, 2, 5, 9, "- Алло!\n- Да?"),  # Unix seconds
        "anekdots:b2": ("1996-01-04", 2, 3, -1, 5, "Штирлиц шёл по лесу."),  # YYYYMMDD
    }
