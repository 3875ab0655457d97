"""Commands: `flask --app wsgi jobs run`."""

from __future__ import annotations

import click

from tracker.jobs.runner import run_pending


@click.group("jobs")
def jobs() -> None:
    """Run the background work queued by the web (the scheduler does it every few seconds)."""


@jobs.command("run")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Stop after this many jobs (all waiting jobs by default).")
def run_command(limit: int | None) -> None:
    """Run the waiting jobs once, one at a time, then exit."""
    report = run_pending(limit)
    extras = [f"{report.lost} taken over by another worker"] if report.lost else []
    if report.abandoned:
        extras.append(f"{report.abandoned} failed as their worker died")
    click.echo(", ".join([f"Jobs: {report.done} done", f"{report.failed} failed", *extras])
               + ".")
