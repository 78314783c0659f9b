"""Full-text search over a site's visible pages.

The index belongs to the database, not to the models: PostgreSQL keeps `pages.search_vector`
(a generated tsvector over title and text, GIN-indexed) and reads the reader's words with
websearch_to_tsquery, which accepts any text without a syntax error; SQLite keeps the FTS5
table `pages_fts`, kept in step by triggers, and is given only quoted words, so no input can
be read as FTS5 syntax. Both are created in migrations/versions/0002_readers.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from markupsafe import Markup, escape

from ..extensions import db
from ..models import Page
from .pages import VISIBLE

# What lives in the schema but not in the models; the model/migration comparison skips it.
SCHEMA_ONLY = frozenset(
    {"search_vector", "ix_pages_search_vector", "pages_fts"}
    | {f"pages_fts_{part}" for part in ("data", "idx", "content", "docsize", "config")}
)
MAX_QUERY_CHARS = 200
MAX_WORDS = 16
MAX_PAGES = 50  # deeper than this, a reader should search for something narrower
# Private-use characters mark the matches; the snippet is escaped, then they become <mark>.
_START, _STOP = "\ue000", "\ue001"
_WORDS = re.compile(r"\w+")


class Hit(NamedTuple):
    slug: str
    title: str
    kind: str
    published_at: datetime | None
    snippet: Markup


class Results(NamedTuple):
    query: str
    hits: list[Hit]
    page: int
    has_more: bool


def clean_query(raw: str | None) -> str:
    """The reader's words as they may be searched for: no control characters, bounded."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_CHARS * 4])
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def _highlight(snippet: str | None) -> Markup:
    return escape(snippet or "").replace(_START, Markup("<mark>")).replace(_STOP, Markup("</mark>"))


def search(site_id: int, raw_query: str | None, page: int, per_page: int, now: datetime) -> Results:
    """One page of the site's visible pages matching the query, best first."""
    query = clean_query(raw_query)
    page = min(max(page, 1), MAX_PAGES)
    if not _WORDS.search(query):
        return Results(query, [], page, False)
    params = {
        "site_id": site_id,
        "now": now,
        "limit": per_page + 1,
        "offset": (page - 1) * per_page,
    }
    if db.engine.dialect.name == "postgresql":
        rows = _postgresql(query, params)
    else:
        rows = _sqlite(query, params)
    hits = [Hit(r.slug, r.title, r.kind, r.published_at, _highlight(r.snippet)) for r in rows]
    return Results(query, hits[:per_page], page, len(hits) > per_page)


def _postgresql(query: str, params: dict[str, Any]) -> list[Any]:
    ts_query = sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), query)
    vector = sa.literal_column("pages.search_vector")
    options = f"StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=12, MaxFragments=2"
    statement = _shown(
        sa.func.ts_headline(sa.literal_column("'simple'::regconfig"), Page.body, ts_query, options)
    ).where(vector.op("@@")(ts_query))
    statement = statement.order_by(sa.func.ts_rank(vector, ts_query).desc(), Page.id.desc())
    return db.session.execute(_paged(statement), params).all()


def _sqlite(query: str, params: dict[str, Any]) -> list[Any]:
    words = _WORDS.findall(query)[:MAX_WORDS]
    match = " ".join(f'"{word}"' for word in words)  # \w+ never holds a quote
    fts = sa.table("pages_fts", sa.column("rowid"))
    snippet = sa.func.snippet(sa.literal_column("pages_fts"), -1, _START, _STOP, "…", 24)
    statement = (
        _shown(snippet)
        .join(fts, fts.c.rowid == Page.id)
        .where(sa.literal_column("pages_fts").op("MATCH")(match))
        .order_by(sa.func.bm25(sa.literal_column("pages_fts")), Page.id.desc())
    )
    return db.session.execute(_paged(statement), params).all()


def _shown(snippet: Any) -> sa.Select:
    return sa.select(
        Page.slug, Page.title, Page.kind, Page.published_at, snippet.label("snippet")
    ).where(VISIBLE)


def _paged(statement: sa.Select) -> sa.Select:
    return statement.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
