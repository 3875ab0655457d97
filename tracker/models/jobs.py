"""Work queued by the web and run by the worker process (the scheduler's)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.people import User
from tracker.models.types import UTCDateTime, utcnow


class JobState(enum.StrEnum):
    """Where a job stands: waiting for a worker, being run, or ended one way or the other."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """One piece of background work (a large spreadsheet import), queued by a request.

    A worker claims it for a while (`claimed_by`, `lease_expires_at`) and renews the
    lease as it reports progress; a lease that runs out means the worker's process died,
    and another worker may take the job over while `attempts` is below `max_attempts`.
    `error` is written in the language of whoever asked (`locale`).
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_lease", "state", "lease_expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]),
        default=JobState.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=1)

    requested_by: Mapped[User | None] = relationship()

    @property
    def ended(self) -> bool:
        """Tell whether the job is done or failed."""
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        """Return the share of the work done, from 0 to 100."""
        if not self.progress_total:
            return 100 if self.state == JobState.DONE else 0
        return int(100 * self.progress_done / self.progress_total)

    def waiting_for_worker(self, now: datetime, patience: timedelta) -> bool:
        """Tell whether the job waits for a worker to run it.

        It does when it has been queued longer than `patience`, or when the worker that
        claimed it stopped renewing its lease.
        """
        if self.state == JobState.QUEUED:
            return now - self.created_at > patience
        return (self.state == JobState.RUNNING and self.lease_expires_at is not None
                and self.lease_expires_at < now)
