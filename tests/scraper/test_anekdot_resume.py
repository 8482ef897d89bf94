"""Kill the scraper process mid-run (SIGKILL, then Ctrl+C), restart it, and get exactly the
jokes of a few hundred-joke fixture site: none lost, none twice, no page fetched again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date

from tests.scraper.crawl_helpers import duplicates, expected, page_status, stored
from tests.scraper.sitegen import build_site

FIRST, LAST = date(2024, 1, 1), date(2024, 1, 6)


def start_scraper(base_url: str, db, cwd) -> subprocess.Popen:
    args = [
        sys.executable, "-m", "scraper", "anekdot",
        "--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--db", str(db),
        "--base-url", base_url, "--delay", "0", "--backoff", "0", "--retries", "2", "--quiet",
    ]  # fmt: skip
    return subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_until(condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scraper did not get there in time"
        time.sleep(0.05)


def pages_done(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM pages WHERE status = 'done'").fetchone()[0]


def test_killed_and_interrupted_runs_resume_to_exactly_the_expected_rows(serve, tmp_path):
    site = build_site(FIRST, days=6)
    assert len(site.kept) >= 300 and site.page_count >= 12
    server, base_url = serve(site.routes())
    db = tmp_path / "jokes.sqlite"

    # Run 1: robots.txt + 4 pages go through, the 5th request hangs; kill -9 it there.
    server.hold_from(6)
    proc = start_scraper(base_url, db, tmp_path)
    wait_until(lambda: server.waiting == 1 or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()
    assert pages_done(db) == 4
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    server.release()
    rows_after_kill = stored(db)
    assert 0 < len(rows_after_kill) < len(site.kept)

    # Run 2: Ctrl+C while a page is in flight: that page is finished, then it stops.
    server.hold_from(len(server.hits) + 4)
    proc = start_scraper(base_url, db, tmp_path)
    wait_until(lambda: server.waiting == 1 or proc.poll() is not None)
    done_before_interrupt = pages_done(db)
    proc.send_signal(signal.SIGINT)
    time.sleep(1.0)  # let the handler run before the page comes back
    server.release()
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "запустите ту же команду снова" in err
    assert pages_done(db) == done_before_interrupt + 1

    # Run 3: to the end.
    proc = start_scraper(base_url, db, tmp_path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err

    assert stored(db) == expected(site, base_url)
    assert duplicates(db) == site.reposts
    assert set(page_status(db).values()) == {"done"}
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM jokes")]
        hashes = [r[0] for r in conn.execute("SELECT text_hash FROM jokes")]
    assert len(ids) == len(set(ids)) == len(set(hashes)) == len(site.kept)
    # Only the page in flight at the kill was fetched twice.
    page_hits = Counter(h.path for h in server.hits if h.path != "/robots.txt")
    assert set(page_hits) == set(site.routes())
    assert sorted(page_hits.values()) == [1] * (site.page_count - 1) + [2]
    assert "Готово" in out
