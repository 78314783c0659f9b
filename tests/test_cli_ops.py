"""`flask users ...` and `flask sites ...`: clear output, exit codes, audit entries."""

from datetime import timedelta

import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import AuditLog, Media, Page, PageRevision, Site, User
from sitemaker.models.common import utcnow
from sitemaker.services import storage


def audit_actions(app):
    with app.app_context():
        return [
            (e.action, e.target, e.actor_email.startswith("cli"))
            for e in db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id))
        ]


def test_create_operator_new_and_existing(app, runner, make_user):
    result = runner.invoke(args=["users", "create-operator", "  Root@Example.ORG "])
    assert result.exit_code == 0, result.output
    assert "created operator root@example.org; temporary password: " in result.output
    make_user("someone@example.org")
    result = runner.invoke(args=["users", "create-operator", "someone@example.org"])
    assert result.output.strip() == "someone@example.org is now an operator"
    result = runner.invoke(args=["users", "create-operator", "someone@example.org"])
    assert "already an operator" in result.output
    with app.app_context():
        operators = db.session.scalars(sa.select(User.email).where(User.is_operator)).all()
    assert sorted(operators) == ["root@example.org", "someone@example.org"]
    assert audit_actions(app) == [
        ("user.operator", "user:root@example.org", True),
        ("user.operator", "user:someone@example.org", True),
    ]
    result = runner.invoke(args=["users", "list", "--operators"])
    assert "root@example.org\t" in result.output and "operator" in result.output


def test_create_operator_rejects_bad_email(runner):
    for bad in ("not-an-email", "", "a@b@c"):
        result = runner.invoke(args=["users", "create-operator", bad])
        assert result.exit_code == 1
        assert "invalid email address" in result.output


def test_sites_list_and_status_filter(app, runner, make_site):
    make_site("alpha")
    make_site("beta", status="suspended", status_reason="spam")
    result = runner.invoke(args=["sites", "list"])
    assert result.exit_code == 0
    assert "alpha\tactive\t0 B" in result.output
    assert "beta\tsuspended\t0 B\tspam" in result.output
    result = runner.invoke(args=["sites", "list", "--status", "suspended"])
    assert "alpha" not in result.output and "1 sites" in result.output
    result = runner.invoke(args=["sites", "list", "--status", "weird"])
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_suspend_unsuspend_delete_cycle(app, runner, make_site, make_page):
    site = make_site("acme")
    make_page(site, "Home", "hi", status="published", is_home=True)
    client = app.test_client()
    result = runner.invoke(args=["sites", "suspend", "ACME", "--reason", "Unpaid invoice"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "acme suspended: Unpaid invoice"
    response = client.get("/", subdomain="acme")
    assert response.status_code == 410 and b"Unpaid invoice" in response.data
    result = runner.invoke(args=["sites", "unsuspend", "acme"])
    assert result.exit_code == 0 and client.get("/", subdomain="acme").status_code == 200
    result = runner.invoke(args=["sites", "unsuspend", "acme"])
    assert result.exit_code == 1 and "acme is active, not suspended" in result.output
    result = runner.invoke(args=["sites", "delete", "acme"], input="n\n")
    assert result.exit_code == 1 and client.get("/", subdomain="acme").status_code == 200
    result = runner.invoke(args=["sites", "delete", "acme", "--yes"])
    assert result.exit_code == 0 and client.get("/", subdomain="acme").status_code == 410
    result = runner.invoke(args=["sites", "suspend", "acme", "--reason", "x"])
    assert result.exit_code == 1 and "deleted" in result.output
    assert [a[0] for a in audit_actions(app)] == ["site.suspend", "site.unsuspend", "site.delete"]


def test_bad_site_commands(app, runner, make_site):
    make_site("acme")
    cases = [
        (["sites", "suspend", "nope", "--reason", "x"], 1, "no site with subdomain 'nope'"),
        (["sites", "suspend", "acme", "--reason", "   "], 1, "--reason must not be empty"),
        (["sites", "suspend", "acme", "--reason", "x" * 501], 1, "longer than 500"),
        (["sites", "suspend", "acme"], 2, "Missing option '--reason'"),
        (["sites", "delete", "../etc", "--yes"], 1, "no site with subdomain"),
        (["sites", "unsuspend"], 2, "Missing argument"),
    ]
    for args, code, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == code, (args, result.output)
        assert message in result.output, (args, result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(Site.status)) == "active"
    assert audit_actions(app) == []


def test_purge_only_past_the_grace_period(app, runner, make_site):
    old = make_site("old", status="deleted", deleted_at=utcnow() - timedelta(days=31))
    make_site("recent", status="deleted", deleted_at=utcnow() - timedelta(days=2))
    make_site("alive")
    with app.app_context():
        storage.save(old.id, "a.txt", b"bytes")
        db.session.add(Page(site_id=old.id, slug="p", title="P", body="", html=""))
        db.session.commit()
        path = storage.path_for(old.id, "a.txt")
    assert path.exists()
    result = runner.invoke(args=["sites", "purge", "--dry-run"])
    assert result.output.splitlines() == ["would purge old", "1 sites to purge"]
    result = runner.invoke(args=["sites", "purge"])
    assert result.exit_code == 0 and result.output.splitlines() == ["purged old", "1 sites purged"]
    with app.app_context():
        left = sorted(db.session.scalars(sa.select(Site.subdomain)))
        pages = db.session.scalar(sa.select(sa.func.count()).select_from(Page))
    assert left == ["alive", "recent"]
    assert pages == 0  # ON DELETE CASCADE, on SQLite too (PRAGMA foreign_keys)
    assert not path.exists()
    assert audit_actions(app) == [("site.purge", "site:old", True)]


def test_purge_trash_removes_only_pages_trashed_long_ago(app, runner, make_site, make_page):
    acme, zed = make_site("acme"), make_site("zed")
    long_ago, lately = utcnow() - timedelta(days=31), utcnow() - timedelta(days=2)
    old = make_page(acme, "Old")
    trashed = {old.id: long_ago, make_page(acme, "Recent").id: lately,
               make_page(zed, "Older").id: long_ago}  # fmt: skip
    make_page(zed, "Kept")
    with app.app_context():
        for page_id, when in trashed.items():
            db.session.get(Page, page_id).deleted_at = when
        db.session.commit()
    dry = runner.invoke(args=["sites", "purge-trash", "--dry-run"])
    assert dry.output.splitlines() == [
        "acme: 1 would be removed", "zed: 1 would be removed", "2 trashed pages to remove",
    ]  # fmt: skip
    done = runner.invoke(args=["sites", "purge-trash"])
    assert done.exit_code == 0
    assert done.output.splitlines() == [
        "acme: 1 removed",
        "zed: 1 removed",
        "2 trashed pages removed",
    ]
    with app.app_context():
        left = sorted(db.session.scalars(sa.select(Page.title)))
        revisions = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PageRevision)
            .where(PageRevision.page_id == old.id)
        )
    assert left == ["Kept", "Recent"] and revisions == 0
    assert runner.invoke(args=["sites", "purge-trash"]).output == "0 trashed pages removed\n"


