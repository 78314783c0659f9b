"""Custom domains: attach, verify against a real DNS server on loopback, serve the site there,
redirect the subdomain, answer /tls/ask; unverified and unknown domains serve nobody."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from sqlalchemy.exc import IntegrityError

from sitemaker.extensions import db
from sitemaker.models import Site
from sitemaker.models.common import utcnow
from sitemaker.services.domains import verified_site_for
from tests.conftest import host_url

APEX = "http://example.test"


class LoopbackDNS:
    """A tiny authoritative DNS server on 127.0.0.1 (UDP): answers TXT queries from `records`,
    NXDOMAIN otherwise. Real packets, parsed and built with dnspython."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.queries: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            self.queries.append(name)
            values = self.records.get(name)
            if values is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                quoted = [f'"{v}"' for v in values]
                response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", *quoted))
            self.sock.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dns_server() -> Iterator[LoopbackDNS]:
    server = LoopbackDNS()
    yield server
    server.close()


@pytest.fixture
def owner_client(app, client, dns_server, make_user, make_site, login):
    app.config["DNS_NAMESERVERS"] = [f"127.0.0.1:{dns_server.port}"]
    app.config["DNS_TIMEOUT"] = 2.0
    user = make_user()
    make_site("alice", owner=user)
    login(client, user, "alice")
    return client


def csrf_token(client, subdomain: str = "alice") -> str:
    html = client.get("/admin/domain", subdomain=subdomain).text
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def post(client, **data):
    data.setdefault("csrf_token", csrf_token(client))
    return client.post("/admin/domain", subdomain="alice", data=data)


def site_row(app, subdomain: str = "alice") -> Site:
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.subdomain == subdomain))
        db.session.expunge(site)
        return site


def test_attach_shows_the_records_to_create(app, owner_client):
    response = post(owner_client, domain=" https://WWW.Alice-Blog.org./about ", action="attach")
    assert response.status_code == 302
    site = site_row(app)
    assert site.custom_domain == "www.alice-blog.org"
    assert site.domain_token and site.domain_verified_at is None
    page = owner_client.get("/admin/domain", subdomain="alice").text
    assert "_sitemaker.www.alice-blog.org" in page
    assert site.domain_token in page
    assert "alice.example.test." in page  # the CNAME target
    assert "waiting for verification" in page


@pytest.mark.parametrize(
    "bad, message",
    [
        ("", "Enter a domain name"),
        ("not a domain", "not a valid domain"),
        ("localhost", "not a valid domain"),
        ("192.168.1.10", "not an IP address"),
        ("-bad-.com", "not a valid domain"),
        ("evil.example.test", "already have their own address"),
        ("a" * 64 + ".com", "not a valid domain"),
        ("x" * 400, "Field cannot be longer"),
    ],
)
def test_bad_domains_get_a_clear_message(app, owner_client, bad, message):
    response = post(owner_client, domain=bad, action="attach")
    assert response.status_code == 400
    assert message in response.text
    assert site_row(app).custom_domain is None


def test_a_domain_verified_by_another_site_is_refused(app, owner_client, make_site):
    make_site("bob", custom_domain="www.shared.org", domain_verified_at=utcnow())
    response = post(owner_client, domain="shared.org", action="attach")
    assert response.status_code == 400 and "already attached to another site" in response.text


def post_as(client, subdomain: str, **data):
    data.setdefault("csrf_token", csrf_token(client, subdomain))
    return client.post("/admin/domain", subdomain=subdomain, data=data)


