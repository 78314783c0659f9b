"""Visitors keep being served while uploads are under attack: the finding's attack (members of
three sites sending requests of twenty 49-megapixel WebPs of a few dozen bytes each, and
single ones that pass every per-request check, several at once) runs against real gunicorn
behind the shipped nginx, while visitors read two tenants and the apex. No visitor request may
fail or wait more than a second (the one timed assertion the brief asks for; the figures are
printed, run with -s to see them)."""

from __future__ import annotations

import io
import statistics
import threading
import time
from collections import Counter

import pytest
from PIL import Image

from sitemaker.extensions import db
from sitemaker.models import Membership, Site, User
from sitemaker.services import api_tokens
from sitemaker.services.pages import create_page
from tests import edge_stack, servers
from tests.edge_stack import DOMAIN, TENANT

pytestmark = pytest.mark.servers

ATTACK_SECONDS = 12.0
ATTACKERS = 6
BOUNDARY = "sitemaker-attack"
VISITOR_PAGES = [(TENANT, "/"), (TENANT, "/about"), (f"bystander.{DOMAIN}", "/"), (DOMAIN, "/")]


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    # Five sync workers: gunicorn.conf.py's default (2 x CPUs + 1) on a two-core machine.
    with edge_stack.stack(tmp_path_factory.mktemp("upload-attack"), workers=5) as running:
        with running["seed_app"].app_context():
            tokens = []
            for n in range(4):
                site = Site(subdomain=f"evil{n}", title=f"Evil {n}")
                user = User(email=f"evil{n}@example.org", password_hash="x")
                db.session.add_all([site, user])
                db.session.flush()
                db.session.add(Membership(site_id=site.id, user_id=user.id, role="owner"))
                tokens.append(
                    (site.subdomain, api_tokens.create_token(site, user, "x", ["media:write"])[1])
                )
            other = Site(subdomain="bystander", title="Bystander")
            db.session.add(other)
            db.session.flush()
            create_page(other, "Home", "Still *here*", status="published", is_home=True)
            db.session.commit()
        yield {**running, "tokens": tokens[:3], "warm": tokens[3]}


def flat_webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (10, 20, 30)).save(out, "WEBP", lossless=True, method=0)
    return out.getvalue()


def small_webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, "WEBP")
    return out.getvalue()


def multipart(files: list[tuple[str, bytes]]) -> bytes:
    parts = []
    for name, content in files:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: image/webp\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_visitors_are_served_within_a_second_while_uploads_are_attacked(attacked):
    port = attacked["port"]
    image = flat_webp()
    bodies = [
        multipart([(f"f{n}.webp", image) for n in range(20)]),
        multipart([("one.webp", image)]),
    ]
    stop = threading.Event()
    attack_answers: Counter = Counter()
    visits: list[tuple[float, int, str]] = []

    def attack(number: int) -> None:
        subdomain, token = attacked["tokens"][number % 3]
        sent = 0
        while not stop.is_set():
            body = bodies[sent % 2]
            sent += 1
            try:
                answer = servers.request(
                    port, "/api/v1/media", f"{subdomain}.{DOMAIN}", method="POST", body=body,
                    headers={"Authorization": f"Bearer {token}",
                             "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                    timeout=60,
                )  # fmt: skip
                attack_answers[answer.status] += 1
            except OSError as error:
                attack_answers[type(error).__name__] += 1

    def visit(number: int) -> None:
        pages = VISITOR_PAGES
        n = number
        while not stop.is_set():
            host, path = pages[n % len(pages)]
            # Every other visit carries a fresh query: past nginx's micro-cache, to a worker.
            if n % 2:
                path += f"?visit={number}-{n}"
            n += 1
            started = time.monotonic()
            try:
                answer = servers.request(port, path, host, timeout=10)
                status, cache = answer.status, answer.headers.get("x-cache")
            except OSError:
                status, cache = 0, None
            visits.append(
                (
                    time.monotonic() - started,
                    status,
                    f"{host}{path} {cache} at {started - began:.1f}s",
                )
            )
            time.sleep(0.05)  # a visitor every 50 ms per thread: a steady stream, not a flood

    # A site under attack has been visited before: warm the workers and the micro-cache (a
    # cold key makes concurrent visitors wait on nginx's cache lock, in 500 ms steps).
    for host, path in VISITOR_PAGES * 5:
        assert servers.request(port, path, host).status == 200
    # ...and has taken uploads before (each worker has loaded the image code), by a member who
    # is not one of the attackers.
    subdomain, token = attacked["warm"]
    small = multipart([("small.webp", small_webp())])
    for _ in range(10):
        answer = servers.request(
            port, "/api/v1/media", f"{subdomain}.{DOMAIN}", method="POST", body=small,
            headers={"Authorization": f"Bearer {token}",
                     "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )  # fmt: skip
        assert answer.status == 201
    began = time.monotonic()
    threads = [threading.Thread(target=attack, args=(n,)) for n in range(ATTACKERS)]
    threads += [threading.Thread(target=visit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(ATTACK_SECONDS)  # the length of the attack, not a wait for a result
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    times = sorted(t for t, _, _ in visits)
    print(
        f"\nupload attack {ATTACK_SECONDS:.0f} s, {ATTACKERS} attackers: answers "
        f"{dict(attack_answers)}; visitors {len(visits)} requests, median "
        f"{statistics.median(times) * 1000:.0f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms"
    )
    # The attack was real: batches refused from their headers, single files decoded one at a
    # time while the others were turned away (busy) or out of allowance.
    assert attack_answers[413] > 0
    assert attack_answers[503] + attack_answers[429] > 0
    assert len(visits) > 100
    failed = [(status, where) for _, status, where in visits if status != 200]
    assert failed == []
    slow = [(round(t, 2), where) for t, _, where in visits if t > 1.0]
    assert slow == []
