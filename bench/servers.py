"""The processes a run starts: gunicorn (real app and floor, both with the repository's
gunicorn.conf.py) and nginx."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .settings import ROOT

# The shipped settings are the measured settings: operators run this file.
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(port: int, path: str, host: str, headers: dict[str, str] | None = None) -> Fetched:
    """One request to loopback with a chosen Host, no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    req.add_unredirected_header("Host", host)
    try:
        # Generous: a freshly started worker on a busy machine can be slow to its first answer.
        with opener.open(req, timeout=60) as resp:
            return Fetched(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as err:
        return Fetched(err.code, dict(err.headers.items()), err.read())
    except (OSError, urllib.error.URLError) as err:
        raise SystemExit(
            f"bench: no answer from http://{host}{path} on port {port}: {err}"
        ) from None


def wait_until_up(port: int, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {what} exited ({proc.returncode}):\n{_tail(log)}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"bench: {what} did not listen on port {port} within 60 s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def gunicorn_env(env: dict[str, str], port: int, workdir: Path, name: str,
                 workers: int | None = None) -> dict[str, str]:  # fmt: skip
    """What a run changes in the shipped gunicorn.conf.py, through the environment variables
    it reads: the bind address and the log files; the worker count only when BENCH_WORKERS
    names one (WEB_CONCURRENCY, the operators' own setting; else the file's default)."""
    env = dict(
        env,
        SITEMAKER_BIND=f"127.0.0.1:{port}",
        SITEMAKER_ACCESS_LOG=str(workdir / f"{name}-access.log"),
        SITEMAKER_ERROR_LOG=str(workdir / f"{name}-gunicorn.log"),
    )
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    return env


@contextmanager
def gunicorn(
    target: str, env: dict[str, str], workers: int | None, workdir: Path, name: str
) -> Iterator[int]:
    """Run `gunicorn -c gunicorn.conf.py <target>` from the repository root; yields its port."""
    port = free_port()
    env = gunicorn_env(env, port, workdir, name, workers)
    log = Path(env["SITEMAKER_ERROR_LOG"])
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("a"))
    try:
        wait_until_up(port, proc, log, f"gunicorn {target}")
        yield port
    finally:
        stop(proc)


_SETTINGS = ("workers", "worker_class", "preload_app", "max_requests", "max_requests_jitter",
             "timeout", "keepalive")  # fmt: skip


def gunicorn_settings(env: dict[str, str]) -> dict[str, object]:
    """What the shipped file resolves to under `env` (read in a child, as gunicorn reads it),
    for the results' notes."""
    code = ("import json, runpy, sys; conf = runpy.run_path(sys.argv[1]); "
            f"print(json.dumps({{k: conf.get(k) for k in {_SETTINGS!r}}}))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(GUNICORN_CONF)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


NGINX_MAIN = """\
# Written by bench/servers.py.
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    include {mime};
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{body}
}}
"""


def nginx_executable() -> str | None:
    for path in ("/usr/sbin/nginx", "/usr/bin/nginx"):
        if os.path.isfile(path):
            return path
    return None


@contextmanager
def nginx(
    http_body: str,
    workdir: Path,
    port: int,
    name: str,
    workers: str = "auto",
    files: dict[str, str] | None = None,
):
    """Run nginx in the foreground with `http_body` inside its http block. Raises RuntimeError
    with nginx's own message when the configuration does not load."""
    exe = nginx_executable()
    if exe is None:
        raise RuntimeError("nginx is not installed")
    folder = workdir / name
    folder.mkdir(exist_ok=True)
    for file_name, text in (files or {}).items():
        (folder / file_name).write_text(text)
    mime = "/etc/nginx/mime.types"
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_MAIN.format(workers=workers, dir=folder, mime=mime, body=http_body))
    check = subprocess.run(
        [exe, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(" ".join(check.stderr.strip().splitlines()[-2:]))
    log = folder / "nginx-error.log"
    proc = subprocess.Popen([exe, "-c", str(conf), "-p", str(folder)], stderr=log.open("a"))
    try:
        wait_until_up(port, proc, log, "nginx")
        yield port
    finally:
        stop(proc)
