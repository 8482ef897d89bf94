"""Shared by the crawl tests: run a crawl against a fixture site, read the result back."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from scraper.anekdot_crawl import CrawlStats, crawl_days
from scraper.dataset import iter_jokes
from scraper.db import connect
from scraper.http import HttpSettings, PoliteClient
from tests.scraper.sitegen import Site

FAST = {"delay_s": 0.0, "backoff_s": 0.0, "retries": 2, "timeout_s": 5.0}


def run_crawl(base_url: str, db: Path, first: date, last: date, **overrides) -> CrawlStats:
    settings = HttpSettings(**{**FAST, **overrides})
    conn = connect(db)
    client = PoliteClient(base_url, settings)
    try:
        return crawl_days(conn, client, first, last)
    finally:
        client.close()
        conn.close()


def stored(db: Path) -> dict[str, tuple]:
    return {
        r.id: (r.text, r.date, r.up, r.down, r.net, r.total, r.tags, r.attribution, r.url)
        for r in iter_jokes(db)
    }


def expected(site: Site, base_url: str) -> dict[str, tuple]:
    return {
        key: (
            joke.text,
            day,
            joke.up,
            joke.down,
            joke.net,
            joke.total,
            joke.tags,
            joke.author,
            f"{base_url}/id/{joke.native_id}/",
        )
        for key, (joke, day) in site.kept.items()
    }


def duplicates(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, kept_id FROM duplicates").fetchall())


def page_status(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url, status FROM pages").fetchall())
