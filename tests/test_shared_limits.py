"""Without Redis, rate limits hold across the processes of one host: the counters live in a
SQLite file every gunicorn worker shares (services/limits_storage.py), not in each worker's
memory, where a limit of 5 allowed 5 per worker."""

from __future__ import annotations

import re
import threading

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from sitemaker.extensions import db
from sitemaker.services.limits_storage import SQLiteFileStorage
from tests import servers

DOMAIN = "sitemaker.test"


def test_two_storages_on_one_file_count_together(tmp_path):
    uri = f"sitemaker-sqlite://{tmp_path / 'limits.sqlite'}"
    one, other = storage_from_string(uri), storage_from_string(uri)  # two processes' views
    assert isinstance(one, SQLiteFileStorage)
    five = RateLimitItemPerMinute(5)
    first, second = FixedWindowRateLimiter(one), FixedWindowRateLimiter(other)
    allowed = [limiter.hit(five, "signin", "203.0.113.9") for limiter in [first, second] * 4]
    assert allowed == [True] * 5 + [False] * 3
    assert first.hit(five, "signin", "203.0.113.10")  # another client has a budget of its own
    assert other.get("LIMITER/signin/203.0.113.9/5/1/minute") == 8  # every attempt, as Redis
    assert one.get_expiry("LIMITER/signin/203.0.113.9/5/1/minute") > 0


def test_a_window_that_has_passed_starts_again(tmp_path):
    storage = SQLiteFileStorage(f"sitemaker-sqlite://{tmp_path / 'limits.sqlite'}")
    assert storage.incr("k", expiry=60, amount=3) == 3
    assert storage.incr("k", expiry=60) == 4
    assert storage.incr("gone", expiry=0) == 1  # a window of no length has passed already
    assert storage.get("gone") == 0
    assert storage.incr("gone", expiry=60) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.check() and storage.reset() == 1


def test_the_file_must_be_ours(tmp_path):
    link = tmp_path / "link.sqlite"
    link.symlink_to(tmp_path / "elsewhere.sqlite")
    with pytest.raises(OSError):
        SQLiteFileStorage(f"sitemaker-sqlite://{link}")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    url = servers.server_database_url()
    seed_app = servers.prepare_database(url)
    yield url
    with seed_app.app_context():
        servers.clear_tables(db)
        db.engine.dispose()


def signin_burst(port: int, attempts: int, threads: int) -> list[int]:
    """`attempts` failed sign-ins from one address, `threads` at a time (so several workers
    serve them), each for a different account (only the per-address limit applies)."""
    form = servers.request(port, "/signin", DOMAIN)
    cookie = form.headers["set-cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    statuses: list[int] = []
    numbers = iter(range(attempts))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            answer = servers.request(
                port, "/signin", DOMAIN, method="POST",
                body=f"csrf_token={token}&email=n{number}%40example.org&password=x".encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
                timeout=30,
            )  # fmt: skip
            with lock:
                statuses.append(answer.status)

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return statuses


@pytest.mark.servers
@pytest.mark.parametrize("storage", ["shared file", "memory://"])
def test_a_limit_holds_across_gunicorn_workers(database, tmp_path, storage):
    limits = tmp_path / "limits.py"
    limits.write_text(
        'RATELIMIT_AUTH = "5 per minute"\nRATELIMIT_AUTH_ACCOUNT = "100 per minute"\n'
    )
    env = servers.production_env(DOMAIN, database, APP_CONFIG_FILE=str(limits),
                                 SITEMAKER_MEDIA_ROOT=str(tmp_path / "media"),
                                 SITEMAKER_RATELIMIT_FILE=str(tmp_path / "limits.sqlite"))  # fmt: skip
    if storage == "memory://":
        env["SITEMAKER_RATELIMIT_STORAGE_URI"] = "memory://"
    app = servers.start_gunicorn(env, tmp_path / "gunicorn", workers=3)
    try:
        statuses = signin_burst(app.port, attempts=18, threads=6)
    finally:
        app.stop()
    assert set(statuses) <= {200, 429} and len(statuses) == 18
    allowed = statuses.count(200)
    print(f"\n{storage}: {allowed} of 18 sign-ins allowed by a limit of 5 per minute, 3 workers")
    if storage == "shared file":
        assert allowed == 5
    else:
        # The comparison: counted per worker, the same limit lets more through.
        assert allowed > 5


def test_an_unusable_file_falls_back_to_counting_per_process(tmp_path):
    from sitemaker import create_app

    (tmp_path / "taken").mkdir()  # a directory where the file should be
    app = create_app("testing", {"RATELIMIT_STORAGE_URI": None,
                                 "RATELIMIT_FILE": str(tmp_path / "taken")})  # fmt: skip
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    shared = create_app("testing", {"RATELIMIT_STORAGE_URI": None,
                                    "RATELIMIT_FILE": str(tmp_path / "limits.sqlite")})  # fmt: skip
    assert shared.config["RATELIMIT_STORAGE_URI"] == f"sitemaker-sqlite://{tmp_path}/limits.sqlite"
