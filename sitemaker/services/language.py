"""The language a site (or one page) is written in: a BCP 47 tag, checked against the CLDR
data Babel ships, which also says whether the script runs right to left and how dates read."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton

DEFAULT = "en"
# language[-script][-region][-variant...]: the parts of BCP 47 that CLDR has data for.
_SHAPE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*")


@lru_cache(maxsize=512)
def _locale(tag: str) -> Locale | None:
    if not _SHAPE.fullmatch(tag):
        return None
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return None


def normalize(raw: str | None) -> str | None:
    """The tag in its usual case ("pt-br" -> "pt-BR", "zh-hant-tw" -> "zh-Hant-TW"), or None
    when it is not a language Babel knows."""
    text = (raw or "").strip().replace("_", "-")
    if len(text) > 35:
        return None
    parts = text.split("-")
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            fixed.append(part.title())
        elif len(part) in (2, 3) and (part.isalpha() or part.isdigit()):
            fixed.append(part.upper())
        else:
            fixed.append(part.lower())
    tag = "-".join(fixed)
    return tag if _locale(tag) is not None else None


def locale_for(tag: str | None) -> Locale:
    return _locale(tag or DEFAULT) or _locale(DEFAULT)  # type: ignore[return-value]


def direction(tag: str | None) -> str:
    """ "rtl" for scripts written right to left (Arabic, Hebrew, Persian, Urdu...), else "ltr"."""
    return "rtl" if locale_for(tag).character_order == "right-to-left" else "ltr"


def long_date(moment: datetime, tag: str | None) -> str:
    """3 December 2026 / 3 décembre 2026 / ٣ ديسمبر ٢٠٢٦, as the language writes it."""
    return format_date(moment, "long", locale=locale_for(tag))


def short_date(moment: datetime, tag: str | None) -> str:
    return format_date(moment, "medium", locale=locale_for(tag))


def month_year(moment: datetime, tag: str | None) -> str:
    return format_skeleton("yMMMM", moment, locale=locale_for(tag))
