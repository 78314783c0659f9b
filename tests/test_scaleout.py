"""Two gunicorn instances behind one nginx upstream, sharing one PostgreSQL database and one
Redis: no state lives in a process."""

import re

import pytest
import redis
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, Site, User
from sitemaker.models.common import utcnow
from sitemaker.services import site_versions
from sitemaker.services.pages import create_page
from tests import servers
from tests.components import missing, port_open
from tests.job_workers import start_worker

pytestmark = pytest.mark.servers

DOMAIN = "sitemaker.test"
REDIS_URL = "redis://127.0.0.1:6379/12"  # a database number of its own on the shared Redis


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    url = servers.server_database_url()
    if not port_open("127.0.0.1", 6379):
        missing("Redis is not running on 127.0.0.1:6379")
    redis.Redis.from_url(REDIS_URL).flushdb()
    tmp = tmp_path_factory.mktemp("scaleout")
    seed_app = servers.prepare_database(url, REDIS_URL=REDIS_URL)
    with seed_app.app_context():
        site = Site(subdomain="acme", title="Acme")
        operator = User(email="ops@example.org", password_hash="x", is_operator=True,
                        totp_secret="JBSWY3DPEHPK3PXP", totp_enabled_at=utcnow())  # fmt: skip
        db.session.add_all([site, operator])
        db.session.flush()
        page = create_page(site, "News", "Version one", slug="news", status="published")
        db.session.commit()
        ids = {"site": site.id, "page": page.id, "operator": operator.get_id()}
    extra = tmp / "limits.py"
    extra.write_text('RATELIMIT_AUTH = "3 per minute"\n')
    env = servers.production_env(
        DOMAIN, url, SITEMAKER_REDIS_URL=REDIS_URL, APP_CONFIG_FILE=str(extra),
        SITEMAKER_MEDIA_ROOT=str(tmp / "media"), SITEMAKER_MAIL_OUTBOX=str(tmp / "outbox"),
    )  # fmt: skip
    servers.build_assets(env)
    try:
        with servers.running(seed_app) as started:
            one = servers.start_gunicorn(env, tmp / "one", workers=1)
            started.append(one)
            two = servers.start_gunicorn(env, tmp / "two", workers=1)
            started.append(two)
            proxy = servers.start_plain_nginx(
                tmp / "nginx", domain=DOMAIN, upstreams=[one.port, two.port],
                media_root=tmp / "media", micro_cache=False,
            )  # fmt: skip
            started.append(proxy)
            worker = start_worker(env, tmp / "worker", REDIS_URL)
            started.append(worker)
            yield {
                "one": one, "two": two, "nginx": proxy, "worker": worker, "seed_app": seed_app,
                "outbox": tmp / "outbox", **ids,
            }  # fmt: skip
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()


def cookies_from(response, jar):
    for header in response.headers.get("set-cookie", "").split(", "):
        name, _, rest = header.partition("=")
        if name.strip() in ("session", "remember_token"):
            jar[name.strip()] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def test_a_session_made_on_one_instance_works_on_the_other(cluster):
    jar = {}
    cookie = servers.session_cookie(cluster["operator"], DOMAIN)
    path = f"/ops/sites/{cluster['site']}"
    # Instance one adds a CSRF token to the session it hands out...
    page = servers.request(cluster["one"].port, path, DOMAIN, headers={"Cookie": cookie})
    assert page.status == 200
    jar["session"] = cookie.split("=", 1)[1]
    cookie = cookies_from(page, jar)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    # ...and instance two accepts both the sign-in and the token.
    response = servers.request(
        cluster["two"].port, f"/ops/sites/{cluster['site']}/suspend", DOMAIN, method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=f"csrf_token={token}&reason=Checked+on+two".encode(),
    )  # fmt: skip
    assert response.status == 303, response.text
    gone = servers.request(cluster["one"].port, "/", f"acme.{DOMAIN}")
    assert gone.status == 410 and "Checked on two" in gone.text
    servers.request(
        cluster["one"].port, f"/ops/sites/{cluster['site']}/unsuspend", DOMAIN, method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=f"csrf_token={token}".encode(),
    )  # fmt: skip
    # Through nginx, requests alternate between the instances; all see the same session.
    for _ in range(6):
        assert servers.request(cluster["nginx"].port, path, DOMAIN,
                               headers={"Cookie": cookie}).status == 200  # fmt: skip
    for instance in ("one", "two"):
        assert f'"GET {path} HTTP/1.' in cluster[instance].log("access")


