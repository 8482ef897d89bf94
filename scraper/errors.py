"""Errors the scraper shows the user: one translated line that says what to do."""

from __future__ import annotations

from inference.core.errors import DemotivatorError, InputError, OutputError
from inference.core.i18n import tr

DOMAIN = "scraper"


def msg(key: str, /, **kwargs: object) -> str:
    """A message from resources/i18n/scraper.json in the current language."""
    return tr(key, DOMAIN, **kwargs)


class ScrapeError(DemotivatorError):
    """The crawl cannot go on (the run stops; what was saved stays saved)."""


class FetchError(ScrapeError):
    """A page could not be fetched even after the retries."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(msg("fetch.failed", url=url, reason=reason))
        self.url = url
        self.reason = reason


class LayoutChangedError(ScrapeError):
    """A page no longer looks like the pages the parser was written for."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(msg("layout.changed", url=url, reason=reason))
        self.url = url


class RobotsDisallowedError(ScrapeError):
    """robots.txt forbids this tool to fetch the page."""

    def __init__(self, url: str) -> None:
        super().__init__(msg("robots.disallowed", url=url))
        self.url = url


class RobotsUnavailableError(ScrapeError):
    """robots.txt could not be read; RFC 9309 says to assume everything is disallowed."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(msg("robots.unavailable", url=url, reason=reason))
        self.url = url


class DatasetError(OutputError):
    """The SQLite file cannot be opened or written, or is not a jokes dataset."""


__all__ = [
    "DatasetError",
    "FetchError",
    "InputError",
    "LayoutChangedError",
    "RobotsDisallowedError",
    "RobotsUnavailableError",
    "ScrapeError",
    "msg",
]
