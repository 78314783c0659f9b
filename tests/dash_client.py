"""Helpers for dash tests: a member signed in on a tenant host, and the CSRF token its forms carry."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from sitemaker.extensions import db
from sitemaker.models import Membership

TOKEN = re.compile(rb'name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, subdomain: str = "acme") -> str:
    """The token dash pages carry in <meta name="csrf-token">; forms carry the same one."""
    response = client.get("/admin/pages", subdomain=subdomain)
    match = TOKEN.search(response.data)
    assert match, response.status_code
    return match.group(1).decode()


def add_member(app, site, user, role: str) -> None:
    with app.app_context():
        db.session.add(Membership(site_id=site.id, user_id=user.id, role=role))
        db.session.commit()
