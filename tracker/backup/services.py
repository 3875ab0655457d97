"""Backups of a deployment: every table and the evidence files, in one archive.

The archive holds `data.json` (the rows of each table, by table name, with the schema
revision) and `uploads/`. It restores into an empty database migrated to the same
revision, on SQLite or PostgreSQL alike, so a backup can also move a deployment.
"""

from __future__ import annotations

import io
import json
import tarfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext

from tracker.evidence.storage import upload_folder
from tracker.extensions import db
from tracker.models.types import utcnow

FORMAT = 1


class BackupError(RuntimeError):
    """Raised when an archive cannot be restored here; the message says why."""


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


def _revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def create(path: Path) -> dict[str, int]:
    """Write the archive to `path`; return the number of rows of each table."""
    counts: dict[str, int] = {}
    tables: dict[str, list[dict]] = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = [{k: _encode(v) for k, v in row._mapping.items()}
                    for row in connection.execute(sa.select(table))]
            tables[table.name] = rows
            counts[table.name] = len(rows)
    document = {"format": FORMAT, "revision": _revision(), "created_at": utcnow().isoformat(),
                "tables": tables}
    payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
    folder = upload_folder()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("data.json")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
        if folder.is_dir():
            for file in sorted(folder.iterdir()):
                if file.is_file():
                    archive.add(file, arcname=f"uploads/{file.name}")
    return counts


def restore(path: Path) -> dict[str, int]:
    """Load an archive into this (empty, migrated) database and upload folder.

    Raises `BackupError` when the database already holds data or the revisions differ.
    """
    with tarfile.open(path, "r:gz") as archive:
        member = archive.getmember("data.json")
        document = json.loads(archive.extractfile(member).read().decode("utf-8"))
        if document.get("format") != FORMAT:
            raise BackupError("this archive was written by another version of the backup")
        if document.get("revision") != _revision():
            raise BackupError(f"the archive is at schema revision {document.get('revision')}, "
                              f"the database at {_revision()}: run `flask db upgrade` (or "
                              "restore into a database at the archive's revision)")
        counts: dict[str, int] = {}
        with db.engine.begin() as connection:
            for table in db.metadata.sorted_tables:
                if table.name in ("gcm_objective", "theme"):
                    connection.execute(table.delete())  # loaded by the migrations
                elif connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    raise BackupError(f"the database is not empty (table {table.name}); "
                                      "restore into a freshly migrated database")
            for table in db.metadata.sorted_tables:
                rows = [{k: _decode(v) for k, v in row.items()}
                        for row in document["tables"].get(table.name, [])]
                for start in range(0, len(rows), 1000):
                    connection.execute(table.insert(), rows[start:start + 1000])
                counts[table.name] = len(rows)
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
