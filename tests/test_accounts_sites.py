""" "My sites" and creating a site on the apex."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Membership, Site
from sitemaker.models.common import utcnow
from tests.accounts_flow import APEX, submit


def new_site(client, subdomain: str, title: str = "A title"):
    return submit(client, "/sites/new", {"subdomain": subdomain, "title": title})


def all_sites(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Site.subdomain).order_by(Site.id)))


def test_sites_needs_sign_in(client):
    for path in ("/sites", "/sites/new"):
        response = client.get(path, base_url=APEX)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(
            f"/signin?next=%2F{path[1:].replace('/', '%2F')}"
        )


def test_sites_lists_memberships_with_dashboard_links(client, make_user, make_site, login):
    user = make_user()
    make_site("alice", owner=user, title="Alice's Garden")
    make_site("gone", owner=user, status="deleted", deleted_at=utcnow())
    make_site("someone-else", owner=make_user(), title="Not mine")
    login(client, user)
    page = client.get("/sites", base_url=APEX).get_data(as_text=True)
    assert "Alice&#39;s Garden" in page
    assert 'href="http://alice.example.test/admin/"' in page
    assert "Not mine" not in page and "someone-else" not in page
    assert "gone.example.test" not in page


def test_create_site_makes_the_user_owner(app, client, make_user, login):
    user = make_user()
    login(client, user)
    response = new_site(client, "  My-Blog ", "  My Blog  ")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://my-blog.example.test/admin/"
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.subdomain == "my-blog"))
        assert site.title == "My Blog"
        role = db.session.scalar(sa.select(Membership.role).where(Membership.site_id == site.id))
        assert role == "owner"


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("ab", "Use between 3 and 63 characters."),
        ("a" * 64, "Use between 3 and 63 characters."),
        ("x" * 200, "Use between 3 and 63 characters."),
        ("x" * 201, "Field cannot be longer than 200 characters."),
        ("café", "Use lower-case letters a-z, digits and hyphens only"),
        ("\u212aate", "Use lower-case letters a-z, digits and hyphens only"),  # Kelvin sign
        ("my.site", "Use lower-case letters a-z, digits and hyphens only"),
        ("my_site", "Use lower-case letters a-z, digits and hyphens only"),
        ("-leading", "Use lower-case letters a-z, digits and hyphens only"),
        ("trailing-", "Use lower-case letters a-z, digits and hyphens only"),
        ("with space", "Use lower-case letters a-z, digits and hyphens only"),
        ("12345", "Use at least one letter."),
        ("xn--abc", "reserved for DNS"),
        ("www", "That name is reserved."),
        ("Admin", "That name is reserved."),
        ("", "Choose an address."),
        ("<script>", "Use lower-case letters a-z, digits and hyphens only"),
    ],
)
def test_bad_subdomains_get_an_error_next_to_the_field(
    app, client, make_user, login, subdomain, message
):
    login(client, make_user())
    response = new_site(client, subdomain)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="subdomain-error"' in page
    assert "<script>" not in page.split("<main>")[1]
    assert all_sites(app) == []


def test_subdomain_is_unique_ignoring_case_and_deleted_sites_hold_it(
    app, client, make_user, make_site, login
):
    make_site("taken")
    make_site("old-one", status="deleted", deleted_at=utcnow())
    login(client, make_user())
    for name in ("taken", "TAKEN", "Old-One"):
        response = new_site(client, name)
        assert response.status_code == 200
        assert "That address is taken. Try another." in response.get_data(as_text=True)
    assert all_sites(app) == ["taken", "old-one"]


def test_title_is_required_and_bounded(app, client, make_user, login):
    login(client, make_user())
    assert "Give your site a title." in new_site(client, "fine-name", "   ").get_data(as_text=True)
    assert "Field cannot be longer than 200" in new_site(client, "fine-name", "t" * 201).get_data(
        as_text=True
    )
    assert all_sites(app) == []


def test_unconfirmed_user_cannot_create_a_site(app, client, make_user, login):
    login(client, make_user(email_confirmed_at=None))
    page = client.get("/sites/new", base_url=APEX).get_data(as_text=True)
    assert "You need to confirm it before you can create a site." in page
    assert 'action="/account/resend-confirmation?next=/sites/new"' in page
    response = submit(
        client, "/sites/new", {"subdomain": "mine", "title": "Mine"}, form_path="/sites"
    )
    assert response.status_code == 403
    assert all_sites(app) == []


def test_resend_confirmation_mails_a_new_link(app, client, make_user, login):
    from tests.accounts_flow import link_in, mails

    user = make_user("late@example.org", email_confirmed_at=None)
    login(client, user)
    response = submit(client, "/account/resend-confirmation", {}, form_path="/sites")
    assert response.status_code == 302
    [message] = mails(app.config["MAIL_OUTBOX"])
    assert message["To"] == "late@example.org"
    assert client.get(link_in(message, "confirm"), base_url=APEX).status_code == 302
    assert "Resend confirmation" not in client.get("/sites", base_url=APEX).get_data(as_text=True)


@pytest.mark.parametrize("title", ["nul\x00title", "bell\x07"])
def test_title_with_control_characters_is_refused(app, client, make_user, login, title):
    login(client, make_user())
    response = new_site(client, "fine-name", title)
    assert response.status_code == 200
    assert "Use letters, digits and punctuation only." in response.get_data(as_text=True)
    assert all_sites(app) == []
