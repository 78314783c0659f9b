"""Finishing a sign-in: the second factor when the account has one, then the session.

After the password, an account with two-factor sign-in is not signed in yet: the session
only remembers who is half-way (for a few minutes) and /signin/code asks for a code from the
app or a recovery code. Nobody is signed in on the apex before both factors, so the handoff
to tenant hosts only ever carries a finished sign-in."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..models import User
from ..services import accounts, two_factor
from ..services.redirects import safe_next
from . import bp
from .limits import PENDING, code_attempts, per_address, remember_device

PENDING_SECONDS = 300


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired("Enter the code."), Length(max=64)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


def finish_signin(user: User, *, remember: bool, next_path: str):
    """Sign `user` in now, or, with two-factor sign-in on, after /signin/code."""
    if user.has_two_factor:
        session[PENDING] = {
            "u": user.id,
            "v": user.auth_version,
            "r": bool(remember),
            "t": int(time.time()),
        }
        return redirect(url_for("home.signin_code", next=next_path))
    return _complete(user, remember, next_path)


def _complete(user: User, remember: bool, next_path: str):
    accounts.record_signin(user)
    db.session.commit()
    session.pop(PENDING, None)
    login_user(user, remember=remember)
    response = redirect(next_path)
    remember_device(response, user.email)
    return response


def pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not isinstance(pending, dict) or time.time() - pending.get("t", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, pending["u"]) if isinstance(pending.get("u"), int) else None
    if user is None or user.auth_version != pending.get("v") or not user.has_two_factor:
        return None, {}
    return user, pending


@bp.route("/signin/code", methods=["GET", "POST"])
@per_address
@code_attempts
def signin_code():
    user, pending = pending_user()
    next_path = safe_next(request.args.get("next")) or url_for("home.sites")
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in again: the sign-in waited too long for its code.", "error")
        return redirect(url_for("home.signin", next=next_path))
    form = CodeForm()
    if form.validate_on_submit():
        used = two_factor.check_code(user, form.code.data)
        if used is not None:
            left = two_factor.recovery_codes_left(user) if used == "recovery" else None
            response = _complete(user, pending.get("r", False), next_path)
            if left is not None:
                flash(
                    f"You signed in with a recovery code; {left} are left. "
                    "Make new ones on your account page if you are running low.",
                    "info",
                )
            return response
        db.session.commit()  # nothing to keep, but ends the transaction the check opened
        form.code.errors.append("That code is not right, or has been used already.")
    return render_template("home/signin_code.html", form=form, email=user.email)
