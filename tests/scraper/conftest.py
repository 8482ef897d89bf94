"""Fixtures of the scraper tests: a local fixture site and hand-written pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.scraper.server import DEFAULT_ROBOTS, FixtureSite

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[FixtureSite, str]]]:
    """``site, base_url = serve(routes, robots=...)``; every site is stopped afterwards."""
    started: list[FixtureSite] = []

    def start(routes: dict[str, bytes], robots: str | None = DEFAULT_ROBOTS):
        site = FixtureSite(routes, robots)
        started.append(site)
        return site, site.start()

    yield start
    for site in started:
        site.stop()


def serve_site(serve: Callable[..., tuple[FixtureSite, str]], first, days: int) -> tuple:
    """(site plan, server, base URL) of a generated site of ``days`` days from ``first``."""
    from tests.scraper.sitegen import build_site

    site = build_site(first, days=days)
    server, base_url = serve(site.routes())
    return site, server, base_url
