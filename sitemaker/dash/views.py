from flask import g, render_template

from . import bp


@bp.route("/")
def overview():
    return render_template("dash/overview.html", site=g.site)
