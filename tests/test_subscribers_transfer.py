"""Subscribers in the export/import round trip (with their confirmation state, and only from
a file this installation signed), and gone with their site."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import NewsletterSend, Page, Site, Subscriber
from sitemaker.services import sites
from sitemaker.services.transfer import export_site
from sitemaker.services.transfer_apply import import_site
from tests.newsletter_helpers import add_subscribers, publish, statuses


def _export(app, site_id: int) -> bytes:
    with app.app_context():
        return export_site(db.session.get(Site, site_id))


def _import(app, site_id: int, data: bytes) -> list[str]:
    with app.app_context():
        report, _ = import_site(db.session.get(Site, site_id), data, None)
        db.session.commit()
        return report.summary()


def _rezip(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, content if item == name else src.read(item))
    return out.getvalue()


def test_round_trip_keeps_each_state_and_mails_nothing(app, site, make_site):
    add_subscribers(app, site.id, ["ann@example.org"])
    add_subscribers(app, site.id, ["pen@example.org"], status="pending")
    add_subscribers(app, site.id, ["gone@example.org"], status="unsubscribed")
    publish(app, site.id, "Recent post")
    data = _export(app, site.id)
    copy = make_site("copy")
    add_subscribers(app, copy.id, ["gone@example.org"])  # known here: left as it is
    notes = _import(app, copy.id, data)
    assert "Added 2 subscriber(s), each with the confirmation state it had." in notes
    assert statuses(app, copy.id) == {
        "ann@example.org": "confirmed",
        "pen@example.org": "pending",
        "gone@example.org": "confirmed",
    }
    with app.app_context():  # the imported recent post is not mailed to the new site's readers
        page_id = db.session.scalar(sa.select(Page.id).where(Page.site_id == copy.id))
        send = db.session.scalar(sa.select(NewsletterSend).where(NewsletterSend.page_id == page_id))
        assert (send.status, send.message) == ("skipped", "Imported; not mailed again.")


def test_an_edited_or_hand_made_file_adds_nobody(app, site, make_site):
    add_subscribers(app, site.id, ["ann@example.org"])
    data = _export(app, site.id)
    forged = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("subscribers.json"))
    forged["subscribers"].append({"email": "victim@example.org", "status": "confirmed"})
    copy = make_site("copy")
    for content in (json.dumps(forged).encode(), b"not json", b'{"subscribers": 5}'):
        notes = _import(app, copy.id, _rezip(data, "subscribers.json", content))
        assert any("no subscriber was added" in n for n in notes)
    assert statuses(app, copy.id) == {}


def test_deleting_a_site_deletes_its_subscribers(app, site, make_site):
    beta = make_site("beta")
    add_subscribers(app, site.id, ["ann@example.org"])
    add_subscribers(app, beta.id, ["bob@example.org"])
    publish(app, site.id, "A post")
    with app.app_context():
        sites.purge(db.session.get(Site, site.id))
        db.session.commit()
        left = db.session.execute(sa.select(Subscriber.email, Subscriber.site_id)).all()
        sends = db.session.scalar(sa.select(sa.func.count()).select_from(NewsletterSend))
    assert left == [("bob@example.org", beta.id)]
    assert sends == 0
