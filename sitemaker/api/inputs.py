"""Reading what clients send: a JSON object with typed fields, and query parameters. Anything
outside the description in openapi.py is a 400 naming the field, never a 500: malformed or
deeply nested JSON, booleans posing as numbers, numbers too big for a column, NUL characters
(PostgreSQL text cannot hold them), lone surrogates (not encodable), dates that fall off the calendar."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import request

from .errors import ApiError, bad_field

MAX_INT = 2**31 - 1  # the integer columns' range on PostgreSQL


def json_object(allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
    """The request body as a JSON object with only `allowed` keys and every `required` one."""
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ApiError(400, f"The body is not valid JSON: {_short(error)}") from error
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise bad_field(unknown[0], f"Unknown field '{unknown[0]}'.")
    for name in sorted(required):
        if name not in data:
            raise bad_field(name, f"'{name}' is required.")
    return data


def _short(error: Exception) -> str:
    return "nested too deeply" if isinstance(error, RecursionError) else str(error)[:200]


def text(data: dict[str, Any], name: str, max_length: int, default: str | None = None) -> str:
    """A string field: present, a string, no longer than `max_length`, storable."""
    if name not in data:
        if default is None:
            raise bad_field(name, f"'{name}' is required.")
        return default
    value = data[name]
    if not isinstance(value, str):
        raise bad_field(name, f"'{name}' must be a string.")
    return storable(name, value, max_length)


def storable(name: str, value: str, max_length: int) -> str:
    if len(value) > max_length:
        raise bad_field(
            name, f"'{name}' is too long: {len(value):,} characters, the limit is {max_length:,}."
        )
    if "\x00" in value:
        raise bad_field(name, f"'{name}' contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise bad_field(name, f"'{name}' is not valid Unicode text.") from error
    return value


def integer(data: dict[str, Any], name: str, minimum: int = 1, maximum: int = MAX_INT) -> int:
    value = data.get(name)
    # JSON has one number type: 7.0 is the integer 7 (as JSON Schema says), 7.5 is not.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # bool is an int in Python, but `true` is not a version number.
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_field(name, f"'{name}' must be an integer.")
    if not minimum <= value <= maximum:
        raise bad_field(name, f"'{name}' must be between {minimum} and {maximum}.")
    return value


def choice(data: dict[str, Any], name: str, options: tuple[str, ...], default: str) -> str:
    value = data.get(name, default)
    if value not in options or not isinstance(value, str):
        raise bad_field(name, f"'{name}' must be one of: {', '.join(options)}.")
    return value


def moment(data: dict[str, Any], name: str) -> datetime | None:
    """An ISO 8601 date-time (naive ones are UTC), as the naive UTC the database stores."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise bad_field(name, f"'{name}' must be an ISO 8601 date-time string or null.")
    return parse_moment(name, value)


def parse_moment(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as error:
        raise bad_field(
            name, f"'{name}' is not an ISO 8601 date-time, e.g. 2030-01-31T09:00:00Z."
        ) from error
    return parsed


def query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.strip().isdigit() or len(raw) > 12:
        raise bad_field(name, f"'{name}' must be a whole number from {minimum} to {maximum}.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise bad_field(name, f"'{name}' must be a whole number from {minimum} to {maximum}.")
    return value


def query_choice(name: str, options: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw not in options:
        raise bad_field(name, f"'{name}' must be one of: {', '.join(options)}.")
    return raw
