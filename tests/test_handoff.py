"""Sign-in across subdomains (DESIGN.md): the apex hands a signed-in member over to a tenant
host with a single-use token; each host keeps its own host-only session cookie."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sitemaker.models.common import utcnow
from tests.accounts_flow import (
    APEX,
    follow,
    handoff_form,
    link_in,
    mails,
    signin,
    signup,
    submit,
)
from tests.conftest import PASSWORD

ALICE = "http://alice.example.test"
BOB = "http://bob.example.test"


def cookie_header(response) -> str:
    """The Cookie header the client actually sent with the request behind `response`."""
    return response.request.environ.get("HTTP_COOKIE", "")


def test_whole_flow_signup_confirm_create_site_admin_signout(app, client):
    assert signup(client, "owner@example.org", PASSWORD).status_code == 302
    # Not confirmed yet: no site can be created, and the page says why.
    page = client.get("/sites/new", base_url=APEX).get_data(as_text=True)
    assert "Confirm your email address" in page and "Resend confirmation" in page
    refused = submit(
        client, "/sites/new", {"subdomain": "garden", "title": "Garden"}, form_path="/sites"
    )
    assert refused.status_code == 403
    link = link_in(mails(app.config["MAIL_OUTBOX"])[-1], "confirm")
    assert client.get(link, base_url=APEX).status_code == 302

    created = submit(client, "/sites/new", {"subdomain": "Garden", "title": "My Garden"})
    assert created.status_code == 302
    assert created.headers["Location"] == "http://garden.example.test/admin/"
    landed, visited = follow(client, created)
    assert landed.status_code == 200
    assert "My Garden" in landed.get_data(as_text=True)
    assert visited[0] == "http://garden.example.test/admin/"
    assert visited[1].startswith("http://example.test/handoff?site=garden&next=/admin/&state=")
    # A GET shows a same-origin form; only its POST (with a CSRF token) spends the token.
    assert visited[2].startswith("http://garden.example.test/admin/session?token=")
    assert visited[3] == "POST http://garden.example.test/admin/session"
    assert visited[4] == "http://garden.example.test/admin/"

    # Two host-only sessions, one per host.
    apex_cookie = client.get_cookie("session", domain="example.test")
    tenant_cookie = client.get_cookie("session", domain="garden.example.test")
    assert apex_cookie and tenant_cookie and apex_cookie.value != tenant_cookie.value
    assert apex_cookie.domain == "example.test" and tenant_cookie.domain == "garden.example.test"

    # "My sites" links to the dashboard on the tenant host.
    sites_page = client.get("/sites", base_url=APEX).get_data(as_text=True)
    assert 'href="http://garden.example.test/admin/"' in sites_page

    # Sign out everywhere from the apex: the tenant session no longer works.
    submit(client, "/signout", {}, form_path="/sites")
    again = client.get("/admin/", base_url="http://garden.example.test")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("http://example.test/handoff?site=garden")
    landed, visited = follow(client, again)
    assert visited[-1].startswith("http://example.test/signin?next=")
    assert "Sign in" in landed.get_data(as_text=True)


def test_session_cookies_are_host_only_and_never_cross_tenants(client, make_user, make_site):
    user = make_user("both@example.org")
    make_site("alice", owner=user)
    make_site("bob", owner=user)
    response = signin(client, "both@example.org", PASSWORD)
    for header in response.headers.getlist("Set-Cookie"):
        assert "domain=" not in header.lower()  # no Domain attribute: host-only

    landed, _ = follow(client, client.get("/admin/", base_url=ALICE))
    assert landed.status_code == 200
    alice_cookie = client.get_cookie("session", domain="alice.example.test")
    assert alice_cookie is not None

    # Bob's host is sent no cookie at all: neither alice's session nor the apex's.
    first_bob = client.get("/admin/", base_url=BOB)
    assert cookie_header(first_bob) == ""
    assert first_bob.status_code == 302  # back to the apex for a handoff of its own
    landed_bob, visited = follow(client, first_bob)
    assert landed_bob.status_code == 200
    bob_cookie = client.get_cookie("session", domain="bob.example.test")
    assert bob_cookie.domain == "bob.example.test" and bob_cookie.origin_only
    assert alice_cookie.domain == "alice.example.test" and alice_cookie.origin_only
    assert cookie_header(client.get("/admin/", base_url=BOB)) == f"session={bob_cookie.value}"
    # Requests to alice carry only alice's cookie.
    again = client.get("/admin/", base_url=ALICE)
    assert again.status_code == 200
    assert cookie_header(again) == f"session={alice_cookie.value}"


def test_a_tenant_cookie_sent_to_another_tenant_opens_nothing(app, client, make_user, make_site):
    """Even a cookie copied by hand from alice's host to bob's host is no session there
    (sessions are bound to the host that issued them), though the user is a member of both."""
    user = make_user("alice-only@example.org")
    make_site("alice", owner=user)
    make_site("bob", owner=user)
    signin(client, "alice-only@example.org", PASSWORD)
    follow(client, client.get("/admin/", base_url=ALICE))
    stolen = client.get_cookie("session", domain="alice.example.test").value
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="bob.example.test")
    answer = thief.get("/admin/", base_url=BOB)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("http://example.test/handoff?site=bob")


def test_signed_in_non_member_gets_403_at_the_apex_and_on_the_tenant(
    client, make_user, make_site, login
):
    make_site("alice", owner=make_user("owner@example.org"))
    stranger = make_user("stranger@example.org")
    signin(client, "stranger@example.org", PASSWORD)
    response = client.get("/handoff?site=alice&next=/admin/", base_url=APEX)
    assert response.status_code == 403
    assert "stranger@example.org, which is not a member of alice" in response.get_data(as_text=True)
    login(client, stranger, subdomain="alice")
    response = client.get("/admin/", base_url=ALICE)
    assert response.status_code == 403


def start_handoff(client, tenant: str = ALICE, next_path: str = "/admin/") -> tuple[str, str]:
    """What the browser does before the exchange: the tenant host sets a state in its session
    and sends it to the apex, which sends it back with a token. Returns (state, token)."""
    to_apex = client.get(next_path, base_url=tenant)
    assert to_apex.status_code == 302, to_apex.get_data(as_text=True)
    location = urlsplit(to_apex.headers["Location"])
    state = parse_qs(location.query)["state"][0]
    back = client.get(f"{location.path}?{location.query}", base_url=APEX)
    assert back.status_code == 302
    location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{tenant}/admin/session"
    return state, parse_qs(location.query)["token"][0]


def exchange(client, token: str, tenant: str = ALICE, next_path: str = "/admin/"):
    """The browser opens the exchange page and its script posts the form (CSRF token
    included): what any page that sends a browser to /admin/session?token=... causes."""
    page = client.get("/admin/session", query_string={"token": token, "next": next_path},
                      base_url=tenant)  # fmt: skip
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    action, fields = handoff_form(page)
    assert action == "/admin/session" and fields["token"] == token
    return client.post(action, data=fields, base_url=tenant)


def with_state(client, state: str, tenant: str = ALICE):
    with client.session_transaction(base_url=tenant) as session:
        session["handoff_state"] = state
    return client


def test_handoff_token_is_single_use_and_bound_to_its_site(app, client, make_user, make_site):
    user = make_user("twice@example.org")
    make_site("alice", owner=user)
    make_site("bob", owner=user)
    signin(client, "twice@example.org", PASSWORD)
    state, token = start_handoff(client)

    # The same token on bob's host: refused.
    wrong_site = exchange(with_state(app.test_client(), state, BOB), token, BOB)
    assert wrong_site.status_code == 400
    assert "another site" in wrong_site.get_data(as_text=True)

    assert exchange(client, token).status_code == 302
    reused = exchange(with_state(app.test_client(), state), token)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)

    tampered = exchange(with_state(app.test_client(), state), token[:-4] + "AAAA")
    assert tampered.status_code == 400
    missing = exchange(with_state(app.test_client(), state), "")
    assert missing.status_code == 400


def test_the_exchange_is_a_post_bound_to_the_browser_that_started_it(
    app, client, make_user, make_site
):
    """Login CSRF: an attacker member of alice mints a token for their own account and sends
    the victim's browser to the exchange. It is bound to the attacker's state, not the
    victim's, and opening the exchange page alone signs nobody in."""
    make_site("alice", owner=make_user("attacker@example.org"))
    signin(client, "attacker@example.org", PASSWORD)
    _attacker_state, token = start_handoff(client)

    victim = app.test_client()
    page = victim.get(f"/admin/session?token={token}", base_url=ALICE)
    assert page.status_code == 200 and "Continue to the dashboard" in page.get_data(as_text=True)
    assert victim.get("/admin/", base_url=ALICE).status_code == 302  # the GET did nothing
    # A cross-site form posting the token has no CSRF token of this host: refused.
    forged = victim.post("/admin/session", data={"token": token}, base_url=ALICE)
    assert forged.status_code == 400
    # The page's own form (as its script sends it) has no state for alice: refused.
    refused = exchange(victim, token)
    assert refused.status_code == 400
    assert "started in another browser" in refused.get_data(as_text=True)
    # Nor when the victim started a handoff of its own (another state).
    assert victim.get("/admin/", base_url=ALICE).status_code == 302
    refused = exchange(victim, token)
    assert refused.status_code == 400
    assert victim.get("/admin/", base_url=ALICE).status_code == 302  # nobody signed in
    # The attacker's own browser could still use it: the token itself was fine.
    assert exchange(client, token).status_code == 302


