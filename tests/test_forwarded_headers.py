"""Forwarded headers are nginx's word, never the client's: through the shipped configuration,
every X-Forwarded-*, Forwarded, X-Original-* and X-Host header a client can send, with hostile
values, changes neither the answer it gets nor (through the micro-cache) the answer the next
visitor gets, on a tenant host and on the apex."""

from __future__ import annotations

import re

import pytest

from tests import edge_stack, servers
from tests.edge_stack import DOMAIN, TENANT

pytestmark = pytest.mark.servers

HOSTILE = {
    "X-Forwarded-For": ["203.0.113.9", "1.2.3.4, 10.0.0.1", "not-an-address", "::1"],
    "X-Forwarded-Proto": ["https", "gopher", "https, http"],
    "X-Forwarded-Host": ["evil.test", f"{TENANT}:1", DOMAIN, f"other.{DOMAIN}", "a b"],
    "X-Forwarded-Port": ["1", "443", "abc", "99999"],
    "X-Forwarded-Prefix": ["/evil", "//evil.test"],
    "X-Forwarded-Server": ["evil.test"],
    "X-Forwarded-Scheme": ["https"],
    "X-Forwarded-Ssl": ["on"],
    "X-Forwarded-Protocol": ["ssl"],
    "Forwarded": ["for=1.2.3.4;host=evil.test;proto=https", 'for="[::1]:1";by=x'],
    "X-Original-URL": ["/admin/", "/no-such-page"],
    "X-Original-URI": ["/admin/"],
    "X-Original-Host": ["evil.test"],
    "X-Original-Forwarded-For": ["1.2.3.4"],
    "X-Rewrite-URL": ["/admin/"],
    "X-Host": ["evil.test", f"{TENANT}:1"],
    "X-Url-Scheme": ["https"],
    "Front-End-Https": ["on"],
    "X-HTTP-Method-Override": ["DELETE"],
    "X-Real-IP": ["1.2.3.4"],
}
# What the app sees must be only what nginx sets (sitemaker-common.conf).
NGINX_SETS = {
    "x-forwarded-for": "127.0.0.1",
    "x-real-ip": "127.0.0.1",
    "x-forwarded-proto": "http",
    "x-forwarded-host": TENANT,
    "x-forwarded-port": "80",
    "host": TENANT,
}


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    with edge_stack.stack(tmp_path_factory.mktemp("edge-forwarded")) as running:
        yield running


@pytest.fixture(scope="module")
def echo_port(tmp_path_factory):
    with edge_stack.echo_stack(tmp_path_factory.mktemp("forwarded-echo")) as port:
        yield port


def test_upstream_sees_only_what_nginx_sets(echo_port):
    import json

    attack = {name: values[0] for name, values in HOSTILE.items()}
    seen = json.loads(servers.request(echo_port, "/anything", TENANT, headers=attack).body)
    headers = seen["headers"]
    for name, value in NGINX_SETS.items():
        assert headers.get(name) == value, name
    dropped = {name.lower() for name in HOSTILE} - set(NGINX_SETS)
    assert dropped & set(headers) == set()
    # Ordinary request headers still reach the app.
    plain = servers.request(echo_port, "/x", TENANT, headers={"X-CSRFToken": "t", "Accept": "*/*"})
    assert json.loads(plain.body)["headers"]["x-csrftoken"] == "t"


PAGES = [(TENANT, "/"), (TENANT, "/about"), (TENANT, "/no-such-page"), (DOMAIN, "/")]


@pytest.mark.parametrize(("host", "path"), PAGES)
def test_hostile_forwarded_headers_change_no_answer(edge, host, path):
    def ask(query, headers=None, as_host=host):
        return servers.request(edge["port"], f"{path}?edge={query}", as_host, headers=headers)

    clean = ask("baseline")
    assert clean.status == (404 if path == "/no-such-page" else 200)
    assert ask("baseline-again").body == clean.body  # the answer does not vary by itself
    attacks = [(name, value) for name, values in HOSTILE.items() for value in values]
    # Every header alone, then all of them together.
    attacks.append(("all", {name: values[0] for name, values in HOSTILE.items()}))
    # The Host header itself with a port (nginx's $host drops it; the cache key has none).
    attacks += [("Host", f"{host}:1"), ("Host", f"{host.upper()}:443")]
    for number, (name, value) in enumerate(attacks):
        headers = value if isinstance(value, dict) else {name: value}
        # A fresh cache key per attack: the attack reaches the app and may be stored; the
        # clean request right after it reads whatever the cache kept.
        if name == "Host":
            attacked = ask(number, as_host=value)
        else:
            attacked = ask(number, headers)
        after = ask(number)
        assert (attacked.status, attacked.body) == (clean.status, clean.body), (name, value)
        assert (after.status, after.body) == (clean.status, clean.body), (name, value)


def test_spoofed_client_address_does_not_escape_a_rate_limit(edge):
    """X-Forwarded-For is nginx's $remote_addr: rotating it does not make a new client."""
    form = servers.request(edge["port"], "/signin", DOMAIN)
    cookie = form.headers["set-cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    statuses = []
    for number in range(25):
        answer = servers.request(
            edge["port"], "/signin", DOMAIN, method="POST",
            body=f"csrf_token={token}&email=x{number}%40example.org&password=y".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                     "X-Forwarded-For": f"198.51.100.{number}",
                     "X-Real-IP": f"198.51.100.{number}",
                     "Forwarded": f"for=198.51.100.{number}"},
        )  # fmt: skip
        statuses.append(answer.status)
    assert statuses[0] == 200  # a wrong password: the form again
    assert 429 in statuses


def test_the_app_trusts_one_proxy_only():
    """nginx sets each forwarded header once; trusting more hops would trust the client."""
    from sitemaker import create_app
    from sitemaker.config import ConfigError

    with pytest.raises(ConfigError, match="PROXY_FIX_HOPS must be 0 or 1"):
        create_app("testing", {"PROXY_FIX_HOPS": 2})
