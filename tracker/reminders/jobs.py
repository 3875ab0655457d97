"""The scheduled jobs, as plain functions: the scheduler process and the CLI both call them.

Each job owns its transaction: it commits what it did, or rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite

from tracker import clock
from tracker.extensions import db
from tracker.models import PlannedDay
from tracker.reminders import daily, delivery, planning
from tracker.workdays.services import working_day

# A run plans at most this many days: itself and the days since the last one planned.
CATCH_UP_DAYS = 14


def timezone() -> ZoneInfo:
    """Return the zone reminders follow (TRACKER_TIMEZONE)."""
    return ZoneInfo(current_app.config["TRACKER_TIMEZONE"])


def trigger(setting: str) -> CronTrigger:
    """Return the cron trigger configured under `setting` (e.g. SCHEDULE_DIGEST)."""
    return CronTrigger.from_crontab(current_app.config[setting], timezone=timezone())


def fires_on(setting: str, day: date) -> bool:
    """Tell whether the schedule named `setting` has a run on `day`."""
    return first_run(setting, day) is not None


def first_run(setting: str, day: date) -> datetime | None:
    """Return the first run of the schedule named `setting` on `day`, or None."""
    start = datetime.combine(day, time.min, tzinfo=timezone())
    next_run = trigger(setting).get_next_fire_time(None, start)
    return next_run if next_run is not None and next_run < start + timedelta(days=1) else None


def last_planned_day() -> date | None:
    """Return the last day whose reminders were planned successfully, if any was."""
    return db.session.scalar(select(PlannedDay.day).where(PlannedDay.id == 1))


def record_planned(day: date) -> None:
    """Record that `day` was planned (flushed, in the plan's transaction): the next run
    catches up from the day after. An earlier day planned by hand moves nothing back."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PlannedDay)
    # An upsert: two planners at once (a scheduler and a run by hand) both succeed.
    db.session.execute(insert.values(id=1, day=day, planned_at=clock.utcnow())
                       .on_conflict_do_update(index_elements=["id"], set_={
                           "day": case((PlannedDay.day < insert.excluded.day,
                                        insert.excluded.day), else_=PlannedDay.day),
                           "planned_at": insert.excluded.planned_at}))


def days_to_plan(day: date) -> list[date]:
    """Return the days a run on working day `day` plans, earliest first: every day since
    the last one planned successfully, then `day` itself, CATCH_UP_DAYS at most in all.

    Before any run is recorded, the closed days just before `day` are caught up. Each
    reminder's key names its day, so planning a day again sends nothing twice.
    """
    last = last_planned_day()
    if last is None:
        days = [day]
        while len(days) < CATCH_UP_DAYS and not working_day(days[0] - timedelta(days=1)):
            days.insert(0, days[0] - timedelta(days=1))
        return days
    first = max(last + timedelta(days=1), day - timedelta(days=CATCH_UP_DAYS - 1))
    return [first + timedelta(days=n) for n in range((day - first).days)] + [day]


# The reminders due on one day of an action's life, which a later one replaces.
DATED_TEMPLATES = frozenset({"deadline_approaching", "overdue", "awaiting_news"})
# The emails of a week, which a later week's replaces.
WEEKLY_TEMPLATES = frozenset({"weekly_digest", "coordinator_summary"})


def superseded(row: dict, planned_for: date, today: date, later: set[tuple]) -> bool:
    """Tell whether a reminder of an earlier day `planned_for`, caught up on `today`, is
    stale: a later reminder of its action is planned, its deadline has passed, or it is a
    weekly email that a later week's replaces. `later` holds `replacing(row)` of the rows
    planned for the days after `planned_for`."""
    if planned_for == today or replacing(row) is None:
        return False
    if replacing(row) in later:
        return True
    return row["template"] == "deadline_approaching" and (
        date.fromisoformat(row["key"].split(":")[2]) < today)


def replacing(row: dict) -> tuple | None:
    """Return what a row of a later day replaces of an earlier day's: the dated reminders
    of its action, or its recipient's weekly email of the same kind (None: nothing)."""
    if row["template"] in DATED_TEMPLATES:
        return ("dated", row["action_id"])
    if row["template"] in WEEKLY_TEMPLATES:
        return (row["template"], row["recipient_id"])
    return None


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


def plan(day: date | None = None, *, dry_run: bool = False, digests: bool | None = None,
         summaries: bool | None = None, then_compose: bool = True) -> planning.Plan:
    """Plan the reminders of `day` (today by default) and of the days since the last one
    planned, write them and record `day` as planned, unless `dry_run`; then gather each
    person's into their daily email (unless not `then_compose`).

    Nothing is planned on a closed day: the next working day plans it. Digests and
    summaries are planned on the days their schedules run, unless told for `day`.
    """
    day = day or clock.today()
    if not working_day(day):
        return planning.Plan()
    try:
        result = planning.Plan()
        # Newest day first: an earlier day's reminder about an action that a later day
        # reminds of anyway (a "14 days left" made stale by "7 days left") is left out.
        chunks: list[list[dict]] = []
        later: set[tuple] = set()
        for each in reversed(days_to_plan(day)):
            start = len(result.rows)
            planning.plan_into(
                result, each, clock.now(),
                digests=_scheduled("SCHEDULE_DIGEST", each, day, digests),
                summaries=_scheduled("SCHEDULE_SUMMARY", each, day, summaries))
            result.rows[start:] = [row for row in result.rows[start:]
                                   if not superseded(row, each, day, later)]
            chunks.append(result.rows[start:])
            later.update(replacing(row) for row in chunks[-1])
        # Written earliest day first, as they fell due.
        result.rows = [row for chunk in reversed(chunks) for row in chunk]
        if dry_run:
            db.session.rollback()
        else:
            planning.write(result)
            record_planned(day)
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if then_compose and not dry_run:
        compose(day)
    return result


def _scheduled(setting: str, each: date, day: date, told: bool | None) -> bool:
    # A day caught up had no run of its own: its schedule decides. For `day`, the caller.
    if each != day or told is None:
        return fires_on(setting, each)
    return told


def deliver() -> delivery.DeliveryReport:
    """Send what is due in the outbox."""
    try:
        return delivery.deliver()
    except Exception:
        db.session.rollback()
        raise


def plan_daily() -> None:
    """Scheduled: plan today's reminders, with the digests and summaries whose schedule
    runs today, so that they join today's daily email."""
    plan()


def plan_digests() -> None:
    """Scheduled: plan the focal points' weekly digests (if the daily run has not)."""
    plan(digests=True, summaries=False)


def plan_summaries() -> None:
    """Scheduled: plan the coordinators' summaries (if the daily run has not)."""
    plan(digests=False, summaries=True)


@dataclass
class DayRun:
    """What `run_day` did: the plan, the daily emails composed, the delivery."""

    plan: planning.Plan
    composed: int
    delivery: delivery.DeliveryReport | None


def run_day(day: date, *, send: bool = True) -> DayRun:
    """Plan, compose and (with `send`) deliver `day`'s emails, as the scheduler's jobs
    do on that day; the caller sets the clock (see clock.set_to)."""
    result = plan(day, then_compose=False)
    composed = compose(day)
    return DayRun(result, composed, deliver() if send else None)
