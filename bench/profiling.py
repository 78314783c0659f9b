"""Where a tenant page's time goes: pyinstrument over N requests through the WSGI app (the
production configuration, a test client, uniformly spread tenant hosts and pages)."""

from __future__ import annotations

import random
from pathlib import Path

from .seed import SECRET_KEY, tenant_host
from .settings import PAGES_PER_SITE, SERVER_NAME


def profile_pages(database_url: str, size: int, requests: int, out: Path) -> str:
    from pyinstrument import Profiler

    from sitemaker import create_app

    app = create_app(
        "production",
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "SERVER_NAME": SERVER_NAME},
    )
    client = app.test_client()
    rng = random.Random(7)
    paths = ["/"] + [f"/page-{p}" for p in range(2, PAGES_PER_SITE + 1)]
    targets = [
        (tenant_host(rng.randint(1, size), size), rng.choice(paths)) for _ in range(requests)
    ]
    for host, path in targets[:20]:  # warm up: imports, template compilation, connections
        client.get(path, headers={"Host": host})
    statements = _statements_of_one_request(app, client, *targets[0])
    statuses: dict[int, int] = {}
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for host, path in targets:
        status = client.get(path, headers={"Host": host}).status_code
        statuses[status] = statuses.get(status, 0) + 1
    session = profiler.stop()
    per_request_ms = session.duration * 1000 / requests
    head = (
        f"pyinstrument: {requests} tenant page requests through the WSGI app (test client), "
        f"{size:,} sites, uniform hosts; statuses {statuses}; "
        f"{per_request_ms:.2f} ms per request in-process\n\n"
        f"Database work of one page request ({len(statements)} round trips):\n"
        + "".join(f"  {line}\n" for line in statements)
        + "\n"
    )
    text = head + profiler.output_text(unicode=False, color=False, show_all=False)
    out.write_text(text)
    return text


def _statements_of_one_request(app, client, host: str, path: str) -> list[str]:
    """What one request asks the database, first line of each statement; a pool checkout
    with pre-ping costs one more round trip."""
    import sqlalchemy as sa

    from sitemaker.extensions import db

    seen: list[str] = []

    def on_execute(conn, cursor, statement, params, context, many):
        seen.append(statement.split("\n")[0][:100])

    def on_checkout(*args):
        pre_ping = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")
        seen.append("(pool checkout" + (" + pre-ping SELECT 1)" if pre_ping else ")"))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    sa.event.listen(engine.pool, "checkout", on_checkout)
    try:
        client.get(path, headers={"Host": host})
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
        sa.event.remove(engine.pool, "checkout", on_checkout)
    return seen
