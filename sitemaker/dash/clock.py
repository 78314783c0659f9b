"""Times in the dashboard are shown and typed in the signed-in member's own zone
(services.timezones); everything stored stays naive UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g
from flask_login import current_user

from ..services import timezones
from ..services.pages import PageError
from . import bp


def user_zone() -> ZoneInfo:
    if "time_zone" not in g:
        name = current_user.time_zone if current_user.is_authenticated else None
        g.time_zone = timezones.zone(name)
    return g.time_zone


def when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the member reads it, in their zone."""
    if moment is None:
        return ""
    return timezones.to_local(moment, user_zone()).strftime(fmt)


@bp.context_processor
def clock_helpers() -> dict:
    zone = user_zone()
    return {
        "when": when,
        "zone_name": zone.key,
        "zone_unset": current_user.is_authenticated and not current_user.time_zone,
    }


def local_schedule(stored: datetime | None) -> datetime | None:
    """A stored "Publish at" as the wall-clock time the member types in the editor."""
    if stored is None:
        return None
    return timezones.to_local(stored, user_zone()).replace(tzinfo=None)


def _form_zone(form) -> ZoneInfo:
    """The zone the editor was shown in (kept in the form), else the member's."""
    name = form.time_zone.data
    return timezones.zone(name) if timezones.is_valid(name) else user_zone()


def show_schedule(form) -> None:
    """Before rendering an editor: name the zone of "Publish at" and keep it in the form, so
    the save reads the time in the zone it was written in, whatever changes meanwhile."""
    zone = _form_zone(form) if form.is_submitted() else user_zone()
    form.time_zone.data = zone.key
    form.published_at.label.text = f"Publish at ({zone.key})"


def schedule_in_utc(form, stored: datetime | None) -> datetime | None:
    """The typed "Publish at" as naive UTC; the stored value unchanged when the form sent
    none (authors never see the field). A time the clocks skip is a PageError on the field."""
    if not form.published_at.raw_data:
        return stored
    if form.published_at.data is None:
        return None
    try:
        return timezones.to_utc(form.published_at.data, _form_zone(form))
    except timezones.NonexistentTime as gap:
        raise PageError("published_at", str(gap)) from None
