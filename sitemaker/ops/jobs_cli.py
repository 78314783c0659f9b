"""`flask worker` (run background jobs) and `flask jobs ...` (the failed ones): what operators
run next to gunicorn. Both need REDIS_URL: without it jobs run inside the app processes."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ..services import jobs_queue

jobs_cli = AppGroup("jobs", help="List, retry or discard failed background jobs.")


def _require_redis() -> None:
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: jobs run inside the app processes, there is no queue to "
            "work on (set SITEMAKER_REDIS_URL)"
        )


@click.command("worker")
@click.option("--name", default=None, help="Worker name (default: host and process id).")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty.")
@with_appcontext
def worker(name: str | None, burst: bool) -> None:
    """Run background jobs from the Redis queue until stopped (SIGTERM finishes the current
    job first). Start as many as the work needs, on any machine that shares Redis."""
    _require_redis()
    logging.basicConfig(level=logging.INFO)
    app = current_app._get_current_object()
    jobs_queue.make_worker(app, name).work(burst=burst, with_scheduler=True)


@jobs_cli.command("list")
@with_appcontext
def list_failed() -> None:
    """Failed jobs, newest first: id, when, what, the error's last line."""
    _require_redis()
    found = jobs_queue.failed_jobs()
    for job in found:
        when = f"{job.failed_at:%Y-%m-%d %H:%M:%S}" if job.failed_at else "-"
        click.echo(f"{job.id}  {when}  {job.description}  {job.error}")
    click.echo(f"{len(found)} failed job(s)")


@jobs_cli.command("retry")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Retry every failed job.")
@with_appcontext
def retry(job_ids: tuple[str, ...], every: bool) -> None:
    """Put failed jobs back on the queue."""
    _require_redis()
    ids = [job.id for job in jobs_queue.failed_jobs()] if every else list(job_ids)
    if not ids:
        raise click.ClickException("name a failed job id (see `flask jobs list`) or --all")
    for job_id in ids:
        if not jobs_queue.retry_failed(job_id):
            raise click.ClickException(f"no failed job {job_id!r}")
        click.echo(f"{job_id}: queued again")


@jobs_cli.command("discard")
@click.argument("job_ids", nargs=-1, required=True)
@with_appcontext
def discard(job_ids: tuple[str, ...]) -> None:
    """Delete failed jobs for good."""
    _require_redis()
    for job_id in job_ids:
        if not jobs_queue.discard_failed(job_id):
            raise click.ClickException(f"no failed job {job_id!r}")
        click.echo(f"{job_id}: discarded")


def init_app(app: Flask) -> None:
    app.cli.add_command(worker)
    app.cli.add_command(jobs_cli)
