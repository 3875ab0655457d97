"""Backups taken on PostgreSQL while people keep recording news with evidence all restore."""

from __future__ import annotations

import json
import tarfile
import threading
from datetime import date, timedelta

import pytest

from tracker.actions.services import Change, create_action, record_update
from tracker.evidence.storage import CheckedFile
from tracker.extensions import db
from tracker.models import Action, Role, User

WRITERS = 3
BACKUPS = 4
# Updates committed between two backups, so that each archive catches writers mid-way.
UPDATES_BETWEEN_BACKUPS = 5


@pytest.fixture
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a snapshot transaction beside concurrent writers; CI runs this on "
                    "PostgreSQL")


class Writers:
    """Threads that each record news with a file on actions of their own, and now and then
    a new action, committing each time, until stopped."""

    def __init__(self, app, coordinator_id: int, action_ids: list[int]) -> None:
        self.app = app
        self.coordinator_id = coordinator_id
        self.committed = 0
        self.errors: list[BaseException] = []
        self.progress = threading.Condition()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(action_id,))
                        for action_id in action_ids]

    def _write(self, action_id: int) -> None:
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                with self.app.app_context():  # a session of its own, as in a web worker
                    action = db.session.get(Action, action_id)
                    if n % 4 == 0:  # news on a brand-new action: its parent row is new too
                        coordinator = db.session.get(User, self.coordinator_id)
                        action = create_action(
                            coordinator, action.recommendation, title=f"Suite {n}",
                            owner=action.owner, lead_institution=action.lead_institution,
                            deadline=date.today() + timedelta(days=60))
                    record_update(action.owner, action, None, Change(
                        comment=f"Compte rendu {n}",
                        files=[CheckedFile(f"note{n}.pdf", "application/pdf", "pdf",
                                           b"%PDF-1.4\n" + b"x" * n)]))
                    db.session.commit()
                with self.progress:
                    self.committed += 1
                    self.progress.notify_all()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.errors.append(exc)
            with self.progress:
                self.progress.notify_all()

    def wait_for(self, committed: int) -> None:
        with self.progress:
            # The timeout only keeps a broken writer from hanging the suite.
            assert self.progress.wait_for(
                lambda: self.committed >= committed or self.errors, timeout=120)
        assert not self.errors, self.errors


def test_backups_taken_while_people_work_all_restore(
        app, postgresql_only, runner, scratch_url, make_user, make_action, tmp_path):
    coordinator = make_user(Role.COORDINATOR)
    action_ids = [make_action(title=f"Action {i}").id for i in range(WRITERS)]
    writers = Writers(app, coordinator.id, action_ids)
    archives = [tmp_path / f"backup-{i}.tar.gz" for i in range(BACKUPS)]
    for thread in writers.threads:
        thread.start()
    try:
        for archive in archives:
            writers.wait_for(writers.committed + UPDATES_BETWEEN_BACKUPS)
            result = runner.invoke(args=["backup", "create", str(archive)])
            assert result.exit_code == 0, result.output
            assert "every foreign key resolved" in result.output
    finally:
        writers.stop.set()
        for thread in writers.threads:
            thread.join()
    assert not writers.errors, writers.errors

    evidence_counts = []
    for archive in archives:
        result = runner.invoke(args=["backup", "verify", "--database-url", scratch_url,
                                     str(archive)])
        assert result.exit_code == 0, result.output
        with tarfile.open(archive, "r:gz") as tar:
            document = json.loads(tar.extractfile("data.json").read())
            files = [m for m in tar.getmembers() if m.name.startswith("uploads/")]
        assert len(files) == document["counts"]["evidence"]
        evidence_counts.append(document["counts"]["evidence"])
    # Each archive caught the writers at a later point.
    assert evidence_counts == sorted(set(evidence_counts))
