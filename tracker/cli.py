"""Command-line interface: `flask --app wsgi <command>`."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.utils import import_string

from tracker.admin.services import AccountError, create_user
from tracker.config import LOCALES
from tracker.extensions import attach_migrations, db
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


# Commands imported only when one of them runs (or `flask --help` lists them): the web
# workers build the same app and would otherwise load Alembic, APScheduler and the backup
# and import code for nothing.
def _migration_commands(app: Flask) -> click.Command:
    attach_migrations(app)
    return app.cli.commands["db"]


def _imported(path: str) -> Callable[[Flask], click.Command]:
    return lambda app: import_string(path)


LAZY_COMMANDS: dict[str, Callable[[Flask], click.Command]] = {
    "db": _migration_commands,
    "import-report": _imported("tracker.importing.cli:import_report_command"),
    "reminders": _imported("tracker.reminders.cli:reminders"),
    "scheduler": _imported("tracker.reminders.cli:scheduler_command"),
    "jobs": _imported("tracker.jobs.cli:jobs"),
    "backup": _imported("tracker.backup.cli:backup"),
    "replies": _imported("tracker.replies.cli:replies"),
}


class LazyAppGroup(AppGroup):
    """The app's command group: commands of `lazy` are loaded when first run or listed."""

    def __init__(self, app: Flask, lazy: dict[str, Callable[[Flask], click.Command]]) -> None:
        super().__init__(app.name)
        self.app = app
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            self.add_command(self.lazy[name](self.app), name)
        return super().get_command(ctx, name)


def init_app(app: Flask) -> None:
    """Register the tracker's commands."""
    app.cli = LazyAppGroup(app, LAZY_COMMANDS)
    app.cli.add_command(create_user_command)
    app.cli.add_command(load_demo_command)
