"""The shipped gunicorn settings: the app is built once in the master and the workers are
forked from it (preload_app), so each worker must get its own connections, board and cache."""

from __future__ import annotations

import json
import os
import runpy
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.forking import after_fork
from sitemaker.models import Page, Site
from sitemaker.services import site_versions
from sitemaker.services.pages import create_page
from tests import servers

ROOT = servers.ROOT


def test_workers_are_forked_from_a_built_app_and_recycled_rarely_at_different_times():
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    # At ~1,000 requests/s per worker a limit of 2,000 restarted every worker within the same
    # second; the limit must be far above that, its jitter a wide share of it.
    assert conf["max_requests"] >= 50_000
    assert conf["max_requests_jitter"] >= conf["max_requests"] // 4
    assert callable(conf["post_fork"])


def _in_child(work) -> dict:
    """Run work() in a forked child and return the dict it produced."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read)
            os.write(write, json.dumps(work()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and text, "the child failed"
    return json.loads(text)


def test_a_forked_worker_gets_its_own_connections_board_and_front_cache(
    make_app, make_site, make_page
):
    app = make_app()
    site = make_site("forked", title="Forked")
    make_page(site, "About", "x", status="published")
    client = app.test_client()
    for _ in range(2):
        assert "Forked" in client.get("/about", subdomain="forked").text
    with app.app_context():
        engine = db.engine
    pooled = engine.raw_connection()  # the connection the requests used, back from the pool
    parent_connection = pooled.dbapi_connection
    pooled.close()
    assert engine.pool.checkedin() == 1 and len(app.wsgi_app) == 1
    board = site_versions.board(app)
    parent_fd = getattr(board, "_fd", None)

    def worker() -> dict:
        after_fork(app)
        seen = {
            "pooled": engine.pool.checkedin(),
            "front": len(app.wsgi_app),
            "fd": getattr(site_versions.board(app), "_fd", None),
        }
        seen["page"] = client.get("/about", subdomain="forked").text
        return seen

    seen = _in_child(worker)
    assert seen["pooled"] == 0 and seen["front"] == 0
    assert "Forked" in seen["page"]
    if parent_fd is not None and parent_fd >= 0:
        assert seen["fd"] != parent_fd
    # The child left the parent's connection alone: it still works, and is still the one.
    with app.app_context():
        assert db.session.scalar(sa.select(Site.title).where(Site.id == site.id)) == "Forked"
        db.session.remove()
    pooled = engine.raw_connection()
    assert pooled.dbapi_connection is parent_connection
    pooled.close()


@pytest.fixture(scope="module")
def three_workers(tmp_path_factory):
    url = servers.server_database_url()
    tmp = tmp_path_factory.mktemp("workers")
    seed_app = servers.prepare_database(url)
    with seed_app.app_context():
        site = Site(subdomain="acme", title="Acme")
        db.session.add(site)
        db.session.flush()
        pages = [
            create_page(site, f"Page {n}", f"Body {n}", slug=f"p{n}", status="published")
            for n in range(8)
        ]
        db.session.commit()
        ids = {"site": site.id, "page": pages[0].id}
    env = servers.production_env("sitemaker.test", url, SITEMAKER_MEDIA_ROOT=str(tmp / "m"))
    servers.build_assets(env)
    server = servers.start_gunicorn(env, tmp / "gunicorn", workers=3)
    try:
        yield {"server": server, "seed_app": seed_app, **ids}
    finally:
        server.stop()
        with seed_app.app_context():
            servers.clear_tables(db)
            db.engine.dispose()


def test_several_forked_workers_serve_concurrent_reads_and_see_a_change_at_once(three_workers):
    server = three_workers["server"]
    # Ready means one worker answered; the others may still be a moment from forked.
    servers.wait_until(lambda: len(servers.worker_pids(server)) == 3, "three workers")
    host = "acme.sitemaker.test"

    def fetch(n: int) -> tuple[int, str]:
        response = servers.request(server.port, f"/p{n % 8}", host)
        return n % 8, response.status, response.text

    # Uncached pages from many connections at once: a connection shared across the fork
    # would garble the protocol and show here as errors or another page's body.
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetch, range(96)))
    for n, status, text in results:
        assert status == 200 and f"Body {n}" in text, (n, status, text[:300])
    with three_workers["seed_app"].app_context():
        page = db.session.get(Page, three_workers["page"])
        page.html = "<p>Changed body</p>"
        db.session.get(Site, three_workers["site"]).bump_content_version()
        db.session.commit()
    for _ in range(12):  # every worker, whichever answers
        text = servers.request(server.port, "/p0", host).text
        assert "Changed body" in text and "Body 0" not in text
