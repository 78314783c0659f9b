"""Where a `next` parameter may send someone: only to a path on the same host."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, prefix: str = "/") -> str | None:
    """`target` when it is a relative path starting with `prefix`, else None.

    Refused: absolute URLs, protocol-relative `//host`, backslashes (browsers read `/\\host`
    as `//host`), and control characters or spaces (browsers drop tabs and newlines, which
    turns `/\\t/host` into `//host`)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not (target == prefix.rstrip("/") or target.startswith(prefix)):
        return None
    return target
