"""Real `flask worker` processes for the job tests: each gets the test app's settings through
a config file, runs in its own process group (so a test can SIGKILL it with its work horse),
and is stopped when the test ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask import Flask
from rq import Worker
from rq.job import Job

from tests.components import redis_url
from tests.servers import ROOT, wait_until

MEASUREMENTS = ROOT / "test-output" / "jobs-measurements.json"


def record(name: str, value) -> None:
    """Keep a measured figure for the note (performance is measured, never asserted)."""
    MEASUREMENTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}
    data[name] = value
    MEASUREMENTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


# Settings a worker needs to do the same work as the test app.
SHARED = (
    "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL",
    "SERVER_NAME",
    "SECRET_KEY",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "MAIL_DEFAULT_SENDER",
    "MAIL_OUTBOX",
    "MEDIA_ROOT",
    "SITE_VERSIONS_FILE",
)
# Fast enough for a test to see a dead worker's job run again within seconds.
FAST = {
    "JOBS_RETRY_INTERVALS": [0, 1, 1, 2, 2, 3],
    "JOBS_HEARTBEAT_SECONDS": 1,
    "JOBS_HEARTBEAT_GRACE": 2,
    "JOBS_MAINTENANCE_SECONDS": 1,
    "JOBS_WORKER_TTL": 16,
}


@pytest.fixture(name="queued_app")
def queued_app_fixture(make_app):
    """queued_app(**overrides): an app whose jobs go to Redis (this test's own database
    number, emptied before and after)."""
    url = redis_url()
    redis.Redis.from_url(url).flushdb()

    def build(**overrides):
        return make_app(REDIS_URL=url, **{**FAST, **overrides})

    yield build
    redis.Redis.from_url(url).flushdb()


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its work horse, as when the machine under them dies. The
        horse runs in a process group of its own (RQ calls setpgrp), so it is found by its
        parent process id."""
        for pid in [*descendants(self.process.pid), self.process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def config_file(app: Flask, folder: Path) -> Path:
    lines = [f"{key} = {app.config[key]!r}" for key in SHARED if app.config.get(key) is not None]
    lines += [f"{key} = {app.config[key]!r}" for key in app.config if key.startswith("JOBS_")]
    lines += ["DEBUG = False", "FRONT_CACHE_ENTRIES = 0"]
    path = folder / "worker_config.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_worker(env: dict[str, str], folder: Path, redis_url: str) -> WorkerProcess:
    """A `flask worker` with the given environment (e.g. the servers' production settings);
    returns once it has registered in Redis."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"test-worker-{os.getpid()}-{time.monotonic_ns()}"
    log = folder / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", "--name", name],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    worker = WorkerProcess(name, process, log)
    connection = redis.Redis.from_url(redis_url)

    def registered() -> bool:
        if worker.process.poll() is not None:
            raise AssertionError(f"worker exited: {worker.output()[-3000:]}")
        return name in {w.name for w in Worker.all(connection=connection)}

    wait_until(registered, f"worker {name} to register")
    return worker


@contextmanager
def workers(app: Flask, folder: Path, count: int = 1) -> Iterator[list[WorkerProcess]]:
    """Start `count` workers on the app's queue; wait until each has registered in Redis."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEMAKER_")}
    env.update(
        SITEMAKER_CONFIG="development",
        APP_CONFIG_FILE=str(config_file(app, folder)),
        FLASK_APP="sitemaker",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    started: list[WorkerProcess] = []
    try:
        for _ in range(count):
            started.append(start_worker(env, folder, app.config["REDIS_URL"]))
        yield started
    finally:
        for worker in started:
            worker.stop()


def job_status(app: Flask, job_id: str) -> str:
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    status = Job.fetch(job_id, connection=connection).get_status()
    return getattr(status, "value", status)


def busy_worker(app: Flask, candidates: list[WorkerProcess]) -> WorkerProcess | None:
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    busy = {w.name for w in Worker.all(connection=connection) if w.get_state() == "busy"}
    found = [w for w in candidates if w.name in busy]
    return found[0] if found else None
