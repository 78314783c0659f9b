"""The account page on the apex (/account), in sections, and its security part
(/account/security): turning two-factor sign-in on and off, and new recovery codes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..services import accounts, two_factor
from . import bp
from .forms import PostForm
from .limits import code_attempts_signed_in
from .two_factor import CodeForm


class DisableForm(CodeForm):
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


def _security_page(status: int = 200, **context):
    user = current_user
    # Forms not submitted this time start empty (a code typed once is spent).
    context.setdefault("form", CodeForm(formdata=None))
    if user.totp_secret and not user.has_two_factor:
        context.setdefault("qr", two_factor.qr_data_uri(user))
    body = render_template(
        "home/account_security.html",
        user=user,
        left=two_factor.recovery_codes_left(user) if user.has_two_factor else 0,
        disable_form=context.pop("disable_form", DisableForm(formdata=None, prefix="off")),
        codes_form=context.pop("codes_form", CodeForm(formdata=None, prefix="renew")),
        start_form=PostForm(),
        **context,
    )
    # The page can show a secret or recovery codes: no cache may keep it.
    return body, status, {"Cache-Control": "no-store"}


def _signed_in_again():
    """Changing the factors ended every session, this one too: carry on in this browser."""
    login_user(current_user._get_current_object())


@bp.route("/account")
@login_required
def account():
    return render_template("home/account.html", user=current_user)


@bp.route("/account/security")
@login_required
def account_security():
    return _security_page()


@bp.route("/account/security/setup", methods=["POST"])
@login_required
def two_factor_setup():
    PostForm().validate_on_submit()  # CSRFProtect has already refused a bad token
    if not current_user.is_confirmed:
        flash("Confirm your email address before turning on two-factor sign-in.", "error")
        return redirect(url_for("home.account_security"))
    if current_user.has_two_factor:
        return redirect(url_for("home.account_security"))
    two_factor.start_setup(current_user)
    db.session.commit()
    return redirect(url_for("home.account_security"))


@bp.route("/account/security/enable", methods=["POST"])
@login_required
@code_attempts_signed_in
def two_factor_enable():
    form = CodeForm()
    if current_user.has_two_factor or not current_user.totp_secret:
        flash("Start the setup first.", "error")
        return redirect(url_for("home.account_security"))
    if not form.validate_on_submit():
        return _security_page(400, form=form)
    try:
        codes = two_factor.enable(current_user, form.code.data)
    except ValueError as error:
        db.session.rollback()
        form.code.errors.append(str(error))
        return _security_page(400, form=form)
    db.session.commit()
    _signed_in_again()
    flash("Two-factor sign-in is on. You were signed out on every other device.", "success")
    return _security_page(recovery_codes=codes)


@bp.route("/account/security/recovery-codes", methods=["POST"])
@login_required
@code_attempts_signed_in
def two_factor_new_codes():
    form = CodeForm(prefix="renew")
    if not current_user.has_two_factor:
        return redirect(url_for("home.account_security"))
    if form.validate_on_submit() and two_factor.check_code(current_user, form.code.data):
        codes = two_factor.new_recovery_codes(current_user)
        db.session.commit()
        flash("New recovery codes made; the old ones no longer work.", "success")
        return _security_page(recovery_codes=codes)
    db.session.rollback()
    form.code.errors.append("That code is not right, or has been used already.")
    return _security_page(400, codes_form=form)


@bp.route("/account/security/disable", methods=["POST"])
@login_required
@code_attempts_signed_in
def two_factor_disable():
    form = DisableForm(prefix="off")
    user = current_user._get_current_object()
    if not user.has_two_factor:
        return redirect(url_for("home.account_security"))
    if form.validate_on_submit():
        if accounts.authenticate(user.email, form.password.data) is None:
            form.password.errors.append("That password is not right.")
        elif not two_factor.check_code(user, form.code.data):
            db.session.rollback()
            form.code.errors.append("That code is not right, or has been used already.")
        else:
            two_factor.disable(user)
            db.session.commit()
            _signed_in_again()
            flash("Two-factor sign-in is off.", "info")
            return redirect(url_for("home.account_security"))
    return _security_page(400, disable_form=form)
