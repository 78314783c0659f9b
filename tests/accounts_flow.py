"""Helpers for the account tests: forms with their CSRF token, mail in the outbox, and
following redirects across hosts one hop at a time."""

from __future__ import annotations

import html
import re
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient

APEX = "http://example.test"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str, base_url: str = APEX) -> str:
    page = client.get(path, base_url=base_url).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {base_url}{path}"
    return match.group(1)


def submit(client: FlaskClient, path: str, data: dict, base_url: str = APEX, form_path=None):
    """POST `data` to `path` the way a browser submits the form shown at `form_path`."""
    token = csrf_token(client, form_path or path, base_url)
    return client.post(path, data={**data, "csrf_token": token}, base_url=base_url)


def signup(client: FlaskClient, email: str, password: str, **extra):
    return submit(client, "/signup", {"email": email, "password": password, **extra})


def signin(client: FlaskClient, email: str, password: str, path: str = "/signin", **extra):
    return submit(client, path, {"email": email, "password": password, **extra})


def mails(outbox: str | Path) -> list:
    folder = Path(outbox)
    if not folder.exists():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def link_in(message, kind: str) -> str:
    """The /<kind>/<token> link in a mail, as a path."""
    body = message.get_body(("plain",)).get_content()
    match = re.search(rf"https?://[^\s/]+(/{kind}/\S+)", body)
    assert match, body
    return match.group(1)


HANDOFF_FORM = re.compile(r'<form method="post" action="([^"]+)" id="handoff"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def handoff_form(response) -> tuple[str, dict] | None:
    """The action and fields of the tenant's handoff page, which a browser submits by script."""
    if response.status_code != 200 or "data-handoff" not in response.get_data(as_text=True):
        return None
    page = response.get_data(as_text=True)
    match = HANDOFF_FORM.search(page)
    assert match, page
    return html.unescape(match.group(1)), {k: html.unescape(v) for k, v in HIDDEN.findall(page)}


def follow(client: FlaskClient, response, limit: int = 10):
    """Follow redirects across hosts, one request per hop, like a browser (submitting the
    handoff page as its script does); returns the last response and the URLs visited."""
    visited = []
    while limit:
        form = handoff_form(response)
        if form is not None:
            parts = urlsplit(form[0])
            base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else _base_of(response)
            visited.append("POST " + base + parts.path)
            response = client.post(parts.path, data=form[1], base_url=base)
        elif response.status_code in (301, 302, 303, 307, 308):
            parts = urlsplit(response.headers["Location"])
            base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else _base_of(response)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            visited.append(base + path)
            response = client.get(path, base_url=base)
        else:
            break
        limit -= 1
    return response, visited


def _base_of(response) -> str:
    return f"{response.request.scheme}://{response.request.host}"
