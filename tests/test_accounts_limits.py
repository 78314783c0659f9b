"""Rate limits on sign-in, sign-up and reset: per client address and per account, a 429 page
that says when to retry, limits read from the config at request time, Redis as storage."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.accounts_flow import APEX, csrf_token, submit
from tests.components import redis_url
from tests.conftest import PASSWORD


def post_signin(client, email: str, address: str = "192.0.2.1", password: str = "wrong password"):
    token = csrf_token(client, "/signin")
    return client.post(
        "/signin",
        data={"email": email, "password": password, "csrf_token": token},
        base_url=APEX,
        environ_base={"REMOTE_ADDR": address},
    )


def test_signin_per_address_limit_answers_429_with_when_to_retry(make_app, make_user):
    app = make_app(RATELIMIT_AUTH="3 per minute", RATELIMIT_AUTH_ACCOUNT="100 per minute")
    client = app.test_client()
    for i in range(3):
        assert post_signin(client, f"user{i}@example.org").status_code == 200
    response = post_signin(client, "user9@example.org")
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    page = response.get_data(as_text=True)
    assert re.search(r"Too many attempts\. Try again in \d+ seconds\.", page)
    assert 'class="brand"' in page
    # Another address is not held back; showing the form is never limited.
    assert post_signin(client, "user9@example.org", address="192.0.2.2").status_code == 200
    assert client.get("/signin", base_url=APEX).status_code == 200


def test_failures_count_per_account_and_address_pair(make_app, make_user):
    app = make_app(RATELIMIT_AUTH="100 per minute", RATELIMIT_AUTH_ACCOUNT="2 per minute")
    make_user("target@example.org")
    attacker = app.test_client()
    assert post_signin(attacker, "target@example.org", "198.51.100.1").status_code == 200
    assert post_signin(attacker, "TARGET@example.org", "198.51.100.1").status_code == 200
    blocked = post_signin(attacker, " target@example.org", "198.51.100.1", password=PASSWORD)
    assert blocked.status_code == 429
    assert "Try again in" in blocked.get_data(as_text=True)
    # Someone else's account from the same address is fine.
    assert post_signin(attacker, "other@example.org", "198.51.100.1").status_code == 200


def test_an_attackers_failures_do_not_lock_the_owner_out(make_app, make_user):
    """Failing on purpose from other addresses holds back those addresses; the owner's own
    address signs in. Failures spread over many addresses (beyond the pair limit) slow down
    browsers that never signed in to the account, never the owner's own browser."""
    app = make_app(
        RATELIMIT_AUTH="100 per minute",
        RATELIMIT_AUTH_ACCOUNT="3 per minute",
        RATELIMIT_SIGNIN_UNKNOWN="5 per minute",
    )
    make_user("victim@example.org")
    owner = app.test_client()
    # The owner signed in once before from this browser (it keeps a device cookie).
    assert post_signin(owner, "victim@example.org", "192.0.2.10", PASSWORD).status_code == 302
    assert owner.get_cookie("sitemaker_device", domain="example.test") is not None
    submit(owner, "/signout", {}, form_path="/")

    attacker = app.test_client()
    codes = [
        post_signin(attacker, "victim@example.org", f"203.0.113.{i % 3}").status_code
        for i in range(9)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429] * 4
    # The owner, from their own address and browser, still signs in at once.
    assert post_signin(owner, "victim@example.org", "192.0.2.10", PASSWORD).status_code == 302
    assert owner.get("/sites", base_url=APEX).status_code == 200
    # A new browser at a fresh address is slowed down while the attack lasts, not the owner.
    assert post_signin(app.test_client(), "victim@example.org", "192.0.2.99").status_code == 429
    # A forged or foreign device cookie counts for nothing.
    forged = app.test_client()
    forged.set_cookie("sitemaker_device", "forged", domain="example.test")
    assert post_signin(forged, "victim@example.org", "192.0.2.98", PASSWORD).status_code == 429


def test_a_successful_signin_costs_no_attempt(make_app, make_user):
    app = make_app(RATELIMIT_AUTH="100 per minute", RATELIMIT_AUTH_ACCOUNT="2 per minute")
    make_user("often@example.org")
    client = app.test_client()
    for _ in range(4):
        assert post_signin(client, "often@example.org", "192.0.2.5", PASSWORD).status_code == 302
        submit(client, "/signout", {}, form_path="/")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/signup", {"email": "new@example.org", "password": "short"}),
        ("/reset", {"email": "new@example.org"}),
    ],
)
def test_signup_and_reset_are_limited_too(make_app, path, data):
    app = make_app(RATELIMIT_AUTH="2 per minute")
    client = app.test_client()
    codes = []
    for _ in range(3):
        token = csrf_token(client, path)
        codes.append(
            client.post(path, data={**data, "csrf_token": token}, base_url=APEX).status_code
        )
    assert codes == [200, 200, 429]


def test_limit_is_read_from_the_config_at_request_time(make_app):
    app = make_app()
    client = app.test_client()
    assert post_signin(client, "a@example.org").status_code == 200
    assert post_signin(client, "b@example.org").status_code == 200
    # A lower limit (as a config file would set it) applies from the next request on; each
    # limit string counts in its own window, so the first request under it still passes.
    app.config["RATELIMIT_AUTH"] = "1 per hour"
    assert post_signin(client, "c@example.org").status_code == 200
    assert post_signin(client, "d@example.org").status_code == 429


def test_limit_counters_live_in_redis_when_configured(make_app):
    import redis

    url = redis_url()
    address = f"test-{uuid.uuid4().hex}"  # a client address no other test run shares
    app = make_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_AUTH="2 per minute")
    client = app.test_client()
    connection = redis.Redis.from_url(url)
    try:
        # Fresh accounts too: per-account counters in a shared Redis outlive this test.
        emails = [f"{name}-{address}@example.org" for name in "rst"]
        assert post_signin(client, emails[0], address).status_code == 200
        assert connection.keys(f"*{address}*"), "no rate-limit counter in Redis"
        assert post_signin(client, emails[1], address).status_code == 200
        assert post_signin(client, emails[2], address).status_code == 429
    finally:
        for key in connection.keys(f"*{address}*"):
            connection.delete(key)
