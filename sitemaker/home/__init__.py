"""The apex: landing page, accounts, "my sites"."""

from flask import Blueprint

bp = Blueprint("home", __name__, template_folder="templates")

from . import views  # noqa: E402,F401

# isort: split
from . import auth, handoff, sites  # noqa: E402,F401
from . import invitations  # noqa: E402,F401  # isort: skip
