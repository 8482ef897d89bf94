"""Crawl anekdot.ru daily releases over a date range into the dataset, resumably.

Each day's first page is queued; every fetched page queues the other pages its
``div.pageslist`` links to. A page's jokes and its "done" mark commit in one transaction,
so after a kill the next run re-fetches only pages that were not committed, and ids /
text hashes keep the rows unique.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from inference.core.errors import Cancelled, InputError
from inference.core.progress import Progress
from scraper import pages
from scraper.anekdot_parse import PageLink, ParsedJoke, parse_listing
from scraper.dataset import JokeRecord
from scraper.db import Outcome, Transaction, upsert_joke
from scraper.errors import FetchError, LayoutChangedError, msg
from scraper.http import PoliteClient
from scraper.textnorm import text_hash

SOURCE = "anekdot.ru"
DEFAULT_BASE_URL = "https://www.anekdot.ru"
CATEGORY = "anekdot"
MAX_DAYS = 366 * 40  # anekdot.ru exists since 1995; a longer range is a typo


@dataclass
class CrawlStats:
    pages_total: int = 0  # known pages of the range (grows as pagination is discovered)
    pages_done: int = 0
    pages_failed: int = 0
    jokes_new: int = 0
    jokes_updated: int = 0
    jokes_unchanged: int = 0
    duplicates: int = 0
    skipped_blocks: int = 0
    rate_anomalies: int = 0  # data-r whose numbers do not add up, or missing
    pages_bad_bytes: int = 0  # pages stored with bytes invalid in their encoding replaced
    bad_bytes: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def day_range(first: date, last: date) -> list[date]:
    if last < first:
        raise InputError(msg("range.reversed", first=first.isoformat(), last=last.isoformat()))
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise InputError(msg("range.too_long", days=days))
    return [first + timedelta(days=i) for i in range(days)]


def day_url(base_url: str, day: date | str) -> str:
    text = day.isoformat() if isinstance(day, date) else day
    return f"{base_url.rstrip('/')}/release/anekdot/day/{text}/"


def day_page(link: PageLink, day_prefix: str) -> tuple[str, int] | None:
    """(URL to fetch, page number) of a pagination link of the same day, else None.

    The link is matched by its path (``…/release/anekdot/day/YYYY-MM-DD/…``) and rebuilt
    on the crawl's own base URL, so saved pages whose links are absolute
    (``https://www.anekdot.ru/…``) still paginate when served from a mirror. The number
    comes from the link text ("2"), the URL tail ("…/2/") or a ``page`` query parameter.
    """
    base = urlsplit(day_prefix)
    marker = base.path.rstrip("/")
    marker = marker[marker.index("/release/") :] if "/release/" in marker else marker
    parts = urlsplit(link.url)
    if parts.fragment or marker not in parts.path:
        return None
    tail = parts.path[parts.path.index(marker) + len(marker) :]
    if tail and not tail.startswith("/"):
        return None  # "…/day/2024-01-050": another path that merely starts the same
    url = day_prefix.rstrip("/") + (tail or "/") + (f"?{parts.query}" if parts.query else "")
    for candidate in (link.label, tail.strip("/"), *parse_qs(parts.query).get("page", [])):
        if candidate.isdigit():
            return url, int(candidate)
    return None


def to_record(joke: ParsedJoke, base_url: str, day: str) -> JokeRecord:
    rates = joke.rates
    return JokeRecord(
        id=f"{SOURCE}:{joke.native_id}",
        source=SOURCE,
        text=joke.text,
        text_hash=text_hash(joke.text),
        date=joke.date or day,
        up=rates.up if rates else None,
        down=rates.down if rates else None,
        net=rates.net if rates else None,
        total=rates.total if rates else None,
        tags=joke.tags,
        category=CATEGORY,
        attribution=joke.author,
        url=f"{base_url.rstrip('/')}/id/{joke.native_id}/",
    )


def _save_page(
    conn: sqlite3.Connection,
    task: pages.PageTask,
    jokes: list[ParsedJoke],
    links: list[PageLink],
    base_url: str,
    run_id: str,
    stats: CrawlStats,
) -> None:
    prefix = day_url(base_url, task.day)
    with Transaction(conn):
        outcomes = [upsert_joke(conn, to_record(j, base_url, task.day)) for j in jokes]
        for link in links:
            found = day_page(link, prefix)
            if found is not None and found[1] > 1 and found[0] != task.url:
                stats.pages_total += pages.add_page(conn, SOURCE, found[0], task.day, found[1])
        pages.mark_page(conn, task.url, "done", run_id, jokes=len(jokes))
    # Counted only after the commit, so the summary never claims what was rolled back.
    stats.jokes_new += outcomes.count(Outcome.NEW)
    stats.jokes_updated += outcomes.count(Outcome.UPDATED)
    stats.jokes_unchanged += outcomes.count(Outcome.UNCHANGED)
    stats.duplicates += outcomes.count(Outcome.DUPLICATE) + outcomes.count(Outcome.REPLACED)
    stats.rate_anomalies += sum(1 for j in jokes if j.rates is None or not j.rates.consistent)


def crawl_days(
    conn: sqlite3.Connection,
    client: PoliteClient,
    first: date,
    last: date,
    *,
    progress: Progress | None = None,
    on_update: Callable[[CrawlStats], None] | None = None,
) -> CrawlStats:
    """Fetch every page of the daily releases from ``first`` to ``last`` not fetched yet.

    A page that keeps failing is recorded as an error (and retried by the next run); a page
    whose layout changed, or that robots.txt forbids, stops the run with a clear error.
    ``progress.cancel()`` stops it between two pages.
    """
    days = day_range(first, last)
    first_day, last_day = days[0].isoformat(), days[-1].isoformat()
    base_url = client.base_url
    run_id = uuid.uuid4().hex
    with Transaction(conn):
        for day in days:
            pages.add_page(conn, SOURCE, day_url(base_url, day), day.isoformat(), 1)
    counts = pages.page_counts(conn, SOURCE, first_day, last_day)
    stats = CrawlStats(pages_total=sum(counts.values()), pages_done=counts["done"])
    notify = on_update or (lambda _stats: None)
    notify(stats)
    while (task := pages.next_page(conn, SOURCE, first_day, last_day, run_id)) is not None:
        if progress is not None and progress.cancelled:
            raise Cancelled()
        try:
            fetched = client.get(task.url)
            if urlsplit(fetched.url).path.rstrip("/") != urlsplit(task.url).path.rstrip("/"):
                # e.g. a day without a release sent to the front page: not this day's jokes
                raise FetchError(task.url, msg("fetch.redirected", target=fetched.url))
            parsed = parse_listing(fetched.text, task.url)
        except (FetchError, LayoutChangedError) as exc:
            with Transaction(conn):
                pages.mark_page(conn, task.url, "error", run_id, error=str(exc))
            if isinstance(exc, LayoutChangedError):
                raise
            stats.pages_failed += 1
            stats.failures.append((task.url, str(exc)))
            notify(stats)
            continue
        _save_page(conn, task, parsed.jokes, parsed.links, base_url, run_id, stats)
        stats.pages_done += 1
        if fetched.bad_bytes:
            stats.pages_bad_bytes += 1
            stats.bad_bytes += fetched.bad_bytes
        stats.skipped_blocks += parsed.skipped
        notify(stats)
    return stats
