"""The Redis site-version board answers from process memory once a process has proved its
subscription current, and never serves a stale page for it: a bump waits until every process
that trusts its copy has applied it; a process whose subscription is lost, or whose Redis
restarted, asks Redis (or the database) again. Two apps on one database stand for two
processes; tests/test_scaleout.py does the same with two gunicorn servers."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from sitemaker.extensions import db
from sitemaker.models import Site
from sitemaker.services import site_versions
from sitemaker.services.redis_board import LISTENER_NAME, RedisBoard
from tests import servers
from tests.components import redis_url
from tests.test_faults import OwnRedis


def trusting(board: RedisBoard) -> bool:
    return time.monotonic() < board._copy.trusted_until


def retitle(app, site_id: int, title: str) -> None:
    with app.app_context():
        site = db.session.get(Site, site_id)
        site.title = title
        site.bump_content_version()
        db.session.commit()


@pytest.fixture
def pair(make_app, make_site, make_page):
    """(reader, writer, site, url) on one Redis: the shared one, or one given."""

    def make(url: str | None = None, subdomain: str = "pushed"):
        url = url or redis_url()
        prefix = f"sitemaker-test-{uuid.uuid4().hex[:8]}:"
        reader = make_app(REDIS_URL=url, CACHE_KEY_PREFIX=prefix)
        writer = make_app(REDIS_URL=url, CACHE_KEY_PREFIX=prefix)
        site = make_site(subdomain, title="First")
        make_page(site, "About", "x", status="published")
        return reader, writer, site

    return make


def warm_and_trust(client, board: RedisBoard, subdomain: str, title: str) -> None:
    for _ in range(2):
        assert title in client.get("/about", subdomain=subdomain).text
    servers.wait_until(lambda: trusting(board), "the reader to trust its copy", timeout=10)


def count_mgets(board: RedisBoard, monkeypatch) -> list[int]:
    """Round trips the board makes for reads (a counting wrapper around the real MGET)."""
    calls = [0]
    real = board._redis.mget

    def mget(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(board._redis, "mget", mget)
    return calls


def test_a_trusted_copy_answers_without_redis_and_a_bump_is_seen_next_request(pair, monkeypatch):
    reader, writer, site = pair()
    board = site_versions.board(reader)
    client = reader.test_client()
    warm_and_trust(client, board, "pushed", "First")
    mgets = count_mgets(board, monkeypatch)
    for _ in range(20):
        assert "First" in client.get("/about", subdomain="pushed").text
    assert mgets[0] == 0  # every hit answered from memory
    for n in range(5):  # each bump waits for the reader's ack: no delivery delay shows
        retitle(writer, site.id, f"Title {n}")
        text = client.get("/about", subdomain="pushed").text
        assert f"Title {n}" in text and "First" not in text
    assert 1 <= mgets[0] <= 10  # the bumped slot is read again once per bump, not per hit


def test_a_lost_subscription_falls_back_to_redis_and_is_never_stale(pair):
    reader, writer, site = pair(subdomain="dropped")
    board = site_versions.board(reader)
    client = reader.test_client()
    warm_and_trust(client, board, "dropped", "First")
    control = redis.Redis.from_url(redis_url())
    name = f"{LISTENER_NAME}{board._copy.name}"
    killed = [c["id"] for c in control.client_list(_type="pubsub") if c["name"] == name]
    assert killed, "the reader's listener is subscribed under its name"
    for client_id in killed:
        control.client_kill_filter(_id=client_id)
    # The bump is published while the reader's listener is gone; the reader has not applied
    # it, so the writer waits out the reader's registration, and the reader's trust has ended.
    retitle(writer, site.id, "Second")
    text = client.get("/about", subdomain="dropped").text
    assert "Second" in text and "First" not in text
    servers.wait_until(lambda: trusting(board), "the listener to come back", timeout=10)
    retitle(writer, site.id, "Third")
    assert "Third" in client.get("/about", subdomain="dropped").text


def test_a_redis_restart_is_never_stale_and_push_resumes(pair):
    own = OwnRedis()
    try:
        reader, writer, site = pair(f"redis://127.0.0.1:{own.port}/0", subdomain="restart")
        board = site_versions.board(reader)
        client = reader.test_client()
        warm_and_trust(client, board, "restart", "First")
        own.stop()
        # Redis is down: the writer's bump is lost, the reader reads the database itself.
        retitle(writer, site.id, "While down")
        assert "While down" in client.get("/about", subdomain="restart").text
        assert not trusting(board)
        own.start()  # empty, on the same port
        retitle(writer, site.id, "After restart")
        assert "After restart" in client.get("/about", subdomain="restart").text
        servers.wait_until(lambda: trusting(board), "the listener to come back", timeout=10)
        retitle(writer, site.id, "Pushed again")
        assert "Pushed again" in client.get("/about", subdomain="restart").text
    finally:
        own.stop()


def test_a_redis_without_scripts_still_moves_counters_and_every_read_asks_it(pair):
    """A managed Redis may refuse Lua: no process can register as a listener then, so
    none answers from memory, and bumps fall back to plain increments."""
    own = OwnRedis()
    try:
        control = redis.Redis(port=own.port)
        control.execute_command("ACL", "SETUSER", "default", "-eval", "-evalsha")
        reader, writer, site = pair(f"redis://127.0.0.1:{own.port}/0", subdomain="noscript")
        board = site_versions.board(reader)
        client = reader.test_client()
        for _ in range(3):
            assert "First" in client.get("/about", subdomain="noscript").text
        for n in range(3):
            retitle(writer, site.id, f"Plain {n}")
            assert f"Plain {n}" in client.get("/about", subdomain="noscript").text
        assert not trusting(board)
        assert any(key.startswith(b"sitemaker:site-version:") for key in control.keys("*"))
    finally:
        own.stop()


def test_a_wiped_board_is_never_stale_even_before_the_listener_hears(pair, monkeypatch):
    """FLUSHDB (or an eviction) takes the registrations with the counters: the writer cannot
    know who trusts a copy, so it waits the registrations out. Here the reader's listener is
    slow to apply the message, and the next request must still see the change."""
    reader, writer, site = pair(subdomain="wiped")
    board = site_versions.board(reader)
    client = reader.test_client()
    warm_and_trust(client, board, "wiped", "First")
    copy, real_drop = board._copy, board._copy.drop

    def slow_drop(slots):
        time.sleep(0.3)  # the listener thread is busy: the message waits
        real_drop(slots)

    monkeypatch.setattr(copy, "drop", slow_drop)
    control = redis.Redis.from_url(redis_url())
    keys = list(control.scan_iter(match=f"{board._prefix}*"))
    assert keys and control.delete(*keys)
    retitle(writer, site.id, "Second")
    text = client.get("/about", subdomain="wiped").text
    assert "Second" in text and "First" not in text
