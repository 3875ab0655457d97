"""Attaching evidence to an update. Flushes; the caller commits or calls `discard`."""

from __future__ import annotations

from tracker.evidence import storage
from tracker.extensions import db
from tracker.models import ActionUpdate, Evidence, EvidenceKind


def attach(update: ActionUpdate, files: list[storage.CheckedFile], links: list[str]) -> list[str]:
    """Store `files` and record them and `links` as evidence of `update`.

    Returns the stored names so that the caller can remove them if the transaction
    fails. Raises `EvidenceRefused` when a file cannot be written; the files written
    before it are removed.
    """
    written: list[str] = []
    try:
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
    except Exception:
        storage.remove(written)
        raise
    return written
