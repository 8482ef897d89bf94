"""The SQLite file that holds both the dataset and the crawl state (stdlib sqlite3, WAL).

Every write happens in a transaction together with the bookkeeping that says it happened
(a page's jokes and its "done" mark commit together), so a run killed at any instant leaves
a consistent file and the next run continues where it stopped. Schema: see scraper/README.md.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from scraper.dataset import JokeRecord
from scraper.errors import DatasetError, msg

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS jokes (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    date        TEXT,
    text        TEXT NOT NULL,
    up          INTEGER,
    down        INTEGER,
    net         INTEGER,
    total       INTEGER,
    tags        TEXT NOT NULL DEFAULT '[]',
    category    TEXT,
    attribution TEXT,
    url         TEXT,
    text_hash   TEXT NOT NULL UNIQUE,
    added_at    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jokes_source_date ON jokes(source, date);
CREATE TABLE IF NOT EXISTS duplicates (
    id          TEXT PRIMARY KEY,
    kept_id     TEXT NOT NULL,
    source      TEXT NOT NULL,
    url         TEXT,
    seen_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    url         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    day         TEXT NOT NULL,
    page_no     INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'done', 'error')),
    jokes       INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_run    TEXT,
    error       TEXT,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_todo ON pages(source, status, day, page_no);
"""


class Outcome(Enum):
    NEW = "new"
    UPDATED = "updated"  # same id seen again: votes/tags refreshed
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"  # another id already holds the same normalised text
    REPLACED = "replaced"  # same text stored under a later id: this one takes its place


@dataclass
class ImportStats:
    """What an importer did, for its summary line."""

    files: int = 0
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped: int = 0  # empty entries / rows without text

    def count(self, outcome: Outcome) -> None:
        repost = outcome in (Outcome.DUPLICATE, Outcome.REPLACED)
        name = "duplicates" if repost else outcome.value
        setattr(self, name, getattr(self, name) + 1)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(db_path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) a dataset file for writing, schema in place."""
    path = Path(db_path)
    if not path.parent.is_dir():
        raise DatasetError(msg("db.no_folder", path=str(path)))
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL survives a killed process (only a power cut may lose the last commit).
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DatasetError(msg("db.too_new", path=str(path)))
        conn.executescript(SCHEMA)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        _check_columns(conn, path)
    except sqlite3.DatabaseError as exc:
        raise DatasetError(msg("db.unreadable", path=str(path), reason=str(exc))) from exc
    return conn


def _check_columns(conn: sqlite3.Connection, path: Path) -> None:
    # A foreign file that happens to have a "jokes" table must not be written into.
    have = {row[1] for row in conn.execute("PRAGMA table_info(jokes)")}
    need = {"id", "source", "text", "text_hash", "up", "down", "net", "total", "tags"}
    if not need <= have:
        raise DatasetError(msg("db.foreign", path=str(path)))


def upsert_joke(conn: sqlite3.Connection, rec: JokeRecord) -> Outcome:
    """Insert ``rec``. A known id gets its votes/tags refreshed. A known text under another
    id is a repost: one row is kept (see :func:`_rank`), the other id goes to
    ``duplicates``. Call inside a transaction."""
    stamp = now_utc()
    tags = json.dumps(list(rec.tags), ensure_ascii=False)
    row = conn.execute(
        "SELECT up, down, net, total, tags, attribution FROM jokes WHERE id = ?", (rec.id,)
    ).fetchone()
    if row is not None:
        # Fresh votes and tags replace the stored ones; a missing value never erases one,
        # and the first attribution stays (a repeat of the entry elsewhere in a file must
        # not flip it back and forth between imports).
        votes = (rec.up, rec.down, rec.net, rec.total)
        has_votes = any(v is not None for v in votes)
        fresh = (
            *(votes if has_votes else tuple(row[:4])),
            tags if rec.tags else row[4],
            row[5] if row[5] is not None else rec.attribution,
        )
        if tuple(row) == fresh:
            return Outcome.UNCHANGED
        conn.execute(
            "UPDATE jokes SET up=?, down=?, net=?, total=?, tags=?, attribution=?, updated_at=?"
            " WHERE id=?",
            (*fresh, stamp, rec.id),
        )
        return Outcome.UPDATED
    kept = conn.execute(
        "SELECT id, date, total IS NOT NULL OR up IS NOT NULL FROM jokes WHERE text_hash = ?",
        (rec.text_hash,),
    ).fetchone()
    outcome = Outcome.NEW
    if kept is not None:
        kept_id = kept[0]
        new_votes = rec.total is not None or rec.up is not None
        if not _prefer(rec.id, rec.date, new_votes, kept_id, kept[1], bool(kept[2])):
            _record_duplicate(conn, rec.id, kept_id, rec.source, rec.url, stamp)
            return Outcome.DUPLICATE
        # The newcomer is the original of a repost stored earlier (e.g. its page failed
        # then): it takes the row, so the result does not depend on the fetch order.
        old = conn.execute("SELECT source, url FROM jokes WHERE id = ?", (kept_id,)).fetchone()
        conn.execute("DELETE FROM jokes WHERE id = ?", (kept_id,))
        conn.execute("DELETE FROM duplicates WHERE id = ?", (rec.id,))
        conn.execute("UPDATE duplicates SET kept_id = ? WHERE kept_id = ?", (rec.id, kept_id))
        _record_duplicate(conn, kept_id, rec.id, old[0], old[1], stamp)
        outcome = Outcome.REPLACED
    conn.execute(
        "INSERT INTO jokes (id, source, date, text, up, down, net, total, tags, category,"
        " attribution, url, text_hash, added_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rec.id,
            rec.source,
            rec.date,
            rec.text,
            rec.up,
            rec.down,
            rec.net,
            rec.total,
            tags,
            rec.category,
            rec.attribution,
            rec.url,
            rec.text_hash,
            stamp,
            stamp,
        ),
    )
    return outcome


def _prefer(
    new_id: str,
    new_date: str | None,
    new_votes: bool,
    old_id: str,
    old_date: str | None,
    old_votes: bool,
) -> bool:
    """Whether a newcomer replaces the stored row with the same text: the one with votes
    wins, then the earlier date, then — same source — the smaller numeric id (reposts get
    later ids). Otherwise the row stored first stays."""
    new_rank = (not new_votes, new_date is None, new_date or "")
    old_rank = (not old_votes, old_date is None, old_date or "")
    if new_rank != old_rank:
        return new_rank < old_rank
    new_prefix, _, new_num = new_id.rpartition(":")
    old_prefix, _, old_num = old_id.rpartition(":")
    same_kind = new_prefix == old_prefix and new_num.isdigit() and old_num.isdigit()
    return same_kind and int(new_num) < int(old_num)


def _record_duplicate(
    conn: sqlite3.Connection, dup_id: str, kept_id: str, source: str, url: str | None, stamp: str
) -> None:
    conn.execute(
        "INSERT INTO duplicates (id, kept_id, source, url, seen_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET kept_id = excluded.kept_id",
        (dup_id, kept_id, source, url, stamp),
    )


class Transaction:
    """``with Transaction(conn):`` — BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