def test_an_apex_session_cookie_is_no_session_on_a_tenant_host(app, client, make_user, make_site):
    user = make_user("copied@example.org")
    make_site("alice", owner=user)
    response = signin(client, "copied@example.org", PASSWORD, remember="y")
    assert response.status_code == 302
    apex_session = client.get_cookie("session", domain="example.test").value
    remember = client.get_cookie("remember_token", domain="example.test").value
    assert client.get("/sites", base_url=APEX).status_code == 200

    for name, value in (("session", apex_session), ("remember_token", remember)):
        thief = app.test_client()
        thief.set_cookie(name, value, domain="alice.example.test")
        answer = thief.get("/admin/", base_url=ALICE)
        assert answer.status_code == 302, name
        assert answer.headers["Location"].startswith("http://example.test/handoff?site=alice")
    # A tenant's own session does not open the apex either.
    follow(client, client.get("/admin/", base_url=ALICE))
    tenant_session = client.get_cookie("session", domain="alice.example.test").value
    thief = app.test_client()
    thief.set_cookie("session", tenant_session, domain="example.test")
    assert thief.get("/sites", base_url=APEX).status_code == 302


def test_expired_or_outdated_handoff_token_is_refused(
    app, client, make_user, make_site, monkeypatch
):
    from sitemaker.services import accounts

    user = make_user("late@example.org")
    make_site("alice", owner=user)
    signin(client, "late@example.org", PASSWORD)
    _state, token = start_handoff(client)
    monkeypatch.setattr(accounts, "HANDOFF_MAX_AGE", -1)
    expired = exchange(client, token)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    monkeypatch.undo()

    _state, token = start_handoff(client)
    submit(client, "/signout", {}, form_path="/")  # ends every session before the token is used
    outdated = exchange(client, token)
    assert outdated.status_code == 400 and "no longer valid" in outdated.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_value", "lands_on"),
    [
        ("/admin/pages?sort=title", "/admin/pages?sort=title"),
        ("https://evil.test/admin/", "/admin/"),
        ("//evil.test/admin/", "/admin/"),
        ("/\\evil.test/admin/", "/admin/"),
        ("/signout", "/admin/"),
        ("/admin", "/admin"),
    ],
)
def test_handoff_only_ever_returns_to_an_admin_path(
    client, make_user, make_site, next_value, lands_on
):
    user = make_user("nav@example.org")
    make_site("alice", owner=user)
    signin(client, "nav@example.org", PASSWORD)
    with_state(client, "s1")
    to_tenant = client.get(
        "/handoff", query_string={"site": "alice", "next": next_value, "state": "s1"},
        base_url=APEX,
    )  # fmt: skip
    parts = urlsplit(to_tenant.headers["Location"])
    assert parts.netloc == "alice.example.test"
    page = client.get(f"{parts.path}?{parts.query}", base_url=ALICE)
    action, fields = handoff_form(page)
    response = client.post(action, data=fields, base_url=ALICE)
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_gate_keeps_the_path_and_query_it_interrupted(client, make_site):
    make_site("alice")
    response = client.get("/admin/?sort=title", base_url=ALICE)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "example.test" and location.path == "/handoff"
    query = parse_qs(location.query)
    assert query.pop("state")[0]
    assert query == {"site": ["alice"], "next": ["/admin/?sort=title"]}


