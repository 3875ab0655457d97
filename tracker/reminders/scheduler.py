"""The scheduler: APScheduler cron jobs calling the plain job functions, in one process.

It runs in its own process (`flask --app wsgi scheduler`), never in web workers: a job
store cannot be shared between processes, and one scheduler per worker would send every
reminder several times. Planning is idempotent anyway, so a second scheduler by mistake
sends nothing twice.

The same process runs the work the web queues (`tracker.jobs`), every few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.jobs.runner import run_scheduled
from tracker.reminders import jobs
from tracker.replies.imap import fetch_replies
from tracker.workdays.services import working_day

JOBS: dict[str, tuple[str, Callable[[], object]]] = {
    "plan": ("SCHEDULE_PLAN", jobs.plan_daily),
    "digest": ("SCHEDULE_DIGEST", jobs.plan_digests),
    "summary": ("SCHEDULE_SUMMARY", jobs.plan_summaries),
    "deliver": ("SCHEDULE_DELIVER", jobs.deliver),
    # Replies read from the mailbox (MAIL_IMAP_*); nothing to do without one.
    "replies": ("SCHEDULE_REPLIES", fetch_replies),
}

# What each job does, as the schedule page names it; every job of JOBS has one.
JOB_LABELS = {
    "plan": _l("Plan the day's reminders (deadlines, overdue actions, requests for news)"),
    "digest": _l("Plan the focal points' weekly digests"),
    "summary": _l("Plan the coordinators' summaries"),
    "deliver": _l("Send the emails of the outbox"),
    "replies": _l("Read the replies to the tracker's emails from the mailbox"),
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


# The jobs that plan, whose runs on closed days plan nothing.
PLANNING_JOBS = ("plan", "digest", "summary")
# How far ahead to look for a planning run on a working day.
LOOK_AHEAD_RUNS = 400


def next_runs(app: Flask) -> list[tuple[str, str, object]]:
    """Return (job, cron expression, next run time) for each job, for the admin page; a
    planning job's next run is its next one on a working day."""
    result = []
    with app.app_context():
        for job_id, (setting, _function) in JOBS.items():
            trigger = jobs.trigger(setting)
            next_run = trigger.get_next_fire_time(None, clock.now())
            if job_id in PLANNING_JOBS:
                for _ in range(LOOK_AHEAD_RUNS):
                    if next_run is None or working_day(next_run.date()):
                        break
                    next_run = trigger.get_next_fire_time(
                        next_run, next_run + timedelta(seconds=1))
            result.append((job_id, app.config[setting], next_run))
    return result
