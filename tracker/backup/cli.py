"""Commands: `flask --app wsgi backup create|verify|restore FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from tracker.backup import services

backup = AppGroup("backup", help="Back up, check or restore the database and the evidence files.")

# At most this many problems are printed; the count says how many there were.
SHOWN_PROBLEMS = 20


def _problems(count: int) -> str:
    return f"{count} problem" if count == 1 else f"{count} problems"


def _echo_report(path: Path, report: services.Report) -> None:
    for problem in report.problems[:SHOWN_PROBLEMS]:
        click.echo(f"  problem: {problem}", err=True)
    if len(report.problems) > SHOWN_PROBLEMS:
        click.echo(f"  ... and {_problems(len(report.problems) - SHOWN_PROBLEMS)} more",
                   err=True)
    if report.missing_files:
        click.echo(f"  {len(report.missing_files)} evidence files were already missing from "
                   f"the upload folder when the backup was taken: "
                   f"{', '.join(report.missing_files[:SHOWN_PROBLEMS])}", err=True)
    if not report.problems:
        click.echo(f"Verified {path}: {sum(report.counts.values())} rows of "
                   f"{len(report.counts)} tables restore with every foreign key resolved, "
                   f"{report.files} evidence files with their sizes.")


def _verify(path: Path, database_url: str | None) -> services.Report:
    try:
        report = services.verify(path, database_url)
    except services.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_report(path, report)
    return report


@backup.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-verify", is_flag=True,
              help="Do not restore the archive into a scratch database to check it.")
def create_command(path: Path, no_verify: bool) -> None:
    """Write one consistent snapshot of every table, and the evidence files its rows name,
    to a .tar.gz archive; then check that it restores (unless --no-verify).

    Exits with status 1 when the check fails (the archive is renamed FILE.invalid) or
    when evidence files named by the database are missing on disk (the archive is kept:
    it is the best copy there is).
    """
    created = services.create(path)
    click.echo(f"Backed up {sum(created.counts.values())} rows of {len(created.counts)} tables "
               f"and {created.files} evidence files to {path}.")
    if not no_verify:
        report = _verify(path, None)
        if report.problems:
            invalid = path.with_name(path.name + ".invalid")
            path.replace(invalid)
            raise click.ClickException(
                f"the archive does not restore ({_problems(len(report.problems))}); it was "
                f"renamed {invalid} so that it is not taken for a good backup")
    if created.missing_files:
        raise click.ClickException(
            f"{len(created.missing_files)} evidence files named by the database are missing "
            f"from the upload folder ({', '.join(created.missing_files[:SHOWN_PROBLEMS])}); "
            f"the archive {path} holds everything else")


@backup.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--database-url", default=None, metavar="URL",
              help="An empty scratch database to restore into (default: a temporary SQLite "
                   "file). Its tables are dropped again afterwards.")
def verify_command(path: Path, database_url: str | None) -> None:
    """Restore an archive into a scratch database and check it: every foreign key
    resolves, each table holds the rows the archive counts, and every evidence file is
    there with its size. Exits with status 1 on any problem."""
    report = _verify(path, database_url)
    if not report.ok:
        raise click.ClickException(f"{path} failed verification")


@backup.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Load an archive into a freshly migrated, empty database."""
    try:
        counts = services.restore(path)
    except services.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {sum(counts.values())} rows of {len(counts)} tables from {path}.")
