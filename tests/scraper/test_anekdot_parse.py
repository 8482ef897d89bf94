"""The anekdot.ru listing parser on hand-written pages that mirror the real markup."""

from __future__ import annotations

import pytest

from scraper.anekdot_parse import Rates, parse_listing, parse_rates
from scraper.errors import LayoutChangedError
from scraper.textnorm import decode_bytes, text_hash
from tests.scraper.conftest import fixture_page

PAGE_URL = "https://www.anekdot.ru/release/anekdot/day/2024-02-14/"


def parse_fixture(name: str, url: str = PAGE_URL):
    text, _ = decode_bytes(fixture_page(name))
    return parse_listing(text, url)


def test_day_page_jokes_texts_and_numbers():
    page = parse_fixture("day_2024-02-14.html")
    by_id = {j.native_id: j for j in page.jokes}
    assert list(by_id) == ["1460101", "1460102", "1460104", "1460106", "1460107"]
    assert by_id["1460101"].text == (
        "- Доктор, я всё время забываю, что говорил.\n- И давно это у вас?\n- Что давно?"
    )
    assert by_id["1460101"].tags == ("врачи", "память")
    assert by_id["1460101"].author == "Черная Молния"
    assert by_id["1460101"].rates == Rates(net=57, total=93, up=75, down=18)
    # Entities decoded, non-breaking spaces become plain spaces.
    assert by_id["1460102"].text == (
        'Объявление на двери: «Ушёл на 5 минут. Уже 40 минут как» — и подпись: "Завхоз".'
    )
    assert by_id["1460102"].author is None and by_id["1460102"].tags == ()
    # Source line breaks and indentation are not text; <br /> and <br/> are.
    assert by_id["1460104"].text == (
        "Жена мужу на 14 февраля:\n- Дорогой, а где цветы?\n"
        "- В магазине, дорогая. Я же не знал, какие ты любишь."
    )
    # A blank line between stanzas (<br><br>) stays.
    assert by_id["1460106"].text == (
        "Валентинку отправил,\nАдрес перепутал.\n\nТеперь у меня две тёщи\nИ ни одной жены."
    )
    assert by_id["1460107"].text == (
        "Программист покупает одну розу: бюджет не резиновый, а массив «с нуля»."
    )
    assert by_id["1460107"].rates == Rates(net=-4, total=20, up=8, down=12)


def test_non_jokes_are_skipped_and_counted():
    page = parse_fixture("day_2024-02-14.html")
    # the header box without data-id, the cartoon (data-t="e"), the story (data-t="o")
    assert page.skipped == 3
    assert "1460103" not in {j.native_id for j in page.jokes}
    assert "1460105" not in {j.native_id for j in page.jokes}


def test_rates_arithmetic_is_checked_but_numbers_kept():
    page = parse_fixture("day_2024-02-14.html")
    rates = {j.native_id: j.rates for j in page.jokes}
    assert rates["1460101"].consistent
    assert rates["1460106"] == Rates(net=10, total=30, up=18, down=9)
    assert not rates["1460106"].consistent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("641;789;715;74", Rates(641, 789, 715, 74)),
        (" -3 ; 21 ; 9 ; 12 ", Rates(-3, 21, 9, 12)),
        ("1;2;3", None),
        ("a;b;c;d", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_rates(raw, expected):
    assert parse_rates(raw) == expected


def test_pagination_links_are_absolute():
    page = parse_fixture("day_2024-02-14.html")
    urls = {(link.label, link.url) for link in page.links}
    assert ("2", PAGE_URL + "2") in urls
    assert ("след. →", PAGE_URL + "2") in urls


def test_old_layout_with_type_on_inner_element():
    page = parse_fixture("home_2018_layout.html", "https://www.anekdot.ru/")
    assert [j.native_id for j in page.jokes] == ["938101", "938104"]
    assert page.jokes[1].text == (
        "- Чем весенняя хандра отличается от осенней?\n- Весной ещё и солнце раздражает."
    )
    assert page.jokes[1].tags == ("весна",)
    assert page.skipped == 3  # story, cartoon, aphorism


def test_repost_on_page_two_has_the_same_text_hash():
    first = {j.native_id: j for j in parse_fixture("day_2024-02-14.html").jokes}
    second = {j.native_id: j for j in parse_fixture("day_2024-02-14_2.html").jokes}
    assert first["1460102"].text != second["1460110"].text
    assert text_hash(first["1460102"].text) == text_hash(second["1460110"].text)


def test_changed_layout_is_an_error_naming_the_url():
    html = fixture_page("day_2024-02-14.html").decode().replace("topicbox", "topic-card")
    with pytest.raises(LayoutChangedError) as info:
        parse_listing(html, PAGE_URL)
    assert PAGE_URL in str(info.value)


def test_renamed_text_block_is_a_layout_change():
    html = fixture_page("day_2024-02-14.html").decode().replace('class="text', 'class="body')
    with pytest.raises(LayoutChangedError, match="div.text"):
        parse_listing(html, PAGE_URL)


def test_renamed_rates_block_is_a_layout_change():
    html = fixture_page("day_2024-02-14.html").decode().replace("data-r=", "data-score=")
    with pytest.raises(LayoutChangedError, match="rates"):
        parse_listing(html, PAGE_URL)


def test_empty_and_malformed_pages():
    with pytest.raises(LayoutChangedError):
        parse_listing("", PAGE_URL)
    # Unclosed tags everywhere: html.parser still finds the jokes.
    broken = (
        '<html><body><div class="topicbox" data-id="1" data-t="j"><div class="text">Раз<br>два'
        '<div class="rates" data-r="1;1;1;0"><div class="topicbox" data-id="2" data-t="j">'
        '<div class="text">Три</div><div class="rates" data-r="2;2;2;0"></div>'
    )
    page = parse_listing(broken, PAGE_URL)
    assert [j.native_id for j in page.jokes] == ["1", "2"]
    assert page.jokes[1].text == "Три"
    assert page.jokes[1].rates == Rates(2, 2, 2, 0)


def test_windows_1251_page_decodes_with_and_without_a_correct_label():
    html = fixture_page("day_2024-02-14.html").decode()
    cp1251 = html.replace("charset=utf-8", "charset=windows-1251").encode("cp1251")
    text, encoding = decode_bytes(cp1251, "windows-1251")
    assert encoding == "windows-1251" and text == html.replace("utf-8", "windows-1251")
    # Declared utf-8 by a misconfigured server: strict decoding fails, cp1251 is used.
    text, encoding = decode_bytes(cp1251, "utf-8")
    assert encoding.lower() in ("windows-1251", "cp1251")
    page = parse_listing(text, PAGE_URL)
    assert page.jokes[0].text.startswith("- Доктор, я всё время")
