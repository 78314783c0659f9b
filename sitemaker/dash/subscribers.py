"""Subscribers: who follows the site by email (count, search, remove, CSV export and import),
the site's sending switch, and each post's mailing. Every query is scoped by g.site.

An imported address is never subscribed silently: it becomes pending and gets the same
confirmation mail as the visitor form sends; known addresses (including unsubscribed ones,
which stay so) are left alone."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ..extensions import db
from ..models import NewsletterDelivery, NewsletterSend, NewsletterSettings, Page, Subscriber
from ..models.common import utcnow
from ..services import newsletter, newsletter_schedule, subscribers
from ..services.permissions import Permission, requires
from . import bp

PER_PAGE = 200
IMPORT_MAX_BYTES = 1_000_000


def _counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Subscriber.status, sa.func.count())
        .where(Subscriber.site_id == g.site.id)
        .group_by(Subscriber.status)
    )
    return dict(rows.all())


def _mailings() -> list:
    sent = (
        sa.select(sa.func.count())
        .where(NewsletterDelivery.send_id == NewsletterSend.id, NewsletterDelivery.status == "sent")
        .scalar_subquery()
    )
    return db.session.execute(
        sa.select(Page.title, NewsletterSend, sent.label("sent"))
        .join(Page, Page.id == NewsletterSend.page_id)
        .where(NewsletterSend.site_id == g.site.id, NewsletterSend.status != "off")
        .order_by(NewsletterSend.created_at.desc())
        .limit(20)
    ).all()


@bp.route("/subscribers")
@requires(Permission.SETTINGS)
def subscribers_page():
    return _render()


def _render(error: str | None = None, status: int = 200):
    query = request.args.get("q", "").strip()[:254]
    listing = sa.select(Subscriber).where(Subscriber.site_id == g.site.id)
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        listing = listing.where(Subscriber.email.like(f"%{escaped}%", escape="\\"))
    settings = db.session.get(NewsletterSettings, g.site.id)
    return render_template(
        "dash/subscribers.html",
        site=g.site,
        counts=_counts(),
        rows=db.session.scalars(listing.order_by(Subscriber.email).limit(PER_PAGE)).all(),
        query=query,
        sending_enabled=settings is None or settings.sending_enabled,
        quota=newsletter.daily_quota(g.site.id),
        mailings=_mailings(),
        error=error,
    ), status


@bp.route("/subscribers/<int:subscriber_id>/remove", methods=["POST"])
@requires(Permission.SETTINGS)
def remove_subscriber(subscriber_id: int):
    if not subscribers.remove(g.site, subscriber_id, utcnow()):
        abort(404)
    db.session.commit()
    flash("Removed: that address will receive no more posts.", "success")
    return redirect(url_for("dash.subscribers_page"))


@bp.route("/subscribers/sending", methods=["POST"])
@requires(Permission.SETTINGS)
def subscribers_sending():
    settings = db.session.get(NewsletterSettings, g.site.id)
    if settings is None:
        settings = NewsletterSettings(site_id=g.site.id)
        db.session.add(settings)
    settings.sending_enabled = request.form.get("enabled") == "1"
    db.session.commit()
    flash("New posts will be sent by email." if settings.sending_enabled else
          "New posts will not be sent by email.", "success")  # fmt: skip
    return redirect(url_for("dash.subscribers_page"))


@bp.route("/subscribers.csv")
@requires(Permission.SETTINGS)
def export_subscribers():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "status", "created_at", "confirmed_at"])
    for row in db.session.scalars(
        sa.select(Subscriber).where(Subscriber.site_id == g.site.id).order_by(Subscriber.id)
    ):
        confirmed = row.confirmed_at.isoformat() if row.confirmed_at else ""
        writer.writerow([row.email, row.status, row.created_at.isoformat(), confirmed])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{g.site.subdomain}-subscribers.csv"'
        },
    )


def _addresses(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = 0
    if rows and "email" in [c.strip().lower() for c in rows[0]]:
        column = [c.strip().lower() for c in rows[0]].index("email")
        rows = rows[1:]
    return [row[column] for row in rows if len(row) > column and row[column].strip()]


@bp.route("/subscribers/import", methods=["POST"])
@requires(Permission.SETTINGS)
def import_subscribers():
    upload = request.files.get("file")
    data = upload.read(IMPORT_MAX_BYTES + 1) if upload else b""
    limit = int(current_app.config.get("NEWSLETTER_IMPORT_MAX", 1000))
    try:
        if not data or len(data) > IMPORT_MAX_BYTES:
            raise ValueError("Choose a CSV file of at most 1 MB.")
        addresses = _addresses(data)
    except (ValueError, csv.Error, UnicodeDecodeError) as error:
        message = str(error) if isinstance(error, ValueError) and "CSV" in str(error) else (
            "That file is not a UTF-8 CSV file.")  # fmt: skip
        return _render(message, 400)
    if len(addresses) > limit:
        return _render(f"Import at most {limit} addresses at a time.", 400)
    invalid, now = 0, utcnow()
    valid = set()
    for raw in addresses:
        try:
            valid.add(subscribers.clean_address(raw))
        except ValueError:
            invalid += 1
    for email in sorted(valid):
        subscribers.subscribe(g.site, email, now)
    db.session.commit()
    flash(
        f"{len(valid)} addresses read; each new one was sent a confirmation mail. "
        f"{invalid} were not valid addresses.",
        "success",
    )
    return redirect(url_for("dash.subscribers_page"))


@bp.route("/posts/<int:page_id>/mailing", methods=["POST"])
@requires(Permission.PUBLISH)
def post_mailing(page_id: int):
    page = db.first_or_404(sa.select(Page).where(Page.id == page_id, Page.site_id == g.site.id))
    enabled = request.form.get("enabled") == "1"
    if not newsletter_schedule.set_post_mailing(g.site, page, enabled):
        flash("This post's mailing was already decided; it cannot be changed.", "error")
    else:
        db.session.commit()
        flash("This post will be sent by email when it is published." if enabled else
              "This post will be published without emailing.", "success")  # fmt: skip
    return redirect(url_for("dash.edit_page", page_id=page.id))


@bp.app_template_global("post_mailing")
def post_mailing_status(page_id: int) -> dict | None:
    """For the editor: this post's mailing (status, when, to how many), or None."""
    send = db.session.scalar(
        sa.select(NewsletterSend).where(
            NewsletterSend.page_id == page_id, NewsletterSend.site_id == g.site.id
        )
    )
    if send is None:
        return None
    sent = db.session.scalar(
        sa.select(sa.func.count()).where(
            NewsletterDelivery.send_id == send.id, NewsletterDelivery.status == "sent"
        )
    )
    return {"status": send.status, "at": send.finished_at, "sent": sent, "message": send.message}
