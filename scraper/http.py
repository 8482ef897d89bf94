"""A polite HTTP client: a real User-Agent, robots.txt, a delay between requests, a hard
timeout, and retries with exponential backoff.

Two layers of retries, because they catch different failures:
- urllib3's ``Retry`` (mounted on the requests Session) retries 429/5xx answers, honouring
  ``Retry-After``, and connection/read timeouts that happen before the headers arrive;
- :meth:`PoliteClient.get` retries what urllib3 cannot see: a body cut short (the
  connection dropped before Content-Length bytes, or an HTML page without ``</html>``) and
  a timeout while the body is being read.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from scraper.errors import FetchError, RobotsDisallowedError, RobotsUnavailableError, msg
from scraper.textnorm import decode_bytes

CONTACT_URL = "https://example.invalid/demotivator-studio/scraper"  # placeholder: set yours
DEFAULT_USER_AGENT = f"DemotivatorStudio-scraper/0.1 (+{CONTACT_URL})"
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = DEFAULT_USER_AGENT
    delay_s: float = 1.5  # between two requests; robots.txt Crawl-delay wins if larger
    timeout_s: float = 30.0  # hard limit per read (connect and each read)
    retries: int = 5  # per request, for 429/5xx/timeouts/cut bodies
    backoff_s: float = 2.0  # exponential: backoff_s * 2**(n-1), capped at backoff_max_s
    backoff_max_s: float = 120.0


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    text: str
    encoding: str


class TruncatedBody(Exception):
    """The body ended before the page did."""


def build_session(settings: HttpSettings) -> requests.Session:
    retry = Retry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        other=0,
        backoff_factor=settings.backoff_s,
        backoff_max=settings.backoff_max_s,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer comes back; get() turns it into FetchError
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(
        {
            "User-Agent": settings.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Language": "ru,en;q=0.5",
        }
    )
    return session


class PoliteClient:
    """GETs pages of one site, one at a time, never faster than the delay."""

    def __init__(
        self,
        base_url: str,
        settings: HttpSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.settings = settings or HttpSettings()
        self.session = build_session(self.settings)
        self._sleep = sleep
        self._last_request = 0.0
        self._robots: urllib.robotparser.RobotFileParser | None = None
        self.delay_s = self.settings.delay_s
        self.requests_made = 0

    def close(self) -> None:
        self.session.close()

    # --- robots.txt ----------------------------------------------------------------------
    def _load_robots(self) -> urllib.robotparser.RobotFileParser:
        robots_url = urljoin(self.base_url, "/robots.txt")
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            response = self._request(robots_url)
        except requests.RequestException as exc:
            raise RobotsUnavailableError(robots_url, _reason(exc, self.settings.timeout_s)) from exc
        if response.status_code != 200:
            response.close()
        if response.status_code in (401, 403):
            parser.disallow_all = True
        elif 400 <= response.status_code < 500:
            parser.allow_all = True  # no robots.txt: everything allowed
        elif response.status_code >= 500:
            # RFC 9309: an unreachable robots.txt means "assume everything is disallowed".
            raise RobotsUnavailableError(robots_url, f"HTTP {response.status_code}")
        else:
            text, _ = decode_bytes(response.content, response.encoding)
            parser.parse(text.splitlines())
        delay = parser.crawl_delay(self.settings.user_agent)
        if delay:
            self.delay_s = max(self.delay_s, float(delay))
        return parser

    def check_allowed(self, url: str) -> None:
        if self._robots is None:
            self._robots = self._load_robots()
        if not self._robots.can_fetch(self.settings.user_agent, url):
            raise RobotsDisallowedError(url)

    # --- fetching ------------------------------------------------------------------------
    def _request(self, url: str) -> requests.Response:
        wait = self._last_request + self.delay_s - time.monotonic()
        if self._last_request and wait > 0:
            self._sleep(wait)
        self.requests_made += 1
        try:
            return self.session.get(url, timeout=self.settings.timeout_s, stream=True)
        finally:
            self._last_request = time.monotonic()

    def get(self, url: str, *, expect_html: bool = True) -> Fetched:
        """The page at ``url`` (robots.txt permitting) or FetchError after the retries."""
        if urlsplit(url).netloc != urlsplit(self.base_url).netloc:
            raise FetchError(url, msg("fetch.other_site"))
        self.check_allowed(url)
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                response = self._request(url)
            except requests.RequestException as exc:  # urllib3 has retried already
                raise FetchError(url, _reason(exc, self.settings.timeout_s)) from exc
            try:
                if response.status_code != 200:
                    response.close()
                    raise FetchError(url, f"HTTP {response.status_code}")
                body = response.content  # may raise on a cut/slow body
                text, encoding = decode_bytes(body, _declared_charset(response))
                if expect_html and not _looks_complete(text):
                    raise TruncatedBody(msg("fetch.truncated", size=len(body)))
                return Fetched(response.url, response.status_code, text, encoding)
            except (requests.RequestException, TruncatedBody) as exc:
                if attempt + 1 >= attempts:
                    raise FetchError(url, _reason(exc, self.settings.timeout_s)) from exc
                backoff = self.settings.backoff_s * 2**attempt
                self._sleep(min(backoff, self.settings.backoff_max_s))
        raise AssertionError("unreachable")


def _declared_charset(response: requests.Response) -> str | None:
    content_type = response.headers.get("Content-Type", "")
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"'")
    return None


def _looks_complete(text: str) -> bool:
    """False for an empty body, or one that opens <html>/<body> and never closes it (a real
    page cut mid-way). A bare fragment without those tags cannot be judged and passes."""
    if not text.strip():
        return False
    head, tail = text[:4096].lower(), text[-2048:].lower()
    return all(f"<{tag}" not in head or f"</{tag}>" in tail for tag in ("html", "body"))


def _reason(exc: BaseException, timeout_s: float) -> str:
    """One readable cause instead of urllib3's "HTTPConnectionPool(...): Max retries
    exceeded ... Caused by ReadTimeoutError(...)" chain."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, MaxRetryError) and cause.reason is not None:
            cause = cause.reason
            continue
        if isinstance(cause, requests.Timeout | TimeoutError | ReadTimeoutError):
            return msg("fetch.timeout", seconds=f"{timeout_s:g}")
        if isinstance(cause, NewConnectionError):
            return msg("fetch.no_connection")
        nested = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        cause = nested or cause.__cause__ or cause.__context__
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
