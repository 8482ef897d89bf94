"""Generated anekdot.ru-like daily release pages, with the ground truth they encode.

The HTML is written from a template that mirrors the real markup (topicbox / text with <br> /
tags / votingbox-rates data-r / pageslist / a cartoon / a block without data-id), while the
expected joke texts are kept as plain strings — so the tests compare the parser's output
with what was meant, not with another parse.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

DAY_PATH = "/release/anekdot/day/{day}/"

SUBJECTS = [
    "Штирлиц",
    "Вовочка",
    "Программист",
    "Тёща",
    "Чапаев",
    "Студент",
    "Врач",
    "Рабинович",
]
ACTIONS = [
    "открыл холодильник",
    "пришёл на экзамен",
    "купил «Жигули»",
    "сел за компьютер",
    "позвонил в поддержку",
    "нашёл ошибку",
]
ENDINGS = [
    "и понял, что это надолго",
    "а там — опять понедельник",
    'и сказал: "ну и ну"',
    "но было уже поздно",
]
TAGS = ["Штирлиц", "программисты", "школа", "врачи", "семья"]
AUTHORS = ["Черная Молния", "Leshi", "vesna17", None, None]


@dataclass(frozen=True)
class Joke:
    native_id: int
    text: str  # what the parser must return
    source: str  # what the page shows (may hold double and non-breaking spaces)
    up: int
    down: int
    tags: tuple[str, ...] = ()
    author: str | None = None

    @property
    def net(self) -> int:
        return self.up - self.down

    @property
    def total(self) -> int:
        return self.up + self.down


@dataclass
class DayPlan:
    day: str
    pages: list[list[Joke]]  # jokes as shown, page by page (reposts included)


@dataclass
class Site:
    days: list[DayPlan]
    kept: dict[str, tuple[Joke, str]] = field(default_factory=dict)  # id -> (joke, day)
    reposts: dict[str, str] = field(default_factory=dict)  # repost id -> kept id

    def routes(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for plan in self.days:
            for number, jokes in enumerate(plan.pages, 1):
                out[page_path(plan.day, number)] = render_page(plan.day, number, plan, jokes)
        return out

    @property
    def page_count(self) -> int:
        return sum(len(p.pages) for p in self.days)


def page_path(day: str, number: int) -> str:
    base = DAY_PATH.format(day=day)
    return base if number == 1 else f"{base}{number}"


def _text(rng: random.Random, n: int) -> tuple[str, str]:
    """(expected text, text as the page shows it)."""
    who, what, end = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(ENDINGS)
    shape = n % 4
    if shape == 0:
        text = f"{who} {what} в {n} раз {end}."
    elif shape == 1:
        text = f"- {who}, вы зачем {what}?\n- Спросите у номера {n}.\n- Понятно."
    elif shape == 2:
        tail = f"{end}.\n\nМораль: {n} — не предел."
        return f"{who} {what} №{n},\n{tail}", f" {who}  {what}\u00a0№{n},\n{tail}"
    else:
        text = f"Объявление: «{who} {what}». Тираж {n} & ещё {n + 1}."
    return text, text


def build_site(first: date, days: int, seed: int = 7, start_id: int = 1_420_000) -> Site:
    """``days`` days of 2–4 pages each, 18–22 jokes a page, plus one repost a day from
    the second day on and one joke repeated on page 2 under the same id."""
    rng = random.Random(seed)
    site = Site(days=[])
    next_id = start_id
    for offset in range(days):
        day = (first + timedelta(days=offset)).isoformat()
        plan = DayPlan(day, [])
        for _page in range(rng.randint(2, 4)):
            jokes = []
            for _ in range(rng.randint(18, 22)):
                next_id += 1
                text, source = _text(rng, next_id)
                joke = Joke(
                    native_id=next_id,
                    text=text,
                    source=source,
                    up=rng.randint(0, 400),
                    down=rng.randint(0, 150),
                    tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
                    author=rng.choice(AUTHORS),
                )
                jokes.append(joke)
                site.kept[f"anekdot.ru:{joke.native_id}"] = (joke, day)
            plan.pages.append(jokes)
        if offset >= 1:  # a repost: earlier text, other case/punctuation, new id
            original_id, (original, _) = rng.choice(sorted(site.kept.items())[:40])
            next_id += 1
            shout = original.source.upper().replace(",", "")
            repost = Joke(next_id, shout, shout, 5, 1)
            plan.pages[-1].append(repost)
            site.reposts[f"anekdot.ru:{next_id}"] = original_id
        plan.pages[1].insert(0, plan.pages[0][0])  # same id shown twice
        site.days.append(plan)
    return site


def joke_html(joke: Joke) -> str:
    lines = [html.escape(line, quote=True) for line in joke.source.split("\n")]
    body = "<br>".join(line.replace("\u00a0", "&nbsp;") for line in lines)
    tags = "".join(f'<a href="/tags/{html.escape(t)}">{html.escape(t)}</a>' for t in joke.tags)
    author = (
        f'<a class="auth" href="https://gb.anekdot.ru/profile/?id=1">{html.escape(joke.author)}</a>'
        if joke.author
        else ""
    )
    rates = f"{joke.net};{joke.total};{joke.up};{joke.down}"
    return (
        f'<div class="topicbox" data-id="{joke.native_id}" data-t="j">\n'
        f'<div class="text">{body}</div>\n'
        + (f'<div class="tags">{tags}</div>\n' if tags else "")
        + f'<div class="votingbox"><div class="rates" data-id="{joke.native_id}"'
        f' data-r="{rates}"><span class="vote p">+</span><span class="value">{joke.net}'
        f'</span><span class="vote m">&ndash;</span></div>\n'
        f'<div class="btn2"><a href="/id/{joke.native_id}/" data-com="-1"></a>{author}</div>'
        "</div>\n</div>\n"
    )


def pageslist_html(day: str, number: int, count: int) -> str:
    parts = []
    for n in range(1, count + 1):
        href = page_path(day, n)
        parts.append(f"<span>{n}</span>" if n == number else f'<a href="{href}">{n}</a>')
    if number < count:
        parts.append(f'<a href="{page_path(day, number + 1)}">след. &rarr;</a>')
    return f'<div class="pageslist">{"".join(parts)}</div>'


def render_page(day: str, number: int, plan: DayPlan, jokes: list[Joke]) -> bytes:
    boxes = [joke_html(j) for j in jokes]
    # A cartoon and an ad block without data-id, as on the real pages.
    boxes.insert(
        3,
        f'<div class="topicbox" data-id="{9_000_000 + number}" data-t="e">'
        '<img class="data" alt="Карикатура" src="/i/caricatures/x.jpg">'
        '<div class="votingbox"><div class="rates" data-r="3;5;4;1"></div></div></div>\n',
    )
    boxes.insert(7, '<div class="topicbox"><div class="text">Реклама</div></div>\n')
    return (
        '<!DOCTYPE html>\n<html lang="ru">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"<title>Анекдоты за {day}</title></head>\n<body>\n"
        '<div class="content"><div class="col-left">\n'
        f"<h1>Все новые анекдоты за день</h1>\n{''.join(boxes)}"
        f"{pageslist_html(day, number, len(plan.pages))}\n</div></div>\n</body>\n</html>\n"
    ).encode()
