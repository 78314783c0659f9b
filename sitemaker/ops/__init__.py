"""The operator console on the apex (/ops/), the `flask users|sites` commands and /healthz."""

from flask import Blueprint, abort
from flask_login import current_user

bp = Blueprint("ops", __name__, template_folder="templates")


@bp.before_request
def operators_only():
    # 404, not 403: the console's existence is nobody else's business.
    if not (current_user.is_authenticated and current_user.is_operator):
        abort(404)


from . import jobs, views  # noqa: E402,F401
