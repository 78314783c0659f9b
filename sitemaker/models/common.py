"""Small helpers shared by the model modules."""

import unicodedata
from datetime import UTC, datetime

from sqlalchemy import String, event
from sqlalchemy.orm import Mapper
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no time zone, so every stored time is naive UTC on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)


class SingleLine(TypeDecorator):
    """A one-line text column (titles, taglines, names). Control characters (CR, LF, tab,
    NUL, ...) become spaces when written, whoever writes: the dashboard, the API, an import,
    the CLI. One line must stay one line wherever it goes next (a mail header, an HTTP
    header, a feed), and this is the one place that makes it so."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return one_line(value)


def one_line(value: str | None) -> str | None:
    """Control characters as spaces, no space at either end; other text untouched."""
    if not isinstance(value, str) or value.isprintable():
        return value
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in value).strip()


@event.listens_for(Mapper, "mapper_configured")
def _clean_single_lines_when_set(mapper: Mapper, class_: type) -> None:
    """The object in memory holds what the database will: a view that answers with it right
    after saving (the API does) shows the cleaned text too."""
    for prop in mapper.column_attrs:
        if any(isinstance(column.type, SingleLine) for column in prop.columns):
            event.listen(
                getattr(class_, prop.key),
                "set",
                lambda target, value, old, initiator: one_line(value),
                retval=True,
            )
