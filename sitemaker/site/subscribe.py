"""Following a site by email, for visitors: the footer form and /subscribe, the confirmation
link, and the one-click unsubscribe (RFC 8058).

Why the subscribe form needs no session, and why that is safe
--------------------------------------------------------------
Visitor pages are the same for everyone so that the front cache, the page cache and nginx can
serve them; a per-visitor CSRF token would make every page private. The form instead carries a
per-site token, an HMAC of the site's id under SECRET_KEY, the same for every visitor (so the
page stays cacheable) and useless on any other site. A POST is accepted only when
- that token matches, and
- the browser's Origin header (sent by every current browser on a cross-site POST), or failing
  it the Referer, names this site's own host; a request with neither is judged by the token,
- and the client and the site are within their rate limits (RATELIMIT_SUBSCRIBE_CLIENT,
  RATELIMIT_SUBSCRIBE_SITE).
The token is public (it is in the page), so it is not a secret: what makes this safe is what a
forged request can do. Subscribing only stores a *pending* address and mails it a confirmation
link; nothing is sent to that address again unless its owner follows the link, the answer page
is the same for known and unknown addresses, and nothing about the visitor's own session is
used. So a cross-site request gains an attacker nothing that submitting the form himself would
not; the Origin check stops a hostile page from making its visitors' browsers submit it (which
would spread the rate limit over many addresses), and the per-site limit caps the confirmation
mail any one site can be made to send.

Confirm and unsubscribe links carry a signed token naming the subscriber: a GET shows a button
(link scanners in mail systems fetch links, and must not confirm or unsubscribe anyone), the
POST acts. The unsubscribe POST is also what mail clients send for RFC 8058's one-click.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import limits
from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address

from ..extensions import csrf, db, limiter
from ..models.common import utcnow
from ..services import newsletter_schedule, subscribers
from ..services.http_cache import cached_page
from ..services.pages import site_outline
from ..services.tokens import BadToken
from . import bp
from .theming import render_theme


@bp.app_template_global("subscribe_token")
def subscribe_token(site) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"subscribe:{site.id}".encode(), hashlib.sha256).hexdigest()[:32]


def _page(status: int = 200, **context):
    html = render_theme(
        "subscribe.html", noindex=True, nav=site_outline(g.site, utcnow()).nav, **context
    )
    return html, status, {"Cache-Control": "no-store"}


@bp.route("/subscribe")
@cached_page
def subscribe_page():
    return render_theme("subscribe.html", form=True, nav=site_outline(g.site, utcnow()).nav)


def _same_origin() -> bool:
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


def _within_limits() -> bool:
    config = current_app.config
    checks = [
        (config.get("RATELIMIT_SUBSCRIBE_CLIENT"), f"subscribe:client:{get_remote_address()}"),
        (config.get("RATELIMIT_SUBSCRIBE_SITE"), f"subscribe:site:{g.site.id}"),
    ]
    try:
        for configured, key in checks:
            if configured and not all(
                limiter.limiter.hit(item, key) for item in limits.parse_many(configured)
            ):
                return False
    except Exception as error:  # a Redis outage costs the limit, never the form
        current_app.logger.warning("subscribe rate limit unavailable: %s", error)
    return True


@bp.route("/subscribe", methods=["POST"])
@csrf.exempt
def subscribe():
    token = request.form.get("token", "")
    if not hmac.compare_digest(token.encode(), subscribe_token(g.site).encode()):
        abort(400, description="This form has expired; reload the page and try again.")
    if not _same_origin():
        abort(403, description="Subscribe from this site's own pages.")
    if not _within_limits():
        abort(429, description="Too many subscriptions from here; try again later.")
    try:
        email = subscribers.clean_address(request.form.get("email", ""))
    except ValueError as error:
        return _page(400, form=True, error=str(error))
    subscribers.subscribe(g.site, email, utcnow())
    db.session.commit()
    return _page(
        message="Check your inbox: if this address is not subscribed yet, a message with a "
        "confirmation link is on its way. Nothing is sent until you follow it."
    )


def _token_or_400(check, token: str):
    try:
        return check(g.site, token)
    except BadToken as error:
        abort(400, description=str(error))


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token in the address is the proof
def confirm_subscription(token: str):
    if request.method == "GET":
        _token_or_400(subscribers.check_confirm_token, token)
        return _page(confirm=True)
    try:
        subscribers.confirm(g.site, token, utcnow())
    except BadToken as error:
        abort(400, description=str(error))
    db.session.commit()
    return _page(message=f"You are subscribed: new posts from {g.site.title} will reach you.")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients POST here for one-click
def unsubscribe(token: str):
    if request.method == "GET":
        subscriber = _token_or_400(subscribers.check_unsubscribe_token, token)
        if subscriber.status == "unsubscribed":
            return _page(message="This address is unsubscribed; no more posts will be sent.")
        return _page(unsubscribe=True)
    try:
        subscribers.unsubscribe(g.site, token, utcnow())
    except BadToken as error:
        abort(400, description=str(error))
    db.session.commit()
    return _page(message="You are unsubscribed; no more posts will be sent to this address.")


bp.record_once(lambda state: newsletter_schedule.init_app(state.app))
