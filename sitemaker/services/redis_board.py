"""The site-version board in Redis, for several app servers, read from process memory.

Counters are Redis keys (one per slot, plus the board's epoch). Asking Redis on every visitor
request would cost a round trip per hit, so each process keeps the counters it has read and
learns of changes by push, without giving up the board's promise: once a bump has returned,
the very next read in any process sees it.

Push alone cannot keep that promise: a message may still be on its way when the writer's
request has already answered and the visitor's next request reaches another process. So:
- a reader's background thread holds a subscription, registers the process as a *listener*
  (a sorted set scored by expiry in Redis's own clock, LEASE_SECONDS ahead), then sends PING
  on the subscription; the pong proves that every message published before the registration
  has arrived (Redis answers a connection in order). Only then does the process trust its
  copy, and only until its registration was sent plus TRUST_SECONDS (< LEASE_SECONDS);
- a bump is one script: increment, publish, and list the listeners registered at that
  instant. The writer then waits until each of them has applied the message and said so
  (RPUSH to a reply list), or until LEASE_SECONDS have passed, after which none of the
  silent ones can still trust its copy;
- a process that has not registered, whose subscription is down, or that has only just
  (re)connected asks Redis (MGET) for every read, as without push. A (re)connection empties
  the copy once the subscription is confirmed, so nothing read before it is kept.
A listener that hangs costs each bump LEASE_SECONDS of waiting, never a stale page.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, has_app_context

LEASE_SECONDS = 0.5  # a listener's registration, in Redis's clock
TRUST_SECONDS = 0.4  # what the listener itself counts from sending it (clock drift margin)
RENEW_SECONDS = 0.1  # how often a listener renews and proves its subscription
RECONNECT_SECONDS = 0.5
LISTENER_NAME = "sitemaker-board-"

# Returns the listeners to wait for; first WIPED when the epoch was missing: the board's keys
# were lost (FLUSHDB, a restart, an eviction), the registrations with them, so a listener
# trusting its copy may not be in the set and the writer must wait the registrations out.
WIPED = b"*wiped*"
_BUMP = """
local wiped = redis.call('SET', KEYS[1], ARGV[1], 'NX')
for i = 3, #KEYS do redis.call('INCR', KEYS[i]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local listeners = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
if wiped then table.insert(listeners, 1, ARGV[4]) end
return listeners
"""
_REGISTER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
"""

Tag = tuple[bytes, bytes | None, bytes | None]


class _Copy:
    """What one process knows: counters by slot, and until when it may trust them."""

    def __init__(self) -> None:
        self.tags: dict[int, Tag] = {}
        self.generation = 0  # moves whenever tags are dropped; a read racing it keeps nothing
        self.trusted_until = 0.0  # time.monotonic()
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.listener: threading.Thread | None = None
        self.name = secrets.token_hex(8)

    def keep(self, slot: int, tag: Tag, generation: int) -> None:
        with self.lock:
            if self.generation == generation:
                self.tags[slot] = tag

    def drop(self, slots: Iterable[int] | None) -> None:
        """None: everything (slot 0 moved, or the subscription was lost)."""
        with self.lock:
            self.generation += 1
            if slots is None:
                self.tags.clear()
            else:
                for slot in slots:
                    self.tags.pop(slot, None)

    def distrust(self) -> None:
        self.trusted_until = 0.0
        self.drop(None)