def test_a_squatters_unverified_claim_never_blocks_the_real_owner(
    app, owner_client, dns_server, make_user, make_site, login
):
    squatter = app.test_client()
    bad = make_user("squatter@example.org")
    make_site("squat", owner=bad)
    login(squatter, bad, "squat")
    # The squatter claims both halves of the owner's domain first.
    assert (
        post_as(squatter, "squat", domain="www.alice-blog.org", action="attach").status_code == 302
    )
    assert site_row(app, "squat").custom_domain == "www.alice-blog.org"

    # The owner can still attach it, and only the owner's DNS can prove it.
    assert post(owner_client, domain="alice-blog.org", action="attach").status_code == 302
    dns_server.records["_sitemaker.alice-blog.org"] = [site_row(app).domain_token]
    dns_server.records["_sitemaker.www.alice-blog.org"] = [site_row(app).domain_token]
    refused = post_as(squatter, "squat", action="verify")
    assert refused.status_code == 400 and "does not hold this site" in refused.text
    assert post(owner_client, action="verify").status_code == 302
    assert site_row(app).domain_verified_at is not None

    # The verified claim wins: the squatter's claim is gone and cannot come back.
    assert site_row(app, "squat").custom_domain is None
    again = post_as(squatter, "squat", domain="alice-blog.org", action="attach")
    assert again.status_code == 400 and "already attached to another site" in again.text
    with app.test_request_context("/", base_url="http://www.alice-blog.org"):
        site, canonical = verified_site_for("www.alice-blog.org")
        assert site.subdomain == "alice" and not canonical


def test_the_database_refuses_two_verified_claims_on_one_domain(app, make_site):
    make_site("one", custom_domain="www.twice.org", domain_verified_at=utcnow())
    make_site("two", custom_domain="www.twice.org")  # unverified: allowed
    with app.app_context():
        two = db.session.scalar(db.select(Site).where(Site.subdomain == "two"))
        two.domain_verified_at = utcnow()
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_verify_needs_the_txt_record(app, owner_client, dns_server):
    post(owner_client, domain="www.alice-blog.org", action="attach")
    response = post(owner_client, action="verify")
    assert response.status_code == 400
    assert "does not hold this site&#39;s token" in response.text
    dns_server.records["_sitemaker.www.alice-blog.org"] = ["someone-else"]
    response = post(owner_client, action="verify")
    assert response.status_code == 400 and "found: someone-else" in response.text
    assert site_row(app).domain_verified_at is None
    assert "_sitemaker.www.alice-blog.org" in dns_server.queries

    version = site_row(app).content_version
    dns_server.records["_sitemaker.www.alice-blog.org"] = ["other", site_row(app).domain_token]
    response = post(owner_client, action="verify")
    assert response.status_code == 302
    site = site_row(app)
    assert site.domain_verified_at is not None
    assert site.content_version == version + 1
    assert "verified" in owner_client.get("/admin/domain", subdomain="alice").text


def test_a_silent_dns_server_is_a_clear_400(app, owner_client):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        app.config["DNS_NAMESERVERS"] = [f"127.0.0.1:{silent.getsockname()[1]}"]
        app.config["DNS_TIMEOUT"] = 0.5
        post(owner_client, domain="www.alice-blog.org", action="attach")
        response = post(owner_client, action="verify")
    finally:
        silent.close()
    assert response.status_code == 400 and "did not answer" in response.text


def test_domain_page_needs_settings_permission(app, client, make_user, make_site, login):
    owner, author = make_user(), make_user()
    site = make_site("alice", owner=owner)
    with app.app_context():
        from sitemaker.models import Membership

        db.session.add(Membership(site_id=site.id, user_id=author.id, role="author"))
        db.session.commit()
    login(client, author, "alice")
    assert client.get("/admin/domain", subdomain="alice").status_code == 403


def test_post_without_csrf_is_refused(app, owner_client):
    response = owner_client.post(
        "/admin/domain", subdomain="alice", data={"domain": "www.x.org", "action": "attach"}
    )
    assert response.status_code == 400
    assert site_row(app).custom_domain is None


def verified(make_site, make_page, domain="www.alice-blog.org", **fields):
    site = make_site(
        "alice", custom_domain=domain, domain_token="t", domain_verified_at=utcnow(), **fields
    )
    make_page(site, "About", "Hello from Alice", status="published")
    return site


