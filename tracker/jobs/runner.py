"""Run the queued jobs, one at a time, each in its own transaction.

The scheduler process calls `run_scheduled` every few seconds; `flask jobs run` calls
`run_pending` once. Web requests never run jobs: they only queue them.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.jobs import queue, registry
from tracker.models import Job

logger = logging.getLogger(__name__)

# A job's progress (and the lease with it) is written at most this often.
REPORT_EVERY_SECONDS = 1.0
# The scheduler's runs return after this many jobs, the next run goes on.
SCHEDULED_BATCH = 20


@dataclass
class RunReport:
    """How the jobs of one run ended."""

    done: int = 0
    failed: int = 0
    # Taken over by another worker after this one's lease ran out: their work was undone.
    lost: int = 0
    # Failed before this run: their worker died on their last allowed attempt.
    abandoned: int = 0

    @property
    def ran(self) -> int:
        return self.done + self.failed + self.lost


def worker_name() -> str:
    """Return a name for this process in the jobs it claims (host and process id)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_pending(limit: int | None = None, worker: str | None = None) -> RunReport:
    """Claim and run waiting jobs one at a time until none waits or `limit` have run.

    Jobs whose worker died on their last allowed attempt are failed first. Raises
    RuntimeError inside a web request: a job there would die with a recycled worker.
    """
    if has_request_context():
        raise RuntimeError("jobs run in the worker process, never in a web request")
    worker = worker or worker_name()
    report = RunReport()
    report.abandoned = queue.fail_abandoned()
    db.session.commit()
    while limit is None or report.ran < limit:
        job = queue.claim(worker)
        if job is None:
            break
        outcome = _run(job)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def run_scheduled() -> None:
    """Scheduled: run the jobs waiting in the queue."""
    report = run_pending(limit=SCHEDULED_BATCH)
    if report.ran:
        logger.info("jobs: %d done, %d failed, %d lost", report.done, report.failed,
                    report.lost)
    if report.abandoned:
        logger.warning("jobs: %d abandoned by a worker that died, failed", report.abandoned)


class _Reporter:
    """Write a job's progress: the first report at once, then one a second at most."""

    def __init__(self, job_id: int, token: str) -> None:
        self.job_id, self.token = job_id, token
        self.last: float | None = None

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if self.last is None or now - self.last >= REPORT_EVERY_SECONDS:
            self.last = now
            queue.renew(self.job_id, self.token, done)


def _run(job: Job) -> str:
    """Run one claimed job and end it; return "done", "failed" or "lost"."""
    job_id, token, kind, locale = job.id, job.claimed_by or "", job.kind, job.locale
    definition = registry.lookup(kind)
    with force_locale(locale):
        try:
            if definition is None:
                raise registry.JobFailed(_("This kind of work is no longer known to the "
                                           "tracker: nothing was done."))
            context = registry.JobContext(job_id=job_id, payload=job.payload,
                                          requested_by=job.requested_by,
                                          report=_Reporter(job_id, token))
            result = definition.function(context) or {}
            if not queue.finish(job_id, token, result):
                db.session.rollback()
                logger.warning("job %d (%s) was taken over by another worker; its work "
                               "here was rolled back", job_id, kind)
                return "lost"
            db.session.commit()
            return "done"
        except registry.JobFailed as exc:
            db.session.rollback()
            message = str(exc)
        except Exception:
            db.session.rollback()
            logger.exception("job %d (%s) failed", job_id, kind)
            message = _("The work failed unexpectedly: nothing of it was saved. The "
                        "administrators can find the cause in the log.")
    if not queue.fail(job_id, token, message):
        db.session.rollback()
        return "lost"
    db.session.commit()
    return "failed"
