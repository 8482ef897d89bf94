"""Parse one anekdot.ru listing page (e.g. ``/release/anekdot/day/2024-01-05/``).

Markup it relies on (checked against saved real pages; see scraper/README.md):

    <div class="topicbox" data-id="938002" data-t="j">          one published item
      <div class="text">line one<br>- dialogue line</div>       the joke, <br> = new line
      <div class="tags"><a href="/tags/…">Путин</a></div>        optional
      <div class="votingbox"><div class="rates" data-id="938002"
           data-r="641;789;715;74">…</div></div>                net;total;up;down
      … <a class="auth" href="…">author</a>                     optional
    </div>
    <div class="pageslist"><a href="…/2">2</a> … <a href="…/2">след. →</a></div>

Older pages put ``data-t`` on an inner ``div.time`` instead of the topicbox; both work.
``data-t`` is the item type: j = joke, o = story, a = aphorism, c = poem, e = cartoon.
Items without ``data-id`` (ads, headers) and items without text (cartoons) are skipped.
Text reads as a browser's innerText (inline tags are text, a <div> line is a line, a <p> a
paragraph). A ``div.rates`` without ``data-r`` (as on the single-joke pages) is read from
the vote counts in its spans' titles ("за 9 голосов", "всего 24 голоса", "против 12 …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from scraper.errors import LayoutChangedError, msg
from scraper.textnorm import clean_text, parse_date

JOKE_TYPE = "j"
_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
_PARAGRAPH_BREAKS = 2  # innerText puts a blank line around a <p>
_SKIP_TAGS = {"script", "style", "noscript", "template"}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_NUMBER = re.compile(r"\d+")
_SIGNED = re.compile(r"\s*[-+\u2212]?\d+")
_DATE_IN_TITLE = re.compile(r"\b(\d{2}\.\d{2}\.\d{4})\b")


@dataclass(frozen=True)
class Rates:
    net: int
    total: int
    up: int
    down: int

    @property
    def consistent(self) -> bool:
        """The arithmetic the site's numbers obey: net = up - down, total = up + down."""
        return self.net == self.up - self.down and self.total == self.up + self.down


@dataclass(frozen=True)
class ParsedJoke:
    native_id: str
    text: str
    rates: Rates | None
    tags: tuple[str, ...]
    author: str | None
    date: str | None  # when the item shows its own date; else the page's day applies


@dataclass(frozen=True)
class PageLink:
    url: str  # absolute
    label: str  # link text: "2", "след. →", …


@dataclass(frozen=True)
class ParsedPage:
    jokes: list[ParsedJoke]
    skipped: int  # topicboxes that are not jokes (no data-id, other types, pictures only)
    links: list[PageLink]  # pagination links


def parse_rates(value: str | None) -> Rates | None:
    """``"641;789;715;74"`` → Rates(net=641, total=789, up=715, down=74); None if malformed."""
    if not value:
        return None
    parts = [p.strip() for p in value.split(";")]
    if len(parts) != 4:
        return None
    try:
        net, total, up, down = (int(p) for p in parts)
    except ValueError:
        return None
    return Rates(net, total, up, down)


def _votes_in_title(node: Tag | None) -> int | None:
    # "за 9 голосов" / "против 12 голосов" / "всего 24 голоса" → the number
    match = _NUMBER.search(str(node.get("title") or "")) if node is not None else None
    return int(match.group(0)) if match else None


def block_rates(rates: Tag) -> Rates | None:
    """The four numbers of a ``div.rates``: from ``data-r`` when it has one; otherwise
    (pages that dropped it, like the single-joke pages) from the vote counts in the titles
    of its + / value / – spans and the shown rating."""
    if rates.get("data-r") is not None:
        return parse_rates(str(rates["data-r"]))
    up = _votes_in_title(rates.select_one(".vote.p"))
    down = _votes_in_title(rates.select_one(".vote.m"))
    value = rates.select_one(".value")
    shown = _SIGNED.match(value.find(string=True, recursive=False) or "") if value else None
    if up is None or down is None:
        return None
    net = int(shown.group(0).replace("\u2212", "-")) if shown else up - down
    total = _votes_in_title(value)
    return Rates(net, up + down if total is None else total, up, down)


