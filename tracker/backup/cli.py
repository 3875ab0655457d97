"""Commands: `flask --app wsgi backup create FILE` and `flask --app wsgi backup restore FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from tracker.backup import services

backup = AppGroup("backup", help="Back up or restore the database and the evidence files.")


@backup.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Write every table and every evidence file to a .tar.gz archive."""
    counts = services.create(path)
    click.echo(f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {path}.")


@backup.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Load an archive into a freshly migrated, empty database."""
    try:
        counts = services.restore(path)
    except services.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {sum(counts.values())} rows of {len(counts)} tables from {path}.")
