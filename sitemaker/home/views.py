from flask import redirect, render_template, url_for

from . import bp


@bp.route("/")
def index():
    return render_template("home/index.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask every host for /favicon.ico; the apex answers with the shared icon."""
    return redirect(url_for("static", filename="site/favicon.svg"), 302)
