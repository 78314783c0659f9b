"""Faults while requests flow, on a PostgreSQL cluster and a Redis of the test's own (the shared
ones are never stopped): the database restarts, Redis goes away, a worker is killed.
The observed counts are printed (pytest -s shows them) for the operations notes."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Site
from sitemaker.services.pages import create_page
from tests import servers
from tests.components import free_port, missing, require_executable

pytestmark = pytest.mark.servers

DOMAIN = "sitemaker.test"
HOST = f"acme.{DOMAIN}"


def pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    missing("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    raise AssertionError("unreachable")


class OwnPostgres:
    """A throw-away cluster on a free port, run as the postgres account."""

    def __init__(self):
        if os.geteuid() != 0 or not shutil.which("runuser"):
            missing("starting a private PostgreSQL cluster needs root and runuser")
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="sitemaker-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.data = self.dir / "data"
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.pg_ctl("start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "faults")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/faults"

    def run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / tool), *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        args = ["-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-m", "fast"]
        self.run("pg_ctl", action, *args, *(["-o", options] if action != "stop" else []))

    def destroy(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "stop", "-D",
             str(self.data), "-m", "immediate"], capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnRedis:
    def __init__(self):
        self.exe = require_executable("redis-server")
        self.port = free_port()
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        servers.wait_until(lambda: servers_port_open(self.port), "redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def servers_port_open(port: int) -> bool:
    from tests.components import port_open

    return port_open("127.0.0.1", port)


class Load:
    """Requests through nginx, one after another, in a thread; each result is tagged with the
    phase the test was in when it was sent."""

    def __init__(self, port: int, paths: tuple[str, ...] = ("/", "/about")):
        self.port = port
        self.paths = paths
        self.phase = "warmup"
        self.results: list[tuple[str, object, float]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        i = 0
        while not self.stopping.is_set():
            phase, started = self.phase, time.monotonic()
            path = self.paths[i % len(self.paths)]
            try:
                outcome = servers.request(self.port, path, HOST, timeout=15).status
            except OSError as error:
                outcome = type(error).__name__
            self.results.append((phase, outcome, time.monotonic() - started))
            i += 1
            time.sleep(0.01)  # pacing, not an assertion: keeps two shared cores usable

    def counts(self, phase: str) -> Counter:
        return Counter(outcome for p, outcome, _ in self.results if p == phase)

    def wait_for(self, phase: str, outcome: object, n: int = 1, timeout: float = 60) -> None:
        servers.wait_until(
            lambda: sum(1 for p, o, _ in self.results if p == phase and o == outcome) >= n,
            f"{n} x {outcome} in {phase}", timeout,
        )  # fmt: skip

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    postgres = OwnPostgres()
    own_redis = None
    started = []
    try:
        own_redis = OwnRedis()
        seed_app = servers.prepare_database(postgres.url)
        with seed_app.app_context():
            site = Site(subdomain="acme", title="Acme")
            db.session.add(site)
            db.session.flush()
            create_page(site, "Home", "Still **here**", status="published", is_home=True)
            create_page(site, "About", "About us", slug="about", status="published")
            db.session.commit()
            db.engine.dispose()
        env = servers.production_env(
            DOMAIN, postgres.url, SITEMAKER_REDIS_URL=f"redis://127.0.0.1:{own_redis.port}/0",
            SITEMAKER_MEDIA_ROOT=str(tmp / "media"),
        )  # fmt: skip
        servers.build_assets(env)
        app = servers.start_gunicorn(env, tmp / "gunicorn", workers=2)
        started.append(app)
        port = free_port()
        conf = servers.render_nginx(
            tmp / "nginx", domain=DOMAIN, upstreams=[app.port], http_port=port,
            media_root=tmp / "media", micro_cache=False,
        )  # fmt: skip
        started.append(servers.start_nginx(conf, port, DOMAIN))
        yield {"postgres": postgres, "redis": own_redis, "app": app, "port": port}
    finally:
        for server in reversed(started):
            server.stop()
        if own_redis:
            own_redis.stop()
        postgres.destroy()


def report(name: str, load: Load, phases: list[str]) -> None:
    lines = [f"{phase}: {dict(load.counts(phase))}" for phase in phases]
    slowest = max((d for _, _, d in load.results), default=0)
    print(f"\n[fault: {name}] " + "; ".join(lines) + f"; slowest request {slowest:.2f}s")


def test_postgres_restart(stack):
    # Pages the workers keep are answered without the database, even while it is down; a
    # missing page needs it (404s are never kept), so the load always includes one.
    load = Load(stack["port"], ("/", "/about", "/no-such-page"))
    try:
        load.wait_for("warmup", 200, 10)
        load.phase = "restart"
        stack["postgres"].pg_ctl("restart")
        load.phase = "after"
        load.wait_for("after", 200, 20)
        # A stop long enough to be seen for sure: the app answers 503 at once, then recovers
        # on its own once the database is back.
        # Requests sent while pg_ctl is still shutting the server down may yet be answered by
        # it; "stopped" starts once pg_ctl has waited for the shutdown to finish.
        load.phase = "stopping"
        stack["postgres"].pg_ctl("stop")
        load.phase = "stopped"
        load.wait_for("stopped", 503, 5)
        down = servers.request(stack["port"], "/no-such-page", HOST)
        load.phase = "restarted"
        stack["postgres"].pg_ctl("start")
        load.wait_for("restarted", 200, 20)
    finally:
        load.stop()
    report("postgres", load, ["warmup", "restart", "after", "stopping", "stopped", "restarted"])
    assert down.status == 503 and "Temporarily unavailable" in down.text
    assert down.headers["retry-after"] == "5"
    outcomes = {o for _, o, _ in load.results}
    assert outcomes <= {200, 404, 503}, outcomes  # no 500s, 502s, timeouts or resets
    assert set(load.counts("stopped")) <= {200, 503}
    assert load.counts("restarted")[404] > 0  # the missing page is found missing again
    health = servers.request(stack["port"], "/healthz", DOMAIN)
    assert health.status == 200
    log = stack["app"].log("stderr")
    assert '"message": "database unavailable:' in log and '"tenant": "acme"' in log


def test_redis_stopped(stack):
    load = Load(stack["port"])
    try:
        load.wait_for("warmup", 200, 5)
        load.phase = "redis down"
        stack["redis"].stop()
        load.wait_for("redis down", 200, 20)
        health = servers.request(stack["port"], "/healthz", DOMAIN)
        load.phase = "redis back"
        stack["redis"].start()
        load.wait_for("redis back", 200, 10)
    finally:
        load.stop()
    report("redis", load, ["warmup", "redis down", "redis back"])
    assert set(load.counts("redis down")) == {200}
    assert health.status == 200
    assert '"redis": "down"' in health.text.replace('":"', '": "')
    assert '"message": "redis unavailable:' in stack["app"].log("stderr")
    assert '"redis":"ok"' in servers.request(stack["port"], "/healthz", DOMAIN).text.replace(
        " ", ""
    )


def test_killed_worker_is_replaced(stack):
    app = stack["app"]
    servers.wait_until(lambda: len(servers.worker_pids(app)) == 2, "two workers")
    before = servers.worker_pids(app)
    load = Load(stack["port"])
    try:
        load.wait_for("warmup", 200, 5)
        load.phase = "killed"
        victim = min(before)
        os.kill(victim, 9)
        servers.wait_until(
            lambda: len(servers.worker_pids(app)) == 2 and victim not in servers.worker_pids(app),
            "a replacement worker",
        )
        load.phase = "replaced"
        load.wait_for("replaced", 200, 20)
    finally:
        load.stop()
    report("worker", load, ["warmup", "killed", "replaced"])
    after = servers.worker_pids(app)
    assert victim not in after and len(after - before) == 1
    assert set(load.counts("replaced")) == {200}
    # At most the one request the dying worker held fails (nginx answers 502 for it, whichever
    # phase it was sent in); none hangs.
    failed = [o for _, o, _ in load.results if o != 200]
    assert failed in ([], [502]), failed
    assert max(d for _, _, d in load.results) < 15
    assert app.alive()


def test_a_connection_dropped_after_the_response_is_built_still_answers(make_app):
    """The server ends the connection between the view and the session's closing rollback
    (what a restart does to an idle-in-transaction connection): the response still goes out
    and the next request opens a fresh connection."""
    app = make_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: SQLite connections cannot be dropped by a server")

    @app.route("/dropped")
    def dropped():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "built"

    client = app.test_client()
    response = client.get("/dropped", base_url="http://example.test")
    assert response.status_code == 200 and response.text == "built"
    assert client.get("/healthz", base_url="http://example.test").status_code == 200


def test_a_visit_on_a_connection_the_server_dropped_is_answered(make_app, make_site, make_page):
    """Pages answered by the front cache leave pooled connections idle; one the server dropped
    meanwhile (a restart) fails its next statement. The tenant lookup, a request's first
    statement, runs again on a fresh connection instead of answering 503."""
    app = make_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: SQLite connections cannot be dropped by a server")
    site = make_site("dropped")
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    assert client.get("/about", subdomain="dropped").status_code == 200
    with app.app_context():
        pooled = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.rollback()  # back to the pool, where the next request will find it
        outside = sa.create_engine(db.engine.url)  # the server's side of things
        with outside.begin() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
        outside.dispose()
    response = client.get("/", subdomain="dropped")
    assert response.status_code == 200 and "Dropped" in response.text
