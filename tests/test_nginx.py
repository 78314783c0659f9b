"""The shipped nginx configuration in front of real gunicorn, on loopback: hosts, static files
without the app, TLS and redirects, the micro-cache, body limits."""

import re
from pathlib import Path

import pytest

from sitemaker.extensions import db
from sitemaker.models import Media, Page, Site, User
from sitemaker.models.common import utcnow
from sitemaker.services.pages import create_page
from tests import servers
from tests.components import free_port

pytestmark = pytest.mark.servers

DOMAIN = "sitemaker.test"
MEDIA_BYTES = b"\x89PNG\r\n\x1a\n" + b"media bytes sent by nginx" * 40
MEDIA_NAME = "ab" * 32 + ".png"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (production config) behind two nginx: plain HTTP and the TLS variant."""
    url = servers.server_database_url()
    tmp = tmp_path_factory.mktemp("nginx")
    seed_app = servers.prepare_database(url)
    with seed_app.app_context():
        site = Site(subdomain="acme", title="Acme Widgets")
        operator = User(email="ops@example.org", password_hash="x", is_operator=True,
                        totp_secret="JBSWY3DPEHPK3PXP", totp_enabled_at=utcnow())  # fmt: skip
        db.session.add_all([site, operator])
        db.session.flush()
        create_page(site, "Home", "Welcome to **Acme**", status="published", is_home=True)
        create_page(site, "About", "About Acme", slug="about", status="published")
        db.session.add(
            Media(site_id=site.id, stored_name=MEDIA_NAME, original_name="dot.png",
                  content_type="image/png", size=len(MEDIA_BYTES), sha256="0" * 64)
        )  # fmt: skip
        db.session.commit()
        ids = {"site": site.id, "operator": operator.get_id()}
        media_dir = tmp / "media" / str(site.id)
        media_dir.mkdir(parents=True)
        (media_dir / MEDIA_NAME).write_bytes(MEDIA_BYTES)
    env = servers.production_env(DOMAIN, url, SITEMAKER_MEDIA_ROOT=str(tmp / "media"))
    servers.build_assets(env)
    with servers.running(seed_app) as started:
        app = servers.start_gunicorn(env, tmp / "gunicorn", workers=2)
        started.append(app)
        plain = servers.start_plain_nginx(
            tmp / "plain", domain=DOMAIN, upstreams=[app.port], media_root=tmp / "media"
        )
        started.append(plain)
        certs = tmp / "certs"
        servers.self_signed(certs, {"sitemaker": [DOMAIN, f"*.{DOMAIN}"],
                                    "www.custom.test": ["www.custom.test"]})  # fmt: skip
        http_port, https_port = free_port(), free_port()
        conf = servers.render_nginx(
            tmp / "tls", domain=DOMAIN, upstreams=[app.port], http_port=http_port,
            https_port=https_port, media_root=tmp / "media", certs=certs,
        )  # fmt: skip
        tls = servers.start_nginx(conf, http_port, DOMAIN)
        started.append(tls)
        yield {"app": app, "plain": plain, "tls": tls, "https_port": https_port,
               "seed_app": seed_app, **ids}  # fmt: skip


def get(stack, path, host=DOMAIN, **kwargs):
    return servers.request(stack["plain"].port, path, host, **kwargs)


def get_tls(stack, path, host=DOMAIN, **kwargs):
    return servers.request(stack["https_port"], path, host, tls=True, **kwargs)


def test_apex_tenant_and_unknown_hosts(stack):
    apex = get(stack, "/")
    assert apex.status == 200 and "sitemaker" in apex.text
    tenant = get(stack, "/", f"acme.{DOMAIN}")
    assert tenant.status == 200 and "<strong>Acme</strong>" in tenant.text
    about = get(stack, "/about", f"ACME.{DOMAIN}")
    assert about.status == 200 and "About Acme" in about.text
    for host in (f"nobody.{DOMAIN}", f"a.acme.{DOMAIN}", "other.org"):
        missing = get(stack, "/", host)
        assert missing.status == 404, host
        assert "There is nothing here" in missing.text, host  # the app's page, not nginx's
    health = get(stack, "/healthz")
    assert health.status == 200 and '"status":"ok"' in health.text.replace(" ", "")


def test_static_is_served_by_nginx_on_every_host(stack):
    css = re.search(r'href="(/static/gen/home\.[0-9a-f]+\.css)"', get(stack, "/").text).group(1)
    on_disk = (servers.ROOT / "sitemaker" / css.lstrip("/")).read_bytes()
    for host in (DOMAIN, f"acme.{DOMAIN}", "www.custom.test"):
        response = get(stack, css, host)
        assert response.status == 200 and response.body == on_disk
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    raw = get(stack, "/static/site/themes/plain.css", f"acme.{DOMAIN}",
              headers={"Accept-Encoding": "gzip"})  # fmt: skip
    assert raw.headers["cache-control"] == "public, max-age=86400"
    assert raw.headers.get("content-encoding") == "gzip"
    # The app never saw a static request, though it logged the pages around them.
    access = stack["app"].log("access")
    assert (
        f'"acme.{DOMAIN}" "GET / HTTP/1.0"' in access
        or f'"acme.{DOMAIN}" "GET / HTTP/1.1"' in access
    )
    assert "/static/" not in access
    # A path that leaves the static folder is not a static file (the app 404s it).
    escape = get(stack, "/static/../config/production.py")
    assert escape.status == 404 and "SECRET" not in escape.text


def test_media_bytes_come_from_nginx_after_the_app_checks(stack):
    direct = servers.request(stack["app"].port, f"/media/{MEDIA_NAME}", f"acme.{DOMAIN}")
    assert direct.status == 200 and direct.body == b""
    assert direct.headers["x-accel-redirect"] == f"/_media/{stack['site']}/{MEDIA_NAME}"
    through = get(stack, f"/media/{MEDIA_NAME}", f"acme.{DOMAIN}")
    assert through.status == 200 and through.body == MEDIA_BYTES
    assert through.headers["content-type"] == "image/png"
    assert through.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert through.headers["x-content-type-options"] == "nosniff"
    assert through.headers["content-security-policy"].startswith("default-src 'none'")
    assert "x-accel-redirect" not in through.headers
    # Another tenant cannot reach the file by name.
    assert get(stack, f"/media/{MEDIA_NAME}", f"www.{DOMAIN}").status == 404


def test_internal_media_location_is_not_public(stack):
    assert get(stack, "/_media/1/secret.png", f"acme.{DOMAIN}").status == 404


def test_body_limit_matches_the_app(stack):
    response = get(stack, "/", f"acme.{DOMAIN}", method="POST", body=b"x",
                   headers={"Content-Length": str(16 * 1024 * 1024 + 1)})  # fmt: skip
    assert response.status == 413


def test_tls_redirects_and_external_urls_keep_host_and_scheme(stack):
    http = servers.request(stack["tls"].port, "/about?x=1", f"acme.{DOMAIN}")
    assert http.status == 301
    assert http.headers["location"] == f"https://acme.{DOMAIN}/about?x=1"
    redirect = get_tls(stack, "/ops")
    assert redirect.status == 308 and redirect.headers["location"] == f"https://{DOMAIN}/ops/"
    # A plain-HTTP proxy overwrites a client's X-Forwarded-Proto: no scheme spoofing.
    spoofed = get(stack, "/ops", headers={"X-Forwarded-Proto": "https"})
    assert spoofed.headers["location"] == f"http://{DOMAIN}/ops/"
    cookie = servers.session_cookie(stack["operator"], DOMAIN)
    page = get_tls(stack, f"/ops/sites/{stack['site']}", headers={"Cookie": cookie})
    assert page.status == 200
    assert f'href="https://acme.{DOMAIN}/"' in page.text
    set_cookie = page.headers["set-cookie"]
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie
    # A custom domain reaches the app through the default_server with its own certificate.
    custom = get_tls(stack, "/", "www.custom.test")
    assert custom.status == 404 and "There is nothing here" in custom.text


def test_micro_cache(stack):
    host = f"acme.{DOMAIN}"
    seen = {get(stack, "/about", host).headers["x-cache"] for _ in range(20)}
    assert "HIT" in seen  # 20 requests in a row cannot all fall on a 1-second boundary
    cookie = servers.session_cookie(stack["operator"], DOMAIN)
    assert get(stack, "/about", host, headers={"Cookie": cookie}).headers["x-cache"] == "BYPASS"
    assert get(stack, "/admin/", host).headers["x-cache"] == "BYPASS"
    assert get(stack, "/healthz").headers["x-cache"] == "BYPASS"


def test_every_worker_serves_a_publish_on_the_next_request(stack):
    """Two gunicorn workers keep finished pages in their front caches; a change committed by
    another process (here the seeding app, as a `flask` command would) moves the shared-memory
    board, so no worker serves the old page once the commit has returned."""
    host, port = f"acme.{DOMAIN}", stack["app"].port
    for _ in range(12):  # enough for both workers to keep /about
        assert "About Acme" in servers.request(port, "/about", host).text
    with stack["seed_app"].app_context():
        page = db.session.scalar(db.select(Page).where(Page.slug == "about"))
        page.title, page.html = "About Acme, revised", "<p>Revised</p>"
        db.session.get(Site, stack["site"]).bump_content_version()
        db.session.commit()
    answers = [servers.request(port, "/about", host).text for _ in range(12)]
    assert all("About Acme, revised" in text and "<p>Revised</p>" in text for text in answers)
    assert not any("<p>About Acme</p>" in text for text in answers)


def test_config_names_the_domain_once():
    for name in ("sitemaker.conf", "sitemaker-tls.conf"):
        text = (Path(servers.NGINX_DIR) / name).read_text()
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        assert sum("example.com" in line for line in lines) == 1, name
