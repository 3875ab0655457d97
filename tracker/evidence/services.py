"""Attaching evidence to an update. Flushes; the caller commits or rolls back.

Files are written to disk before the commit; the names written in a transaction are kept
in the session, and removed again if it rolls back (`init_app` listens for that), so a
refused or failed update leaves no file behind.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.evidence import storage
from tracker.extensions import db
from tracker.models import ActionUpdate, Evidence, EvidenceKind

WRITTEN = "tracker.evidence.written"


def init_app(app: Flask) -> None:
    """Remove the files of a rolled-back transaction; forget them once it commits."""
    if not event.contains(Session, "after_soft_rollback", _remove_written):
        event.listen(Session, "after_soft_rollback", _remove_written)
        event.listen(Session, "after_commit", _forget_written)


def _remove_written(session: Session, previous_transaction) -> None:
    storage.remove(session.info.pop(WRITTEN, []))


def _forget_written(session: Session) -> None:
    session.info.pop(WRITTEN, None)


def attach(update: ActionUpdate, files: list[storage.CheckedFile], links: list[str]) -> None:
    """Store `files` and record them and `links` as evidence of `update`.

    Raises `EvidenceRefused` when a file cannot be written; what was written is removed
    when the caller rolls back.
    """
    written = db.session.info.setdefault(WRITTEN, [])
    for checked in files:
        stored_name = storage.write(checked)
        written.append(stored_name)
        db.session.add(Evidence(
            action_id=update.action_id, update=update, kind=EvidenceKind.FILE,
            filename=checked.filename, stored_name=stored_name,
            content_type=checked.content_type, size=len(checked.data)))
    for url in links:
        db.session.add(Evidence(action_id=update.action_id, update=update,
                                kind=EvidenceKind.LINK, url=url))
    db.session.flush()
