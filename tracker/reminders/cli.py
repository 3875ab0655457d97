"""Commands: `flask --app wsgi reminders plan|deliver|run` and `flask --app wsgi scheduler`."""

from __future__ import annotations

from datetime import date, datetime, time

import click
from flask import current_app
from flask.cli import AppGroup

from tracker import clock
from tracker.config import ConfigError, check_holiday_country
from tracker.reminders import jobs
from tracker.workdays.services import working_day

reminders = AppGroup("reminders", help="Plan and send reminder emails.")


def _check_country() -> None:
    """Stop with a clear message when HOLIDAY_COUNTRY is unknown to the holidays library."""
    try:
        check_holiday_country(current_app.config["HOLIDAY_COUNTRY"])
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _parse_date(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use the form YYYY-MM-DD") from exc


@reminders.command("plan")
@click.option("--date", "day", callback=_parse_date, help="Plan for this day (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing.")
def plan_command(day: date | None, dry_run: bool) -> None:
    """Write the reminders due on a day (today by default) into the outbox."""
    _check_country()
    result = jobs.plan(day, dry_run=dry_run)
    if dry_run:
        click.echo(f"would queue {len(result.rows)} emails {result.counts()}")
    else:
        # What was inserted: rows another planner wrote meanwhile are not counted twice.
        inserted = sum(result.inserted.values())
        skipped = len(result.rows) - inserted
        click.echo(f"queued {inserted} emails {result.inserted}"
                   + (f" ({skipped} already in the outbox)" if skipped else ""))
    if dry_run:
        for row in result.rows:
            cc = f" (cc {', '.join(row['cc'])})" if row["cc"] else ""
            click.echo(f"  {row['kind'].value:<20} {row['to_email']}{cc}: {row['subject']}")


@reminders.command("deliver")
def deliver_command() -> None:
    """Gather today's held reminders into daily emails, then send what waits in the outbox."""
    jobs.compose()
    if not current_app.config["MAIL_SERVER"]:
        click.echo("MAIL_SERVER is not set: emails stay in the outbox (see /admin/outbox).")
        return
    click.echo(str(jobs.deliver()))


@reminders.command("run")
@click.option("--date", "day", callback=_parse_date,
              help="Run as the scheduler would on this day (YYYY-MM-DD), at its planning "
                   "time; today by default.")
def run_command(day: date | None) -> None:
    """Plan a day's reminders (catching up the days since the last planning), gather
    them into daily emails and send what is due, as the scheduler does on that day.

    Safe to repeat: a second run of the same day sends nothing new.
    """
    _check_country()
    moment = clock.now() if day is None else planning_time(day)
    with clock.set_to(moment):
        day = clock.today()
        if not working_day(day):
            click.echo(f"{day.isoformat()} is a closed day: nothing is planned or gathered.")
        sending = bool(current_app.config["MAIL_SERVER"])
        result = jobs.run_day(day, send=sending)
        inserted = sum(result.plan.inserted.values())
        click.echo(f"{day.isoformat()}: queued {inserted} items {result.plan.inserted}, "
                   f"composed {result.composed} daily emails")
        if result.delivery is None:
            click.echo("MAIL_SERVER is not set: emails stay in the outbox (see /admin/outbox).")
        else:
            click.echo(str(result.delivery))


def planning_time(day: date) -> datetime:
    """Return when the scheduler plans on `day` (SCHEDULE_PLAN's first run that day),
    or the start of the day if it has none."""
    return (jobs.first_run("SCHEDULE_PLAN", day)
            or datetime.combine(day, time.min, tzinfo=jobs.timezone()))


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the reminder scheduler in the foreground (one per deployment, not per worker)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from tracker.reminders.scheduler import configure, next_runs

    _check_country()
    app = current_app._get_current_object()
    scheduler = configure(BlockingScheduler(timezone=jobs.timezone()), app)
    for job_id, expression, next_run in next_runs(app):
        click.echo(f"{job_id:<8} {expression:<14} next {next_run:%Y-%m-%d %H:%M %Z}")
    click.echo(f"{'queue':<8} every {app.config['JOBS_POLL_SECONDS']} s (the jobs the web queues)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
