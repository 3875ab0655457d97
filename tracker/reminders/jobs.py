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
from tracker.reminders import daily, delivery, planning

# A run plans at most this many days: itself and the closed days before it.
CATCH_UP_DAYS = 14


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


def working_day(day: date) -> bool:
    """Tell whether reminders go out on `day` (not one of WEEKEND_DAYS)."""
    return day.weekday() not in current_app.config["WEEKEND_DAYS"]


def days_to_plan(day: date) -> list[date]:
    """Return the days a run on working day `day` plans: the closed days just before it
    (whose reminders nobody sent), then `day` itself.

    Each reminder's key names its day, so planning a day again sends nothing twice.
    """
    days = [day]
    while len(days) < CATCH_UP_DAYS and not working_day(days[0] - timedelta(days=1)):
        days.insert(0, days[0] - timedelta(days=1))
    return days


# The reminders due on one day of an action's life, which a later one replaces.
DATED_TEMPLATES = frozenset({"deadline_approaching", "overdue"})


def superseded(row: dict, planned_for: date, today: date, reminded: set[int]) -> bool:
    """Tell whether a reminder of closed day `planned_for`, caught up on `today`, is
    stale: a later reminder of its action is planned, or its deadline has passed."""
    if planned_for == today or row["template"] not in DATED_TEMPLATES:
        return False
    if row["action_id"] in reminded:
        return True
    return row["template"] == "deadline_approaching" and (
        date.fromisoformat(row["key"].split(":")[2]) < today)


def compose(day: date | None = None) -> int:
    """Write the daily email of each person with held items, on working days; commit."""
    day = day or clock.today()
    if not working_day(day):
        return 0
    try:
        written = daily.compose(day)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return written


def plan(day: date | None = None, *, dry_run: bool = False,
         digests: bool | None = None, summaries: bool | None = None) -> planning.Plan:
    """Plan the reminders of `day` (today by default) and write them, unless `dry_run`,
    then gather each person's into their daily email.

    Nothing is planned on a closed day: the next working day plans it. Digests and
    summaries are planned on the days their schedules run, unless told.
    """
    day = day or clock.today()
    if not working_day(day):
        return planning.Plan()
    digests = fires_on("SCHEDULE_DIGEST", day) if digests is None else digests
    summaries = fires_on("SCHEDULE_SUMMARY", day) if summaries is None else summaries
    try:
        result = planning.Plan()
        # Newest day first: a closed day's reminder about an action that today's run
        # reminds of anyway (a "14 days left" made stale by "7 days left") is left out.
        reminded: set[int] = set()
        for each in reversed(days_to_plan(day)):
            start = len(result.rows)
            planning.plan_into(result, each, clock.now(), digests=digests and each == day,
                               summaries=summaries and each == day)
            result.rows[start:] = [row for row in result.rows[start:]
                                   if not superseded(row, each, day, reminded)]
            reminded.update(row["action_id"] for row in result.rows[start:]
                            if row["template"] in DATED_TEMPLATES)
        if dry_run:
            db.session.rollback()
        else:
            planning.write(result)
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if not dry_run:
        compose(day)
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
