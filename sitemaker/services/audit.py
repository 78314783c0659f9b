"""The audit log: every change an operator makes, with who made it and when."""

from __future__ import annotations

import getpass

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from ..models import AuditLog, User


def cli_actor() -> str:
    """How a change made from the command line names its author: the shell account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli"


def record(action: str, target: str = "", detail: str = "", actor: User | None = None) -> AuditLog:
    """Add an entry to the current transaction; the caller commits it with the change itself,
    so a change is never saved without its entry (or the other way round)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else cli_actor(),
        action=action[:40],
        target=target[:300],
        detail=detail,
    )
    db.session.add(entry)
    return entry


def recent(limit: int = 50, action: str | None = None) -> sa.Select:
    """Newest first, for the operator console."""
    query = sa.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    if action:
        query = query.where(AuditLog.action == action)
    return query.limit(limit)
