"""The import of a large spreadsheet, as a job the worker process runs.

The request that confirms a file of many rows queues it with the rows it read; the
worker checks them again and writes them all in one transaction, or none, while the
progress page reads the job's row.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.extensions import db
from tracker.jobs import queue, registry
from tracker.models import Job, User
from tracker.spreadsheets import services, validate
from tracker.spreadsheets.reader import Sheet

SPREADSHEET_IMPORT = "spreadsheet_import"


def enqueue_import(user: User, sheet: Sheet, locale: str) -> Job:
    """Queue the import of `sheet`'s rows for `user`, with messages in `locale`; flush."""
    payload = {"header": sheet.header, "header_row": sheet.header_row,
               "rows": [[number, values] for number, values in sheet.rows]}
    return queue.enqueue(SPREADSHEET_IMPORT, payload, requested_by=user, locale=locale,
                         total=len(sheet.rows))


@registry.kind(SPREADSHEET_IMPORT, max_attempts=2)
def import_spreadsheet(job: registry.JobContext) -> dict[str, Any]:
    """Check the queued rows again and write them all; return the rows and their counts.

    The whole import is one transaction, so a worker that dies halfway wrote nothing, and
    starting the job once more is safe: rows match on their external references, so even
    rows that were written (a worker stalled past its lease, then committed) would be
    found unchanged. Hence two attempts. Raises `JobFailed` with the reason, for the user.
    """
    actor = job.requested_by
    if actor is None or not actor.active:
        raise registry.JobFailed(_("The account that sent the file is no longer active: "
                                   "nothing was imported."))
    payload = job.payload
    sheet = Sheet(header=list(payload["header"]), header_row=int(payload["header_row"]),
                  rows=[(int(number), list(values)) for number, values in payload["rows"]])
    # Checked again in this transaction: the data may have changed since the preview.
    preview = validate.check(sheet)
    if not preview.ok:
        raise registry.JobFailed(_(
            "The tracker's data changed since the preview: the file now has errors, "
            "and nothing was imported."))
    try:
        counts = services.apply_import(actor, preview, on_row=job.report)
        db.session.flush()
    except services.ImportFailed as exc:
        raise registry.JobFailed(str(exc)) from exc
    except (IntegrityError, OperationalError) as exc:
        raise registry.JobFailed(_(
            "Someone changed the same data meanwhile: nothing was imported. Try again.")) from exc
    return {"rows": len(sheet.rows), "counts": counts}