def _item_type(box: Tag) -> str | None:
    own = box.get("data-t")
    if own:
        return str(own)
    inner = box.find(attrs={"data-t": True})
    return str(inner["data-t"]) if isinstance(inner, Tag) else None


def _render(node: Tag, out: list[str | int]) -> None:
    """Text as a browser's innerText shows it: source whitespace collapses, <br> is a new
    line, and a block asks for a line break before and after it (an int: how many)."""
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            out.append(_HTML_SPACE.sub(" ", str(child)))
        elif isinstance(child, Tag):
            if child.name in _SKIP_TAGS:
                continue
            if child.name == "br":
                out.append("\n")
            elif child.name in _BLOCK_TAGS:
                breaks = _PARAGRAPH_BREAKS if child.name == "p" else 1
                out.append(breaks)
                _render(child, out)
                out.append(breaks)
            else:
                _render(child, out)


def _join(parts: list[str | int]) -> str:
    # Adjacent block edges ask for breaks together: the largest request wins (so
    # "<div>a</div><div>b</div>" is two lines, not a blank line), and none at the ends.
    text: list[str] = []
    pending = 0
    for part in parts:
        if isinstance(part, int):
            pending = max(pending, part)
        elif pending and not part.strip(" "):
            continue  # source whitespace between two blocks is not text
        else:
            if pending and text:
                text.append("\n" * pending)
            pending = 0
            text.append(part)
    return "".join(text)


def element_text(node: Tag) -> str:
    parts: list[str | int] = []
    _render(node, parts)
    return clean_text(_join(parts))


def _own_date(box: Tag) -> str | None:
    title = box.select_one(".title")
    if title is None:
        return None
    match = _DATE_IN_TITLE.search(title.get_text(" "))
    return parse_date(match.group(1)) if match else None


def parse_listing(html: str, page_url: str) -> ParsedPage:
    """Jokes and pagination of one listing page; LayoutChangedError when the page does not
    have the structure this parser knows (rather than silently finding nothing)."""
    soup = BeautifulSoup(html, "html.parser")
    boxes = soup.select("div.topicbox")
    if not boxes:
        raise LayoutChangedError(page_url, msg("layout.no_topicbox"))
    jokes: list[ParsedJoke] = []
    skipped = 0
    typed_jokes = 0  # boxes that claim to be jokes, with or without readable text
    for box in boxes:
        native_id = str(box.get("data-id") or "").strip()
        kind = _item_type(box)
        if not native_id or kind not in (JOKE_TYPE, None):
            skipped += 1
            continue
        typed_jokes += 1
        text_div = box.select_one("div.text")
        text = element_text(text_div) if text_div is not None else ""
        if not text:  # a cartoon / picture-only item
            skipped += 1
            continue
        rates_div = box.select_one("div.rates[data-r]") or box.select_one("div.rates")
        tags = tuple(
            t for t in (a.get_text(" ", strip=True) for a in box.select("div.tags a")) if t
        )
        author = box.select_one("a.auth")
        jokes.append(
            ParsedJoke(
                native_id=native_id,
                text=text,
                rates=block_rates(rates_div) if rates_div is not None else None,
                tags=tags,
                author=author.get_text(" ", strip=True) or None if author else None,
                date=_own_date(box),
            )
        )
    if typed_jokes and not jokes:
        raise LayoutChangedError(page_url, msg("layout.no_text"))
    if jokes and all(j.rates is None for j in jokes):
        raise LayoutChangedError(page_url, msg("layout.no_rates"))
    links = [
        PageLink(urljoin(page_url, str(a["href"])), a.get_text(" ", strip=True))
        for a in soup.select("div.pageslist a[href]")
    ]
    return ParsedPage(jokes, skipped, links)
