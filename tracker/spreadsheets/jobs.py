"""Run a long spreadsheet import in the background and report how far it has gone.

A confirmed file with many rows is written by a thread of the web process, in one
transaction, so the request can answer at once with a page that follows the import.
Its progress is kept in a small JSON file next to the stashed spreadsheets: every
worker of the server can read it, whichever one the browser reaches. A progress file
that has not moved for `STALLED_AFTER_SECONDS` belongs to an import whose process
died; its transaction was rolled back by the database, so nothing of it was written.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.extensions import db
from tracker.models import User
from tracker.spreadsheets import services, validate
from tracker.spreadsheets.reader import Sheet

RUNNING, DONE, FAILED = "running", "done", "failed"
# An import reports its progress every this many rows.
REPORT_EVERY_ROWS = 25
STALLED_AFTER_SECONDS = 120


@dataclass
class Progress:
    """Where a background import stands: rows written so far out of all, and its outcome."""

    state: str
    total: int
    done: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""
    beat: float = field(default_factory=time.time)

    @property
    def stalled(self) -> bool:
        """Tell whether the import stopped reporting while running (its process died)."""
        return self.state == RUNNING and time.time() - self.beat > STALLED_AFTER_SECONDS

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


def _path(user_id: int, token: str) -> Path:
    return services.folder() / f"{user_id}-{token}.progress.json"


def _write(user_id: int, token: str, progress: Progress) -> None:
    progress.beat = time.time()
    path = _path(user_id, token)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(progress)), encoding="utf-8")
    os.replace(temporary, path)  # readers never see a half-written file


def read(user: User, token: str) -> Progress | None:
    """Return the progress of `user`'s import `token`, or None when there is none."""
    if not services.TOKEN_RE.match(token or ""):
        return None
    try:
        data = json.loads(_path(user.id, token).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return Progress(**data)


def start(user: User, token: str, sheet: Sheet, locale: str) -> None:
    """Start writing the rows of `sheet` in a thread; its progress is readable with `read`."""
    progress = Progress(state=RUNNING, total=len(sheet.rows))
    _write(user.id, token, progress)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(target=_run, name=f"spreadsheet-import-{token[:8]}",
                              args=(app, user.id, token, sheet, progress, locale),
                              daemon=True)
    thread.start()


def _run(app: Flask, user_id: int, token: str, sheet: Sheet, progress: Progress,
         locale: str) -> None:
    with app.app_context(), force_locale(locale):
        try:
            actor = db.session.get(User, user_id)
            # Checked again in this transaction: the data may have changed since the preview.
            preview = validate.check(sheet)
            if not preview.ok:
                raise services.ImportFailed(_(
                    "The tracker's data changed since the preview: the file now has errors, "
                    "and nothing was imported."))

            def report(done: int) -> None:
                if done % REPORT_EVERY_ROWS == 0:
                    progress.done = done
                    _write(user_id, token, progress)

            progress.counts = services.apply_import(actor, preview, on_row=report)
            db.session.commit()
            progress.done, progress.state = progress.total, DONE
        except services.ImportFailed as exc:
            db.session.rollback()
            progress.state, progress.message = FAILED, str(exc)
        except (IntegrityError, OperationalError):
            db.session.rollback()
            progress.state, progress.message = FAILED, _(
                "Someone changed the same data meanwhile: nothing was imported. Try again.")
        except Exception:  # the page must say it failed rather than run forever
            db.session.rollback()
            app.logger.exception("spreadsheet import %s failed", token[:8])
            progress.state, progress.message = FAILED, _(
                "The import failed unexpectedly: nothing was imported.")
        finally:
            db.session.remove()
        _write(user_id, token, progress)
