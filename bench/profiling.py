"""Where a tenant page's time goes: pyinstrument over N requests through the WSGI app (the
production configuration, a test client, uniformly spread tenant hosts and pages)."""

from __future__ import annotations

import random
from pathlib import Path

from .seed import SECRET_KEY, tenant_host
from .settings import BROWSER_UA, PAGES_PER_SITE, SERVER_NAME


def _app(database_url: str, **overrides):
    from sitemaker import create_app

    return create_app(
        "production",
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "SERVER_NAME": SERVER_NAME,
            **overrides,
        },
    )


def _targets(size: int, requests: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    paths = ["/"] + [f"/page-{p}" for p in range(2, PAGES_PER_SITE + 1)]
    return [(tenant_host(rng.randint(1, size), size), rng.choice(paths)) for _ in range(requests)]


def profile_pages(database_url: str, size: int, requests: int, out: Path, costs: str = "") -> str:
    """`costs`: the text of costs_text() for every size, put before the profile."""
    from pyinstrument import Profiler

    app = _app(database_url)
    client = app.test_client()
    targets = _targets(size, requests)
    # Before anything else: a URL this process has already answered costs no round trip.
    statements = _statements_of_one_request(app, client, *targets[0])
    for host, path in targets[1:21]:  # warm up: imports, template compilation, connections
        client.get(path, headers={"Host": host})
    flat = breakdown(app, client, targets[: max(50, requests // 4)])
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
        f"Database work of one page request "
        f"({sum(not line.startswith('(') for line in statements)} round trips):\n"
        + "".join(f"  {line}\n" for line in statements)
        + "\n"
        + costs
        + "\n"
        + flat
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


def cpu_costs(database_url: str, size: int, misses: int = 300, repeats: int = 2000) -> dict:
    """CPU per request in ms without a profiler, calling the WSGI callables directly (no test
    client, no server) in a fresh process-like app: a first visit of a URL (a page-cache miss),
    a repeat visit (the front cache), a 304 from it, and the floor app answering the same
    bytes. Measured at every size: the per-request cost must not grow with the tenants."""
    import tempfile
    import time

    from werkzeug.test import EnvironBuilder

    from .floor import create_floor

    app = _app(database_url)

    def environ(host: str, path: str, **headers: str) -> dict:
        return EnvironBuilder(path=path, headers={"Host": host, **headers}).get_environ()

    def answer(wsgi, env: dict) -> None:
        body = wsgi(dict(env), lambda status, headers, exc_info=None: None)
        b"".join(body)
        getattr(body, "close", lambda: None)()

    def per_request_ms(wsgi, envs: list[dict]) -> float:
        start = time.process_time()
        for env in envs:
            answer(wsgi, env)
        return (time.process_time() - start) * 1000 / len(envs)

    targets = list(dict.fromkeys(_targets(size, misses + 20, seed=11)))  # distinct URLs
    for host, path in targets[:20]:  # imports, template compilation, connections
        answer(app, environ(host, path))
    host, path = targets[0]
    hot = environ(host, path)
    response = app.test_client().get(path, headers={"Host": host})
    costs = {"miss": per_request_ms(app, [environ(h, p) for h, p in targets[20:]])}
    costs["hit"] = per_request_ms(app, [hot] * repeats)
    conditional = environ(host, path, **{"If-None-Match": response.headers.get("ETag", "")})
    costs["not_modified"] = per_request_ms(app, [conditional] * repeats)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.body").write_bytes(response.data)
        costs["floor"] = per_request_ms(create_floor(folder), [hot] * repeats)
    # A hit from a browser, which page-view counting counts (the hot environ above has no
    # user agent, so it is skipped as a bot), against the same app with counting off.
    browser = environ(host, path, **{"User-Agent": BROWSER_UA})
    uncounted = _app(database_url, ANALYTICS_ENABLED=False)
    for wsgi in (app, uncounted):
        for _ in range(3):  # the front cache keeps it from the second visit; the day's salt
            answer(wsgi, browser)
    counted_ms, uncounted_ms = [], []
    for _ in range(5):  # alternate, so both see the same noise; keep the best of each
        counted_ms.append(per_request_ms(app, [browser] * repeats))
        uncounted_ms.append(per_request_ms(uncounted, [browser] * repeats))
    costs["hit_counted"], costs["hit_uncounted"] = min(counted_ms), min(uncounted_ms)
    for each in (app, uncounted):
        with each.app_context():
            from sitemaker.extensions import db

            db.engine.dispose()
    return costs


def costs_text(by_size: dict[int, dict]) -> str:
    lines = ["CPU ms per request in one process, no profiler (WSGI called directly):",
             f"  {'sites':>9}  {'miss':>7}  {'hit':>7}  {'304':>7}  {'floor':>7}"]  # fmt: skip
    for size, c in sorted(by_size.items()):
        lines.append(f"  {size:>9,}  {c['miss']:7.3f}  {c['hit']:7.3f}  "
                     f"{c['not_modified']:7.3f}  {c['floor']:7.3f}")  # fmt: skip
    for size, c in sorted(by_size.items()):
        if "hit_counted" in c:
            lines.append(f"  {size:>9,}  hit from a browser: page-view counting on "
                         f"{c['hit_counted']:.4f}, off {c['hit_uncounted']:.4f} "
                         f"(ratio {c['hit_counted'] / c['hit_uncounted']:.2f})")  # fmt: skip
    lines.append("  miss: first visit of a URL (Flask, queries, render); hit and 304: answered by")
    lines.append("  the front cache; floor: Flask returning the same bytes from memory.")
    return "\n".join(lines) + "\n"


# Where the wall time of a page request goes, by function (cumulative, per request).
BREAKDOWN = [
    # Connection.wait drives every statement (sending it included) until its answer is in.
    ("database round trips (psycopg Connection.wait)", "psycopg/connection.py", ("wait",)),
    ("  of which pool pre-ping", "postgresql/_psycopg_common.py", ("do_ping",)),
    ("tenant lookup (find_visitor_site)", "sitemaker/services/tenancy.py", ("find_visitor_site",)),
    ("menu + scheduled items (site_outline)", "sitemaker/services/pages.py", ("site_outline",)),
    ("page query + render (views.page)", "sitemaker/site/views.py", ("page", "index")),
    ("  template rendering (render_theme)", "sitemaker/site/theming.py", ("render_theme",)),
    ("    Flask-Assets bundle URL per render", "webassets/bundle.py", ("urls",)),
    (
        "Flask-Login user for anonymous visitors",
        "flask_login/utils.py",
        ("_user_context_processor",),
    ),
    ("Flask-Limiter check", "flask_limiter/_extension.py", ("_check_request_limit",)),
]


def breakdown(app, client, targets: list[tuple[str, str]]) -> str:
    """cProfile over the same requests: wall and CPU per request, and the cumulative time
    per request of the functions that make up the visitor path."""
    import cProfile
    import pstats
    import time

    profile = cProfile.Profile()
    wall, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    for host, path in targets:
        client.get(path, headers={"Host": host})
    profile.disable()
    n = len(targets)
    wall_ms = (time.perf_counter() - wall) * 1000 / n
    cpu_ms = (time.process_time() - cpu) * 1000 / n
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    lines = [
        f"cProfile over {n} requests: {wall_ms:.2f} ms wall, {cpu_ms:.2f} ms CPU per request "
        f"(profiler overhead included)",
    ]
    for label, where, names in BREAKDOWN:
        total = sum(
            cumulative
            for (filename, _, name), (_, _, _, cumulative, _) in stats.items()
            if where in filename and name in names
        )
        lines.append(f"  {total * 1000 / n:7.2f} ms  {total * 1000 / n / wall_ms:6.1%}  {label}")
    return "\n".join(lines) + "\n"
