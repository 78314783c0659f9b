"""Real servers for tests: render the nginx configuration with local ports, start nginx and
gunicorn in the foreground on loopback, wait until they answer, and stop them afterwards."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.components import free_port, missing, require_executable

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "nginx"
SECRET_KEY = "servers-test-secret-key-not-for-production"


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll for readiness (never a fixed sleep standing in for an assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    port: int,
    path: str,
    host: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    tls: bool = False,
    timeout: float = 10.0,
    source: str | None = None,
) -> Response:
    """One HTTP request to 127.0.0.1:port with the given Host (and SNI for TLS)."""
    if tls:
        conn = SNIConnection("127.0.0.1", port, timeout=timeout, sni=host.split(":")[0])
    else:
        # source: another loopback address (127.0.0.2...) stands for another client.
        address = (source, 0) if source else None
        conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=timeout, source_address=address
        )
    try:
        all_headers = {"Host": host, **(headers or {})}
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return Response(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


class SNIConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the tenant's name as SNI (as a browser sends it); the test
    certificates are self-signed, so they are not verified."""

    def __init__(self, host: str, port: int, timeout: float, sni: str):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(host, port, timeout=timeout, context=context)
        self.sni = sni
        self.tls_context = context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.sni)


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    logs: dict[str, Path] = field(default_factory=dict)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, which: str) -> str:
        path = self.logs.get(which)
        return path.read_text(errors="replace") if path and path.exists() else ""

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _port_answers(port: int, host: str, path: str) -> bool:
    try:
        request(port, path, host, timeout=2)
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- the app: database and gunicorn


def server_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        missing("TEST_DATABASE_URL is not set; the real-server tests need PostgreSQL")
    return url


def prepare_database(url: str, **config):
    """A testing app on `url` with the schema at head and no rows; for seeding and cleanup.
    It writes like the servers only if it shares their REDIS_URL (the site-version board)."""
    from flask_migrate import upgrade

    from sitemaker import create_app
    from sitemaker.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, **config})
    with app.app_context():
        upgrade()
        clear_tables(db)
    return app


