"""Small helpers shared by the model modules."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no time zone, so every stored time is naive UTC on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)
