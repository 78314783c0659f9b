"""Jobs on Redis, with RQ: putting them on the queue, the worker that runs them (`flask worker`),
and the failed ones operators list, retry or discard (/ops/jobs, `flask jobs`).

A worker forks a work horse per job and tells Redis every JOBS_HEARTBEAT_SECONDS that the job
still runs. A worker that dies (SIGKILL, a lost machine) stops telling; once its job has been
silent for JOBS_HEARTBEAT_SECONDS + JOBS_HEARTBEAT_GRACE, the next maintenance pass of any
other worker (every JOBS_MAINTENANCE_SECONDS) counts it as a failed attempt and runs it again,
under the job's retry allowance. Jobs are written to be safe to run twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from ..extensions import db
from .jobs import Call


def connection(app: Flask | None = None) -> Redis:
    app = app or current_app._get_current_object()
    redis = app.extensions.get("sitemaker.jobs_redis")
    if redis is None:
        # Short timeouts: a request that enqueues must not hang on a Redis that is gone.
        redis = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=1.0, socket_timeout=5.0
        )
        app.extensions["sitemaker.jobs_redis"] = redis
    return redis


def job_queue(app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()
    return Queue(app.config.get("JOBS_QUEUE", "sitemaker"), connection=connection(app))


def _retry(app: Flask) -> Retry | None:
    intervals = [int(s) for s in app.config.get("JOBS_RETRY_INTERVALS") or []]
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def push(app: Flask, call: Call) -> bool:
    """Put the job on the queue. False when Redis cannot be reached (the caller runs it)."""
    try:
        job_queue(app).enqueue_call(
            func=call.func,
            args=call.args,
            kwargs=call.kwargs,
            job_id=call.id,
            description=call.description,
            timeout=int(app.config.get("JOBS_TIMEOUT", 1800)),
            failure_ttl=int(app.config.get("JOBS_FAILED_TTL", 30 * 24 * 3600)),
            result_ttl=3600,
            retry=_retry(app),
        )
    except (RedisError, OSError) as error:
        app.logger.warning("cannot enqueue %s on Redis: %s", call.description, error)
        return False
    return True


class AppWorker(Worker):
    """An RQ worker that runs each job inside the app's context, with its own session."""

    app: Flask

    def perform_job(self, job, queue, execution) -> bool:  # type: ignore[override]
        if getattr(self, "_engine_pid", None) != os.getpid():
            # A forked horse must not reuse connections its parent may hold open.
            with self.app.app_context():
                db.engine.dispose(close=False)
            self._engine_pid = os.getpid()
        with self.app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        grace = int(self.app.config.get("JOBS_HEARTBEAT_GRACE", 60))
        return super().get_heartbeat_ttl(job, working_time) - 60 + grace


def make_worker(app: Flask, name: str | None = None) -> AppWorker:
    config = app.config
    worker = AppWorker(
        [job_queue(app)],
        name=name,
        connection=connection(app),
        job_monitoring_interval=int(config.get("JOBS_HEARTBEAT_SECONDS", 30)),
        maintenance_interval=int(config.get("JOBS_MAINTENANCE_SECONDS", 60)),
        worker_ttl=int(config.get("JOBS_WORKER_TTL", 420)),
    )
    worker.app = app
    return worker


@dataclass
class FailedJob:
    id: str
    description: str
    function: str
    failed_at: datetime | None
    enqueued_at: datetime | None
    error: str  # the last line of the last error


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else "(no error recorded)"


def failed_jobs(app: Flask | None = None, limit: int = 200) -> list[FailedJob]:
    """The jobs that used up their retries, newest first."""
    queue = job_queue(app)
    registry = FailedJobRegistry(queue=queue)
    found = []
    for job_id in registry.get_job_ids(0, limit - 1, desc=True):
        try:
            job = Job.fetch(job_id, connection=queue.connection)
        except NoSuchJobError:
            continue
        result = job.latest_result()
        found.append(
            FailedJob(
                id=job.id,
                description=job.description or job.func_name or job.id,
                function=job.func_name or "",
                failed_at=job.ended_at,
                enqueued_at=job.enqueued_at,
                error=_last_line(result.exc_string if result else None),
            )
        )
    return found


def retry_failed(job_id: str, app: Flask | None = None) -> bool:
    queue = job_queue(app)
    registry = FailedJobRegistry(queue=queue)
    if job_id not in registry.get_job_ids():
        return False
    registry.requeue(job_id)
    return True


def discard_failed(job_id: str, app: Flask | None = None) -> bool:
    queue = job_queue(app)
    registry = FailedJobRegistry(queue=queue)
    if job_id not in registry.get_job_ids():
        return False
    registry.remove(job_id, delete_job=True)
    return True
