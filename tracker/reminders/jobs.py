"""The scheduled jobs, as plain functions: the scheduler process and the CLI both call them.

Each job owns its transaction: it commits what it did, or rolls back.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from flask import current_app

from tracker import clock
from tracker.extensions import db
from tracker.reminders import delivery, planning


def timezone() -> ZoneInfo:
    """Return the zone reminders follow (TRACKER_TIMEZONE)."""
    return ZoneInfo(current_app.config["TRACKER_TIMEZONE"])


def trigger(setting: str) -> CronTrigger:
    """Return the cron trigger configured under `setting` (e.g. SCHEDULE_DIGEST)."""
    return CronTrigger.from_crontab(current_app.config[setting], timezone=timezone())


def fires_on(setting: str, day: date) -> bool:
    """Tell whether the schedule named `setting` has a run on `day`."""
    start = datetime.combine(day, time.min, tzinfo=timezone())
    next_run = trigger(setting).get_next_fire_time(None, start)
    return next_run is not None and next_run < start + timedelta(days=1)


def plan(day: date | None = None, *, dry_run: bool = False,
         digests: bool | None = None, summaries: bool | None = None) -> planning.Plan:
    """Plan the reminders of `day` (today by default) and write them, unless `dry_run`.

    Digests and summaries are planned on the days their schedules run, unless told.
    """
    day = day or clock.today()
    digests = fires_on("SCHEDULE_DIGEST", day) if digests is None else digests
    summaries = fires_on("SCHEDULE_SUMMARY", day) if summaries is None else summaries
    try:
        result = planning.plan_reminders(day, clock.now(), digests=digests,
                                         summaries=summaries)
        if dry_run:
            db.session.rollback()
        else:
            planning.write(result)
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def deliver() -> delivery.DeliveryReport:
    """Send what is due in the outbox."""
    try:
        return delivery.deliver()
    except Exception:
        db.session.rollback()
        raise


def plan_daily() -> None:
    """Scheduled: plan today's deadline, overdue and "awaiting news" reminders."""
    plan(digests=False, summaries=False)


def plan_digests() -> None:
    """Scheduled: plan the focal points' weekly digests."""
    plan(digests=True, summaries=False)


def plan_summaries() -> None:
    """Scheduled: plan the coordinators' summaries."""
    plan(digests=False, summaries=True)
