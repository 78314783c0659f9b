"""Accounts on the apex: sign up, sign in, sign out (everywhere), confirm, reset a password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..services import accounts
from ..services.redirects import safe_next
from ..services.tokens import BadToken
from . import bp
from .forms import NewPasswordForm, PostForm, ResetRequestForm, SigninForm, SignupForm
from .limits import per_account, per_address, signin_per_pair, signin_slowdown
from .two_factor import finish_signin


def _next_path() -> str:
    return safe_next(request.args.get("next")) or url_for("home.sites")


def next_or_sites():
    return redirect(_next_path())


@bp.route("/signup", methods=["GET", "POST"])
@per_address
@per_account
def signup():
    form = SignupForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args.get("email", "")[:320]
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data)
        except accounts.EmailTaken:
            form.email.errors.append("An account with this email already exists. Sign in instead.")
            return render_template("home/signup.html", form=form), 200
        db.session.commit()
        logout_user()
        login_user(user)
        if accounts.send_confirmation(user):
            flash(f"Welcome! We sent a confirmation link to {user.email}.", "info")
        else:
            flash(
                "Your account is ready, but the confirmation mail could not be sent. "
                "Use “Resend confirmation” below to try again.",
                "error",
            )
        return next_or_sites()
    return render_template("home/signup.html", form=form)


@bp.route("/signin", methods=["GET", "POST"])
@per_address
@signin_per_pair
@signin_slowdown
def signin():
    if request.method == "GET" and current_user.is_authenticated:
        return next_or_sites()
    form = SigninForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            return finish_signin(user, remember=form.remember.data, next_path=_next_path())
        form.password.errors.append("That email and password do not match an account.")
    return render_template("home/signin.html", form=form)


@bp.route("/signout", methods=["POST"])
def signout():
    """Signs out on every host: the auth version in each session no longer matches."""
    form = PostForm()
    if not form.validate_on_submit():  # pragma: no cover - CSRFProtect answers first
        abort(400)
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash("You are signed out on every device and site.", "info")
    return redirect(url_for("home.index"))


@bp.route("/confirm/<token>")
def confirm(token: str):
    try:
        user = accounts.confirm_email(token)
    except BadToken as error:
        return render_template("home/token_error.html", message=str(error)), 400
    db.session.commit()
    flash(f"Thank you, {user.email} is confirmed.", "info")
    return redirect(url_for("home.sites" if current_user.is_authenticated else "home.signin"))


@bp.route("/reset", methods=["GET", "POST"])
@per_address
@per_account
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.send_reset(form.email.data)
        return render_template("home/reset_sent.html", email=form.email.data)
    return render_template("home/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@per_address
def reset_password(token: str):
    try:
        accounts.user_for_reset(token)
    except BadToken as error:
        return render_template("home/token_error.html", message=str(error), reset=True), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(token, form.password.data)
        except BadToken as error:
            return render_template("home/token_error.html", message=str(error), reset=True), 400
        db.session.commit()
        # Every other session ended with the password change; this browser starts afresh,
        # through the second factor when the account has one.
        logout_user()
        flash("Your password is changed, and you are signed out everywhere else.", "info")
        return finish_signin(user, remember=False, next_path=url_for("home.sites"))
    return render_template("home/reset_password.html", form=form)


@bp.route("/account/resend-confirmation", methods=["POST"])
@login_required
@per_account
def resend_confirmation():
    form = PostForm()
    form.validate_on_submit()  # CSRFProtect has already refused a bad token
    if current_user.is_confirmed:
        flash("Your email address is already confirmed.", "info")
    elif accounts.send_confirmation(current_user):
        flash(f"We sent a new confirmation link to {current_user.email}.", "info")
    else:
        flash("The confirmation mail could not be sent. Please try again later.", "error")
    return redirect(safe_next(request.args.get("next")) or url_for("home.sites"))