def test_a_publish_on_one_is_seen_at_once_on_the_other(cluster):
    host = f"acme.{DOMAIN}"
    for instance in ("one", "two"):
        assert "Version one" in servers.request(cluster[instance].port, "/news", host).text
    with cluster["seed_app"].app_context():
        page = db.session.get(Page, cluster["page"])
        page.html = "<p>Version two</p>"
        page.body = "Version two"
        db.session.get(Site, cluster["site"]).bump_content_version()
        db.session.commit()
    for instance in ("one", "two", "nginx"):
        text = servers.request(cluster[instance].port, "/news", host).text
        assert "Version two" in text and "Version one" not in text, instance


def test_every_publish_is_seen_at_once_on_both_while_they_answer_from_memory(cluster):
    """Each instance keeps the board's counters in memory once it has registered as a
    listener; every bump then waits until both have applied it, so a publish followed at once
    by a request to either instance is never answered with the old page."""
    host = f"acme.{DOMAIN}"
    control = redis.Redis.from_url(REDIS_URL)
    listeners = site_versions.board(cluster["seed_app"])._listeners  # the same key
    for instance in ("one", "two"):
        servers.request(cluster[instance].port, "/news", host)
    servers.wait_until(lambda: control.zcard(listeners) >= 2, "both instances listening")
    for n in range(8):
        with cluster["seed_app"].app_context():
            page = db.session.get(Page, cluster["page"])
            page.html = f"<p>Edition {n}</p>"
            db.session.get(Site, cluster["site"]).bump_content_version()
            db.session.commit()
        for instance in ("two", "one") if n % 2 else ("one", "two"):
            text = servers.request(cluster[instance].port, "/news", host).text
            assert f"Edition {n}" in text, (instance, n)
    assert control.zcard(listeners) >= 2  # still listening: the pages came from memory


def test_a_rate_limit_counts_across_both(cluster):
    one, two = cluster["one"].port, cluster["two"].port
    form = servers.request(one, "/signin", DOMAIN)
    if form.status == 404:
        pytest.skip("/signin comes with the accounts division")
    jar = {}
    cookie = cookies_from(form, jar)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
    body = f"csrf_token={token}&email=nobody%40example.org&password=wrong-password".encode()
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    statuses = [
        servers.request(port, "/signin", DOMAIN, method="POST", headers=headers, body=body).status
        for port in (one, two, one, two)
    ]
    # RATELIMIT_AUTH = 3 per minute (APP_CONFIG_FILE): the fourth attempt, on the other
    # instance, is over the shared limit.
    assert 429 not in statuses[:3] and statuses[3] == 429, statuses
    keys = redis.Redis.from_url(REDIS_URL).keys("*")
    assert keys, "the limiter keeps its counters in Redis"
    with cluster["seed_app"].app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_behind_nginx_each_client_has_its_own_limit(cluster):
    """nginx passes the client's address in X-Forwarded-For and ProxyFix (PROXY_FIX_HOPS=1)
    applies it: without that every visitor would share nginx's address, and one client's
    failed sign-ins would lock everyone out."""
    port = cluster["nginx"].port
    if servers.request(port, "/signin", DOMAIN).status == 404:
        pytest.skip("/signin comes with the accounts division")

    def attempt(client: str, email: str) -> int:
        form = servers.request(port, "/signin", DOMAIN, source=client)
        cookie = cookies_from(form, {})
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
        return servers.request(
            port, "/signin", DOMAIN, method="POST", source=client,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            body=f"csrf_token={token}&email={email}&password=wrong-password".encode(),
        ).status  # fmt: skip

    first = [attempt("127.0.0.2", f"a{i}%40example.org") for i in range(4)]
    assert 429 not in first[:3] and first[3] == 429, first
    assert attempt("127.0.0.3", "b%40example.org") != 429


def test_mail_asked_for_on_either_instance_is_sent_by_the_worker(cluster):
    """The app servers only put the job on Redis; the `flask worker` beside them sends it."""
    with cluster["seed_app"].app_context():
        db.session.add(
            User(email="reader@example.org", password_hash="x", email_confirmed_at=utcnow())
        )
        db.session.commit()
    jar = {}
    form = servers.request(cluster["nginx"].port, "/reset", DOMAIN)
    cookie = cookies_from(form, jar)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
    for port in (cluster["one"].port, cluster["two"].port):
        response = servers.request(
            port, "/reset", DOMAIN, method="POST",
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            body=f"csrf_token={token}&email=reader%40example.org".encode(),
        )  # fmt: skip
        assert response.status == 200 and "reader@example.org" in response.text
    outbox = cluster["outbox"]

    def two_mails() -> bool:
        return len(list(outbox.glob("*.eml"))) == 2 if outbox.exists() else False

    servers.wait_until(two_mails, "the worker to send both reset mails")
    for path in outbox.glob("*.eml"):
        text = path.read_text()
        assert "To: reader@example.org" in text and f"https://{DOMAIN}/reset/" in text
    assert "Successfully completed password reset mail" in cluster["worker"].output()
