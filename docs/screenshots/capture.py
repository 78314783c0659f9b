"""Screenshots and page weight of each built-in theme.

    .venv/bin/python docs/screenshots/capture.py

Builds a throw-away site per theme on a temporary SQLite database, serves it with Werkzeug on
loopback, photographs a typical post with headless Chromium, and prints the bytes of the
post's HTML plus the theme's CSS, raw and gzip-compressed.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from sitemaker import create_app  # noqa: E402
from sitemaker.extensions import db  # noqa: E402
from sitemaker.models import Site  # noqa: E402
from sitemaker.models.common import utcnow  # noqa: E402
from sitemaker.services.pages import create_page  # noqa: E402

OUT = Path(__file__).resolve().parent
# The post's picture, answered by the browser itself so the screenshots need no network.
PICTURE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 360">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="#f6d8b8"/><stop offset="1" stop-color="#9cc3d5"/></linearGradient></defs>
<rect width="800" height="360" fill="url(#sky)"/><circle cx="620" cy="110" r="46" fill="#fbeee0"/>
<rect y="230" width="800" height="130" fill="#3f6e88"/>
<path d="M0 250 Q100 238 200 250 T400 250 T600 250 T800 250 V360 H0Z" fill="#2f5a73"/>
<g fill="#7a3b2e"><path d="M90 232h150l-22 28H112z"/><path d="M330 236h120l-18 24H348z"/>
<path d="M540 230h170l-26 32H566z"/></g>
<g stroke="#3b2a20" stroke-width="4"><path d="M165 232V120"/><path d="M390 236V150"/>
<path d="M625 230V100"/></g>
<g fill="#fff8ee"><path d="M169 125l50 95h-50z"/><path d="M394 155l40 75h-40z"/>
<path d="M629 105l60 118h-60z"/></g></svg>"""
THEMES = {
    "plain": ("Field Notes", "Small observations, written down."),
    "journal": ("The Quiet Quarterly", "Essays on craft, patience and paper."),
    "landing": ("Harbour Days 2026", "A weekend festival of boats, music and food by the sea."),
}
POST = """Every morning the harbour wakes up in the same order: gulls first, then the bakery,
then the boats. We spent a season writing it down, and this is what we learned.

## The tides decide

Nothing here runs to a timetable you could print. The ferry waits for the water, the
fishermen wait for the ferry, and everyone waits for the coffee. *Patience is not a virtue
here; it is the schedule.*

![Boats moored in a row at low tide](https://images.example/harbour.svg)

## What to bring

- Shoes that do not mind salt
- A jumper, whatever the forecast says
- Cash for the fish stall, which has never heard of cards

> "The sea is the same sea it was yesterday. We are the ones who changed."

### Getting there

Take the coast road north and turn left at the lighthouse. If you reach the second
lighthouse, you have gone too far, which everyone does once.

Questions? Write to `hello@example.org` and we will answer when the tide allows.
"""


def seed(app) -> None:
    with app.app_context():
        upgrade()
        for theme, (title, tagline) in THEMES.items():
            site = Site(subdomain=theme, title=title, tagline=tagline, theme=theme,
                        description=tagline)  # fmt: skip
            db.session.add(site)
            db.session.flush()
            now = utcnow()
            for name in ("About", "Programme", "Contact"):
                create_page(site, name, f"{name} page.", status="published")
            create_page(site, "Notes from a working harbour", POST, kind="post",
                        status="published", slug="harbour",
                        description="A season of mornings by the water.",
                        published_at=now - timedelta(days=1))  # fmt: skip
            create_page(site, "Why we keep a logbook", "Short.", kind="post",
                        status="published", published_at=now - timedelta(days=8))  # fmt: skip
        db.session.commit()


def fulfil_picture(route) -> None:
    route.fulfill(status=200, content_type="image/svg+xml", body=PICTURE)


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'shots.db'}",
        "SERVER_NAME": "localhost:5123",
    })  # fmt: skip
    seed(app)
    server = make_server("127.0.0.1", 5123, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = app.test_client()
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for theme in THEMES:
            html = client.get("/harbour", subdomain=theme).data
            css_href = re.search(rb'href="(/static/gen/[^"]+\.css)"', html).group(1).decode()
            css = client.get(css_href, subdomain=theme).data
            rows.append((theme, len(html), len(css), len(gzip.compress(html, 9)),
                         len(gzip.compress(css, 9))))  # fmt: skip
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("https://images.example/**", fulfil_picture)
            # Chromium resolves every *.localhost name to loopback by itself.
            url = f"http://{theme}.localhost:5123/harbour"
            page.goto(url)
            page.screenshot(path=str(OUT / f"{theme}.png"), full_page=True)
            page.goto(f"http://{theme}.localhost:5123/")
            page.screenshot(path=str(OUT / f"{theme}-front.png"), full_page=True)
            mobile = browser.new_page(viewport={"width": 390, "height": 844})
            mobile.route("https://images.example/**", fulfil_picture)
            mobile.goto(url)
            mobile.screenshot(path=str(OUT / f"{theme}-mobile.png"), full_page=False)
        browser.close()
    server.shutdown()
    print("| theme | HTML | CSS | HTML+CSS | HTML gz | CSS gz | HTML+CSS gz |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for theme, h, c, hg, cg in rows:
        print(f"| {theme} | {h} | {c} | {h + c} | {hg} | {cg} | {hg + cg} |")


if __name__ == "__main__":
    main()