class RedisBoard:
    """Counters as Redis keys. A Redis that restarts empty would start the counters again
    from nothing, so every tag also holds the board's epoch, a random value set once when
    missing: counters that start over start under a new epoch."""

    def __init__(self, url: str, namespace: str, slot_of: Callable[[str], int]):
        import redis

        # Short timeouts: a slow Redis must cost a database read, not a stuck request.
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        # The listener reads its connection itself: RESP2, where a subscribed connection's
        # messages and pongs are plain replies (redis-py 8 speaks RESP3 by default).
        self._listener_pool = redis.ConnectionPool.from_url(
            url, protocol=2, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._slot = slot_of
        prefix = f"sitemaker:site-version:{namespace}:"
        self._prefix = prefix
        self._epoch = f"{prefix}epoch"
        self._listeners = f"{prefix}listeners"
        # Channels are server-wide, keys are per database number: the channel names both.
        database = self._redis.connection_pool.connection_kwargs.get("db", 0)
        self._channel = f"{prefix}bumps:{database}"
        self._bump_script = self._redis.register_script(_BUMP)
        self._register_script = self._redis.register_script(_REGISTER)
        self._refused = redis.ResponseError
        self._copy = _Copy()
        _BOARDS.add(self)

    # -- reading ---------------------------------------------------------------------------

    def read(self, name: str) -> Tag | None:
        slot = self._slot(name)
        copy = self._copy
        if time.monotonic() < copy.trusted_until:
            tag = copy.tags.get(slot)
            if tag is not None:
                return tag
        elif copy.listener is None:
            self._listen(copy)
        generation = copy.generation
        try:
            epoch, everything, counter = self._redis.mget(
                self._epoch, f"{self._prefix}0", f"{self._prefix}{slot}"
            )
            if epoch is None:
                self._redis.set(self._epoch, secrets.token_hex(8), nx=True)
                return None  # this request reads the database; the next one has an epoch
        except Exception:  # redis.RedisError, OSError: read the database instead
            return None
        tag = (epoch, everything, counter)
        copy.keep(slot, tag, generation)
        return tag

    def _listen(self, copy: _Copy) -> None:
        with copy.lock:
            if copy.listener is not None or copy.pid != os.getpid():
                return
            copy.listener = threading.Thread(
                target=_listen, args=(weakref.ref(self), copy), name="site-versions", daemon=True
            )
        copy.listener.start()

    # -- writing ---------------------------------------------------------------------------

    def bump(self, names: Iterable[str]) -> None:
        slots = sorted({self._slot(name) for name in names})
        if not slots:
            return
        reply = f"{self._prefix}applied:{secrets.token_hex(8)}"
        message = " ".join([reply, *map(str, slots)])
        counters = [f"{self._prefix}{slot}" for slot in slots]
        try:
            try:
                keys = [self._epoch, self._listeners, *counters]
                listeners = self._bump_script(
                    keys, [secrets.token_hex(8), self._channel, message, WIPED]
                )
            except self._refused:
                # Scripts not allowed (a managed Redis): then no listener could register
                # either, every process asks Redis, and plain increments are enough.
                pipe = self._redis.pipeline(transaction=False)
                pipe.set(self._epoch, secrets.token_hex(8), nx=True)
                for counter in counters:
                    pipe.incr(counter)
                pipe.execute()
                return
            if listeners and bytes(listeners[0]) == WIPED:
                # Unknown listeners may trust their copy: none can after LEASE_SECONDS.
                time.sleep(LEASE_SECONDS)
                return
            self._await(reply, {bytes(name) for name in listeners})
        except Exception as error:
            # Nothing can be undone after a commit; other servers may serve the old version
            # of these sites until their entries age out (PAGE_CACHE_SECONDS).
            logger = current_app.logger if has_app_context() else None
            if logger is not None:
                logger.error("site-version board unavailable, bump lost: %s", error)

    def _await(self, reply: str, waiting: set[bytes]) -> None:
        """Until every listener registered at the bump has applied it, or LEASE_SECONDS: by
        then the silent ones' registrations have run out, and they ask Redis."""
        deadline = time.monotonic() + LEASE_SECONDS
        try:
            while waiting and (left := deadline - time.monotonic()) > 0:
                popped = self._redis.blpop([reply], timeout=max(0.01, min(left, 0.25)))
                if popped is not None:
                    waiting.discard(popped[1])
                    waiting.difference_update(self._redis.lpop(reply, 1000) or [])
            self._redis.delete(reply)
        except Exception:  # the replies cannot be read: wait the registrations out instead
            time.sleep(max(0.0, deadline - time.monotonic()))

    def after_fork(self) -> None:
        """A new process: its own connections, an empty copy, no listener yet."""
        self._redis.connection_pool.reset()
        self._listener_pool.reset()
        self._copy = _Copy()


_BOARDS: weakref.WeakSet[RedisBoard] = weakref.WeakSet()
# A child forked without gunicorn's hook (sitemaker/forking.py) must not trust its parent's
# copy either: it has no listener thread.
os.register_at_fork(after_in_child=lambda: [board.after_fork() for board in list(_BOARDS)])


def _listen(board_ref: Callable[[], RedisBoard | None], copy: _Copy) -> None:
    """The listener thread: subscribe, register, prove, apply; reconnect on any failure."""
    while (board := board_ref()) is not None and board._copy is copy:
        connection = board._listener_pool.make_connection()
        channel, client, name = board._channel, board._redis, copy.name
        register, listeners = board._register_script, board._listeners
        del board  # hold no reference while waiting: an unused board may be collected
        try:
            _serve(connection, channel, client, register, listeners, name, copy, board_ref)
        except Exception:  # noqa: S110 (connection lost, Redis restarted: start again)
            pass
        finally:
            copy.distrust()
            connection.disconnect()
            try:  # no longer trusting: writers need not wait for this process
                client.zrem(listeners, name)
            except Exception:  # noqa: S110 (Redis is down: the registration runs out)
                pass
        time.sleep(RECONNECT_SECONDS)


def _serve(connection: Any, channel: str, client: Any, register: Any, listeners: str,
           name: str, copy: _Copy, board_ref: Callable[[], Any]) -> None:  # fmt: skip
    connection.send_command("CLIENT", "SETNAME", f"{LISTENER_NAME}{name}")  # for CLIENT LIST
    connection.read_response(timeout=RECONNECT_SECONDS)
    connection.send_command("SUBSCRIBE", channel)
    connection.read_response(timeout=RECONNECT_SECONDS)
    copy.drop(None)  # anything read before the subscription may have missed a message
    pings: deque[float] = deque()  # for each PING in flight: until when its pong lets us trust
    renew_at = 0.0
    while board_ref() is not None:
        now = time.monotonic()
        if now >= renew_at:
            if pings and now > pings[0]:  # the oldest PING has waited TRUST_SECONDS
                raise TimeoutError("no pong within the trust window")
            sent = time.monotonic()
            register(keys=[listeners], args=[name, int(LEASE_SECONDS * 1000)], client=client)
            connection.send_command("PING")
            pings.append(sent + TRUST_SECONDS)
            renew_at = sent + RENEW_SECONDS
        if not connection.can_read(timeout=max(0.0, renew_at - time.monotonic())):
            continue
        kind, *rest = connection.read_response()
        if kind == b"message":
            reply, *slots = rest[1].split()
            numbers = [int(slot) for slot in slots]
            copy.drop(None if 0 in numbers else numbers)
            client.pipeline(transaction=False).rpush(reply, name).expire(reply, 10).execute()
        elif kind == b"pong" and pings:
            copy.trusted_until = pings.popleft()
