"""Each account's own time zone: what the dashboard shows and accepts, while storage stays
naive UTC (models.common.utcnow).

Wall-clock times that a daylight-saving change makes impossible or ambiguous are decided here,
once: a time in a spring-forward gap (02:30 on 8 March 2026 in America/New_York) is refused
with a message naming the gap, because guessing would publish an hour off from what the writer
meant; a time in a fall-back overlap (01:30 on 1 November 2026 there, which happens twice)
means its first occurrence, the earlier instant, which is PEP 495's `fold=0`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT = "UTC"
MAX_NAME = 64


class NonexistentTime(ValueError):
    """A local time that the clocks skip (a daylight-saving gap)."""


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """The IANA names this machine knows, sorted, without the legacy aliases ("US/Eastern",
    "Etc/GMT+5", "EST5EDT") whose meaning surprises people."""
    legacy = ("Etc/", "SystemV/", "US/", "posixrules", "localtime", "Factory")
    canonical = {n for n in available_timezones() if "/" in n and not n.startswith(legacy)}
    return tuple(sorted(canonical | {DEFAULT}))


# Other names browsers and systems use for UTC; stored as "UTC", the one the account page lists.
UTC_ALIASES = frozenset(
    {"Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/GMT0", "Etc/Universal", "Etc/Zulu", "GMT", "UCT"}
    | {"Universal", "Zulu", "Etc/Greenwich", "Greenwich", "GMT0"}
)


def canonical(name: object) -> str | None:
    """The listed name for what a browser reports, or None when it is not a zone we list."""
    if isinstance(name, str) and name in UTC_ALIASES:
        return DEFAULT
    return name if is_valid(name) else None


def is_valid(name: object) -> bool:
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME and name in names()


def zone(name: str | None) -> ZoneInfo:
    """The zone for a stored name; UTC for none or a name this machine no longer knows."""
    if name and is_valid(name):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT)


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive-UTC time as an aware time in `tz`."""
    return moment.replace(tzinfo=UTC).astimezone(tz)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time typed in `tz` as naive UTC for storage.

    Raises NonexistentTime for a time inside a spring-forward gap; a time inside a fall-back
    overlap is its first occurrence (fold=0)."""
    first = local.replace(tzinfo=tz, fold=0)
    moment = first.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local:
        before, after = _gap_edges(local, tz)
        raise NonexistentTime(
            f"{local:%H:%M} on {local:%-d %B %Y} does not exist in {tz.key}: the clocks jump "
            f"from {before:%H:%M} to {after:%H:%M} that night. Choose a time before "
            f"{before:%H:%M} or from {after:%H:%M} on."
        )
    return moment.replace(tzinfo=None)


def is_ambiguous(local: datetime, tz: ZoneInfo) -> bool:
    """True when the wall-clock time happens twice (a fall-back overlap)."""
    earlier = local.replace(tzinfo=tz, fold=0).utcoffset()
    later = local.replace(tzinfo=tz, fold=1).utcoffset()
    return earlier != later


def _gap_edges(local: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The wall-clock times on either side of the gap `local` falls in: the change happens at
    one UTC instant between reading `local` in the later offset and in the earlier one."""
    before = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    after = local.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    low = (local - after).replace(tzinfo=UTC)
    high = (local - before).replace(tzinfo=UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    change = high.replace(microsecond=0, tzinfo=None)
    return change + before, change + after


def label(tz: ZoneInfo, when: datetime | None = None) -> str:
    """How the dashboard names the zone: "Asia/Tokyo (UTC+09:00)"."""
    moment = when.replace(tzinfo=UTC) if when else datetime.now(UTC)
    offset = moment.astimezone(tz).strftime("%z")
    return f"{tz.key} (UTC{offset[:3]}:{offset[3:]})"
