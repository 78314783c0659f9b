"""What a run measures, from the environment, so `make bench` needs no arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sitemaker_bench"
# Hosts are <tenant>.example.com, the placeholder domain of the shipped nginx/*.conf, so the
# nginx cases run those files with only ports and paths filled in. wrk sends the names as Host
# headers to loopback: no DNS is asked.
SERVER_NAME = "example.com"
SITE_PREFIX = "site"
PAGES_PER_SITE = 5
USER_AGENT = "sitemaker-bench"
# The hot-page counting case and its CPU figures send a browser's agent: a bot's is not counted.
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    sizes: tuple[int, ...] = (100, 100_000)
    duration: int = 15
    rounds: int = 3
    threads: int = 2
    connections: int = 32
    workers: int = 0  # 0: gunicorn.conf.py's own default (2 x CPUs + 1)
    redis_url: str = ""
    cases: tuple[str, ...] = ()
    profile_requests: int = 2000
    quick: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def largest(self) -> int:
        return max(self.sizes)


def _ints(raw: str, name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in raw.replace(",", " ").split())
    except ValueError:
        raise SystemExit(f"bench: {name}={raw!r} is not a list of whole numbers") from None


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Settings:
    """BENCH_QUICK=1 is for development: 3 s per run, one round, the small size only
    unless BENCH_SIZES says otherwise."""
    quick = env.get("BENCH_QUICK") == "1"
    settings = Settings(quick=quick)
    settings.database_url = env.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if quick:
        settings.duration, settings.rounds, settings.sizes = 3, 1, (100,)
        settings.profile_requests = 300
    if env.get("BENCH_SIZES"):
        settings.sizes = _ints(env["BENCH_SIZES"], "BENCH_SIZES")
    for name in ("duration", "rounds", "threads", "connections", "workers", "profile_requests"):
        raw = env.get(f"BENCH_{name.upper()}")
        if raw:
            values = _ints(raw, f"BENCH_{name.upper()}")
            if len(values) != 1 or values[0] < 1:
                raise SystemExit(f"bench: BENCH_{name.upper()} must be one number, at least 1")
            setattr(settings, name, values[0])
    settings.redis_url = env.get("BENCH_REDIS_URL", "")
    settings.cases = tuple(env.get("BENCH_CASES", "").replace(",", " ").split())
    if not settings.sizes or min(settings.sizes) < 1:
        raise SystemExit("bench: BENCH_SIZES must name positive site counts, e.g. '100 100000'")
    return settings


def database_for(base_url: str, size: int) -> str:
    """One database per size (sitemaker_bench_100, sitemaker_bench_100000): the small case must
    not share tables and indexes with the large one, or 'cost does not grow with the number of
    tenants' could not be measured."""
    head, _, tail = base_url.rpartition("/")
    name, sep, query = tail.partition("?")
    return f"{head}/{name}_{size}{sep}{query}"
