"""Command-line interface: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from tracker.admin.services import AccountError, create_user
from tracker.config import LOCALES
from tracker.extensions import db
from tracker.models import Institution, Role


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--institution", "institution_name", default=None,
              help="Code or name of the user's institution.")
@click.option("--name", default="", help="Display name (defaults to the email's local part).")
@click.option("--locale", default=None, type=click.Choice(LOCALES),
              help="The language of the user's pages and emails (the invitation's too).")
@click.option("--password", default=None,
              help="Initial password (for a first administrator, before email works); "
                   "the invitation sets it otherwise.")
def create_user_command(email: str, role: str, institution_name: str | None, name: str,
                        locale: str | None, password: str | None) -> None:
    """Create an account with a role and, for focal points, an institution, and send it an
    invitation: an email with a link to choose its password."""
    institution = None
    if institution_name:
        institution = db.session.scalar(
            select(Institution).where(
                (Institution.code == institution_name.strip().upper())
                | (Institution.name == institution_name.strip())
            )
        )
        if institution is None:
            raise click.ClickException(f"No institution has the code or name {institution_name!r}.")
    try:
        user = create_user(None, email=email, name=name, role=Role(role), password=password,
                           institution=institution, locale=locale, invite=True)
    except (AccountError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}); the invitation "
               "goes with the next delivery.")


@click.command("load-demo")
def load_demo_command() -> None:
    """Load the demo events, recommendations, institutions, accounts and actions.

    Running it again changes nothing.
    """
    from tracker.demo.loader import DEMO_ACCOUNTS, load_demo

    if current_app.config["TRACKER_ENV"] == "production":
        raise click.ClickException(
            "The demo creates accounts with published passwords: it only runs with "
            "TRACKER_ENV=development or testing."
        )
    summary = load_demo()
    db.session.commit()
    click.echo(
        f"Demo data: {summary['events']} events, {summary['recommendations']} recommendations, "
        f"{summary['actions']} actions ({summary['created']} rows created)."
    )
    click.echo("Demo accounts (email / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account['role']:<12} {account['email']:<32} {account['password']}")


def init_app(app: Flask) -> None:
    """Register the tracker's commands."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(load_demo_command)
    from tracker.importing.cli import import_report_command

    app.cli.add_command(import_report_command)
    from tracker.reminders.cli import reminders, scheduler_command

    app.cli.add_command(reminders)
    app.cli.add_command(scheduler_command)
    from tracker.jobs.cli import jobs

    app.cli.add_command(jobs)
    from tracker.backup.cli import backup

    app.cli.add_command(backup)