def test_verified_domain_serves_the_site_with_links_on_that_domain(client, make_site, make_page):
    verified(make_site, make_page)
    response = client.get("/about", base_url="http://www.alice-blog.org")
    assert response.status_code == 200
    assert "Hello from Alice" in response.text
    assert 'href="/about"' in response.text  # relative, so it stays on the domain
    assert "alice.example.test" not in response.text
    assert '<link rel="canonical" href="http://www.alice-blog.org/about">' in response.text
    feed = client.get("/feed.xml", base_url="http://www.alice-blog.org").text
    assert "http://www.alice-blog.org/" in feed and "example.test" not in feed
    robots = client.get("/robots.txt", base_url="http://www.alice-blog.org").text
    assert "Sitemap: http://www.alice-blog.org/sitemap.xml" in robots


def test_the_apex_of_a_www_domain_redirects_to_it(client, make_site, make_page):
    verified(make_site, make_page)
    response = client.get("/about?x=1", base_url="http://alice-blog.org")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://www.alice-blog.org/about?x=1"


def test_the_tenant_subdomain_redirects_permanently(client, make_site, make_page):
    verified(make_site, make_page)
    response = client.get("/about", subdomain="alice")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://www.alice-blog.org/about"


def test_the_dashboard_stays_on_the_subdomain(client, make_site, make_page):
    verified(make_site, make_page)
    response = client.get("/admin/", base_url="http://www.alice-blog.org")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{host_url('alice')}/admin/"


def test_unverified_and_unknown_domains_serve_nobody(client, make_site, make_page):
    site = make_site("alice", custom_domain="www.alice-blog.org", domain_token="t")
    make_page(site, "About", "Hello from Alice", status="published")
    for base in ("http://www.alice-blog.org", "http://alice-blog.org", "http://unknown.org"):
        for path in ("/", "/about", "/admin/", "/feed.xml"):
            response = client.get(path, base_url=base)
            assert response.status_code == 404, (base, path)
            assert "Hello from Alice" not in response.text
    # Unverified: the subdomain keeps serving the site.
    assert client.get("/about", subdomain="alice").status_code == 200


def test_a_suspended_site_is_gone_on_its_domain_too(client, make_site, make_page):
    verified(make_site, make_page, status="suspended")
    assert client.get("/about", base_url="http://www.alice-blog.org").status_code == 410


def test_tls_ask(client, make_site, make_page):
    verified(make_site, make_page)
    make_site("bob", custom_domain="www.pending.org", domain_token="t")

    def ask(domain):
        return client.get(f"/tls/ask?domain={domain}", base_url=APEX)

    assert ask("www.alice-blog.org").status_code == 200
    assert ask("WWW.Alice-Blog.org.").status_code == 200
    assert ask("alice-blog.org").status_code == 200  # the partner, so it can redirect over TLS
    for domain in ("www.pending.org", "unknown.org", "", "%00", "a" * 300, "alice.example.test"):
        assert ask(domain).status_code == 404, domain
    assert client.get("/tls/ask", base_url=APEX).status_code == 404


def test_detach_stops_serving_the_domain(app, owner_client, make_page):
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.subdomain == "alice"))
        site.custom_domain, site.domain_token, site.domain_verified_at = "www.a.org", "t", utcnow()
        db.session.commit()
    assert owner_client.get("/", base_url="http://www.a.org").status_code == 200
    assert post(owner_client, action="detach").status_code == 302
    assert owner_client.get("/", base_url="http://www.a.org").status_code == 404
    assert owner_client.get("/", subdomain="alice").status_code == 200


def test_external_urls_on_a_custom_domain_carry_that_domain(app, make_site, make_page):
    from flask import url_for

    verified(make_site, make_page)
    with app.test_request_context("/about", base_url="http://www.alice-blog.org"):
        app.preprocess_request()
        assert url_for("site.page", slug="x") == "/x"
        assert url_for("site.page", slug="x", _external=True) == "http://www.alice-blog.org/x"


def test_verify_is_rate_limited(app, owner_client):
    token = csrf_token(owner_client)
    codes = [
        owner_client.post(
            "/admin/domain", subdomain="alice", data={"csrf_token": token, "action": "verify"}
        ).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [400] * 20  # "Attach a domain first."
    assert codes[20] == 429
