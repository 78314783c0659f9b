"""services.accounts and services.redirects on their own."""

from __future__ import annotations

import pytest

from sitemaker.extensions import db
from sitemaker.services import accounts
from sitemaker.services.redirects import safe_next
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("target", "prefix", "expected"),
    [
        ("/sites", "/", "/sites"),
        ("/admin/pages?x=1", "/admin/", "/admin/pages?x=1"),
        ("/admin", "/admin/", "/admin"),
        ("/administrator", "/admin/", None),
        ("/sites", "/admin/", None),
        ("//evil.test", "/", None),
        ("/\\evil.test", "/", None),
        ("\\/evil.test", "/", None),
        ("/\t/evil.test", "/", None),
        ("/\n/evil.test", "/", None),
        ("/ /evil.test", "/", None),
        ("https://evil.test/", "/", None),
        ("http:evil.test", "/", None),
        ("javascript:alert(1)", "/", None),
        ("", "/", None),
        (None, "/", None),
        ("/" + "a" * 3000, "/", None),
    ],
)
def test_safe_next(target, prefix, expected):
    assert safe_next(target, prefix) == expected


def test_create_user_twice_raises_and_keeps_the_first(app):
    with app.app_context():
        first = accounts.create_user("Twice@Example.org", PASSWORD)
        db.session.commit()
        with pytest.raises(accounts.EmailTaken):
            accounts.create_user("twice@example.org", "another password")
        assert accounts.find_user("TWICE@example.org").id == first.id


def test_authenticate_and_password_change_bump_the_auth_version(app):
    with app.app_context():
        user = accounts.create_user("pw@example.org", PASSWORD)
        db.session.commit()
        version = user.auth_version
        assert accounts.authenticate("PW@example.org ", PASSWORD).id == user.id
        assert accounts.authenticate("pw@example.org", PASSWORD.upper()) is None
        assert accounts.authenticate("nobody@example.org", PASSWORD) is None
        accounts.set_password(user, "the new password")
        db.session.commit()
        assert user.auth_version == version + 1
        assert user.get_id() == f"{user.id}:{version + 1}"
        assert accounts.authenticate("pw@example.org", PASSWORD) is None
        assert accounts.authenticate("pw@example.org", "the new password").id == user.id


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * 8, True),
        ("a" * 7, False),
        ("a" * 72, True),
        ("a" * 73, False),
        ("€" * 24, True),
        ("€" * 25, False),
    ],
)
def test_password_rules_count_utf8_bytes(password, ok):
    assert (accounts.password_error(password) is None) is ok