def clear_tables(db) -> None:
    tables = ", ".join(t.name for t in reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def production_env(server_name: str, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEMAKER_")}
    env.pop("APP_CONFIG_FILE", None)
    env.update(
        SITEMAKER_CONFIG="production",
        SITEMAKER_SECRET_KEY=SECRET_KEY,
        SITEMAKER_SERVER_NAME=server_name,
        SITEMAKER_DATABASE_URL=database_url,
        FLASK_APP="sitemaker",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def build_assets(env: dict[str, str]) -> None:
    """Production serves prebuilt bundles only (ASSETS_AUTO_BUILD = False)."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "assets", "build"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def start_gunicorn(
    env: dict[str, str], log_dir: Path, workers: int = 2, port: int | None = None
) -> Server:
    require_executable("gunicorn", str(Path(sys.executable).parent / "gunicorn"))
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    access, output = log_dir / f"access-{port}.log", log_dir / f"stderr-{port}.log"
    env = {
        **env,
        "SITEMAKER_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "SITEMAKER_ACCESS_LOG": str(access),
        "SITEMAKER_ERROR_LOG": "-",
    }
    stderr = output.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT, env=env, stdout=stderr, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    server = Server("gunicorn", process, port, {"access": access, "stderr": output})
    host = env["SITEMAKER_SERVER_NAME"]

    def ready() -> bool:
        if not server.alive():
            raise AssertionError(f"gunicorn exited: {server.log('stderr')[-2000:]}")
        return _port_answers(port, host, "/healthz")

    wait_until(ready, f"gunicorn on port {port}")
    return server


def worker_pids(server: Server) -> set[int]:
    """The worker processes of a gunicorn master (children in /proc)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == server.process.pid:
                pids.add(int(entry.name))
    return pids


# ---------------------------------------------------------------- nginx


def render_nginx(
    dest: Path,
    *,
    domain: str,
    upstreams: list[int],
    http_port: int,
    https_port: int | None = None,
    media_root: Path,
    micro_cache: bool = True,
    certs: Path | None = None,
) -> Path:
    """Copy nginx/*.conf into `dest` with this machine's ports and paths, and write the main
    nginx.conf around them. https_port set = the TLS variant (certs: a letsencrypt-like dir)."""
    dest.mkdir(parents=True, exist_ok=True)
    for sub in ("cache", "logs", "temp"):
        (dest / sub).mkdir(exist_ok=True)
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in upstreams
    )
    for source in NGINX_DIR.glob("*.conf"):
        text = source.read_text()
        text = re.sub(r"^    server 127\.0\.0\.1:8000 .*$", servers, text, flags=re.M)
        text = text.replace("example.com", domain)
        text = text.replace("/srv/sitemaker/app", str(ROOT))
        text = text.replace("/srv/sitemaker/media", str(media_root))
        text = text.replace("/var/cache/nginx/sitemaker", str(dest / "cache"))
        text = text.replace("/var/www/letsencrypt", str(dest / "acme"))
        if certs is not None:
            text = text.replace("/etc/letsencrypt/live", str(certs))
        text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.M)  # loopback only
        text = re.sub(r"listen 80\b", f"listen 127.0.0.1:{http_port}", text)
        text = re.sub(r"listen 443\b", f"listen 127.0.0.1:{https_port}", text)
        if not micro_cache:
            text = text.replace("    proxy_cache sitemaker_micro;", "    proxy_cache off;")
        (dest / source.name).write_text(text)
    site_file = "sitemaker-tls.conf" if https_port else "sitemaker.conf"
    main = dest / "nginx.conf"
    main.write_text(f"""
daemon off;
user root;
worker_processes 1;
pid {dest}/nginx.pid;
error_log {dest}/logs/error.log info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {dest}/logs/access.log;
    client_body_temp_path {dest}/temp/body;
    proxy_temp_path {dest}/temp/proxy;
    fastcgi_temp_path {dest}/temp/fastcgi;
    uwsgi_temp_path {dest}/temp/uwsgi;
    scgi_temp_path {dest}/temp/scgi;
    include {dest}/{site_file};
}}
""")
    return main


def start_nginx(conf: Path, port: int, host: str) -> Server:
    nginx = require_executable("nginx", "/usr/sbin/nginx")
    dest = conf.parent
    check = subprocess.run(
        [nginx, "-t", "-p", str(dest), "-c", str(conf)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [nginx, "-p", str(dest), "-c", str(conf)],
        stdout=subprocess.DEVNULL, stderr=(dest / "logs" / "stderr.log").open("wb"),
        start_new_session=True,
    )  # fmt: skip
    server = Server("nginx", process, port, {"access": dest / "logs" / "access.log",
                                             "error": dest / "logs" / "error.log"})  # fmt: skip

    def ready() -> bool:
        if not server.alive():
            raise AssertionError(f"nginx exited: {server.log('error')[-2000:]}")
        return _port_answers(port, host, "/static/home/home.css")

    wait_until(ready, f"nginx on port {port}")
    return server


def self_signed(certs: Path, names: dict[str, list[str]]) -> None:
    """certs/<name>/{fullchain,privkey}.pem for each name, valid for the listed DNS names."""
    openssl = shutil.which("openssl") or missing("openssl is not installed")
    for name, dns in names.items():
        target = certs / name
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", f"/CN={dns[0]}", "-addext", "subjectAltName=" + ",".join(f"DNS:{d}" for d in dns),
             "-keyout", str(target / "privkey.pem"), "-out", str(target / "fullchain.pem")],
            check=True, capture_output=True,
        )  # fmt: skip


def session_cookie(user_id: str, host: str) -> str:
    """A Flask-Login session signed with the servers' SECRET_KEY for `host` (sessions are
    bound to the host that issued them), as sign-in there would leave it."""
    from flask import Flask

    from sitemaker.services.sessions import HostBoundSessionInterface

    signer = Flask("cookie-minter")
    signer.secret_key = SECRET_KEY
    serializer = HostBoundSessionInterface().serializer_for_host(signer, host)
    session = {"_user_id": user_id, "_fresh": True, "_signed_in_here": True}
    return "session=" + serializer.dumps(session)


# ---------------------------------------------------------------- a stack from start to end


@contextmanager
def running(seed_app) -> Iterator[list]:
    """A list for the servers a stack starts (anything with stop()): when the stack ends, however
    it ends, they are stopped, last first, and the seeded database is emptied."""
    from sitemaker.extensions import db

    started: list = []
    try:
        yield started
    finally:
        for server in reversed(started):
            server.stop()
        with seed_app.app_context():
            clear_tables(db)
            db.engine.dispose()


def start_plain_nginx(
    dest: Path, *, domain: str, upstreams: list[int], media_root: Path, **options
) -> Server:
    """The shipped configuration, plain HTTP, in front of `upstreams` on a port of its own."""
    port = free_port()
    conf = render_nginx(
        dest, domain=domain, upstreams=upstreams, http_port=port, media_root=media_root, **options
    )
    return start_nginx(conf, port, domain)
