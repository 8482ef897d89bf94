"""The crawl against a real local HTTP server: ground truth, idempotence, hand-written pages,
robots.txt, politeness."""

from __future__ import annotations

from datetime import date

import pytest

from inference.core.errors import Cancelled
from inference.core.progress import Progress
from scraper.anekdot_crawl import crawl_days
from scraper.db import connect
from scraper.errors import RobotsDisallowedError, RobotsUnavailableError
from scraper.http import HttpSettings, PoliteClient
from tests.scraper.conftest import fixture_page
from tests.scraper.crawl_helpers import (
    FAST,
    duplicates,
    expected,
    page_status,
    run_crawl,
    stored,
)
from tests.scraper.sitegen import build_site, page_path

FIRST = date(2024, 1, 1)


@pytest.fixture
def small_site(serve):
    site = build_site(FIRST, days=3)
    server, base_url = serve(site.routes())
    return site, server, base_url


def test_crawl_stores_exactly_the_published_jokes(small_site, tmp_path):
    site, server, base_url = small_site
    db = tmp_path / "jokes.sqlite"
    stats = run_crawl(base_url, db, FIRST, date(2024, 1, 3))

    assert stored(db) == expected(site, base_url)
    assert duplicates(db) == site.reposts
    assert set(page_status(db).values()) == {"done"}
    assert stats.pages_done == stats.pages_total == site.page_count
    assert stats.jokes_new == len(site.kept)
    assert stats.duplicates == len(site.reposts)
    assert stats.jokes_unchanged == 3  # the joke each day shows twice under one id
    assert stats.skipped_blocks == 2 * site.page_count  # a cartoon and an ad per page
    assert stats.rate_anomalies == 0
    # Every page fetched once, robots.txt once, always with our User-Agent.
    paths = [h.path for h in server.hits]
    assert sorted(paths) == sorted(["/robots.txt", *site.routes()])
    assert all(h.user_agent.startswith("DemotivatorStudio-scraper/") for h in server.hits)


def test_second_run_is_idempotent_and_fetches_nothing(small_site, tmp_path):
    site, server, base_url = small_site
    db = tmp_path / "jokes.sqlite"
    run_crawl(base_url, db, FIRST, date(2024, 1, 3))
    first_rows, requests_before = stored(db), len(server.hits)

    stats = run_crawl(base_url, db, FIRST, date(2024, 1, 3))
    assert stored(db) == first_rows
    assert len(server.hits) == requests_before
    assert stats.jokes_new == 0 and stats.pages_done == site.page_count


def test_extending_the_range_fetches_only_new_days(small_site, tmp_path):
    site, server, base_url = small_site
    db = tmp_path / "jokes.sqlite"
    run_crawl(base_url, db, FIRST, FIRST)
    run_crawl(base_url, db, FIRST, date(2024, 1, 3))
    assert stored(db) == expected(site, base_url)
    day_one = [p for p in site.routes() if "2024-01-01" in p]
    assert all(len(server.hits_of(p)) == 1 for p in day_one)


HANDWRITTEN = {
    "anekdot.ru:1460101": (
        "- Доктор, я всё время забываю, что говорил.\n- И давно это у вас?\n- Что давно?",
        57, 93, 75, 18, ("врачи", "память"), "Черная Молния",
    ),
    "anekdot.ru:1460102": (
        'Объявление на двери: «Ушёл на 5 минут. Уже 40 минут как» — и подпись: "Завхоз".',
        12, 40, 26, 14, (), None,
    ),
    "anekdot.ru:1460104": (
        "Жена мужу на 14 февраля:\n- Дорогой, а где цветы?\n"
        "- В магазине, дорогая. Я же не знал, какие ты любишь.",
        101, 161, 131, 30, ("семья",), "Leshi",
    ),
    "anekdot.ru:1460106": (
        "Валентинку отправил,\nАдрес перепутал.\n\nТеперь у меня две тёщи\nИ ни одной жены.",
        10, 30, 18, 9, (), None,
    ),
    "anekdot.ru:1460107": (
        "Программист покупает одну розу: бюджет не резиновый, а массив «с нуля».",
        -4, 20, 8, 12, (), None,
    ),
    "anekdot.ru:1460108": (
        "Купидон уволился: сказал, что по KPI он попадает, а метрики всё равно падают.",
        0, 0, 0, 0, (), None,
    ),
    "anekdot.ru:1460109": (
        "- Ты зачем купил сто валентинок?\n- Оптом дешевле.",
        44, 60, 52, 8, ("экономика",), "vesna17",
    ),
}  # fmt: skip


