"""Real components for tests: use them when present; skip with the reason when missing, or fail
instead when SITEMAKER_REQUIRE_ALL=1 (as CI sets it)."""

from __future__ import annotations

import os
import shutil
import socket

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
