from flask import g, render_template

from ..services.permissions import Permission, requires
from . import bp


@bp.route("/")
@requires(Permission.WRITE)
def overview():
    return render_template("dash/overview.html", site=g.site)
