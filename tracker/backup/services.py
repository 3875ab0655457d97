"""Backups of a deployment: every table and the evidence files, in one archive.

The archive holds `data.json` (the rows of each table, by table name, with the schema
revision, the row counts and the evidence files that were missing) and `uploads/`. It
restores into an empty database migrated to the same revision, on SQLite or PostgreSQL
alike, so a backup can also move a deployment.

Every table is read from one snapshot of the database, so the archive never holds a row
whose parent it lacks while people keep working: on PostgreSQL one read-only REPEATABLE
READ transaction, on SQLite a copy made with SQLite's online backup API. `verify` then
restores an archive into a scratch database and checks it; what an archive leaves out,
and why, is in docs/backup.md.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from flask import current_app

from tracker.evidence.storage import path_of, upload_folder
from tracker.extensions import attach_migrations, db
from tracker.models.types import UTCDateTime, utcnow

FORMAT = 1
# Loaded by the migrations: a restore replaces them with the archive's rows.
REFERENCE_TABLES = ("gcm_objective", "theme")


class BackupError(RuntimeError):
    """Raised when an archive cannot be written, read or restored; the message says why."""


@dataclass
class Created:
    """What `create` wrote: rows per table, evidence files, and those missing on disk."""

    counts: dict[str, int]
    files: int
    missing_files: list[str]


@dataclass
class Report:
    """What `verify` found: `problems` make the archive unusable; `missing_files` were
    referenced by the database but already missing on disk when the backup was taken."""

    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    problems: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the archive restores whole."""
        return not self.problems and not self.missing_files


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def _revision(connection: sa.Connection | None = None) -> str | None:
    if connection is not None:
        return MigrationContext.configure(connection).get_current_revision()
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# Writing ----------------------------------------------------------------------------------

@contextmanager
def _snapshot() -> Iterator[sa.Connection]:
    """Yield a connection that sees one consistent state of the whole database.

    PostgreSQL: a read-only REPEATABLE READ transaction; it takes no lock that a writer
    waits on. SQLite: a copy made with the online backup API (writers wait only while
    the pages are copied), read through a connection of its own.
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True) as connection:
            with connection.begin():
                yield connection
        return
    if db.engine.dialect.name != "sqlite":
        raise BackupError(f"backups of {db.engine.dialect.name} databases are not supported")
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as folder:
        copy = Path(folder) / "snapshot.sqlite3"
        with db.engine.connect() as source:
            target = sqlite3.connect(copy)
            try:
                source.connection.driver_connection.backup(target)
            finally:
                target.close()
        engine = sa.create_engine(f"sqlite:///{copy}")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def _read(connection: sa.Connection, table: sa.Table) -> list[dict[str, Any]]:
    rows = []
    for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns)):
        values = dict(row._mapping)
        rows.append({k: _encode(v) for k, v in values.items()})
    return rows


def create(path: Path) -> Created:
    """Write the archive of one snapshot of the database, with its evidence files.

    Evidence files are those the snapshot's rows name (a file written after the snapshot
    belongs to a later backup). A file named but missing on disk is listed in the archive
    and in the result; the archive is still written, being the best copy there is.
    The archive appears at `path` only once complete.
    """
    with _snapshot() as connection:
        revision = _revision(connection)
        tables = {table.name: _read(connection, table) for table in db.metadata.sorted_tables}
    counts = {name: len(rows) for name, rows in tables.items()}
    stored = sorted({row["stored_name"] for row in tables["evidence"] if row["stored_name"]})
    present = [name for name in stored if path_of(name).is_file()]
    missing = sorted(set(stored) - set(present))
    document = {"format": FORMAT, "revision": revision, "created_at": utcnow().isoformat(),
                "counts": counts, "missing_files": missing, "tables": tables}
    payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
    partial = path.with_name(f".{path.name}.part")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            info = tarfile.TarInfo("data.json")
            info.size = len(payload)
            info.mtime = int(utcnow().timestamp())
            archive.addfile(info, io.BytesIO(payload))
            for name in present:
                archive.add(path_of(name), arcname=f"uploads/{name}")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Created(counts, len(present), missing)


# Reading ----------------------------------------------------------------------------------

def _open(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember("data.json")
        document = json.loads(archive.extractfile(member).read().decode("utf-8"))
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError("this is not a tracker backup: data.json is missing or unreadable"
                          ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError("this archive was written by another version of the backup")
    return document


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a readable .tar.gz archive ({exc})") from exc


def _rows(table: sa.Table, rows: list[dict]) -> list[dict]:
    """Decode the archive's rows for `table`; plain DateTime columns take naive UTC."""
    plain = {c.name for c in table.c
             if isinstance(c.type, sa.DateTime) and not isinstance(c.type, UTCDateTime)}
    decoded = []
    for row in rows:
        values = {k: _decode(v) for k, v in row.items()}
        for name in plain & values.keys():
            value = values[name]
            if isinstance(value, datetime) and value.tzinfo is not None:
                values[name] = value.astimezone(UTC).replace(tzinfo=None)
        decoded.append(values)
    return decoded


