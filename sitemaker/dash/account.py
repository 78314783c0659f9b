"""Your account, as the dashboard knows it: the time zone every dashboard time is shown in.
(Passwords and sign-in live on the apex.)"""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..services import timezones
from ..services.permissions import Permission, requires
from . import bp
from .clock import user_zone
from .forms import AccountForm


@bp.route("/account", methods=["GET", "POST"])
@requires(Permission.WRITE)
def account():
    form = AccountForm(time_zone=user_zone().key)
    form.time_zone.choices = [SelectChoice(n, n.replace("_", " ")) for n in timezones.names()]
    if form.validate_on_submit():
        current_user.time_zone = form.time_zone.data
        db.session.commit()
        flash(f"Times are now shown in {form.time_zone.data}.", "success")
        return redirect(url_for("dash.account"))
    status = 422 if form.is_submitted() else 200
    now_in = timezones.label(user_zone())
    return render_template("dash/account.html", site=g.site, form=form, now_in=now_in), status


@bp.route("/account/time-zone", methods=["POST"])
@requires(Permission.WRITE)
def default_time_zone():
    """The browser's zone, sent once by the dashboard's script while the account has none.
    A zone chosen on the account page is never overwritten from here."""
    data = request.get_json(silent=True)
    name = timezones.canonical(data.get("time_zone") if isinstance(data, dict) else None)
    if name is None:
        return jsonify(error="bad_request", message="'time_zone' must be an IANA zone name."), 400
    if not current_user.time_zone:
        current_user.time_zone = name
        db.session.commit()
    return jsonify(time_zone=current_user.time_zone)