def test_stats(app, runner, make_site, make_user, make_page):
    site = make_site("acme")
    make_site("zed", status="suspended")
    make_user()
    make_page(site, "One", "x")
    with app.app_context():
        db.session.add(
            Media(site_id=site.id, stored_name="a", original_name="a", content_type="image/png",
                  size=2048, sha256="0" * 64)
        )  # fmt: skip
        db.session.commit()
    result = runner.invoke(args=["sites", "stats"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "sites active: 1",
        "sites suspended: 1",
        "sites deleted: 0",
        "users: 1",
        "pages: 1",
        "media files: 1 (2.0 KB)",
    ]


def test_users_delete_removes_the_account_and_what_hangs_on_it(
    app, runner, make_user, make_site, make_page
):
    from sitemaker.models import ApiToken, Membership

    squatter = make_user("squatted@example.org", email_confirmed_at=None)
    owner = make_user("keeper@example.org")
    site = make_site("shared", owner=owner)
    with app.app_context():
        db.session.add(Membership(site_id=site.id, user_id=squatter.id, role="editor"))
        db.session.add(
            ApiToken(site_id=site.id, user_id=squatter.id, name="t", token_hash="h" * 64, scopes="")
        )
        db.session.commit()
    page = make_page(site, "Kept", author=squatter)

    result = runner.invoke(args=["users", "delete", "  Squatted@Example.org "], input="n\n")
    assert result.exit_code == 1 and "Delete the account squatted@example.org" in result.output
    result = runner.invoke(args=["users", "delete", "squatted@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "deleted the account squatted@example.org"
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User).where(User.email == "squatted@example.org")) is None
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
        members = db.session.scalars(sa.select(Membership.user_id)).all()
        assert members == [owner.id]
        kept = db.session.get(Page, page.id)
        assert kept.title == "Kept" and kept.author_id is None
    assert ("user.delete", "user:squatted@example.org", True) in audit_actions(app)
    # The address is free again.
    assert runner.invoke(args=["users", "delete", "squatted@example.org", "--yes"]).exit_code == 1


def test_users_delete_refuses_the_only_owner_of_a_live_site(app, runner, make_user, make_site):
    owner = make_user("alone@example.org")
    make_site("mine", owner=owner)
    make_site("gone", owner=owner, status="deleted", deleted_at=utcnow())
    result = runner.invoke(args=["users", "delete", "alone@example.org", "--yes"])
    assert result.exit_code == 1
    assert "alone@example.org is the only owner of mine: transfer ownership" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "alone@example.org"))
    missing = runner.invoke(args=["users", "delete", "nobody@example.org", "--yes"])
    assert missing.exit_code == 1 and "no account with email 'nobody@example.org'" in missing.output
