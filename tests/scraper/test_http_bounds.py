"""Bounds no server can break (issue 15): page size, the whole-request deadline, capped
and announced waits that the first Ctrl+C ends, and pages with a broken byte stored
readable and counted. All against the local fixture server."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import date

import pytest

from inference.core.errors import Cancelled
from scraper.errors import RobotsUnavailableError
from scraper.http import HttpSettings, PoliteClient
from tests.scraper.conftest import serve_site
from tests.scraper.crawl_helpers import FAST, expected, run_crawl, stored
from tests.scraper.server import Fault
from tests.scraper.sitegen import build_site, page_path

FIRST = date(2024, 1, 1)
DAY1_P1, DAY1_P2 = page_path("2024-01-01", 1), page_path("2024-01-01", 2)


@pytest.fixture
def one_day(serve):
    return serve_site(serve, FIRST, days=1)


def test_an_endless_page_is_cut_at_the_size_limit_and_not_retried(one_day, tmp_path):
    _site, server, base_url = one_day
    server.fault(DAY1_P2, Fault("endless"))
    limit = 1 << 20
    stats = run_crawl(base_url, tmp_path / "j.sqlite", FIRST, FIRST, max_page_bytes=limit)
    assert stats.pages_failed == 1
    assert "1 МиБ" in stats.failures[0][1]  # says why, in words
    assert len(server.hits_of(DAY1_P2)) == 1  # the same page would be just as big again


def test_a_one_byte_a_second_server_does_not_beat_the_timeout(one_day, tmp_path):
    _site, server, base_url = one_day
    # Each byte comes well within the per-read timeout; the page as a whole never does.
    server.fault(DAY1_P2, *[Fault("dribble", seconds=0.05)] * 3)
    stats = run_crawl(base_url, tmp_path / "j.sqlite", FIRST, FIRST, timeout_s=1.0)
    assert stats.pages_failed == 1 and "1 с" in stats.failures[0][1]
    assert len(server.hits_of(DAY1_P2)) == 3  # retried like any timeout, then given up


@pytest.mark.parametrize("retry_after", ["100000", "Thu, 01 Jan 2099 00:00:00 GMT"])
def test_a_huge_retry_after_is_capped_and_announced(one_day, tmp_path, retry_after):
    site, server, base_url = one_day
    server.fault(DAY1_P2, Fault.http(503, retry_after=retry_after))
    waits: list[tuple[float, str]] = []
    client = PoliteClient(
        base_url,
        HttpSettings(**{**FAST, "max_wait_s": 0.3}),
        on_wait=lambda seconds, reason: waits.append((seconds, reason)),
    )
    try:
        client.check_allowed(base_url + DAY1_P2)
        fetched = client.get(base_url + DAY1_P2)
    finally:
        client.close()
    # Waited the cap (0.3 s), not 100000 s; too short to be announced (that starts at 5 s).
    assert fetched.status == 200 and len(server.hits_of(DAY1_P2)) == 2 and waits == []
    # The same with the real cap: the wait is announced with its reason before it starts,
    # and cancelling (the first Ctrl+C) ends it at once instead of sleeping it out.
    server.fault(DAY1_P2, Fault.http(429, retry_after=retry_after))
    cancelled = threading.Event()

    def announced(seconds: float, reason: str) -> None:
        waits.append((seconds, reason))
        cancelled.set()

    client = PoliteClient(
        base_url, HttpSettings(**FAST), cancelled=cancelled.is_set, on_wait=announced
    )
    try:
        with pytest.raises(Cancelled):
            client.get(base_url + DAY1_P2)
    finally:
        client.close()
    assert waits == [(300.0, waits[0][1])]
    assert "HTTP 429" in waits[0][1] and "300" in waits[0][1]


def test_a_huge_crawl_delay_is_capped_with_a_notice(serve):
    site = build_site(FIRST, days=1)
    _server, base_url = serve(site.routes(), robots="User-agent: *\nCrawl-delay: 100000\n")
    notices: list[str] = []
    client = PoliteClient(base_url, HttpSettings(**FAST), on_notice=notices.append)
    try:
        client.check_allowed(base_url + DAY1_P1)
    finally:
        client.close()
    assert client.delay_s == 300.0
    assert len(notices) == 1 and "100000" in notices[0] and "300" in notices[0]


def test_a_utf8_page_with_one_bad_byte_is_stored_readable_and_counted(serve, tmp_path):
    site = build_site(FIRST, days=1)
    routes = site.routes()
    routes[DAY1_P2] = routes[DAY1_P2].replace(b"</head>", b"<!-- \xff --></head>", 1)
    assert b"\xff" in routes[DAY1_P2]
    _server, base_url = serve(routes)
    db = tmp_path / "j.sqlite"
    stats = run_crawl(base_url, db, FIRST, FIRST)
    assert stored(db) == expected(site, base_url)  # not garbled as cp1251
    assert stats.pages_bad_bytes == 1 and stats.bad_bytes == 1


def test_the_first_ctrl_c_ends_a_long_wait_of_the_cli(serve, tmp_path):
    site = build_site(FIRST, days=1)
    server, base_url = serve(site.routes())
    server.fault(DAY1_P2, Fault.http(429, retry_after="100000"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper", "anekdot", "--from", "2024-01-01", "--to",
         "2024-01-01", "--db", str(tmp_path / "j.sqlite"), "--base-url", base_url,
         "--delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: proc.stderr.read(1), "")))
    reader.start()
    try:
        deadline = time.monotonic() + 240  # a hang guard, not a timing check
        while "Жду 300 с" not in "".join(err):  # the wait is announced, with its reason
            assert proc.poll() is None and time.monotonic() < deadline, "".join(err)
            time.sleep(0.05)
        assert "429" in "".join(err)
        proc.send_signal(signal.SIGINT)  # once
        proc.wait(timeout=120)
    finally:
        proc.kill()
        proc.wait()
        reader.join()
        proc.stdout.close()
        proc.stderr.close()
    text = "".join(err)
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "запустите ту же команду снова" in text


def test_robots_txt_is_asked_again_after_a_busy_answer(one_day, tmp_path):
    site, server, base_url = one_day
    server.fault("/robots.txt", Fault.http(503))  # RFC 9309 would read a lasting 5xx as "no"
    db = tmp_path / "j.sqlite"
    stats = run_crawl(base_url, db, FIRST, FIRST)
    assert stats.pages_failed == 0 and stored(db) == expected(site, base_url)
    assert len(server.hits_of("/robots.txt")) == 2


def test_an_endless_robots_txt_stops_the_run_in_words(one_day, tmp_path):
    _site, server, base_url = one_day
    server.fault("/robots.txt", Fault("endless"))
    with pytest.raises(RobotsUnavailableError, match="МиБ"):
        run_crawl(base_url, tmp_path / "j.sqlite", FIRST, FIRST, max_page_bytes=1 << 20)
