"""Commands: `flask --app wsgi reminders plan|deliver|run` and `flask --app wsgi scheduler`."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.reminders import jobs

reminders = AppGroup("reminders", help="Plan and send reminder emails.")


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
@click.pass_context
def run_command(ctx) -> None:
    """Plan today's reminders, then send what is due."""
    ctx.invoke(plan_command, day=None, dry_run=False)
    ctx.invoke(deliver_command)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the reminder scheduler in the foreground (one per deployment, not per worker)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from tracker.reminders.scheduler import configure, next_runs

    app = current_app._get_current_object()
    scheduler = configure(BlockingScheduler(timezone=jobs.timezone()), app)
    for job_id, expression, next_run in next_runs(app):
        click.echo(f"{job_id:<8} {expression:<14} next {next_run:%Y-%m-%d %H:%M %Z}")
    click.echo(f"{'queue':<8} every {app.config['JOBS_POLL_SECONDS']} s (the jobs the web queues)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
