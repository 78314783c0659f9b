"""Fixtures for the JSON API tests: tokens made through the service, as the dashboard does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from sitemaker.extensions import db
from sitemaker.models import Membership, Site, User
from sitemaker.services import api_tokens

ALL_SCOPES = list(api_tokens.SCOPES)


@pytest.fixture(name="make_token")
def make_token_fixture(app: Flask) -> Callable[..., str]:
    """make_token(site, user, scopes=ALL_SCOPES, role=None): the token itself. With `role`,
    the user is made a member with that role first."""

    def factory(site: Site, user: User, scopes=None, role: str | None = None, name="tool") -> str:
        with app.app_context():
            if role is not None:
                db.session.add(Membership(site_id=site.id, user_id=user.id, role=role))
            _row, token = api_tokens.create_token(
                db.session.get(Site, site.id), db.session.get(User, user.id), name,
                ALL_SCOPES if scopes is None else scopes,
            )  # fmt: skip
            db.session.commit()
            return token

    return factory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A client for one tenant host with one token: api.get('/pages') -> response."""

    def __init__(self, client, subdomain: str, token: str | None):
        self.client, self.subdomain, self.token = client, subdomain, token

    def open(self, method: str, path: str, **kwargs):
        headers = {**(bearer(self.token) if self.token else {}), **kwargs.pop("headers", {})}
        return self.client.open(
            "/api/v1" + path, method=method, subdomain=self.subdomain, headers=headers, **kwargs
        )

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.open("DELETE", path, **kwargs)
