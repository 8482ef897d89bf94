"""What the scrape commands show: a tqdm bar while crawling and one summary at the end."""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from scraper.anekdot_crawl import CrawlStats
from scraper.db import ImportStats
from scraper.errors import msg

MAX_LISTED_FAILURES = 10


class CrawlBar:
    """Pages done / known pages, with jokes collected and errors as the postfix."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: tqdm | None = None

    def update(self, stats: CrawlStats) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = tqdm(
                total=stats.pages_total,
                desc=msg("bar.pages"),
                unit="p",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        self._bar.total = stats.pages_total
        self._bar.n = stats.pages_done + stats.pages_failed
        self._bar.set_postfix_str(
            msg(
                "bar.postfix",
                jokes=stats.jokes_new,
                dups=stats.duplicates,
                errors=stats.pages_failed,
            ),
            refresh=False,
        )
        self._bar.refresh()

    @property
    def is_new(self) -> bool:
        """No update shown yet."""
        return self._bar is None

    def say(self, line: str) -> None:
        """A line above the bar (the bar stays whole), or plainly when there is none."""
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def print_crawl_summary(stats: CrawlStats, db: Path) -> None:
    print(
        msg(
            "crawl.summary",
            done=stats.pages_done,
            total=stats.pages_total,
            failed=stats.pages_failed,
            new=stats.jokes_new,
            updated=stats.jokes_updated,
            dups=stats.duplicates,
            skipped=stats.skipped_blocks,
            anomalies=stats.rate_anomalies,
            db=str(db),
        )
    )
    if stats.pages_bad_bytes:
        print(
            msg("crawl.bad_bytes", pages=stats.pages_bad_bytes, count=stats.bad_bytes),
            file=sys.stderr,
        )
    for _url, reason in stats.failures[:MAX_LISTED_FAILURES]:
        print(msg("crawl.failure", reason=reason), file=sys.stderr)
    if stats.failures:
        print(msg("crawl.retry_hint"), file=sys.stderr)


def print_import_summary(stats: ImportStats, db: Path) -> None:
    print(
        msg(
            "import.summary",
            files=stats.files,
            entries=stats.entries,
            new=stats.new,
            updated=stats.updated,
            unchanged=stats.unchanged,
            dups=stats.duplicates,
            skipped=stats.skipped,
            db=str(db),
        )
    )
