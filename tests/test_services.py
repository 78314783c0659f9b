"""Tokens, permissions and mail: the small services every division leans on."""

import pytest

from sitemaker.models import Role
from sitemaker.services.mail import send_mail
from sitemaker.services.permissions import ROLE_PERMISSIONS, ROLES_BY_RANK, Permission
from sitemaker.services.tokens import BadToken, issue_token, read_token, spend_token


def test_roles_are_nested():
    for lower, higher in zip(ROLES_BY_RANK, ROLES_BY_RANK[1:], strict=False):
        assert ROLE_PERMISSIONS[lower] & ROLE_PERMISSIONS[higher] == ROLE_PERMISSIONS[lower]
        assert ROLE_PERMISSIONS[lower] != ROLE_PERMISSIONS[higher]
    assert Permission.PUBLISH not in ROLE_PERMISSIONS[Role.AUTHOR]
    assert Permission.SETTINGS not in ROLE_PERMISSIONS[Role.EDITOR]
    assert Permission.DELETE_SITE not in ROLE_PERMISSIONS[Role.ADMIN]


def test_token_round_trip_and_purpose(app):
    with app.app_context():
        token = issue_token("confirm", {"uid": 7})
        assert read_token("confirm", token, 60)["uid"] == 7
        with pytest.raises(BadToken):
            read_token("reset", token, 60)  # another purpose
        with pytest.raises(BadToken):
            read_token("confirm", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), 60)
        with pytest.raises(BadToken):
            read_token("confirm", "not-a-token", 60)


def test_expired_token_is_refused(app):
    with app.app_context():
        token = issue_token("confirm", {"uid": 7})
        with pytest.raises(BadToken, match="expired"):
            read_token("confirm", token, -1)  # any age is past a negative limit


def test_single_use_token_spends_once(app):
    from sitemaker.extensions import db

    with app.app_context():
        token = issue_token("handoff", {"uid": 1}, single_use=True)
        data = read_token("handoff", token, 60)
        spend_token(data, 60)
        db.session.commit()
        with pytest.raises(BadToken, match="already been used"):
            spend_token(read_token("handoff", token, 60), 60)


def test_mail_goes_to_outbox_without_smtp(app, tmp_path):
    with app.app_context():
        assert send_mail("a@example.org", "Hello", "Body with a link https://x.test/")
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "To: a@example.org" in text and "https://x.test/" in text


def test_mail_failure_is_logged_not_raised(make_app, caplog):
    from tests.components import free_port

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    with app.app_context():
        assert send_mail("a@example.org", "Hello", "Body") is True  # queued; the job failed
    assert "mail to a@example.org: Hello" in caplog.text and "failed for good" in caplog.text
