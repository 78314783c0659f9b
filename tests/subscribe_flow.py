"""Helpers for the subscription tests: the footer form's token, subscribing, following links."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

TOKEN = re.compile(r'name="token" value="([0-9a-f]+)"')


def form_token(client: FlaskClient, subdomain: str) -> str:
    match = TOKEN.search(client.get("/subscribe", subdomain=subdomain).text)
    assert match, "no subscribe form"
    return match.group(1)


def subscribe(client: FlaskClient, subdomain: str, email: str, **headers):
    token = form_token(client, subdomain)
    return client.post(
        "/subscribe",
        data={"email": email, "token": token},
        subdomain=subdomain,
        headers=headers,
    )


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def link_after(text: str, kind: str) -> str:
    match = re.search(rf"https?://[^\s/\"<>]+/{kind}/[^\s\"<>]+", text)
    assert match, text
    return path_of(match.group(0))
