"""Markup variants the real site has (or had) beyond the main fixtures: attribute order,
extra wrappers, nested tags, block-level lines, ratings without ``data-r``, pagination
links that are absolute ``https://www.anekdot.ru/…`` URLs with ``?page=N``, windows-1251
declared only in a <meta>, and pages that are bare fragments."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

from scraper.anekdot_parse import Rates, block_rates, element_text, parse_listing
from scraper.textnorm import decode_bytes
from tests.scraper.conftest import fixture_page
from tests.scraper.crawl_helpers import duplicates, page_status, run_crawl, stored

DAY = date(2023, 11, 26)
DAY_PATH = "/release/anekdot/day/2023-11-26/"


def text_of(html: str) -> str:
    return element_text(BeautifulSoup(html, "html.parser").div)


def test_block_elements_break_lines_like_a_browser():
    # Divs are lines (no blank line between them); a <p> is a paragraph (innerText).
    assert text_of("<div><div>раз</div>\n  <div>два</div></div>") == "раз\nдва"
    assert text_of("<div>раз<div>два</div>три</div>") == "раз\nдва\nтри"
    assert text_of("<div><p>раз</p>\n<p>два</p></div>") == "раз\n\nдва"
    assert text_of("<div><ul><li>раз</li><li>два</li></ul></div>") == "раз\nдва"
    assert text_of("<div>раз<span> </span>два</div>") == "раз два"


def test_ratings_without_data_r_come_from_the_vote_titles():
    html = (
        '<div class="rates" data-id="587827"><span class="vote p" title="за 9 голосов">+</span>'
        '<span class="value" title="всего 24 голоса">-3<span class="delta"></span></span>'
        '<span class="vote m" title="против 12 голосов">&ndash;</span></div>'
    )
    assert block_rates(BeautifulSoup(html, "html.parser").div) == Rates(-3, 24, 9, 12)
    bare = '<div class="rates"><span class="value">5</span></div>'
    assert block_rates(BeautifulSoup(bare, "html.parser").div) is None


def test_variant_page_parses_to_what_it_shows():
    text, encoding = decode_bytes(fixture_page("variant_day_p1.html").decode().encode("cp1251"))
    assert encoding.lower() in ("windows-1251", "cp1251")
    page = parse_listing(text, f"https://www.anekdot.ru{DAY_PATH}")
    jokes = {j.native_id: j for j in page.jokes}
    assert list(jokes) == ["1501001", "1501003", "1501004"]
    assert jokes["1501001"].text == "— Сколько у вас стоит кофе?\n— Сто рублей.\n— А без кофе?"
    assert jokes["1501001"].tags == ("кофе", "цены")
    assert jokes["1501001"].rates == Rates(12, 20, 16, 4)
    assert jokes["1501003"].text == "Первая строка\nВторая «строка»\n\nАбзац после"
    assert jokes["1501003"].rates == Rates(-3, 21, 9, 12)
    assert jokes["1501004"].text == "Вовочка&Ко <не> шутят… Или шутят."
    assert page.skipped == 2  # the header box and the cartoon


def test_mirror_of_saved_pages_with_absolute_links_and_meta_only_charset(serve, tmp_path):
    # Saved copies of the real site link to https://www.anekdot.ru/…; served from a mirror
    # the crawl must follow them on the mirror, by path, and find page 2 (?page=2).
    routes = {
        DAY_PATH: fixture_page("variant_day_p1.html").decode().encode("cp1251"),
        f"{DAY_PATH}?page=2": fixture_page("variant_day_p2.html").decode().encode("cp1251"),
    }
    site, base_url = serve(routes)
    for resource in site.resources.values():
        resource.content_type = "text/html"  # no charset in the header: only the <meta>
    db = tmp_path / "j.sqlite"
    stats = run_crawl(base_url, db, DAY, DAY)

    rows = stored(db)
    assert sorted(rows) == [f"anekdot.ru:{n}" for n in (1501001, 1501003, 1501004, 1501005)]
    assert rows["anekdot.ru:1501005"][0] == "Ёжик в тумане\nнашёл Wi-Fi."
    assert {r[1] for r in rows.values()} == {"2023-11-26"}
    assert duplicates(db) == {"anekdot.ru:1501006": "anekdot.ru:1501001"}
    assert page_status(db) == {
        f"{base_url}{DAY_PATH}": "done",
        f"{base_url}{DAY_PATH}?page=2": "done",
    }
    assert stats.pages_done == 2 and stats.pages_failed == 0
    assert len(site.hits_of(DAY_PATH)) == 2  # page 1 and page 2, each fetched once


def test_bare_fragment_page_is_not_taken_for_a_cut_one(serve, tmp_path):
    fragment = (
        '<div class="topicbox" data-id="7" data-t="j"><div class="text">Коротко.</div>'
        '<div class="votingbox"><div class="rates" data-r="2;4;3;1"></div></div></div>'
    )
    site, base_url = serve({DAY_PATH: fragment.encode()})
    db = tmp_path / "j.sqlite"
    stats = run_crawl(base_url, db, DAY, DAY, retries=3)
    assert stored(db)["anekdot.ru:7"][0] == "Коротко."
    assert stats.pages_failed == 0 and len(site.hits_of(DAY_PATH)) == 1
