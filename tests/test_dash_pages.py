"""The dash editor: creating, saving, slugs, permissions, optimistic locking, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, PageRevision, Site
from sitemaker.models.common import utcnow
from tests.dash_client import add_member, csrf_token


def get_page(app, page_id: int) -> Page:
    with app.app_context():
        page = db.session.get(Page, page_id)
        db.session.expunge(page)
        return page


def revisions_of(app, page_id: int) -> list[PageRevision]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PageRevision).where(PageRevision.page_id == page_id).order_by(PageRevision.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def content_version(app, site_id: int) -> int:
    with app.app_context():
        return db.session.get(Site, site_id).content_version


def form(client, subdomain="acme", **fields) -> dict:
    data = {
        "csrf_token": csrf_token(client, subdomain),
        "title": "",
        "slug": "",
        "body": "",
        "description": "",
        "status": "draft",
        "published_at": "",
        "version": "0",
    }
    data.update(fields)
    return data


def test_create_page_derives_slug_and_keeps_a_revision(app, signed_in, site):
    response = signed_in.post(
        "/admin/pages/new?kind=page",
        subdomain="acme",
        data=form(signed_in, title="About Ünïcode Us!", body="Hello *there*"),
    )
    assert response.status_code == 302
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.site_id == site.id))
        assert page.slug == "about-unicode-us"
        assert page.html == "<p>Hello <em>there</em></p>\n"
        assert page.status == "draft" and page.kind == "page"
        page_id = page.id
    assert [r.reason for r in revisions_of(app, page_id)] == ["save"]
    editor = signed_in.get(response.headers["Location"], subdomain="acme")
    assert b"About \xc3\x9cn\xc3\xafcode Us!" in editor.data
    assert b'data-preview-url="/admin/preview"' in editor.data


def test_list_shows_pages_and_posts_separately(signed_in, site, make_page):
    make_page(site, "A lasting page")
    make_page(site, "A dated post", kind="post", status="published")
    pages = signed_in.get("/admin/pages", subdomain="acme").data
    posts = signed_in.get("/admin/pages?kind=post", subdomain="acme").data
    assert b"A lasting page" in pages and b"A dated post" not in pages
    assert b"A dated post" in posts and b"A lasting page" not in posts
    drafts = signed_in.get("/admin/pages?kind=post&status=draft", subdomain="acme").data
    assert b"A dated post" not in drafts


def test_save_publishes_bumps_content_version_and_keeps_revisions(app, signed_in, site, make_page):
    page = make_page(site, "About", "Old text", slug="about")
    before = content_version(app, site.id)
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(
            signed_in,
            title="About",
            slug="about",
            body="New <script>alert(1)</script> text",
            status="published",
            version=str(page.version),
        ),
    )
    assert response.status_code == 302
    saved = get_page(app, page.id)
    assert saved.version == page.version + 1 and saved.status == "published"
    assert saved.published_at is not None
    assert "<script>" not in saved.html and "alert(1)" not in saved.html
    assert content_version(app, site.id) == before + 1
    assert [r.body for r in revisions_of(app, page.id)][-1].startswith("New <script>")
    assert b"New" in signed_in.get("/about", subdomain="acme").data


def test_future_published_at_schedules(app, signed_in, site, make_page):
    page = make_page(site, "Soon", slug="soon", kind="post")
    when = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(
            signed_in,
            title="Soon",
            slug="soon",
            body="x",
            status="published",
            published_at=when,
            version=str(page.version),
        ),
    )
    assert signed_in.get("/soon", subdomain="acme").status_code == 404
    overview = signed_in.get("/admin/", subdomain="acme").data
    assert b"Scheduled" in overview and b"goes live" in overview


def test_stale_version_never_overwrites_and_keeps_both_texts(app, signed_in, site, make_page):
    page = make_page(site, "Shared", "Original", slug="shared")
    first = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Shared", slug="shared", body="Tab one wins", version="1"),
    )
    assert first.status_code == 302
    second = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Shared", slug="shared", body="Tab two's words", version="1"),
    )
    assert second.status_code == 409
    assert b"changed since you opened it" in second.data
    assert b"Tab one wins" in second.data and b"Tab two&#39;s words" in second.data
    assert get_page(app, page.id).body == "Tab one wins"
    kept = revisions_of(app, page.id)[-1]
    assert kept.reason == "conflict" and kept.body == "Tab two's words"
    # The conflict form now carries the current version: saving again is a deliberate choice.
    assert b'name="version" type="hidden" value="2"' in second.data
    # The preview renders the editor's (your) text, not theirs.
    preview = second.data.split(b"data-preview>")[1].split(b"</article>")[0]
    assert preview.strip() == b"<p>Tab two's words</p>"


def test_conditional_update_lets_only_one_of_two_saves_win(app, site, make_page):
    from sitemaker.services.pages import SaveConflict, save_page

    page = make_page(site, "Race", "start", slug="race")
    fields = dict(slug="race", description="", status="draft", published_at=None, author_id=None)
    with app.app_context():
        stale = db.session.get(Page, page.id)
        db.session.expunge(stale)
        # Another process saves first, straight through the database.
        with db.engine.begin() as conn:
            conn.execute(sa.update(Page).where(Page.id == page.id).values(version=2, body="other"))
        s = db.session.get(Site, site.id)
        db.session.add(stale)
        with pytest.raises(SaveConflict):
            save_page(s, stale, expected_version=1, title="Race", body="mine", **fields)
        db.session.commit()
        assert db.session.get(Page, page.id).body == "other"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("admin", b"used by the site itself"),
        ("feed.xml", b"lower-case letters"),
        ("robots.txt", b"lower-case letters"),
        ("taken", b"already used by"),
        ("-bad-", b"lower-case letters"),
    ],
)
def test_bad_slugs_get_a_field_error_and_change_nothing(
    app, signed_in, site, make_page, slug, message
):
    make_page(site, "Holder", slug="taken")
    page = make_page(site, "Mine", "keep me", slug="mine")
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Mine", slug=slug, body="changed", version="1"),
    )
    assert response.status_code == 422
    assert message in response.data
    assert get_page(app, page.id).slug == "mine" and get_page(app, page.id).body == "keep me"


def test_trashed_page_still_holds_its_slug(signed_in, site, make_page):
    page = make_page(site, "Gone", slug="gone")
    token = csrf_token(signed_in)
    signed_in.post(f"/admin/pages/{page.id}/trash", subdomain="acme", data={"csrf_token": token})
    response = signed_in.post(
        "/admin/pages/new", subdomain="acme", data=form(signed_in, title="Gone", slug="gone")
    )
    assert response.status_code == 422 and b"used by a page in the trash" in response.data


@pytest.mark.parametrize("version", ["", "abc", "-1", "1e9999", "99999999999999999999999", "1.5"])
def test_garbage_version_is_a_clear_422(app, signed_in, site, make_page, version):
    page = make_page(site, "Solid", "kept", slug="solid")
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Solid", slug="solid", body="lost?", version=version),
    )
    assert response.status_code == 422
    assert b"reload the page" in response.data
    assert get_page(app, page.id).body == "kept"


def test_five_megabytes_of_markdown_gets_a_clear_error(app, signed_in, site, make_page):
    page = make_page(site, "Big", "small", slug="big")
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Big", slug="big", body="word " * 1_000_000, version="1"),
    )
    assert response.status_code == 422
    assert b"too long" in response.data
    assert get_page(app, page.id).body == "small"


def test_missing_csrf_token_is_refused(app, signed_in, site, make_page):
    page = make_page(site, "Safe", "kept", slug="safe")
    data = form(signed_in, title="Safe", slug="safe", body="forged", version="1")
    del data["csrf_token"]
    response = signed_in.post(f"/admin/pages/{page.id}/edit", subdomain="acme", data=data)
    assert response.status_code == 400
    assert get_page(app, page.id).body == "kept"


def test_another_sites_page_is_404(signed_in, site, make_site, make_page, make_user):
    other = make_site("other", owner=make_user())
    theirs = make_page(other, "Theirs", "private words", slug="theirs")
    assert signed_in.get(f"/admin/pages/{theirs.id}/edit", subdomain="acme").status_code == 404
    assert signed_in.get(f"/admin/pages/{theirs.id}/revisions", subdomain="acme").status_code == 404
    response = signed_in.post(
        f"/admin/pages/{theirs.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Hijack", body="x", version="1"),
    )
    assert response.status_code == 404


def test_authors_edit_only_their_own_drafts(app, client, site, make_user, make_page, login):
    author = make_user("author@example.org")
    add_member(app, site, author, "author")
    login(client, author, "acme")
    own = make_page(site, "Mine", "draft", slug="mine", author=author)
    theirs = make_page(site, "Not mine", "draft", slug="not-mine")
    published = make_page(site, "Live", "live", slug="live", author=author, status="published")
    assert client.get(f"/admin/pages/{own.id}/edit", subdomain="acme").status_code == 200
    assert client.get(f"/admin/pages/{theirs.id}/edit", subdomain="acme").status_code == 403
    assert client.get(f"/admin/pages/{published.id}/edit", subdomain="acme").status_code == 403
    editor = client.get(f"/admin/pages/{own.id}/edit", subdomain="acme").data
    assert b'name="status"' not in editor and b"an editor publishes them" in editor
    # Publishing through a hand-made form is refused, and nothing changes.
    response = client.post(
        f"/admin/pages/{own.id}/edit",
        subdomain="acme",
        data=form(
            client, title="Mine", slug="mine", body="sneaky", status="published", version="1"
        ),
    )
    assert response.status_code == 403
    assert get_page(app, own.id).status == "draft"
    assert (
        client.post(
            f"/admin/pages/{own.id}/publish",
            subdomain="acme",
            data={"csrf_token": csrf_token(client)},
        ).status_code
        == 403
    )
    assert client.get("/admin/settings", subdomain="acme").status_code == 403
    assert client.get("/admin/navigation", subdomain="acme").status_code == 403
    pages = client.get("/admin/pages", subdomain="acme").data
    assert b"/admin/settings" not in pages and b"Publish</button>" not in pages
    # Authors may still save their own draft.
    response = client.post(
        f"/admin/pages/{own.id}/edit",
        subdomain="acme",
        data=form(client, title="Mine", slug="mine", body="better draft", version="1"),
    )
    assert response.status_code == 302 and get_page(app, own.id).body == "better draft"


def test_anonymous_and_non_members_are_refused(client, site, make_user, login, make_page):
    page = make_page(site, "Private", slug="private")
    anonymous = client.get("/admin/pages", subdomain="acme")
    assert anonymous.status_code == 302 and "/handoff?site=acme" in anonymous.headers["Location"]
    login(client, make_user("stranger@example.org"), "acme")
    assert client.get("/admin/pages", subdomain="acme").status_code == 403
    assert client.get(f"/admin/pages/{page.id}/edit", subdomain="acme").status_code == 403


def test_quick_publish_and_unpublish(app, signed_in, site, make_page):
    page = make_page(site, "Quick", "q", slug="quick")
    token = csrf_token(signed_in)
    signed_in.post(f"/admin/pages/{page.id}/publish", subdomain="acme", data={"csrf_token": token})
    assert signed_in.get("/quick", subdomain="acme").status_code == 200
    assert get_page(app, page.id).version == 2
    signed_in.post(
        f"/admin/pages/{page.id}/unpublish", subdomain="acme", data={"csrf_token": token}
    )
    assert signed_in.get("/quick", subdomain="acme").status_code == 404


def test_page_quota_is_a_clear_error(app, signed_in, make_site, owner, login):
    make_site("tiny", owner=owner, max_pages=0)
    login(signed_in, owner, "tiny")
    response = signed_in.post(
        "/admin/pages/new", subdomain="tiny", data=form(signed_in, "tiny", title="One too many")
    )
    assert response.status_code == 422 and b"limit of 0 pages" in response.data


def test_conflict_preview_shows_the_users_text(app, signed_in, site, make_page):
    page = make_page(site, "Two", "base", slug="two")
    signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Two", slug="two", body="theirs", version="1"),
    )
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Two", slug="two", body="**mine**", version="1"),
    )
    assert response.status_code == 409
    assert b"data-preview><p><strong>mine</strong></p>" in response.data


@pytest.mark.parametrize(
    "path",
    [
        "/admin/pages/99999999999999999999999/edit",
        "/admin/pages/99999999999999999999999/revisions",
        "/admin/pages/1/revisions?rev=99999999999999999999999",
        "/admin/pages/0/edit",
        "/admin/pages/-1/edit",
        "/admin/pages/abc/edit",
        "/admin/pages?page=99999999999999999999999",
        "/admin/pages?page=-5&status=%00&q=%25_%27%00",
    ],
)
def test_absurd_ids_are_404(signed_in, site, make_page, path):
    make_page(site, "One", slug="one")
    response = signed_in.get(path, subdomain="acme")
    assert response.status_code == (200 if "?page" in path else 404)


def test_every_dash_view_declares_a_permission(app):
    from sitemaker.dash.auth import OPEN_ENDPOINTS

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dash.") and rule.endpoint not in OPEN_ENDPOINTS:
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "required_permission", None), rule.endpoint


def test_two_processes_saving_the_same_version_cannot_both_win(make_app, app, site, make_page):
    """Two apps (like two gunicorn workers) both opened version 1 and save at once."""
    import threading

    from sitemaker.services.pages import SaveConflict, save_page

    page = make_page(site, "Race", "start", slug="race")
    apps = [make_app(), make_app()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(worker_app, text):
        with worker_app.app_context():
            mine = db.session.get(Page, page.id)
            owner_site = db.session.get(Site, site.id)
            barrier.wait()
            try:
                save_page(
                    owner_site, mine, expected_version=1, title="Race", body=text, slug="race",
                    description="", status="draft", published_at=None, author_id=None,
                )  # fmt: skip
                db.session.commit()
                outcomes.append("won")
            except SaveConflict:
                db.session.commit()
                outcomes.append("conflict")
            except sa.exc.OperationalError:  # SQLite: the database was locked for the loser
                db.session.rollback()
                outcomes.append("locked")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=worker, args=(a, t)) for a, t in zip(apps, ("A", "B"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1, outcomes
    saved = get_page(app, page.id)
    assert saved.version == 2 and saved.body in ("A", "B")
    kept = [r for r in revisions_of(app, page.id) if r.reason == "conflict"]
    loser = "B" if saved.body == "A" else "A"
    assert [r.body for r in kept] == ([loser] if "conflict" in outcomes else [])


def test_one_page_is_the_home_page(app, signed_in, site, make_page):
    first = make_page(site, "Front", "front text", slug="front", status="published", is_home=True)
    second = make_page(site, "New front", "new front text", slug="new-front", status="published")
    response = signed_in.post(
        f"/admin/pages/{second.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="New front", slug="new-front", body="new front text",
                  status="published", version="1", is_home="y"),
    )  # fmt: skip
    assert response.status_code == 302
    assert get_page(app, second.id).is_home and not get_page(app, first.id).is_home
    assert b"new front text" in signed_in.get("/", subdomain="acme").data


def test_a_long_body_within_the_limit_saves(app, signed_in, site, make_page):
    page = make_page(site, "Long", "short", slug="long")
    body = "A sentence of a long chapter.\n\n" * 6000  # ~186k characters
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Long", slug="long", body=body, version="1"),
    )
    assert response.status_code == 302
    assert get_page(app, page.id).html.count("<p>") == 6000


def test_nul_bytes_are_dropped_not_a_500(app, signed_in, site, make_page):
    page = make_page(site, "Nul", "kept", slug="nul")
    response = signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="N\x00ul", slug="nul", body="a\x00b", description="\x00",
                  version="1"),
    )  # fmt: skip
    assert response.status_code == 302
    saved = get_page(app, page.id)
    assert (saved.title, saved.body) == ("Nul", "ab")
    token = csrf_token(signed_in)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    response = signed_in.post(
        f"/admin/pages/{page.id}/autosave", subdomain="acme", headers=headers,
        json={"title": "x\x00", "body": "c\x00d"},
    )  # fmt: skip
    assert response.status_code == 200
    response = signed_in.post(
        "/admin/preview", subdomain="acme", headers=headers, json={"body": "e\x00f"}
    )
    assert response.status_code == 200 and "\x00" not in response.get_json()["html"]


def test_emptied_slug_is_derived_again_without_clashing_with_itself(
    app, signed_in, site, make_page
):
    page = make_page(site, "About", "x", slug="about")
    make_page(site, "Other", slug="contact-us")
    signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="About", slug="", body="x", version="1"),
    )
    assert get_page(app, page.id).slug == "about"
    signed_in.post(
        f"/admin/pages/{page.id}/edit",
        subdomain="acme",
        data=form(signed_in, title="Contact us", slug="", body="x", version="2"),
    )
    assert get_page(app, page.id).slug == "contact-us-2"
