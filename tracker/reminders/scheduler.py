"""The scheduler: APScheduler cron jobs calling the plain job functions, in one process.

It runs in its own process (`flask --app wsgi scheduler`), never in web workers: a job
store cannot be shared between processes, and one scheduler per worker would send every
reminder several times. Planning is idempotent anyway, so a second scheduler by mistake
sends nothing twice.

The same process runs the work the web queues (`tracker.jobs`), every few seconds.
"""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from tracker.jobs.runner import run_scheduled
from tracker.reminders import jobs
from tracker.replies.imap import fetch_replies

JOBS: dict[str, tuple[str, Callable[[], object]]] = {
    "plan": ("SCHEDULE_PLAN", jobs.plan_daily),
    "digest": ("SCHEDULE_DIGEST", jobs.plan_digests),
    "summary": ("SCHEDULE_SUMMARY", jobs.plan_summaries),
    "deliver": ("SCHEDULE_DELIVER", jobs.deliver),
    # Replies read from the mailbox (MAIL_IMAP_*); nothing to do without one.
    "replies": ("SCHEDULE_REPLIES", fetch_replies),
}


def _in_app_context(app: Flask, function: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                function()
            except Exception:
                app.logger.exception("scheduled job %s failed", function.__name__)

    run.__name__ = function.__name__
    return run


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add the tracker's jobs to `scheduler` and return it.

    The reminders run on the cron schedules of the configuration, the runner of queued
    work every `JOBS_POLL_SECONDS`.
    """
    with app.app_context():
        for job_id, (setting, function) in JOBS.items():
            scheduler.add_job(
                _in_app_context(app, function), jobs.trigger(setting), id=job_id,
                name=job_id, coalesce=True, max_instances=1, replace_existing=True,
                # A restart after a missed slot runs the job once, up to a day late.
                misfire_grace_time=24 * 3600,
            )
    # One runner at a time: a long import holds it, and the queue waits its turn.
    scheduler.add_job(
        _in_app_context(app, run_scheduled),
        IntervalTrigger(seconds=app.config["JOBS_POLL_SECONDS"]), id="queue", name="queue",
        coalesce=True, max_instances=1, replace_existing=True)
    return scheduler


def next_runs(app: Flask) -> list[tuple[str, str, object]]:
    """Return (job, cron expression, next run time) for each job, for the admin page."""
    from datetime import datetime

    result = []
    for job_id, (setting, _function) in JOBS.items():
        trigger = jobs.trigger(setting)
        now = datetime.now(jobs.timezone())
        result.append((job_id, app.config[setting], trigger.get_next_fire_time(None, now)))
    return result
