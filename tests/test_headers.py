"""Security headers per division, HSTS in production, long caching of built assets."""

from __future__ import annotations

import re
from pathlib import Path

APEX = "http://example.test"


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def test_visitor_pages_forbid_script_and_sniffing(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "About", status="published")
    for path in ("/", "/about", "/missing", "/feed.xml"):
        response = client.get(path, subdomain="alice")
        policy = csp(response)
        assert policy["script-src"] in ("'none'", "'self'"), path
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert policy["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers


def test_dash_and_home_also_forbid_framing(client, make_user, make_site, login):
    user = make_user()
    make_site("alice", owner=user)
    login(client, user, "alice")
    for response in (
        client.get("/admin/", subdomain="alice"),
        client.get("/", base_url=APEX),
        client.get("/no-such-page", base_url=APEX),
    ):
        policy = csp(response)
        assert policy["frame-ancestors"] == "'none'"
        assert policy["script-src"] == "'self'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        # Forms may end on a platform host (sign-in hands off to <tenant>/admin), nowhere else.
        assert policy["form-action"] == "'self' example.test *.example.test"


def test_production_adds_hsts(make_app, make_site):
    app = make_app(HSTS_SECONDS=31536000)
    make_site("alice")
    client = app.test_client()
    for response in (client.get("/", subdomain="alice"), client.get("/", base_url=APEX)):
        assert (
            response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        )


def test_dash_templates_run_no_inline_script():
    """The dashboard's behaviour lives in static files (allowed by script-src 'self'); inline
    <script> bodies and on* handlers would be blocked by the policy."""
    root = Path(__file__).resolve().parent.parent / "sitemaker"
    for template in root.glob("**/templates/**/*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
            assert "src=" in match.group(1) and not match.group(2).strip(), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
    for template in (root / "site" / "themes").glob("**/*.html"):
        assert "<script" not in template.read_text(), template


def test_built_assets_are_immutable(client, make_site):
    make_site("alice")
    html = client.get("/", subdomain="alice").text
    href = re.search(r'href="(/static/gen/theme-plain\.[^"]+\.css)"', html).group(1)
    for response in (client.get(href, subdomain="alice"), client.get(href, base_url=APEX)):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.mimetype == "text/css"


def test_app_forms_may_end_on_a_tenant_host(client, make_user, make_site, login):
    """A POST on the apex that redirects to a tenant host (new site -> its dashboard, sign-in ->
    handoff) is checked against form-action by browsers; 'self' alone would block it."""
    user = make_user()
    make_site("alice", owner=user)
    login(client, user, "alice")
    for response in (
        client.get("/signin", base_url=APEX),
        client.get("/admin/", subdomain="alice"),
    ):
        sources = csp(response)["form-action"].split()
        assert sources == ["'self'", "example.test", "*.example.test"]


def test_apex_favicon_is_the_shared_icon(client):
    response = client.get("/favicon.ico", base_url=APEX)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/static/site/favicon.svg")
    icon = client.get(response.headers["Location"], base_url=APEX)
    assert icon.status_code == 200 and b"<svg" in icon.data


def test_error_pages_are_revalidated_not_kept(client, make_site):
    """A browser that cached "suspended" or "not found" would keep showing it after the fix."""
    make_site("alice")
    make_site("gone", status="suspended", status_reason="spam")
    for response, status in (
        (client.get("/missing", subdomain="alice"), 404),
        (client.get("/", subdomain="gone"), 410),
        (client.get("/", subdomain="nobody-here"), 404),
        (client.get("/no-such-page", base_url=APEX), 404),
    ):
        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-cache"
