"""Counting page views where they are served, in memory, for the batched flush
(services/analytics_store.py). Runs on every visitor page, front-cache hits included, so it
does a few dictionary operations and one hash, and never touches the network except for
loading the day's salt once per process and day.

What counts: a 200 GET of the Atom feed (feed fetches, whoever asks: feed readers are on the
crawler list too) or of an HTML page (views), the latter not from a crawler (the crawler-user-agents list, https://github.com/monperrus/crawler-user-agents) and
not from a signed-in member. Sessions are host-only and only members are ever given one on
a tenant host (the dashboard handoff), so the mere presence of the session cookie marks the
tenant's own views; it is never decoded here.

Memory is bounded: every table of the tally holds at most `max_keys` entries until the next
flush, and what does not fit is dropped (and counted as dropped). Site totals are a table of
their own, so a flood of junk paths cannot cost the real view counts."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import crawleruseragents

PATH_LENGTH = 200
HOST_LENGTH = 100
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Referrer hosts of the search engines, grouped under one name whatever the country domain.
SEARCH_ENGINES = [
    (re.compile(r"(^|\.)google\.[a-z.]+$"), "Google"),
    (re.compile(r"(^|\.)bing\.com$"), "Bing"),
    (re.compile(r"(^|\.)duckduckgo\.com$"), "DuckDuckGo"),
    (re.compile(r"(^|\.)yahoo\.[a-z.]+$"), "Yahoo"),
    (re.compile(r"(^|\.)yandex\.[a-z.]+$"), "Yandex"),
    (re.compile(r"(^|\.)baidu\.com$"), "Baidu"),
    (re.compile(r"(^|\.)ecosia\.org$"), "Ecosia"),
    (re.compile(r"(^|\.)qwant\.com$"), "Qwant"),
    (re.compile(r"(^|\.)startpage\.com$"), "Startpage"),
    (re.compile(r"^search\.brave\.com$"), "Brave Search"),
    (re.compile(r"(^|\.)kagi\.com$"), "Kagi"),
]


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """A missing user agent is a script, not a reader. Cached: a site's readers send a few
    hundred distinct strings, and the list is ~600 patterns."""
    return not user_agent or crawleruseragents.is_crawler(user_agent)


@lru_cache(maxsize=4096)
def referrer_host(referer: str, own_host: str) -> str | None:
    """The host of the Referer, without path or query; None for none, self and junk."""
    try:
        host = (urlsplit(referer).hostname or "").lower()
    except ValueError:
        return None
    if not host or host == own_host or len(host) > HOST_LENGTH:
        return None
    host = host.removeprefix("www.")
    for pattern, name in SEARCH_ENGINES:
        if pattern.search(host):
            return name
    return host


@dataclass
class Batch:
    """What a process counted since its last flush; keys start with (site name, day)."""

    totals: dict[tuple[str, date], list[int]] = field(default_factory=dict)  # views, feeds
    paths: dict[tuple[str, date, str], int] = field(default_factory=dict)
    referrers: dict[tuple[str, date, str], int] = field(default_factory=dict)
    visitors: set[tuple[str, date, str]] = field(default_factory=set)
    dropped: int = 0

    def __bool__(self) -> bool:
        return bool(self.totals)


class Tally:
    def __init__(
        self,
        salt_for: Callable[[date], str],
        session_cookie: str,
        max_keys: int,
        clock: Callable[[], float] = time.time,
    ):
        self.salt_for = salt_for  # loads (or makes) the day's shared salt
        self.max_keys = max_keys
        self.clock = clock
        self._member = re.compile(rf"(?:^|;)\s*{re.escape(session_cookie)}=")
        self._salt: tuple[date, Any] | None = None  # the day and its keyed hash state
        self._day: tuple[int, date] = (-1, date.min)
        self._batch = Batch()
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        self._batch = Batch()
        self._lock = threading.Lock()

    def take(self) -> Batch:
        with self._lock:
            batch, self._batch = self._batch, Batch()
        return batch

    def count(self, environ: dict[str, Any], site_name: str, content_type: str) -> None:
        """One served 200 response; the caller already knows it is a GET of a visitor page."""
        if content_type.startswith("text/html"):
            feed = False
        elif content_type.startswith("application/atom+xml"):
            feed = True
        else:
            return
        cookies = environ.get("HTTP_COOKIE")
        if cookies and self._member.search(cookies):
            return
        if feed:  # feed readers are machines (most are on the crawler list): all count
            self._add(site_name, self.today(), None, None, None)
            return
        agent = environ.get("HTTP_USER_AGENT", "")[:500]
        if is_bot(agent):
            return
        day = self.today()  # UTC
        path = environ.get("PATH_INFO", "")[:PATH_LENGTH]
        referer = environ.get("HTTP_REFERER")
        host = environ.get("HTTP_HOST", "").lower().partition(":")[0]
        source = referrer_host(referer[:500], host) if referer else None
        state = self._keyed(day).copy()
        state.update(f"{site_name}\n{environ.get('REMOTE_ADDR', '')}\n{agent}".encode())
        self._add(site_name, day, path, source, state.hexdigest())

    def today(self) -> date:
        number = int(self.clock() // 86400)
        known = self._day
        if known[0] != number:
            known = self._day = (number, date.fromordinal(EPOCH_ORDINAL + number))
        return known[1]

    def _keyed(self, day: date) -> Any:
        """A BLAKE2b state already keyed with the day's salt: copying it is cheaper than
        keying a new one for every view."""
        known = self._salt
        if known is None or known[0] != day:
            salt = self.salt_for(day).encode()
            known = self._salt = (day, hashlib.blake2b(key=salt, digest_size=16))
        return known[1]

    def _add(self, name: str, day: date, path: str | None, source: str | None, digest: str | None):
        cap = self.max_keys
        with self._lock:
            batch = self._batch
            total = batch.totals.get((name, day))
            if total is None:
                if len(batch.totals) >= cap:
                    batch.dropped += 1
                    return
                total = batch.totals[(name, day)] = [0, 0]
            if path is None:
                total[1] += 1
                return
            total[0] += 1
            _bump(batch, batch.paths, (name, day, path), cap)
            if source is not None:
                _bump(batch, batch.referrers, (name, day, source), cap)
            if digest is not None and len(batch.visitors) < cap:
                batch.visitors.add((name, day, digest))


def _bump(batch: Batch, table: dict, key: tuple, cap: int) -> None:
    if key in table:
        table[key] += 1
    elif len(table) < cap:
        table[key] = 1
    else:
        batch.dropped += 1