def test_handwritten_realistic_day(serve, tmp_path):
    day = date(2024, 2, 14)
    routes = {
        page_path("2024-02-14", 1): fixture_page("day_2024-02-14.html"),
        page_path("2024-02-14", 2): fixture_page("day_2024-02-14_2.html"),
    }
    _server, base_url = serve(routes)
    db = tmp_path / "jokes.sqlite"
    stats = run_crawl(base_url, db, day, day)

    rows = stored(db)
    assert {k: (v[0], *v[4:6], v[2], v[3], v[6], v[7]) for k, v in rows.items()} == HANDWRITTEN
    assert {v[1] for v in rows.values()} == {"2024-02-14"}
    assert duplicates(db) == {"anekdot.ru:1460110": "anekdot.ru:1460102"}
    assert stats.rate_anomalies == 1  # 1460106: 10;30;18;9 does not add up, kept as given
    assert stats.pages_done == 2 and stats.skipped_blocks == 3


def test_page_served_in_windows_1251_with_a_wrong_label(serve, tmp_path):
    day = date(2024, 2, 14)
    html = fixture_page("day_2024-02-14_2.html").decode()
    _server, base_url = serve({page_path("2024-02-14", 1): html.encode("cp1251")})
    db = tmp_path / "jokes.sqlite"
    run_crawl(base_url, db, day, day)  # served as "text/html; charset=utf-8"
    assert stored(db)["anekdot.ru:1460109"][0] == HANDWRITTEN["anekdot.ru:1460109"][0]


def test_robots_disallow_stops_before_any_page(serve, tmp_path):
    site = build_site(FIRST, days=1)
    server, base_url = serve(site.routes(), robots="User-agent: *\nDisallow: /release/\n")
    with pytest.raises(RobotsDisallowedError, match="/release/anekdot/day/2024-01-01/"):
        run_crawl(base_url, tmp_path / "jokes.sqlite", FIRST, FIRST)
    assert [h.path for h in server.hits] == ["/robots.txt"]


def test_robots_rules_for_our_agent_apply(serve, tmp_path):
    robots = "User-agent: DemotivatorStudio-scraper\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    server, base_url = serve(build_site(FIRST, days=1).routes(), robots=robots)
    with pytest.raises(RobotsDisallowedError):
        run_crawl(base_url, tmp_path / "jokes.sqlite", FIRST, FIRST)
    assert [h.path for h in server.hits] == ["/robots.txt"]


def test_missing_robots_txt_allows_everything(serve, tmp_path):
    site = build_site(FIRST, days=1)
    _server, base_url = serve(site.routes(), robots=None)
    run_crawl(base_url, tmp_path / "jokes.sqlite", FIRST, FIRST)
    assert stored(tmp_path / "jokes.sqlite") == expected(site, base_url)


def test_unreadable_robots_txt_stops(serve, tmp_path):
    from tests.scraper.server import Fault

    server, base_url = serve(build_site(FIRST, days=1).routes())
    server.fault("/robots.txt", *[Fault.http(503)] * 3)
    with pytest.raises(RobotsUnavailableError):
        run_crawl(base_url, tmp_path / "jokes.sqlite", FIRST, FIRST, retries=2)
    assert {h.path for h in server.hits} == {"/robots.txt"}


def test_delay_between_requests(serve, tmp_path):
    site = build_site(FIRST, days=1)
    server, base_url = serve(site.routes())
    run_crawl(base_url, tmp_path / "jokes.sqlite", FIRST, FIRST, delay_s=0.2)
    times = [h.at for h in server.hits]
    assert len(times) == site.page_count + 1
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.19


def test_robots_crawl_delay_raises_the_delay(serve):
    site = build_site(FIRST, days=1)
    _server, base_url = serve(site.routes(), robots="User-agent: *\nCrawl-delay: 7\n")
    client = PoliteClient(base_url, HttpSettings(**FAST))
    client.check_allowed(base_url + page_path("2024-01-01", 1))
    assert client.delay_s == 7.0
    client.close()


def test_cancel_between_pages_keeps_what_was_saved(small_site, tmp_path):
    site, _server, base_url = small_site
    db = tmp_path / "jokes.sqlite"
    progress = Progress()

    def cancel_after_two_pages(stats):
        if stats.pages_done >= 2:
            progress.cancel()

    conn = connect(db)
    client = PoliteClient(base_url, HttpSettings(**FAST))
    with pytest.raises(Cancelled):
        crawl_days(
            conn, client, FIRST, date(2024, 1, 3), progress=progress,
            on_update=cancel_after_two_pages,
        )  # fmt: skip
    client.close()
    conn.close()
    assert list(page_status(db).values()).count("done") == 2
    run_crawl(base_url, db, FIRST, date(2024, 1, 3))
    assert stored(db) == expected(site, base_url)
