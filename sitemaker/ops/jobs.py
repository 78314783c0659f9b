"""Failed background jobs in the operator console: what, when, the error's last line, and
buttons to run one again or discard it (the same as `flask jobs retry|discard`)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from redis.exceptions import RedisError

from ..extensions import db
from ..services import audit, jobs_queue
from . import bp
from .forms import ConfirmForm


@bp.route("/jobs")
def failed_jobs():
    if not current_app.config.get("REDIS_URL"):
        return render_template("ops/jobs.html", embedded=True, failed=[], form=ConfirmForm())
    try:
        failed = jobs_queue.failed_jobs()
        queued = jobs_queue.job_queue().count
    except (RedisError, OSError) as error:
        current_app.logger.warning("ops: Redis unavailable for the job list: %s", error)
        return render_template("ops/jobs.html", unreachable=True, failed=[], form=ConfirmForm())
    return render_template("ops/jobs.html", failed=failed, queued=queued, form=ConfirmForm())


def _act(job_id: str, action: str) -> object:
    form = ConfirmForm()
    if not form.validate_on_submit() or not current_app.config.get("REDIS_URL"):
        flash("Nothing was changed.", "error")
        return redirect(url_for("ops.failed_jobs")), 303
    job_id = job_id[:100]
    change = jobs_queue.retry_failed if action == "retry" else jobs_queue.discard_failed
    try:
        changed = change(job_id)
    except (RedisError, OSError):
        flash("Redis cannot be reached; nothing was changed.", "error")
        return redirect(url_for("ops.failed_jobs")), 303
    if not changed:
        flash(f"No failed job {job_id}.", "error")
        return redirect(url_for("ops.failed_jobs")), 303
    audit.record(f"job.{action}", f"job:{job_id}")
    db.session.commit()
    flash(f"Job {job_id} {'is queued again' if action == 'retry' else 'is discarded'}.", "success")
    return redirect(url_for("ops.failed_jobs")), 303


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
def retry_job(job_id: str):
    return _act(job_id, "retry")


@bp.route("/jobs/<job_id>/discard", methods=["POST"])
def discard_job(job_id: str):
    return _act(job_id, "discard")
