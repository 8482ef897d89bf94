"""The one record type every source produces, and the read API used by training.

``iter_jokes(db_path)`` yields :class:`JokeRecord` objects in a stable order; it opens the
file read-only, so it can run while a scrape is writing (SQLite WAL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scraper.errors import DatasetError, msg

COLUMNS = (
    "id",
    "source",
    "date",
    "text",
    "up",
    "down",
    "net",
    "total",
    "tags",
    "category",
    "attribution",
    "url",
    "text_hash",
)


@dataclass(frozen=True)
class JokeRecord:
    id: str  # "<source>:<native id>", unique across sources
    source: str  # "anekdot.ru", "fortune", or the name given to import-table
    text: str  # the joke; line breaks kept as "\n"
    text_hash: str  # see scraper.textnorm.text_hash
    date: str | None = None  # YYYY-MM-DD
    up: int | None = None  # votes for
    down: int | None = None  # votes against
    net: int | None = None  # rating shown by the site (up - down)
    total: int | None = None  # votes cast (up + down)
    tags: tuple[str, ...] = field(default_factory=tuple)
    category: str | None = None  # listing, fortune file, or dataset category
    attribution: str | None = None  # author / "-- author" line, never part of text
    url: str | None = None  # permalink when the source has one

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return {name: data[name] for name in COLUMNS}


def record_from_row(row: sqlite3.Row | tuple) -> JokeRecord:
    values = dict(zip(COLUMNS, tuple(row), strict=True))
    values["tags"] = tuple(json.loads(values["tags"] or "[]"))
    return JokeRecord(**values)


def open_readonly(db_path: str | Path) -> sqlite3.Connection:
    path = Path(db_path)
    if not path.is_file():
        raise DatasetError(msg("db.missing", path=str(path)))
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM jokes LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise DatasetError(msg("db.unreadable", path=str(path), reason=str(exc))) from exc
    return conn


def iter_jokes(
    db_path: str | Path,
    *,
    sources: Iterable[str] | None = None,
    min_total_votes: int | None = None,
) -> Iterator[JokeRecord]:
    """Every stored joke (optionally only from ``sources`` / with at least
    ``min_total_votes`` votes), ordered by source, date, id."""
    where, params = [], []
    if sources is not None:
        wanted = list(sources)
        where.append(f"source IN ({','.join('?' * len(wanted))})")
        params += wanted
    if min_total_votes is not None:
        where.append("total >= ?")
        params.append(min_total_votes)
    sql = f"SELECT {', '.join(COLUMNS)} FROM jokes"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY source, date IS NULL, date, id"
    conn = open_readonly(db_path)
    try:
        for row in conn.execute(sql, params):
            yield record_from_row(row)
    finally:
        conn.close()


def count_by_source(db_path: str | Path) -> dict[str, int]:
    conn = open_readonly(db_path)
    try:
        rows = conn.execute("SELECT source, COUNT(*) FROM jokes GROUP BY source ORDER BY source")
        return dict(rows.fetchall())
    finally:
        conn.close()
