"""The operator console on the apex (/ops/), the `flask users|sites` commands and /healthz."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

bp = Blueprint("ops", __name__, template_folder="templates")


@bp.before_request
def operators_only():
    # 404, not 403: the console's existence is nobody else's business.
    if not (current_user.is_authenticated and current_user.is_operator):
        abort(404)
    # The console can suspend and delete any site: a password alone is not enough for it.
    if not current_user.has_two_factor:
        flash("Turn on two-factor sign-in to open the operators' console.", "error")
        return redirect(url_for("home.account_security"))
    return None


from . import jobs, views  # noqa: E402,F401

from . import mail_quota  # noqa: E402,F401  # isort: skip
