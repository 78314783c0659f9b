"""A real sitemaker server for tests that drive it from outside: migrated database, gunicorn on
loopback, mail to an outbox folder. Tenant hosts are <sub>.localhost:<port>, which Chromium
resolves to loopback itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import sqlalchemy as sa

from sitemaker.config import normalize_database_url
from tests.components import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def scratch_postgres_url(base_url: str, suffix: str) -> str:
    """A database of its own next to the test database, created empty."""
    url = sa.engine.make_url(normalize_database_url(base_url))
    name = f"{url.database}_{suffix}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@dataclass
class LiveServer:
    root: Path
    database_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def server_name(self) -> str:
        return f"localhost:{self.port}"

    @property
    def apex(self) -> str:
        return f"http://localhost:{self.port}"

    def tenant(self, subdomain: str) -> str:
        return f"http://{subdomain}.localhost:{self.port}"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def env(self) -> dict[str, str]:
        config = self.root / "config.py"
        config.write_text(
            f"SERVER_NAME = {self.server_name!r}\n"
            f"SQLALCHEMY_DATABASE_URI = {self.database_url!r}\n"
            f"MAIL_OUTBOX = {str(self.outbox)!r}\n"
            f"MEDIA_ROOT = {str(self.root / 'media')!r}\n"
            "SECRET_KEY = 'live-server-secret-key-for-tests-only'\n"
            "BCRYPT_LOG_ROUNDS = 4\n"
            "DEBUG = False\n"
        )
        env = dict(os.environ)
        for key in [k for k in env if k.startswith("SITEMAKER_")]:
            env.pop(key)
        env.update(
            SITEMAKER_CONFIG="development",
            APP_CONFIG_FILE=str(config),
            FLASK_APP="sitemaker",
            PYTHONPATH=str(ROOT),
        )
        return env

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "flask"), *args], cwd=ROOT, env=self.env(), capture_output=True,
            text=True, timeout=120, check=True,
        )  # fmt: skip

    def start(self) -> LiveServer:
        self.flask("db", "upgrade")
        log = open(self.root / "gunicorn.log", "w")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--threads", "4", "--access-logfile", "-", "sitemaker:create_app()"],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError((self.root / "gunicorn.log").read_text())
            try:
                urllib.request.urlopen(self.apex + "/", timeout=1)  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)  # polling for readiness, not waiting for a result
        raise RuntimeError(
            "live server did not start:\n" + (self.root / "gunicorn.log").read_text()
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def mails(self) -> list[Message]:
        if not self.outbox.is_dir():
            return []
        return [message_from_bytes(p.read_bytes()) for p in sorted(self.outbox.glob("*.eml"))]

    def last_mail_to(self, address: str, timeout: float = 10.0) -> Message:
        """The newest mail to `address`. Mail is sent by a background job just after the
        request, so it is waited for (polled), not expected at once."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.mails() if m["To"] == address]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                outbox = [m["To"] for m in self.mails()]
                raise AssertionError(f"no mail to {address}; outbox: {outbox}")
            time.sleep(0.05)
