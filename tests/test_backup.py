"""A backup restores into a fresh database with the same data and evidence files; it is
checked by restoring it into a scratch database, and it holds no working secret."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tracker.actions.services import Change, record_update
from tracker.api.tokens import create_token
from tracker.auth.reset import request_reset
from tracker.backup import services
from tracker.evidence.storage import CheckedFile, path_of
from tracker.extensions import db
from tracker.models import Evidence, OutboxMessage, Role, Status
from tracker.profile.services import create_calendar_token


def _snapshot() -> dict[str, list]:
    result = {}
    for table in db.metadata.sorted_tables:
        key = [c for c in table.primary_key.columns]
        rows = db.session.execute(sa.select(table).order_by(*key)).all()
        result[table.name] = [tuple(row) for row in rows]
    return result


@pytest.fixture
def news(make_action):
    """Return an action with one update carrying an evidence file, committed."""
    action = make_action(title="Publier l'annuaire statistique")
    record_update(action.owner, action, None, Change(
        status=Status.IN_PROGRESS, progress=40, comment="Données reçues",
        files=[CheckedFile("rapport.pdf", "application/pdf", "pdf", b"%PDF-1.4\nrapport")]))
    db.session.commit()
    return action


def _document(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("data.json").read())


def _rewrite(archive: Path, target: Path, change_document=None, change_file=None) -> None:
    """Copy `archive` to `target`, altering data.json or the evidence files on the way."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as sink:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "data.json" and change_document:
                document = json.loads(data)
                change_document(document)
                data = json.dumps(document).encode()
            elif member.name.startswith("uploads/") and change_file:
                data = change_file(data)
            member.size = len(data)
            sink.addfile(member, io.BytesIO(data))


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
    assert "Verified" in result.output and "1 evidence files" in result.output

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


def test_verify_restores_into_an_empty_scratch_database_of_either_kind(
        app, runner, news, scratch_url, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", "create", "--no-verify", str(archive)]).exit_code == 0

    result = runner.invoke(args=["backup", "verify", "--database-url", scratch_url, str(archive)])
    assert result.exit_code == 0, result.output
    assert "every foreign key resolved" in result.output
    assert "1 evidence files" in result.output
    # The scratch database is emptied again, so it can serve the next check.
    again = runner.invoke(args=["backup", "verify", "--database-url", scratch_url, str(archive)])
    assert again.exit_code == 0, again.output


def test_verify_refuses_a_scratch_database_that_is_not_empty(app, runner, news, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", "create", "--no-verify", str(archive)]).exit_code == 0
    before = _snapshot()
    in_use = db.engine.url.render_as_string(hide_password=False)

    result = runner.invoke(args=["backup", "verify", "--database-url", in_use, str(archive)])

    assert result.exit_code == 1
    assert "scratch database is not empty" in result.output
    assert _snapshot() == before


def test_verify_reports_a_row_whose_parent_is_missing(
        app, runner, news, scratch_url, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    tampered = tmp_path / "tampered.tar.gz"

    def drop_updates(document):
        document["tables"]["action_update"] = []
        document["counts"]["action_update"] = 0

    _rewrite(archive, tampered, change_document=drop_updates)

    for url in (None, scratch_url):
        options = ["--database-url", url] if url else []
        result = runner.invoke(args=["backup", "verify", *options, str(tampered)])
        assert result.exit_code == 1, result.output
        assert "failed verification" in result.output
        # SQLite loads the rows and finds the dangling keys; PostgreSQL refuses the row.
        assert re.search(r"evidence.*update_id.*action_update", result.output, re.S), \
            result.output


def test_verify_reports_missing_rows_and_altered_files(app, runner, news, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    tampered = tmp_path / "tampered.tar.gz"

    def add_an_institution(document):
        [first] = document["tables"]["institution"]
        document["tables"]["institution"].append(
            {**first, "id": 999, "code": "EXTRA", "name": "Sans compte"})

    def truncate(data):
        return data[:5]

    _rewrite(archive, tampered, change_document=add_an_institution, change_file=truncate)

    result = runner.invoke(args=["backup", "verify", str(tampered)])

    assert result.exit_code == 1
    assert "institution: 2 rows restored, the archive counts 1" in result.output
    assert re.search(r"evidence \d+: file \w+\.pdf has 5 bytes, its row says 16", result.output)


def test_create_sets_aside_an_archive_that_does_not_restore(
        app, runner, news, tmp_path, monkeypatch):
    # Reading tables at different moments is how archives lost parent rows: imitate one
    # that read the updates before they were written.
    read = services._read
    monkeypatch.setattr(services, "_read", lambda connection, table: (
        [] if table.name == "action_update" else read(connection, table)))
    archive = tmp_path / "backup.tar.gz"

    result = runner.invoke(args=["backup", "create", str(archive)])

    assert result.exit_code == 1
    assert "does not restore" in result.output
    assert "update_id" in result.output
    assert not archive.exists()
    assert (tmp_path / "backup.tar.gz.invalid").is_file()


def test_create_reports_evidence_files_missing_on_disk(app, runner, news, tmp_path):
    stored = db.session.scalar(sa.select(Evidence.stored_name))
    path_of(stored).unlink()
    archive = tmp_path / "backup.tar.gz"

    result = runner.invoke(args=["backup", "create", str(archive)])

    assert result.exit_code == 1
    assert "1 evidence files named by the database are missing" in result.output
    assert stored in result.output
    assert archive.is_file()  # the best copy there is: kept
    assert _document(archive)["missing_files"] == [stored]
    checked = runner.invoke(args=["backup", "verify", str(archive)])
    assert checked.exit_code == 1
    assert "already missing from the upload folder" in checked.output


def test_a_backup_holds_no_working_secret(app, runner, smtp, make_user, tmp_path):
    user = make_user(Role.COORDINATOR, email="karim@example.org")
    _, api_secret = create_token(user, user, "tableur")
    calendar_secret = create_calendar_token(user, user)
    request_reset("karim@example.org")
    db.session.commit()
    assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    [received] = smtp.messages
    links = re.findall(r"https?://[^\s>]+", received.get_body(("plain",)).get_content()
                       + received["List-Unsubscribe"])
    assert any("reset" in link for link in links)
    email = db.session.scalar(sa.select(OutboxMessage))
    archive = tmp_path / "backup.tar.gz"

    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0

    with tarfile.open(archive, "r:gz") as tar:
        text = tar.extractfile("data.json").read().decode()
    for secret in (api_secret, calendar_secret, "correct horse battery", *links):
        assert secret not in text
    document = json.loads(text)
    [sent] = document["tables"]["outbox_message"]
    assert (sent["key"], sent["status"]) == (email.key, "sent")  # never sent twice
    assert "[link]" in sent["body_text"]  # what was sent, its links masked
    [stored_user] = document["tables"]["user"]
    assert stored_user["password_hash"] == user.password_hash != "correct horse battery"
