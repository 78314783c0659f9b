"""Tenant isolation, proven by walking every `dash` rule in app.url_map (views added later are
covered without touching this file), for every kind of actor, with GET and POST, and with ids
that belong to another site or to nothing.

Acceptable answers: a redirect to the apex to sign in, 401/403, 404 — never another tenant's
data, never a 500. POSTs carry a CSRF token valid for the actor's session on that host, so
they reach the permission checks instead of stopping at CSRF.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from sitemaker.extensions import db
from sitemaker.models import Invitation, Media, Membership, PageRevision, Transfer, User
from sitemaker.models.common import utcnow
from tests.conftest import host_url
from tests.dash_helpers import csrf_from

HOST = "acme"
UNKNOWN_ID = 987654
# Endpoints that exist to get or end a session; they need no membership.
OPEN_ENDPOINTS = frozenset({"dash.session", "dash.signout"})
SECRETS = {
    "other": [
        "ZEBRA-SECRET-42",
        "Bob&#39;s hidden plan",
        "Bob's hidden plan",
        "bob-secret-diagram",
        "bob-invitee@secret.example",
        "bob-member@secret.example",
    ],
    "own": ["ACME-SECRET-77", "acme-secret-diagram", "acme-invitee@secret.example"],
}
CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _add(app, **objects):
    with app.app_context():
        for obj in objects.values():
            db.session.add(obj)
        db.session.commit()
        return {name: obj.id for name, obj in objects.items()}


def tenant_ids(app, site, make_page, prefix: str, secret: str, title: str) -> dict[str, int]:
    """Objects of every kind a dash URL can name, with secrets in their visible fields."""
    page = make_page(site, title, f"{secret} in the body", slug=f"{prefix}-plan")
    trashed = make_page(site, f"{title} (trashed)", f"{secret} trashed", slug=f"{prefix}-old")
    with app.app_context():
        from sitemaker.models import Page

        db.session.get(Page, trashed.id).deleted_at = utcnow()
        db.session.commit()
        revision = db.session.scalar(
            db.select(PageRevision.id).where(PageRevision.page_id == page.id)
        )
        member_user = User(email=f"{prefix}-member@secret.example", password_hash="x")
        db.session.add(member_user)
        db.session.commit()
        member_user_id = member_user.id
    ids = _add(
        app,
        media=Media(
            site_id=site.id,
            stored_name="f" * 64 + ".png",
            original_name=f"{prefix}-secret-diagram.png",
            content_type="image/png",
            size=10,
            sha256="f" * 64,
        ),
        member=Membership(site_id=site.id, user_id=member_user_id, role="editor"),
        invitation=Invitation(
            site_id=site.id, email=f"{prefix}-invitee@secret.example", role="author"
        ),
        transfer=Transfer(
            site_id=site.id, kind="import", status="failed", message=f"{secret} import failed"
        ),
    )
    return {
        **ids,
        "page": page.id,
        "trashed": trashed.id,
        "revision": revision,
        "slug": f"{prefix}-plan",
    }


def kind_of(arg: str, rule: str) -> str:
    for kind in ("media", "member", "invitation", "revision", "transfer"):
        if kind in arg:
            return kind
    return "trashed" if "trash" in rule else "page"


def build(rule: str, ids: dict | None) -> str:
    """The rule's path with every variable filled from ids (or unknown values)."""

    def fill(match: re.Match) -> str:
        converter, arg = match.group(1), match.group(2)
        if converter in ("int", "float"):
            return str(ids[kind_of(arg, rule)] if ids else UNKNOWN_ID)
        return ids["slug"] if ids else "no-such-thing"

    return CONVERTER.sub(fill, rule)


