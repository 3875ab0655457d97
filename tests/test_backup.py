"""A backup restores into a fresh database with the same data and evidence files."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Role


def _snapshot() -> dict[str, list]:
    result = {}
    for table in db.metadata.sorted_tables:
        key = [c for c in table.primary_key.columns]
        rows = db.session.execute(sa.select(table).order_by(*key)).all()
        result[table.name] = [tuple(row) for row in rows]
    return result


def test_backup_then_restore_gives_back_the_same_data_and_files(
        app, runner, client, auth, make_action, make_user, tmp_path):
    action = make_action(title="Publier l'annuaire statistique")
    auth.login(action.owner)
    client.post(f"/actions/{action.id}/update", data={
        "status": "in_progress", "progress": "40", "comment": "Données reçues",
        "links": "", "version": action.version,
        "files": [(io.BytesIO(b"%PDF-1.4\nrapport"), "rapport.pdf")]},
        content_type="multipart/form-data")
    make_user(Role.COORDINATOR, name="Karim")
    before = _snapshot()
    uploads = tmp_path / "uploads"
    files_before = {p.name: p.read_bytes() for p in uploads.iterdir()}
    assert files_before

    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output

    refused = runner.invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code == 1 and "not empty" in refused.output

    db.session.remove()
    with db.engine.begin() as connection:  # a fresh deployment: migrated, empty
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in ("gcm_objective", "theme"):
                connection.execute(table.delete())
    for path in uploads.iterdir():
        path.unlink()

    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert _snapshot() == before
    assert {p.name: p.read_bytes() for p in uploads.iterdir()} == files_before
    # New rows still get fresh ids after the restore (sequences moved on PostgreSQL).
    assert make_user(Role.VIEWER).id > max(row[0] for row in before["user"])
