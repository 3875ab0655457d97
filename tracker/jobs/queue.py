"""The job queue in the database: enqueue, claim, renew, finish and fail.

Requests only enqueue (the job is written by the request's own commit). A worker claims
the oldest waiting job for a lease of `lease_seconds()`, renews the lease as the job
reports progress, and ends the job in the transaction of its work, on condition that it
still holds the claim: a worker that lost its lease (it stalled so long that another
one took the job over) rolls its work back instead of writing it twice.

Claims are row locks with `SKIP LOCKED` on PostgreSQL, so concurrent workers each take a
different job without waiting for one another. SQLite has a single writer: the claim is
one conditional UPDATE, which two workers cannot run at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.sql import ColumnElement

from tracker.extensions import db
from tracker.jobs import registry
from tracker.models import Job, JobState, User
from tracker.models.types import utcnow


class UnknownKind(ValueError):
    """Raised when queuing a job of a kind no module declares."""


def lease_seconds() -> int:
    """Return how long a claim lasts without news from its worker (JOBS_LEASE_SECONDS)."""
    return current_app.config["JOBS_LEASE_SECONDS"]


def enqueue(kind: str, payload: dict[str, Any], *, requested_by: User | None = None,
            locale: str | None = None, total: int = 0) -> Job:
    """Queue a job of `kind` with `payload` (JSON), for `total` units of work, and flush.

    `locale` is the language of the messages the job records (the asker's). Raises
    `UnknownKind`. Never commits: the caller's commit makes the job visible to workers.
    """
    definition = registry.lookup(kind)
    if definition is None:
        raise UnknownKind(kind)
    job = Job(kind=kind, payload=payload, requested_by=requested_by, state=JobState.QUEUED,
              locale=locale or current_app.config["BABEL_DEFAULT_LOCALE"],
              progress_total=total, max_attempts=definition.max_attempts)
    db.session.add(job)
    db.session.flush()
    return job


def _claimable(now) -> ColumnElement[bool]:
    abandoned = and_(Job.state == JobState.RUNNING, Job.lease_expires_at < now,
                     Job.attempts < Job.max_attempts)
    return or_(Job.state == JobState.QUEUED, abandoned)


def claim(worker: str) -> Job | None:
    """Claim the oldest job waiting for a worker, or one whose worker died, and commit.

    The job's `claimed_by` is then a token unique to this claim, which `renew`, `finish`
    and `fail` require. Returns None when no job waits.
    """
    now = utcnow()
    oldest = select(Job.id).where(_claimable(now)).order_by(Job.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    token = f"{worker[:90]}/{secrets.token_hex(4)}"
    try:
        job_id = db.session.scalar(
            update(Job).where(Job.id == oldest.scalar_subquery(), _claimable(now))
            .values(state=JobState.RUNNING, claimed_by=token, attempts=Job.attempts + 1,
                    lease_expires_at=now + timedelta(seconds=lease_seconds()),
                    started_at=now, progress_done=0)
            .returning(Job.id).execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return None if job_id is None else db.session.get(Job, job_id)


def renew(job_id: int, token: str, done: int) -> bool:
    """Record that a claimed job has done `done` units, and extend its lease.

    Written and committed on a connection of its own, so the page following the job
    sees it while the job's transaction is still open. Returns False when the claim was
    lost. On SQLite the job's transaction holds the only write lock, so nothing can be
    written beside it: progress then shows when the job ends.
    """
    if db.engine.dialect.name == "sqlite":
        return True
    with db.engine.begin() as connection:
        result = connection.execute(
            update(Job).where(Job.id == job_id, Job.claimed_by == token,
                              Job.state == JobState.RUNNING)
            .values(progress_done=done,
                    lease_expires_at=utcnow() + timedelta(seconds=lease_seconds())))
    return result.rowcount == 1


def _end(job_id: int, token: str, *conditions: ColumnElement[bool], **values: Any) -> bool:
    result = db.session.execute(
        update(Job).where(Job.id == job_id, Job.claimed_by == token,
                          Job.state == JobState.RUNNING, *conditions)
        .values(finished_at=utcnow(), lease_expires_at=None, **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def finish(job_id: int, token: str, result: dict[str, Any]) -> bool:
    """Mark the claimed job done with `result`, in the transaction of its work; flush.

    Its payload is dropped: it was needed only to run the job. Returns False, writing
    nothing, when the claim was lost: the caller must then roll its work back.
    """
    return _end(job_id, token, state=JobState.DONE, result=result, payload={},
                progress_done=Job.progress_total)


def fail(job_id: int, token: str, message: str) -> bool:
    """Mark the claimed job failed with `message` (for the user); False when the claim was lost."""
    return _end(job_id, token, state=JobState.FAILED, error=message)


def fail_abandoned() -> int:
    """Fail the jobs whose worker died on their last allowed attempt; return how many.

    Never commits. Each message is in the language of the job's asker.
    """
    now = utcnow()
    abandoned = db.session.execute(
        select(Job.id, Job.claimed_by, Job.locale).where(
            Job.state == JobState.RUNNING, Job.lease_expires_at < now,
            Job.attempts >= Job.max_attempts)).all()
    failed = 0
    for job_id, token, locale in abandoned:
        with force_locale(locale):
            message = _("The work stopped before its end, as the process running it stopped: "
                        "nothing of it was saved. Start it again.")
        # Unless its worker came back to life in between and renewed the lease.
        failed += _end(job_id, token, Job.lease_expires_at < now, state=JobState.FAILED,
                       error=message)
    return failed