def _load(connection: sa.Connection, tables: list[sa.Table], document: dict) -> dict[str, int]:
    """Insert the archive's rows, parents first, into an empty migrated database."""
    for table in tables:
        if table.name in REFERENCE_TABLES:
            connection.execute(table.delete())
        elif connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
            raise BackupError(f"the database is not empty (table {table.name}); "
                              "restore into a freshly migrated database")
    counts = {}
    for table in tables:
        rows = _rows(table, document["tables"].get(table.name, []))
        for start in range(0, len(rows), 1000):
            connection.execute(table.insert(), rows[start:start + 1000])
        counts[table.name] = len(rows)
    return counts


def restore(path: Path) -> dict[str, int]:
    """Load an archive into this (empty, migrated) database and upload folder.

    Raises `BackupError` when the database already holds data or the revisions differ.
    """
    with _open_archive(path) as archive:
        document = _open(archive)
        if document.get("revision") != _revision():
            raise BackupError(f"the archive is at schema revision {document.get('revision')}, "
                              f"the database at {_revision()}: run `flask db upgrade` (or "
                              "restore into a database at the archive's revision)")
        with db.engine.begin() as connection:
            counts = _load(connection, db.metadata.sorted_tables, document)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
        folder = upload_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for member in archive.getmembers():
            name = member.name
            if not name.startswith("uploads/") or not member.isfile():
                continue
            target = folder / Path(name).name  # never outside the upload folder
            with archive.extractfile(member) as source, open(target, "wb") as sink:
                sink.write(source.read())
    return counts


def _reset_sequences(connection) -> None:
    """Move each PostgreSQL id sequence past the restored ids."""
    for table in db.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        name = table.name
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{name}"), 0) + 1, false)'),
            {"table": f'"{name}"'})


# Verifying --------------------------------------------------------------------------------

