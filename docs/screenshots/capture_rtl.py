"""Screenshots of each built-in theme on a right-to-left (Arabic) site.

    .venv/bin/python docs/screenshots/capture_rtl.py

Builds a throw-away Arabic site per theme (language "ar": <html dir="rtl">, dates written by
Babel), with tagged posts, a quote and a table, serves it with Werkzeug on loopback and
photographs a post and the front page with headless Chromium into rtl-<theme>.png and
rtl-<theme>-front.png. Logical CSS properties are what make the layout mirror.
"""

from __future__ import annotations

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
from sitemaker.services.tags import set_tags  # noqa: E402

OUT = Path(__file__).resolve().parent
THEMES = ("plain", "journal", "landing")
POST = """كل صباح يستيقظ الميناء بالترتيب نفسه: النوارس أولاً، ثم المخبز، ثم القوارب.
قضينا موسماً كاملاً نكتب ما نراه، وهذا ما تعلمناه.

## المد يقرر

لا شيء هنا يسير وفق جدول يمكن طباعته. العبّارة تنتظر الماء، والصيادون ينتظرون العبّارة،
والجميع ينتظر القهوة.

> «البحر هو البحر نفسه الذي كان بالأمس. نحن الذين تغيرنا.»

| اليوم | المد العالي |
|---|---|
| السبت | ٦:١٠ |
| الأحد | ٦:٤٥ |

- أحذية لا تمانع الملح
- سترة صوفية مهما قالت النشرة الجوية
"""


def seed(app) -> None:
    with app.app_context():
        upgrade()
        for theme in THEMES:
            site = Site(subdomain=theme, title="أيام الميناء", tagline="مدونة عن البحر والناس",
                        theme=theme, language="ar", posts_per_page=3)  # fmt: skip
            db.session.add(site)
            db.session.flush()
            now = utcnow()
            for name, slug in (("من نحن", "about"), ("اتصل بنا", "contact")):
                create_page(site, name, "صفحة.", status="published", slug=slug)
            post = create_page(site, "ملاحظات من ميناء يعمل", POST, kind="post",
                               status="published", slug="harbour",
                               description="موسم من الصباحات على الماء.",
                               published_at=now - timedelta(days=1))  # fmt: skip
            set_tags(site, post, ["البحر", "Travel", "Food"])
            for n, title in enumerate(("لماذا نحتفظ بسجل", "خبز الصباح", "القوارب الصغيرة")):
                create_page(site, title, "قصير.", kind="post", status="published",
                            slug=f"post-{n}", published_at=now - timedelta(days=8 + n))  # fmt: skip
        db.session.commit()


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'rtl.db'}",
        "SERVER_NAME": "localhost:5124",
    })  # fmt: skip
    seed(app)
    server = make_server("127.0.0.1", 5124, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for theme in THEMES:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"http://{theme}.localhost:5124/harbour")
            page.screenshot(path=str(OUT / f"rtl-{theme}.png"), full_page=True)
            page.goto(f"http://{theme}.localhost:5124/")
            page.screenshot(path=str(OUT / f"rtl-{theme}-front.png"), full_page=True)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
