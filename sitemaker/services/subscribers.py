"""Readers who follow a site by email: subscribe (double opt-in), confirm, unsubscribe.

Every answer a visitor gets is the same whether or not the address was already known:
subscribing again, or in other letter case, stores nothing new and sends a confirmation only
to an address still pending (so a stranger learns nothing, and cannot make a confirmed reader
receive mail beyond what a pending one would). Only confirmed addresses are ever mailed posts.
Unsubscribing is final: the row stays (status "unsubscribed") so an import or a repeated
subscribe cannot quietly bring the address back without a new confirmation.

Links carry signed tokens (services/tokens) naming the site and the subscriber row: a token of
another site, a forged or an expired one is refused with a 4xx and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Site, Subscriber
from . import mail
from .accounts import normalize_email
from .domains import public_host
from .tokens import BadToken, issue_token, read_token

CONFIRM_PURPOSE = "subscribe-confirm"
UNSUBSCRIBE_PURPOSE = "unsubscribe"
CONFIRM_MAX_AGE = 3 * 24 * 3600
# Unsubscribe links in old mail keep working for a long time; RFC 8058 wants them stable.
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600
MAX_INPUT = 320


def clean_address(raw: str) -> str:
    """The stored form of an address; ValueError (a message for people) for anything else.
    Control characters (CR, LF, NUL: header injection) are refused before validation."""
    if not raw or len(raw) > MAX_INPUT:
        raise ValueError("Enter an email address of at most 254 characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise ValueError("An email address cannot contain control characters.")
    return normalize_email(raw)


def site_link(site: Site, path: str) -> str:
    """An absolute link on the site's public host, from a request or from a job."""
    scheme = current_app.config.get("PREFERRED_URL_SCHEME") or (
        request.scheme if has_request_context() else "https"
    )
    return f"{scheme}://{public_host(site)}{path}"


def subscribe(site: Site, email: str, now: datetime) -> None:
    """Record a pending subscription for a cleaned address and queue its confirmation mail.
    A confirmed or unsubscribed address is left as it is and nothing is sent: the caller shows
    the same page either way. The caller commits."""
    subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.site_id == site.id, Subscriber.email == email)
    )
    if subscriber is None:
        subscriber = Subscriber(site_id=site.id, email=email, status="pending", created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(subscriber)
        except IntegrityError:  # the same address, subscribed at this very moment elsewhere
            return
    if subscriber.status != "pending":
        return
    send_confirmation(site, subscriber)


def send_confirmation(site: Site, subscriber: Subscriber) -> None:
    token = issue_token(CONFIRM_PURPOSE, {"s": site.id, "i": subscriber.id})
    link = site_link(site, f"/subscribe/confirm/{token}")
    mail.send_mail(
        subscriber.email,
        f"Confirm your subscription to {site.title}",
        f"Someone, hopefully you, asked to receive new posts from {site.title} "
        f"({public_host(site)}) by email.\n\nTo confirm, open this link within three days:\n"
        f"{link}\n\nIf it was not you, ignore this message: without confirmation you will "
        "receive nothing more.\n",
    )


def _subscriber_for(site: Site, purpose: str, token: str, max_age: int) -> Subscriber:
    data = read_token(purpose, token, max_age)
    if data.get("s") != site.id or not isinstance(data.get("i"), int):
        raise BadToken("This link is not valid.")
    subscriber = db.session.get(Subscriber, data["i"])
    if subscriber is None or subscriber.site_id != site.id:
        raise BadToken("This link is not valid.")
    return subscriber


def check_confirm_token(site: Site, token: str) -> Subscriber:
    return _subscriber_for(site, CONFIRM_PURPOSE, token, CONFIRM_MAX_AGE)


def confirm(site: Site, token: str, now: datetime) -> Subscriber:
    """Confirm a pending subscription. Confirming twice is harmless; an unsubscribed or
    bounced address stays so (BadToken): unsubscribing is final."""
    subscriber = check_confirm_token(site, token)
    if subscriber.status == "pending":
        subscriber.status = "confirmed"
        subscriber.confirmed_at = now
    elif subscriber.status != "confirmed":
        raise BadToken("This subscription has ended (unsubscribed, or mail to it bounced).")
    return subscriber


def unsubscribe_token(subscriber: Subscriber) -> str:
    return issue_token(UNSUBSCRIBE_PURPOSE, {"s": subscriber.site_id, "i": subscriber.id})


def check_unsubscribe_token(site: Site, token: str) -> Subscriber:
    return _subscriber_for(site, UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)


def unsubscribe(site: Site, token: str, now: datetime) -> Subscriber:
    """End a subscription for good. The caller commits."""
    subscriber = check_unsubscribe_token(site, token)
    if subscriber.status != "unsubscribed":
        subscriber.status = "unsubscribed"
        subscriber.unsubscribed_at = now
    return subscriber


def remove(site: Site, subscriber_id: int, now: datetime) -> bool:
    """The writer removes a reader (dashboard): final, like the reader's own unsubscribe."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.site_id != site.id:
        return False
    subscriber.status = "unsubscribed"
    subscriber.unsubscribed_at = now
    return True


def confirmed_count(site_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Subscriber)
        .where(Subscriber.site_id == site_id, Subscriber.status == "confirmed")
    )