@contextmanager
def _scratch(database_url: str | None) -> Iterator[None]:
    """Push the context of an app on an empty scratch database; empty it again afterwards.

    Without `database_url`, a temporary SQLite file. Raises `BackupError` when the
    database named already has tables: verify never writes into a database in use.
    """
    with tempfile.TemporaryDirectory(prefix="tracker-verify-") as folder:
        from tracker import create_app
        from tracker.config import normalise_database_url

        url = (normalise_database_url(database_url) if database_url
               else "sqlite:///" + str(Path(folder) / "scratch.sqlite3"))

        try:
            app = create_app({
                "TRACKER_ENV": current_app.config["TRACKER_ENV"],
                "SECRET_KEY": current_app.config["SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
            })
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise BackupError(f"cannot use that URL for a scratch database: {exc}") from exc
        with app.app_context():
            try:
                existing = sa.inspect(db.engine).get_table_names()
            except sa.exc.OperationalError as exc:
                raise BackupError(f"cannot open the scratch database: {exc.orig}") from exc
            if existing:
                db.engine.dispose()
                raise BackupError(
                    f"the scratch database is not empty (it has the tables "
                    f"{', '.join(sorted(existing)[:5])}): verify needs an empty database")
            try:
                yield
            finally:
                db.session.remove()
                if database_url:
                    with db.engine.begin() as connection:
                        metadata = sa.MetaData()
                        metadata.reflect(connection)
                        metadata.drop_all(connection)
                db.engine.dispose()


def _dangling(connection: sa.Connection, tables: list[sa.Table]) -> list[str]:
    """Return one line per foreign key value that names no row of its parent table."""
    problems = []
    for table in tables:
        for constraint in table.foreign_key_constraints:
            # An alias: a table may refer to itself (a user's delegate is a user).
            parent = constraint.referred_table.alias("parent")
            pairs = [(element.parent, parent.c[element.column.name])
                     for element in constraint.elements]
            key = list(table.primary_key.columns) or [pairs[0][0]]
            query = (sa.select(*key, *(child for child, _ in pairs))
                     .select_from(table.outerjoin(parent, sa.and_(
                         *(child == referred for child, referred in pairs))))
                     .where(*(child.is_not(None) for child, _ in pairs),
                            pairs[0][1].is_(None))
                     .order_by(*key))
            for row in connection.execute(query):
                ids = ", ".join(f"{c.name}={v}" for c, v in zip(key, row, strict=False))
                values = ", ".join(f"{child.name}={v}" for (child, _), v in
                                   zip(pairs, row[len(key):], strict=True))
                problems.append(f"{table.name} row {ids}: {values} is not in "
                                f"{constraint.referred_table.name}")
    return problems


def verify(path: Path, database_url: str | None = None) -> Report:
    """Restore the archive into a scratch database and check what came back.

    The scratch database (a temporary SQLite file, or the empty one at `database_url`)
    is migrated to the archive's revision; then every foreign key must resolve, each
    table hold the rows the archive counts, and each evidence file be in the archive
    with the size its row gives. Raises `BackupError` when the archive cannot be read
    or the scratch database is not empty.
    """
    report = Report()
    with _open_archive(path) as archive:
        document = _open(archive)
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
    tables_in_archive = document.get("tables") or {}
    declared = document.get("counts") or {}
    with _scratch(database_url):
        try:
            config = attach_migrations(current_app).migrate.get_config()
            command.upgrade(config, document.get("revision") or "base")
        except Exception as exc:  # an unknown revision, or a migration that fails here
            raise BackupError(f"cannot migrate a scratch database to the archive's revision "
                              f"{document.get('revision')}: {exc}") from exc
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
        unknown = sorted(tables_in_archive.keys() - {t.name for t in tables})
        if unknown:
            report.problems.append(f"tables unknown at revision {document.get('revision')}: "
                                   f"{', '.join(unknown)}")
        try:
            with db.engine.begin() as connection:
                _load(connection, tables, document)
        except sa.exc.IntegrityError as exc:
            # PostgreSQL enforces foreign keys while loading: the first dangling one stops it.
            report.problems.append(f"the rows do not restore: {str(exc.orig).strip()}")
            return report
        except (sa.exc.DBAPIError, ValueError, TypeError, KeyError) as exc:
            report.problems.append(f"the rows do not restore: {exc}")
            return report
        with db.engine.connect() as connection:
            report.problems.extend(_dangling(connection, tables))
            for table in tables:
                count = connection.execute(
                    sa.select(sa.func.count()).select_from(table)).scalar()
                report.counts[table.name] = count
                expected = declared.get(table.name, len(tables_in_archive.get(table.name, [])))
                if count != expected:
                    report.problems.append(
                        f"{table.name}: {count} rows restored, the archive counts {expected}")
    missing_at_backup = set(document.get("missing_files") or [])
    for row in tables_in_archive.get("evidence", []):
        name = row.get("stored_name")
        if not name:
            continue
        member = members.get(f"uploads/{name}")
        if name in missing_at_backup:
            report.missing_files.append(name)
        elif member is None:
            report.problems.append(f"evidence {row.get('id')}: file {name} is not in the archive")
        elif member.size != row.get("size"):
            report.problems.append(f"evidence {row.get('id')}: file {name} has {member.size} "
                                   f"bytes, its row says {row.get('size')}")
        else:
            report.files += 1
    return report
