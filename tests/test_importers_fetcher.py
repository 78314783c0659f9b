"""The image fetcher reaches public addresses only: loopback, private, link-local (cloud
metadata) and unique-local addresses are refused after DNS resolution and on every redirect."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitemaker.services.importers.fetcher import FetchRefused, fetch, refused_address
from tests.dash_helpers import image_bytes

PNG = image_bytes("PNG", (20, 10), (1, 2, 3))
REDIRECTS = {
    "/to-private": "http://10.0.0.1/x.png",
    "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    "/to-ipv6-loopback": "http://[::1]/x.png",
    "/to-other-loopback-port": "http://127.0.0.1:9/x.png",
    "/to-localhost": "http://localhost/x.png",
    "/to-name-of-private": "http://images.example.com/x.png",
    "/to-file": "file:///etc/passwd",
    "/to-cat": "/cat.png",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path])
            self.end_headers()
        elif self.path == "/cat.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)
        elif self.path == "/endless":
            self.send_response(200)  # no length: the fetcher must stop reading by itself
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x" * 65536)
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def resolver(host: str, port: int) -> list[str]:
    """A public-looking name that resolves to a private address, the rest as IP literals."""
    return {
        "images.example.com": ["10.0.0.1"],
        "localhost": ["127.0.0.1", "::1"],
        "mixed.example.com": ["93.184.216.34", "192.168.1.2"],
    }.get(  # fmt: skip
        host, [host]
    )


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://127.0.0.1/x.png", "loopback"),
        ("http://localhost/x.png", "loopback"),
        ("http://10.0.0.1/x.png", "private"),
        ("http://10.200.3.4:8080/x.png", "private"),
        ("http://192.168.1.1/x.png", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/x.png", "loopback"),
        ("http://[fd00::1]/x.png", "private"),
        ("http://[fe80::1]/x.png", "link-local"),
        ("http://[::ffff:127.0.0.1]/x.png", "loopback"),
        ("http://0.0.0.0/x.png", "private or reserved"),
        ("http://images.example.com/x.png", "10.0.0.1 is a private"),
        ("http://mixed.example.com/x.png", "192.168.1.2 is a private"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://93.184.216.34/x.png", "only http and https"),
        ("http://user:pw@93.184.216.34/x.png", "password"),
    ],
)
def test_private_addresses_are_refused_before_connecting(url, why):
    with pytest.raises(FetchRefused) as refused:
        fetch(url, max_bytes=1000, timeout=2, resolver=resolver)
    assert why in str(refused.value)


def test_the_test_server_is_reached_only_when_allowed(server):
    body, final = fetch(f"http://{server}/cat.png", max_bytes=10**6, allow_loopback=server)
    assert body == PNG and final.endswith("/cat.png")
    with pytest.raises(FetchRefused, match="loopback"):
        fetch(f"http://{server}/cat.png", max_bytes=10**6)  # no allowance: refused


@pytest.mark.parametrize(
    "path, why",
    [
        ("/to-private", "10.0.0.1 is a private"),
        ("/to-metadata", "169.254.169.254 is a link-local"),
        ("/to-ipv6-loopback", "::1 is a loopback"),
        ("/to-other-loopback-port", "127.0.0.1 is a loopback"),
        ("/to-localhost", "loopback"),
        ("/to-name-of-private", "10.0.0.1 is a private"),
        ("/to-file", "only http and https"),
        ("/loop", "more than 5 redirects"),
    ],
)
def test_every_redirect_is_checked_again(server, path, why):
    with pytest.raises(FetchRefused) as refused:
        fetch(f"http://{server}{path}", max_bytes=10**6, resolver=resolver, allow_loopback=server)
    assert why in str(refused.value)


def test_a_redirect_to_an_allowed_address_is_followed(server):
    body, final = fetch(f"http://{server}/to-cat", max_bytes=10**6, allow_loopback=server)
    assert body == PNG and final == f"http://{server}/cat.png"


def test_size_is_bounded_while_reading(server):
    with pytest.raises(FetchRefused, match="larger than"):
        fetch(f"http://{server}/endless", max_bytes=1024 * 1024, allow_loopback=server)
    with pytest.raises(FetchRefused, match="larger than"):
        fetch(f"http://{server}/cat.png", max_bytes=10, allow_loopback=server)


def test_time_is_bounded():
    # A listener that accepts and never answers.
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    where = f"127.0.0.1:{listener.getsockname()[1]}"
    try:
        with pytest.raises(FetchRefused, match="could not be reached"):
            fetch(f"http://{where}/x.png", max_bytes=1000, timeout=0.5, allow_loopback=where)
    finally:
        listener.close()


def test_public_addresses_pass_the_check():
    assert refused_address("93.184.216.34") is None
    assert refused_address("2606:2800:220:1:248:1893:25c8:1946") is None
    assert "loopback" in refused_address("127.0.0.1", 80, allow="127.0.0.1:81")


def test_production_refuses_the_test_allowance():
    from sitemaker.config import ConfigError, check_production

    config = {
        "SECRET_KEY": "a real secret",
        "SERVER_NAME": "example.com",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/sitemaker",
        "IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS": "127.0.0.1:8000",
    }
    with pytest.raises(ConfigError, match="IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS"):
        check_production(config)
    config["IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS"] = None
    check_production(config)
