"""Which division and tenant a Host header reaches, and that no host gives a 500."""

import pytest


def test_apex_serves_home(client):
    response = client.get("/", base_url="http://example.test")
    assert response.status_code == 200
    assert b"Your own website, in a minute." in response.data


def test_tenant_subdomain_serves_its_site(client, make_site, make_page):
    site = make_site("alice", title="Alice's Garden")
    make_page(site, "Roses", "All about *roses*.", status="published", slug="roses")
    response = client.get("/roses", subdomain="alice")
    assert response.status_code == 200
    assert b"Alice&#39;s Garden" in response.data
    assert b"<em>roses</em>" in response.data


@pytest.mark.parametrize("host", ["ALICE.example.test", "Alice.Example.Test"])
def test_subdomain_in_any_case_is_the_same_site(client, make_site, make_page, host):
    site = make_site("alice", title="Alice's Garden")
    make_page(site, "Roses", status="published", slug="roses")
    response = client.get("/roses", base_url=f"http://{host}")
    assert response.status_code == 200
    assert b"Roses" in response.data


@pytest.mark.parametrize(
    "host",
    [
        "nobody.example.test",  # unknown tenant
        "a.b.example.test",  # nested subdomain
        "alice.evil.test",  # foreign host
        "other.org",
        "example.test.evil.org",
        "www.example.test",  # reserved, never a tenant
        "xn--80ak6aa92e.example.test",
        "-bad-.example.test",
    ],
)
def test_hosts_that_are_no_tenant_get_404(client, make_site, host):
    make_site("alice")
    response = client.get("/", base_url=f"http://{host}")
    assert response.status_code == 404
    assert b"Not found" in response.data
    assert b"alice" not in response.data.lower()


def test_nested_subdomain_of_existing_site_is_404(client, make_site, make_page):
    site = make_site("alice")
    make_page(site, "Roses", status="published", slug="roses")
    assert client.get("/roses", base_url="http://x.alice.example.test").status_code == 404


def test_unknown_path_on_apex_is_404_in_home_look(client):
    response = client.get("/no-such-thing", base_url="http://example.test")
    assert response.status_code == 404
    assert b'class="brand"' in response.data


def test_dash_is_under_admin_on_tenant_host(client, make_site):
    make_site("alice", title="Alice's Garden")
    response = client.get("/admin/", subdomain="alice")
    # Signed out: the dash gate sends the visitor to the apex to sign in, naming the site.
    assert response.status_code == 302
    assert response.headers["Location"].startswith("http://example.test/handoff?site=alice")
    assert client.get("/admin/", subdomain="nobody").status_code == 404


def test_404_is_json_for_json_clients(client):
    response = client.get("/", subdomain="nobody", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_url_for_in_tenant_request_needs_no_subdomain(app, make_site):
    from flask import url_for

    make_site("alice")
    with app.test_request_context("/", base_url="http://alice.example.test"):
        # the url_value_preprocessor runs on dispatch; emulate it for url_for
        from flask import g

        from sitemaker.services.tenancy import find_site

        g.site = find_site("alice")
        assert url_for("site.page", slug="roses") == "/roses"
        assert (
            url_for("site.page", slug="roses", _external=True) == "http://alice.example.test/roses"
        )


def test_unexpected_error_is_a_500_page_in_the_division_look(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/explode")
    def explode():
        raise RuntimeError("boom")

    response = app.test_client().get("/explode", base_url="http://example.test")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b'class="brand"' in response.data  # the home layout
    assert b"boom" not in response.data  # no internals leak


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.delete("/", base_url="http://example.test")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_unstorable_input_is_a_400_and_nothing_is_written(make_app):
    """PostgreSQL refuses NUL characters in text; SQLite stores them. Either way, no 500."""
    from sitemaker.extensions import db
    from sitemaker.models import Site

    app = make_app(PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False)

    @app.route("/store", methods=["POST"])
    def store():
        from flask import request

        # Custom CSS is multi-line text, kept as written (single-line fields drop control
        # characters, NUL included, before they reach the database).
        db.session.add(Site(subdomain="nulsite", title="t", custom_css=request.form["title"]))
        db.session.commit()
        return "stored"

    response = app.test_client().post(
        "/store", data={"title": "a\x00b"}, base_url="http://example.test"
    )
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Site))
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        assert response.status_code == 400
        assert b"cannot be stored" in response.data
        assert count == 0
    else:
        assert response.status_code == 200 and count == 1
