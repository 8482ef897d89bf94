"""Kill the scraper process mid-run (SIGKILL, then Ctrl+C), restart it, and get exactly the
jokes of a few hundred-joke fixture site: none lost, none twice, no page fetched again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date

from tests.scraper.crawl_helpers import duplicates, expected, page_status, stored
from tests.scraper.sitegen import build_site

FIRST, LAST = date(2024, 1, 1), date(2024, 1, 6)


class Scraper:
    """The scraper as a child process; its stderr is collected as it comes, so a test can
    wait for a line (a state) such as «Сбор начат», printed once Ctrl+C is handled."""

    def __init__(self, base_url: str, db, cwd) -> None:
        args = [
            sys.executable, "-m", "scraper", "anekdot",
            "--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--db", str(db),
            "--base-url", base_url, "--delay", "0", "--backoff", "0", "--retries", "2",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self._err: list[str] = []
        self._reader = threading.Thread(target=self._read_err, daemon=True)
        self._reader.start()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read(1):
            self._err.append(chunk)

    @property
    def err(self) -> str:
        return "".join(self._err)

    def finish(self, timeout: float) -> tuple[str, str]:
        out = self.proc.stdout.read() if self.proc.stdout else ""
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return out, self.err


def wait_until(condition, timeout: float = 240.0) -> None:
    """Polls a state; the bound only turns a hang into a failure, it is no timing check."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scraper never got there"
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
    run = Scraper(base_url, db, tmp_path)
    wait_until(lambda: server.waiting == 1 or run.proc.poll() is not None)
    assert run.proc.poll() is None, run.finish(60)
    assert pages_done(db) == 4
    run.proc.send_signal(signal.SIGKILL)
    run.finish(60)
    server.release()
    wait_until(lambda: server.waiting == 0)  # the killed run's held request is gone
    rows_after_kill = stored(db)
    assert 0 < len(rows_after_kill) < len(site.kept)

    # Run 2: Ctrl+C while a page is in flight: that page is finished, then it stops.
    # The Ctrl+C goes only after the child said its handler is installed and its own
    # request is held: never into its start-up (exit -2 instead of 130).
    server.hold_from(len(server.hits) + 4)
    run = Scraper(base_url, db, tmp_path)
    wait_until(lambda: server.waiting == 1 or run.proc.poll() is not None)
    assert run.proc.poll() is None, run.finish(60)
    assert "Сбор начат" in run.err
    done_before_interrupt = pages_done(db)
    run.proc.send_signal(signal.SIGINT)
    wait_until(lambda: "Останавливаюсь" in run.err)  # the handler ran: the state we need
    server.release()
    _out, err = run.finish(120)
    assert run.proc.returncode == 130, err
    assert "Traceback" not in err and "запустите ту же команду снова" in err
    assert pages_done(db) == done_before_interrupt + 1

    # Run 3: to the end.
    run = Scraper(base_url, db, tmp_path)
    out, err = run.finish(240)
    assert run.proc.returncode == 0, err

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