def csrf_for(app, client) -> str:
    """A valid token for this client's session on the tenant host, made the way Flask-WTF
    makes it (a random value in the session, signed)."""
    raw = "isolation-" + str(id(client))
    with client.session_transaction(base_url=host_url(HOST)) as session:
        session["csrf_token"] = raw
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def world(app, make_user, make_site, make_page, login):
    acme_owner = make_user("acme-owner@example.org")
    acme = make_site(HOST, owner=acme_owner)
    bob_owner = make_user("bob-owner@example.org")
    bob = make_site("bobco", owner=bob_owner)
    own = tenant_ids(app, acme, make_page, "acme", "ACME-SECRET-77", "Acme secret title")
    other = tenant_ids(app, bob, make_page, "bob", "ZEBRA-SECRET-42", "Bob's hidden plan")
    actors = {"anonymous": app.test_client()}
    clients = {"non-member": make_user(), "other-site-owner": bob_owner, "owner": acme_owner}
    for role in ("author", "editor", "admin"):
        user = make_user(f"acme-{role}@example.org")
        _add(app, m=Membership(site_id=acme.id, user_id=user.id, role=role))
        clients[role] = user
    for name, user in clients.items():
        actors[name] = app.test_client()
        login(actors[name], user, HOST)
    # Members take the token from a real form of their site; outsiders have no form to read,
    # so theirs is put in their session the way Flask-WTF does it.
    actors = {
        name: (
            client,
            csrf_from(client, "/admin/media", HOST)
            if name in MEMBER_ROLES
            else csrf_for(app, client),
        )
        for name, client in actors.items()
    }
    return {"actors": actors, "own": own, "other": other}


def dash_rules(app):
    # Open endpoints last: signing out there would turn every later request anonymous.
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("dash.")),
        key=lambda r: (r.endpoint in OPEN_ENDPOINTS, r.rule, r.endpoint),
    )


MEMBER_ROLES = ("author", "editor", "admin", "owner")


def check(response, actor: str, endpoint: str, variant: str, strict: bool) -> None:
    where = f"{actor} {response.request.method} {response.request.path} ({endpoint}, {variant})"
    assert response.status_code < 500, where
    text = response.get_data(as_text=True) + response.headers.get("Location", "")
    hidden = SECRETS["other"] + ([] if actor in MEMBER_ROLES else SECRETS["own"])
    for secret in hidden:
        assert secret not in text, f"{secret!r} leaked to {where}"
    assert "This form has expired" not in text, f"CSRF stopped {where}"
    if not strict:
        return
    status = response.status_code
    if actor == "anonymous":
        if status == 302:
            assert urlsplit(response.headers["Location"]).netloc == "example.test", where
        else:
            assert status in (401, 403), where
    elif actor not in MEMBER_ROLES or variant in ("other", "unknown"):
        assert status in (403, 404), f"{where}: {status}"


def test_every_dash_rule_for_every_actor(app, world):
    rules = dash_rules(app)
    endpoints = {r.endpoint for r in rules}
    # The walk really covers the dashboard (guards against an empty or renamed url_map).
    assert {
        "dash.media",
        "dash.delete_media",
        "dash.members",
        "dash.export",
        "dash.import_site",
        "dash.delete_site",
        "dash.overview",
    } <= endpoints
    requests = 0
    for rule in rules:
        strict = rule.endpoint not in OPEN_ENDPOINTS
        has_args = (
            CONVERTER.search(rule.rule) is not None
        )  # not rule.arguments: defaults count there
        variants = ["other", "unknown", "own"] if has_args else ["none"]
        for actor, (client, token) in world["actors"].items():
            for variant in variants:
                ids = {"other": world["other"], "own": world["own"]}.get(variant)
                path = build(rule.rule, ids)
                for method in ("GET", "POST"):
                    if method not in rule.methods:
                        continue
                    # Members acting on their own objects is the product working, not isolation;
                    # POSTing there would only change the fixture under the other checks.
                    if variant == "own" and actor in MEMBER_ROLES and method == "POST":
                        continue
                    if method == "GET":
                        response = client.get(path, subdomain=HOST)
                    else:
                        response = client.post(
                            path,
                            data={"csrf_token": token},
                            subdomain=HOST,
                            headers={"X-CSRFToken": token},
                        )
                    check(response, actor, rule.endpoint, variant, strict)
                    requests += 1
    actors = len(world["actors"])
    print(
        f"isolation matrix: {len(rules)} rules x {actors} actors x GET/POST = {requests} requests"
    )
    assert requests >= len(rules) * actors


def test_every_dash_view_declares_its_permission(app):
    undeclared = [
        r.endpoint
        for r in dash_rules(app)
        if r.endpoint not in OPEN_ENDPOINTS
        and not hasattr(app.view_functions[r.endpoint], "required_permission")
    ]
    assert undeclared == []
