"""Each account's time zone: conversions and the daylight-saving edges (services.timezones),
and the dashboard showing and reading times in the member's zone while storing UTC."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from sitemaker.extensions import db
from sitemaker.models import Page, PageRevision, User
from sitemaker.services import timezones
from tests.dash_client import add_member, csrf_token

NEW_YORK = timezones.zone("America/New_York")


# The conversions themselves: no database needed.


def test_a_time_in_the_spring_forward_gap_is_refused_with_the_gap_named():
    with pytest.raises(timezones.NonexistentTime) as gap:
        timezones.to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK)
    assert str(gap.value) == (
        "02:30 on 8 March 2026 does not exist in America/New_York: the clocks jump from 02:00 "
        "to 03:00 that night. Choose a time before 02:00 or from 03:00 on."
    )


def test_the_edges_of_the_gap_exist():
    assert timezones.to_utc(datetime(2026, 3, 8, 1, 59), NEW_YORK) == datetime(2026, 3, 8, 6, 59)
    assert timezones.to_utc(datetime(2026, 3, 8, 3, 0), NEW_YORK) == datetime(2026, 3, 8, 7, 0)


def test_a_half_hour_gap_is_named_exactly():
    with pytest.raises(timezones.NonexistentTime, match="from 02:00 to 02:30"):
        timezones.to_utc(datetime(2026, 10, 4, 2, 15), timezones.zone("Australia/Lord_Howe"))


def test_a_time_in_the_fall_back_overlap_means_its_first_occurrence():
    twice = datetime(2026, 11, 1, 1, 30)
    assert timezones.is_ambiguous(twice, NEW_YORK)
    # 01:30 EDT (UTC-4), not 01:30 EST (UTC-5) an hour later; the same answer every time.
    assert {timezones.to_utc(twice, NEW_YORK) for _ in range(3)} == {datetime(2026, 11, 1, 5, 30)}
    shown = timezones.to_local(datetime(2026, 11, 1, 5, 30), NEW_YORK)
    assert shown.replace(tzinfo=None) == twice and shown.strftime("%Z") == "EDT"


def test_ordinary_times_convert_both_ways():
    tokyo = timezones.zone("Asia/Tokyo")
    assert timezones.to_utc(datetime(2026, 12, 24, 9, 0), tokyo) == datetime(2026, 12, 24, 0, 0)
    assert not timezones.is_ambiguous(datetime(2026, 7, 1, 12, 0), NEW_YORK)
    assert timezones.to_local(datetime(2026, 7, 1, 16, 0), NEW_YORK).hour == 12
    assert timezones.label(tokyo, datetime(2026, 1, 1)) == "Asia/Tokyo (UTC+09:00)"
    assert timezones.label(NEW_YORK, datetime(2026, 7, 1)) == "America/New_York (UTC-04:00)"


@pytest.mark.parametrize("name", ["", None, 42, "Mars/Olympus", "US/Eastern", "x" * 65, "../etc"])
def test_unknown_names_are_not_zones_and_read_as_utc(name):
    assert not timezones.is_valid(name)
    assert timezones.zone(name if isinstance(name, str) else None).key == "UTC"


def test_the_choices_are_canonical_iana_names():
    names = timezones.names()
    assert {"UTC", "Asia/Tokyo", "America/Chicago", "Europe/Berlin"} <= set(names)
    assert not [n for n in names if n.startswith(("US/", "Etc/"))]
    assert list(names) == sorted(names)


# The dashboard, on both databases.


def set_zone(app, user, name):
    with app.app_context():
        db.session.get(User, user.id).time_zone = name
        db.session.commit()


def stored(app, page_id):
    with app.app_context():
        return db.session.get(Page, page_id).published_at


def save(client, page, **fields):
    data = {
        "csrf_token": csrf_token(client),
        "title": page.title,
        "slug": page.slug,
        "body": "x",
        "description": "",
        "status": "published",
        "version": str(page.version),
    }
    data.update(fields)
    return client.post(f"/admin/pages/{page.id}/edit", subdomain="acme", data=data)


def test_the_editor_shows_and_reads_publish_at_in_the_members_zone(
    app, signed_in, owner, site, make_page
):
    set_zone(app, owner, "Asia/Tokyo")
    page = make_page(site, "Soon", slug="soon", kind="post")
    answer = save(signed_in, page, published_at="2026-12-24T09:00", time_zone="Asia/Tokyo")
    assert answer.status_code == 302
    assert stored(app, page.id) == datetime(2026, 12, 24, 0, 0)
    editor = signed_in.get(f"/admin/pages/{page.id}/edit", subdomain="acme").get_data(True)
    assert "Publish at (Asia/Tokyo)" in editor
    assert 'value="2026-12-24T09:00"' in editor
    assert re.search(r'name="time_zone" type="hidden" value="Asia/Tokyo"', editor)


def test_spring_forward_gap_is_a_clear_422_and_nothing_changes(
    app, signed_in, owner, site, make_page
):
    set_zone(app, owner, "America/New_York")
    page = make_page(site, "Gap", slug="gap", kind="post")
    answer = save(signed_in, page, published_at="2027-03-14T02:30", time_zone="America/New_York")
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(True))
    assert "02:30 on 14 March 2027 does not exist in America/New_York" in text
    assert "Choose a time before 02:00 or from 03:00 on." in text
    assert stored(app, page.id) is None
    # The panel holding the error is open, so a phone shows it without a tap.
    assert re.search(r"<details class=\"meta meta-panel\" data-meta-panel open>", text)


def test_fall_back_overlap_is_stored_as_the_first_occurrence(
    app, signed_in, owner, site, make_page
):
    set_zone(app, owner, "America/New_York")
    page = make_page(site, "Twice", slug="twice", kind="post")
    answer = save(signed_in, page, published_at="2026-11-01T01:30", time_zone="America/New_York")
    assert answer.status_code == 302
    assert stored(app, page.id) == datetime(2026, 11, 1, 5, 30)


def test_the_zone_the_form_was_shown_in_wins_over_a_later_change(
    app, signed_in, owner, site, make_page
):
    """The browser's zone may arrive (or be changed in another tab) while an editor is open:
    the time is read in the zone the writer saw next to it."""
    set_zone(app, owner, "America/New_York")
    page = make_page(site, "Tab", slug="tab", kind="post")
    save(signed_in, page, published_at="2026-12-24T09:00", time_zone="Asia/Tokyo")
    assert stored(app, page.id) == datetime(2026, 12, 24, 0, 0)
    # A forged or stale zone name is ignored: the account's zone reads it.
    page = make_page(site, "Bad zone", slug="bad-zone", kind="post")
    save(signed_in, page, published_at="2026-12-24T09:00", time_zone="Mars/Olympus")
    assert stored(app, page.id) == datetime(2026, 12, 24, 14, 0)


def test_an_author_saving_without_the_field_keeps_the_stored_time(
    app, client, login, make_user, site, make_page
):
    author = make_user("author@example.org", time_zone="Asia/Tokyo")
    add_member(app, site, author, "author")
    login(client, author, "acme")
    page = make_page(site, "Draft", slug="draft", kind="post", author=None)
    with app.app_context():
        row = db.session.get(Page, page.id)
        row.author_id, row.published_at = author.id, datetime(2026, 5, 1, 12, 0)
        db.session.commit()
        version = row.version
    data = {"csrf_token": csrf_token(client), "title": "Draft", "slug": "draft", "body": "y"}
    data.update(description="", status="draft", version=str(version))
    answer = client.post(f"/admin/pages/{page.id}/edit", subdomain="acme", data=data)
    assert answer.status_code == 302
    assert stored(app, page.id) == datetime(2026, 5, 1, 12, 0)


def test_history_trash_and_overview_show_local_times_and_say_which(
    app, signed_in, owner, site, make_page
):
    set_zone(app, owner, "Asia/Tokyo")
    page = make_page(site, "Planned", slug="planned", kind="post")
    gone = make_page(site, "Gone", slug="gone")
    with app.app_context():
        row = db.session.get(Page, page.id)
        row.status, row.published_at = "published", datetime(2099, 1, 1, 15, 30)
        db.session.execute(
            sa.update(PageRevision)
            .where(PageRevision.page_id == page.id)
            .values(created_at=datetime(2026, 6, 30, 23, 0))
        )
        db.session.get(Page, gone.id).deleted_at = datetime(2026, 12, 31, 20, 0)
        db.session.commit()
    overview = signed_in.get("/admin/", subdomain="acme").get_data(True)
    assert "goes live Jan 02, 00:30" in overview and "Times are in Asia/Tokyo" in overview
    history = signed_in.get(f"/admin/pages/{page.id}/revisions", subdomain="acme").get_data(True)
    assert "When (Asia/Tokyo)" in history and "2026-07-01 08:00:00" in history
    trash = signed_in.get("/admin/trash", subdomain="acme").get_data(True)
    assert "Deleted (Asia/Tokyo)" in trash and "2027-01-01 05:00" in trash


def test_without_a_zone_the_dashboard_uses_utc_and_asks_the_browser(signed_in):
    overview = signed_in.get("/admin/", subdomain="acme").get_data(True)
    assert "Times are in UTC" in overview
    assert "data-time-zone-unset" in overview
    assert 'data-time-zone-url="/admin/account/time-zone"' in overview


def test_the_browsers_zone_is_kept_once_and_never_replaces_a_chosen_one(app, signed_in, owner):
    token = csrf_token(signed_in)
    headers = {"X-CSRFToken": token}
    first = signed_in.post(
        "/admin/account/time-zone",
        subdomain="acme",
        json={"time_zone": "America/Chicago"},
        headers=headers,
    )
    assert first.status_code == 200 and first.json == {"time_zone": "America/Chicago"}
    second = signed_in.post(
        "/admin/account/time-zone",
        subdomain="acme",
        json={"time_zone": "Europe/Berlin"},
        headers=headers,
    )
    assert second.json == {"time_zone": "America/Chicago"}
    with app.app_context():
        assert db.session.get(User, owner.id).time_zone == "America/Chicago"
    assert "data-time-zone-unset" not in signed_in.get("/admin/", subdomain="acme").get_data(True)


@pytest.mark.parametrize("reported", ["Etc/UTC", "Etc/GMT", "Zulu", "UCT"])
def test_browser_names_for_utc_are_kept_as_utc(app, signed_in, owner, reported):
    answer = signed_in.post(
        "/admin/account/time-zone",
        subdomain="acme",
        json={"time_zone": reported},
        headers={"X-CSRFToken": csrf_token(signed_in)},
    )
    assert answer.status_code == 200 and answer.json == {"time_zone": "UTC"}
    with app.app_context():
        assert db.session.get(User, owner.id).time_zone == "UTC"


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"time_zone": "Mars/Olympus"}, 400, "must be an IANA zone name"),
        ({"time_zone": 7}, 400, "must be an IANA zone name"),
        (["Asia/Tokyo"], 400, "must be an IANA zone name"),
        ({"time_zone": "Asia/Tokyo\x00"}, 400, "must be an IANA zone name"),
    ],
)
def test_bad_browser_zones_are_400_with_the_reason(app, signed_in, owner, body, status, message):
    answer = signed_in.post(
        "/admin/account/time-zone",
        subdomain="acme",
        json=body,
        headers={"X-CSRFToken": csrf_token(signed_in)},
    )
    assert answer.status_code == status and message in answer.json["message"]
    with app.app_context():
        assert db.session.get(User, owner.id).time_zone is None


def test_the_browsers_zone_needs_the_csrf_token(app, signed_in, owner):
    answer = signed_in.post(
        "/admin/account/time-zone", subdomain="acme", json={"time_zone": "Asia/Tokyo"}
    )
    assert answer.status_code == 400
    with app.app_context():
        assert db.session.get(User, owner.id).time_zone is None


def test_the_account_page_changes_the_zone(app, signed_in, owner):
    page = signed_in.get("/admin/account", subdomain="acme").get_data(True)
    assert "Your account" in page and '<option selected value="UTC">UTC</option>' in page
    assert "The dashboard now shows times in UTC (UTC+00:00)." in page
    token = csrf_token(signed_in)
    answer = signed_in.post(
        "/admin/account",
        subdomain="acme",
        data={"csrf_token": token, "time_zone": "America/Argentina/Buenos_Aires"},
        follow_redirects=True,
    )
    assert "Times are now shown in America/Argentina/Buenos_Aires." in answer.get_data(True)
    with app.app_context():
        assert db.session.get(User, owner.id).time_zone == "America/Argentina/Buenos_Aires"
    bad = signed_in.post(
        "/admin/account", subdomain="acme", data={"csrf_token": token, "time_zone": "Nowhere"}
    )
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(True)
    with app.app_context():
        assert db.session.get(User, owner.id).time_zone == "America/Argentina/Buenos_Aires"
    forged = signed_in.post("/admin/account", subdomain="acme", data={"time_zone": "UTC"})
    assert forged.status_code == 400