def test_anonymous_json_client_gets_401_not_a_redirect(client, make_site):
    make_site("alice")
    response = client.get("/admin/", base_url=ALICE, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "sign_in_needed"


@pytest.mark.parametrize(
    "site", ["", "nobody", "ALICE.", "a.b", "gone", "frozen", "<invalid>", "x" * 200]
)
def test_handoff_to_a_site_that_is_not_there_is_404(client, make_user, make_site, site):
    user = make_user("lost@example.org")
    make_site("alice", owner=user)
    make_site("gone", owner=user, status="deleted", deleted_at=utcnow())
    make_site("frozen", owner=user, status="suspended")
    signin(client, "lost@example.org", PASSWORD)
    response = client.get("/handoff", query_string={"site": site}, base_url=APEX)
    assert response.status_code == 404


def test_handoff_accepts_the_site_name_in_any_case(client, make_user, make_site):
    user = make_user("case@example.org")
    make_site("alice", owner=user)
    signin(client, "case@example.org", PASSWORD)
    response = client.get("/handoff?site=ALICE&state=x", base_url=APEX)
    assert response.headers["Location"].startswith("http://alice.example.test/admin/session?")
    # Without a state (a link made by hand), the tenant host starts the handoff itself.
    response = client.get("/handoff?site=ALICE", base_url=APEX)
    assert response.headers["Location"] == "http://alice.example.test/admin/"


def tenant_csrf_token(app, client, base_url: str) -> str:
    """A valid CSRF token for the client's session on a tenant host, made the way Flask-WTF
    makes it (the dashboard's own forms are not part of these tests)."""
    from itsdangerous import URLSafeTimedSerializer

    with client.session_transaction(base_url=base_url) as session:
        raw = session.setdefault("csrf_token", "0" * 40)
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


def test_signout_on_a_tenant_host_signs_out_everywhere(app, client, make_user, make_site):
    user = make_user("out@example.org")
    make_site("alice", owner=user)
    signin(client, "out@example.org", PASSWORD)
    follow(client, client.get("/admin/", base_url=ALICE))
    assert client.get("/admin/", base_url=ALICE).status_code == 200
    # Without a CSRF token: refused, still signed in.
    assert client.post("/admin/signout", base_url=ALICE).status_code == 400
    assert client.get("/admin/", base_url=ALICE).status_code == 200

    token = tenant_csrf_token(app, client, ALICE)
    response = client.post("/admin/signout", data={"csrf_token": token}, base_url=ALICE)
    assert response.status_code == 302 and response.headers["Location"] == "http://example.test/"
    assert client.get("/admin/", base_url=ALICE).status_code == 302
    assert client.get("/sites", base_url=APEX).status_code == 302  # the apex session ended too


def test_anonymous_visitor_signs_in_once_and_lands_in_the_dashboard(client, make_user, make_site):
    user = make_user("once@example.org")
    make_site("alice", owner=user, title="Alice's Garden")
    signin_page, visited = follow(client, client.get("/admin/?tab=drafts", base_url=ALICE))
    assert visited[-1].startswith("http://example.test/signin?next=")
    path = urlsplit(visited[-1])
    response = signin(client, "once@example.org", PASSWORD, path=f"{path.path}?{path.query}")
    landed, visited = follow(client, response)
    assert landed.status_code == 200
    assert "Alice&#39;s Garden" in landed.get_data(as_text=True)
    assert visited[0].startswith(
        "http://example.test/handoff?site=alice&next=/admin/?tab%3Ddrafts&state="
    )
    assert visited[-1] == "http://alice.example.test/admin/?tab=drafts"
