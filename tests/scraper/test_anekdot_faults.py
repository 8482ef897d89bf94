"""Fault injection through the local server: 429 + Retry-After, 5xx, timeouts, cut bodies,
empty pages, a changed layout."""

from __future__ import annotations

from datetime import date

import pytest

from scraper.cli import main
from scraper.errors import LayoutChangedError
from tests.scraper.conftest import fixture_page
from tests.scraper.crawl_helpers import duplicates, expected, page_status, run_crawl, stored
from tests.scraper.server import Fault
from tests.scraper.sitegen import build_site, page_path

FIRST, LAST = date(2024, 1, 1), date(2024, 1, 2)
DAY1_P2 = page_path("2024-01-01", 2)


@pytest.fixture
def site_and_server(serve):
    site = build_site(FIRST, days=2)
    server, base_url = serve(site.routes())
    return site, server, base_url


def crawl_ok(site, base_url, db, **overrides):
    stats = run_crawl(base_url, db, FIRST, LAST, **overrides)
    assert stored(db) == expected(site, base_url)
    return stats


def test_429_with_retry_after_is_honoured(site_and_server, tmp_path):
    site, server, base_url = site_and_server
    server.fault(DAY1_P2, Fault.http(429, retry_after="1"))
    crawl_ok(site, base_url, tmp_path / "j.sqlite")
    hits = server.hits_of(DAY1_P2)
    assert len(hits) == 2
    assert hits[1].at - hits[0].at >= 0.95  # waited as the server asked, not backoff 0


def test_500_then_success(site_and_server, tmp_path):
    site, server, base_url = site_and_server
    server.fault(DAY1_P2, Fault.http(500), Fault.http(502))
    stats = crawl_ok(site, base_url, tmp_path / "j.sqlite")
    assert len(server.hits_of(DAY1_P2)) == 3
    assert stats.pages_failed == 0


def test_timeout_then_success(site_and_server, tmp_path):
    site, server, base_url = site_and_server
    server.fault(DAY1_P2, Fault.slow(2.0))
    crawl_ok(site, base_url, tmp_path / "j.sqlite", timeout_s=0.5)
    assert len(server.hits_of(DAY1_P2)) == 2


@pytest.mark.parametrize("kind", ["truncate", "cut_html", "empty"])
def test_cut_or_empty_body_is_fetched_again(site_and_server, tmp_path, kind):
    site, server, base_url = site_and_server
    server.fault(DAY1_P2, Fault(kind))
    crawl_ok(site, base_url, tmp_path / "j.sqlite")
    assert len(server.hits_of(DAY1_P2)) == 2


def test_redirect_elsewhere_is_an_error_not_jokes_of_that_day(serve, tmp_path):
    site = build_site(FIRST, days=1)
    routes = site.routes()
    routes["/"] = routes[page_path("2024-01-01", 1)]  # a front page full of jokes
    server, base_url = serve(routes)
    server.fault(DAY1_P2, Fault("redirect"))
    stats = run_crawl(base_url, tmp_path / "j.sqlite", FIRST, FIRST)
    assert stats.pages_failed == 1 and "/" in stats.failures[0][1]
    assert page_status(tmp_path / "j.sqlite")[base_url + DAY1_P2] == "error"


def test_persistent_failure_is_recorded_and_retried_next_run(site_and_server, tmp_path):
    site, server, base_url = site_and_server
    page_two = {f"anekdot.ru:{j.native_id}" for j in site.days[0].pages[1]}
    assert set(site.reposts.values()) & page_two  # day 2 reposts a joke of this page
    db = tmp_path / "j.sqlite"
    server.fault(DAY1_P2, *[Fault.http(500)] * 3)  # retries=2: three answers, all 500
    stats = run_crawl(base_url, db, FIRST, LAST)
    assert stats.pages_failed == 1
    assert stats.failures[0][0].endswith(DAY1_P2) and "HTTP 500" in stats.failures[0][1]
    statuses = page_status(db)
    assert statuses[base_url + DAY1_P2] == "error"
    assert list(statuses.values()).count("done") == site.page_count - 1
    # The rest of the range went on; the next run fetches only the failed page. Meanwhile
    # a day-2 repost of a joke on that page was stored; the original now takes its place.
    before = len(server.hits)
    crawl_ok(site, base_url, db)
    assert [h.path for h in server.hits[before:]] == ["/robots.txt", DAY1_P2]
    assert duplicates(db) == site.reposts


def test_timeout_every_time_is_reported_in_words(site_and_server, tmp_path):
    _site, server, base_url = site_and_server
    server.fault(DAY1_P2, *[Fault.slow(1.0)] * 3)
    stats = run_crawl(base_url, tmp_path / "j.sqlite", FIRST, LAST, timeout_s=0.3)
    assert stats.pages_failed == 1
    reason = stats.failures[0][1]
    assert "0.3" in reason and "HTTPConnectionPool" not in reason and len(reason) < 200


def test_cut_body_every_time_is_an_error_not_a_partial_page(site_and_server, tmp_path):
    site, server, base_url = site_and_server
    db = tmp_path / "j.sqlite"
    server.fault(DAY1_P2, *[Fault("truncate")] * 3)
    stats = run_crawl(base_url, db, FIRST, LAST)
    assert stats.pages_failed == 1
    page_two_ids = {f"anekdot.ru:{j.native_id}" for j in site.days[0].pages[1]}
    first_of_day = f"anekdot.ru:{site.days[0].pages[0][0].native_id}"
    assert not (page_two_ids - {first_of_day}) & set(stored(db))


def test_changed_layout_stops_the_run_with_the_url(serve, tmp_path):
    site = build_site(FIRST, days=2)
    routes = site.routes()
    changed = page_path("2024-01-02", 1)
    routes[changed] = routes[changed].replace(b"topicbox", b"topic-card")
    server, base_url = serve(routes)
    db = tmp_path / "j.sqlite"
    with pytest.raises(LayoutChangedError) as info:
        run_crawl(base_url, db, FIRST, LAST)
    assert base_url + changed in str(info.value)
    # Day one is complete; nothing after the changed page was requested.
    assert server.hits[-1].path == changed
    statuses = page_status(db)
    assert statuses[base_url + changed] == "error"
    day_one = [u for u in statuses if "2024-01-01" in u]
    assert day_one and all(statuses[u] == "done" for u in day_one)


def test_cli_reports_a_changed_layout_in_one_line(serve, tmp_path, capsys):
    day = "2024-02-14"
    html = fixture_page("day_2024-02-14.html").replace(b'class="text', b'class="joke-body')
    _server, base_url = serve({page_path(day, 1): html})
    code = main(
        ["anekdot", "--from", day, "--to", day, "--db", str(tmp_path / "j.sqlite"),
         "--base-url", base_url, "--delay", "0", "--quiet"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{base_url}/release/anekdot/day/{day}/" in err and "div.text" in err
