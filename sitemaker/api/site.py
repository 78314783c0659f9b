"""The site's settings, read-only: what a tool needs to know about where it publishes."""

from __future__ import annotations

from flask import g, jsonify, url_for

from ..services import quotas
from ..services.pages import navigation_ids
from . import bp
from .serialize import when


@bp.route("/site")
def site():
    """Any valid token may read it (the gate in auth.py has checked the token)."""
    s = g.site
    return jsonify(
        id=s.id,
        subdomain=s.subdomain,
        title=s.title,
        tagline=s.tagline,
        description=s.description,
        theme=s.theme,
        noindex=s.noindex,
        custom_domain=s.custom_domain if s.domain_verified_at else None,
        url=url_for("site.index", _external=True),
        navigation=navigation_ids(s),
        created_at=when(s.created_at),
        role=g.api_role,
        scopes=g.api_token.scopes.split(),
        pages_used=quotas.pages_used(s.id),
        max_pages=quotas.max_pages(s),
        bytes_used=quotas.bytes_used(s.id),
        max_bytes=quotas.max_bytes(s),
    )
