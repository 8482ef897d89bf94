"""A polite HTTP client: a real User-Agent, robots.txt, a delay between requests, a hard
timeout, and retries with exponential backoff.

Two layers of retries, because they catch different failures:
- urllib3's ``Retry`` (mounted on the requests Session) retries connection/read timeouts
  that happen before the headers arrive;
- :meth:`PoliteClient.get` retries 429/5xx answers (honouring ``Retry-After``), a body cut
  short (the connection dropped before Content-Length bytes, or an HTML page without
  ``</html>``) and a body that does not arrive whole within the timeout.

Bounds, so that no server can make a run grow or stall without a word: the body of a page
is read in pieces up to ``max_page_bytes`` (a larger page is an error of that page); the
timeout is a deadline for the whole body, not per read (a server sending 1 byte/s fails
it); every wait (Crawl-delay, Retry-After, backoff) is capped at ``max_wait_s``, a long one
is announced through ``on_wait``, and every wait ends early once ``cancelled()`` is true.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from inference.core.errors import Cancelled
from scraper.errors import FetchError, RobotsDisallowedError, RobotsUnavailableError, msg
from scraper.textnorm import decode_bytes, decode_counted

CONTACT_URL = "https://example.invalid/demotivator-studio/scraper"  # placeholder: set yours
DEFAULT_USER_AGENT = f"DemotivatorStudio-scraper/0.1 (+{CONTACT_URL})"
RETRY_STATUSES = (429, 500, 502, 503, 504)
ANNOUNCE_WAIT_S = 5.0  # waits at least this long are announced (the bar would look stuck)
WAIT_STEP_S = 0.2  # a wait checks for Ctrl+C this often
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = DEFAULT_USER_AGENT
    delay_s: float = 1.5  # between two requests; robots.txt Crawl-delay wins if larger
    timeout_s: float = 30.0  # connect, each read, and the whole body of one request
    retries: int = 5  # per request, for 429/5xx/timeouts/cut bodies
    backoff_s: float = 2.0  # exponential: backoff_s * 2**(n-1), capped at backoff_max_s
    backoff_max_s: float = 120.0
    max_wait_s: float = 300.0  # cap of one Retry-After or Crawl-delay wait
    max_page_bytes: int = 16 << 20  # a daily page is ~0.3 MB; bigger is not a page of ours


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    text: str
    encoding: str
    bad_bytes: int = 0  # bytes not valid in the page's encoding, replaced by U+FFFD


class TruncatedBody(Exception):
    """The body ended before the page did."""


class BodyTooSlow(Exception):
    """The body did not arrive whole before the request's deadline."""


class PageTooLarge(Exception):
    """The body is larger than ``max_page_bytes`` (not retried: it would be again)."""


