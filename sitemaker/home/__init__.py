"""The apex: landing page, accounts, "my sites"."""

from flask import Blueprint

bp = Blueprint("home", __name__, template_folder="templates")

from . import account, auth, handoff, invitations, sites, tls, two_factor, views  # noqa: E402,F401
