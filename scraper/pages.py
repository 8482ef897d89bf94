"""Crawl state: the queue of listing pages in the ``pages`` table.

A page is ``pending`` until its jokes are committed together with its ``done`` mark; a page
that failed is ``error`` and is tried again once per later run. The queue is ordered by
(day, page number), which makes the crawl order — and so which of two reposts is kept —
the same whether or not a run was interrupted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from scraper.db import now_utc


@dataclass(frozen=True)
class PageTask:
    url: str
    day: str
    page_no: int


def add_page(conn: sqlite3.Connection, source: str, url: str, day: str, page_no: int) -> bool:
    """Queue ``url`` unless it is known already; True when it was new."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO pages (url, source, day, page_no, status, updated_at)"
        " VALUES (?, ?, ?, ?, 'pending', ?)",
        (url, source, day, page_no, now_utc()),
    )
    return cur.rowcount > 0


def next_page(
    conn: sqlite3.Connection, source: str, first_day: str, last_day: str, run_id: str
) -> PageTask | None:
    """The first page of the range still to do; error pages once per run."""
    row = conn.execute(
        "SELECT url, day, page_no FROM pages WHERE source = ? AND day BETWEEN ? AND ?"
        " AND (status = 'pending' OR (status = 'error' AND last_run IS NOT ?))"
        " ORDER BY day, page_no, url LIMIT 1",
        (source, first_day, last_day, run_id),
    ).fetchone()
    return PageTask(*row) if row else None


def mark_page(
    conn: sqlite3.Connection,
    url: str,
    status: str,
    run_id: str,
    *,
    jokes: int | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        "UPDATE pages SET status = ?, jokes = ?, error = ?, last_run = ?,"
        " attempts = attempts + 1, updated_at = ? WHERE url = ?",
        (status, jokes, error, run_id, now_utc(), url),
    )


def page_counts(
    conn: sqlite3.Connection, source: str, first_day: str, last_day: str
) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, COUNT(*) FROM pages WHERE source = ? AND day BETWEEN ? AND ?"
        " GROUP BY status",
        (source, first_day, last_day),
    )
    counts = {"pending": 0, "done": 0, "error": 0}
    counts.update(dict(rows.fetchall()))
    return counts