def build_session(settings: HttpSettings) -> requests.Session:
    retry = Retry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=0,  # 429/5xx: get() waits itself (capped, announced, Ctrl+C-able)
        other=0,
        backoff_factor=settings.backoff_s,
        backoff_max=settings.backoff_max_s,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=False,
        raise_on_status=False,
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
        cancelled: Callable[[], bool] = lambda: False,
        on_wait: Callable[[float, str], None] = lambda seconds, reason: None,
        on_notice: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.settings = settings or HttpSettings()
        self.session = build_session(self.settings)
        self._sleep = sleep
        self.cancelled = cancelled  # e.g. lambda: progress.cancelled (first Ctrl+C)
        self.on_wait = on_wait  # (seconds, why): shown to the user before a long wait
        self.on_notice = on_notice  # a line the user should read (a capped Crawl-delay)
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
        for attempt in range(self.settings.retries + 1):  # a busy moment is no verdict
            try:
                response = self._request(robots_url)
            except requests.RequestException as exc:
                reason = _reason(exc, self.settings.timeout_s)
                raise RobotsUnavailableError(robots_url, reason) from exc
            if response.status_code not in RETRY_STATUSES or attempt == self.settings.retries:
                break
            response.close()
            self._wait_to_retry(response, attempt)
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
            try:  # the same bounds as a page: no endless or 1 byte/s robots.txt
                deadline = time.monotonic() + self.settings.timeout_s
                body = _read_body(response, deadline, self.settings.max_page_bytes)
            except (requests.RequestException, Urllib3Error, BodyTooSlow, PageTooLarge) as exc:
                reason = _reason(exc, self.settings.timeout_s)
                raise RobotsUnavailableError(robots_url, reason) from exc
            finally:
                response.close()
            text, _ = decode_bytes(body, response.encoding)
            parser.parse(text.splitlines())
        delay = parser.crawl_delay(self.settings.user_agent)
        if delay:
            asked = float(delay)
            if asked > self.settings.max_wait_s:
                self.on_notice(
                    msg("wait.crawl_delay_capped", asked=f"{asked:g}", cap=self._cap_text())
                )
            self.delay_s = max(self.delay_s, min(asked, self.settings.max_wait_s))
        return parser

    def check_allowed(self, url: str) -> None:
        if self._robots is None:
            self._robots = self._load_robots()
        if not self._robots.can_fetch(self.settings.user_agent, url):
            raise RobotsDisallowedError(url)

    # --- waiting -------------------------------------------------------------------------
    def _cap_text(self) -> str:
        return f"{self.settings.max_wait_s:g}"

    def wait(self, seconds: float, reason: str) -> None:
        """Sleep ``seconds`` (capped at ``max_wait_s``), saying why when it is long, and
        stop with Cancelled as soon as ``cancelled()`` turns true."""
        seconds = min(seconds, self.settings.max_wait_s)
        if seconds <= 0:
            return
        if seconds >= ANNOUNCE_WAIT_S:
            self.on_wait(seconds, reason)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.cancelled():
                raise Cancelled()
            self._sleep(min(left, WAIT_STEP_S))
        if self.cancelled():
            raise Cancelled()

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.backoff_s * 2**attempt, self.settings.backoff_max_s)

    def _wait_to_retry(self, response: requests.Response, attempt: int) -> None:
        """Before repeating a 429/5xx answer: what Retry-After asks (seconds or a date,
        capped), else the exponential backoff."""
        status = f"HTTP {response.status_code}"
        asked = _retry_after(response.headers.get("Retry-After"))
        if asked is not None and asked > self.settings.max_wait_s:
            reason = msg("wait.retry_after_capped", status=status, cap=self._cap_text())
        else:
            reason = msg("wait.retry", status=status)
        self.wait(self._backoff(attempt) if asked is None else asked, reason)

    # --- fetching ------------------------------------------------------------------------
    def _request(self, url: str) -> requests.Response:
        wait = self._last_request + self.delay_s - time.monotonic()
        if self._last_request and wait > 0:
            self.wait(wait, msg("wait.delay", seconds=f"{self.delay_s:g}"))
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
                    if response.status_code not in RETRY_STATUSES or attempt + 1 >= attempts:
                        raise FetchError(url, f"HTTP {response.status_code}")
                    self._wait_to_retry(response, attempt)
                    continue
                deadline = time.monotonic() + self.settings.timeout_s
                body = _read_body(response, deadline, self.settings.max_page_bytes)
                text, encoding, bad = decode_counted(body, _declared_charset(response))
                if expect_html and not _looks_complete(text):
                    raise TruncatedBody(msg("fetch.truncated", size=len(body)))
                return Fetched(response.url, response.status_code, text, encoding, bad)
            except PageTooLarge as exc:
                raise FetchError(url, _reason(exc, self.settings.timeout_s)) from exc
            except (requests.RequestException, Urllib3Error, TruncatedBody, BodyTooSlow) as exc:
                reason = _reason(exc, self.settings.timeout_s)
                if attempt + 1 >= attempts:
                    raise FetchError(url, reason) from exc
                self.wait(self._backoff(attempt), msg("wait.retry", status=reason))
            finally:
                response.close()
        raise AssertionError("unreachable")


def _read_body(response: requests.Response, deadline: float, limit: int) -> bytes:
    """The body, read a piece at a time (read1: whatever one receive brings), so that the
    deadline is checked between pieces and the size before it grows past ``limit``."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise PageTooLarge(limit)
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise BodyTooSlow()
        chunk = response.raw.read1(READ_CHUNK, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise PageTooLarge(limit)
        chunks.append(chunk)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


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
        if isinstance(cause, requests.Timeout | TimeoutError | ReadTimeoutError | BodyTooSlow):
            return msg("fetch.timeout", seconds=f"{timeout_s:g}")
        if isinstance(cause, PageTooLarge):
            return msg("fetch.too_large", limit=cause.args[0] >> 20)
        if isinstance(cause, NewConnectionError):
            return msg("fetch.no_connection")
        nested = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        cause = nested or cause.__cause__ or cause.__context__
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
