"""Real components for tests: use them when present; skip with the reason when missing, or fail
instead when SITEMAKER_REQUIRE_ALL=1 (as CI sets it)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REQUIRE_ALL = os.environ.get("SITEMAKER_REQUIRE_ALL") == "1"


def missing(reason: str) -> None:
    """Skip, or fail under SITEMAKER_REQUIRE_ALL=1."""
    if REQUIRE_ALL:
        pytest.fail(f"required component missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_executable(name: str, *candidates: str) -> str:
    for path in (name, *candidates):
        found = shutil.which(path) or (path if os.path.isfile(path) else None)
        if found:
            return found
    missing(f"{name} is not installed")
    raise AssertionError("unreachable")


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not port_open("127.0.0.1", 6379):
        missing("Redis is not running on 127.0.0.1:6379")
    return url


_playwright = None


@contextmanager
def playwright_session() -> Iterator:
    """The one Playwright driver of this test process. A second sync_playwright() while another
    is running fails ("Sync API inside the asyncio loop"), so every browser test shares this
    one; it is stopped when the session ends (tests/conftest.py)."""
    global _playwright
    if _playwright is None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            missing("playwright is not installed")
        _playwright = sync_playwright().start()
    yield _playwright


def stop_playwright() -> None:
    global _playwright
    if _playwright is not None:
        _playwright.stop()
        _playwright = None
