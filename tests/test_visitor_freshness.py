"""The visitor path keeps a per-process snapshot of each site; it must never be stale. Two app
objects on one database stand for two processes: what one writes, the other shows at once."""

from __future__ import annotations

from sitemaker.extensions import db
from sitemaker.models import Site
from sitemaker.services import sites as site_service


def _write(app, site_id: int, change) -> None:
    with app.app_context():
        site = db.session.get(Site, site_id)
        change(site)
        db.session.commit()


def test_a_change_made_by_another_process_is_served_on_the_next_request(
    make_app, make_site, make_page
):
    reader, writer = make_app(), make_app()
    site = make_site("fresh", title="First title")
    make_page(site, "About", "About us", status="published")
    client = reader.test_client()
    for _ in range(2):  # the second request is served from the snapshot and the page cache
        assert "First title" in client.get("/about", subdomain="fresh").text

    def retitle(s: Site) -> None:
        s.title = "Second title"
        s.bump_content_version()

    _write(writer, site.id, retitle)
    text = client.get("/about", subdomain="fresh").text
    assert "Second title" in text and "First title" not in text

    # A change that forgot to bump the version is still seen: the whole row is compared.
    _write(writer, site.id, lambda s: setattr(s, "tagline", "Unbumped tagline"))
    assert "Unbumped tagline" in client.get("/", subdomain="fresh").text

    _write(writer, site.id, lambda s: site_service.suspend(s, "Spam"))
    gone = client.get("/about", subdomain="fresh")
    assert gone.status_code == 410 and "Spam" in gone.text

    _write(writer, site.id, site_service.unsuspend)
    assert "Second title" in client.get("/about", subdomain="fresh").text

    _write(writer, site.id, site_service.mark_deleted)
    assert client.get("/about", subdomain="fresh").status_code == 410


def test_the_snapshot_is_read_only_and_the_dashboard_gets_its_own(app, make_site, client):
    """A visitor request leaves nothing for the session to write back, and a lazy
    relationship on the snapshot fails loudly instead of reading nothing."""
    import pytest
    from sqlalchemy.orm.exc import DetachedInstanceError

    from sitemaker.services.tenancy import find_site, find_visitor_site

    make_site("snap")
    assert client.get("/", subdomain="snap").status_code == 200
    with app.test_request_context("/", subdomain="snap"):
        snapshot = find_visitor_site("SNAP")
        assert snapshot is find_visitor_site("snap")  # reused while the row is unchanged
        assert snapshot not in db.session
        with pytest.raises(DetachedInstanceError):
            snapshot.memberships  # noqa: B018
        assert find_site("snap") is not snapshot
        assert find_visitor_site("a.b") is None and find_visitor_site("nobody") is None
