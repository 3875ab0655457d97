"""Apply a checked spreadsheet, and keep an uploaded file between its preview and its import.

`apply_import` flushes and never commits: the request owns the one commit, so a file
is written whole or not at all.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from tracker.actions.services import Change, create_action, edit_action, record_update
from tracker.domain import DomainError
from tracker.events.services import create_recommendation, update_recommendation
from tracker.models import User
from tracker.spreadsheets.reader import EXTENSIONS
from tracker.spreadsheets.validate import CREATE, UPDATE, ActionPlan, Preview, RecommendationPlan

# A stashed file is kept this long for its import to be confirmed.
STASH_MAX_AGE_SECONDS = 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


class ImportFailed(DomainError):
    """Raised when a checked file cannot be written; the message is for the user."""


def apply_import(actor: User, preview: Preview,
                 on_row: Callable[[int], None] | None = None) -> dict[str, int]:
    """Create and update the recommendations and actions `preview` plans, row by row.

    Returns the number of rows that created, updated or left things unchanged. Raises
    `ImportFailed` when the preview has errors or a row cannot be written (someone saved
    the same data in between): the caller must then roll back.
    """
    if not preview.ok:
        raise ImportFailed(_("The file has errors: nothing was imported."))
    for done, row in enumerate(preview.rows, start=1):
        try:
            if row.owns_recommendation and row.recommendation is not None:
                _apply_recommendation(actor, row.recommendation)
            if row.action is not None:
                _apply_action(actor, row.action)
        except (DomainError, IntegrityError) as exc:
            reason = (str(exc) if isinstance(exc, DomainError)
                      else _("someone changed the same data meanwhile"))
            raise ImportFailed(_("Row %(row)d could not be written (%(reason)s): nothing was "
                                 "imported.", row=row.number, reason=reason)) from exc
        if on_row is not None:
            on_row(done)
    return preview.counts


def _apply_recommendation(actor: User, plan: RecommendationPlan) -> None:
    if plan.operation == CREATE:
        plan.created = create_recommendation(actor, plan.event, **plan.values)
    elif plan.operation == UPDATE:
        update_recommendation(actor, plan.existing, plan.existing.version,
                              {name: plan.values[name] for name in plan.changes})


def _apply_action(actor: User, plan: ActionPlan) -> None:
    if plan.operation == UPDATE:
        action = plan.existing
        planning = {name: plan.values[name] for name in plan.changes if name in plan.values}
        if planning:
            edit_action(actor, action, action.version, planning)
    elif plan.operation == CREATE:
        values = plan.values
        action = create_action(
            actor, plan.recommendation.target, title=values["title"], owner=values["owner"],
            lead_institution=values["lead_institution"], deadline=values["deadline"],
            description=values.get("description", ""), contributors=values.get("contributors"),
            start_date=values.get("start_date"), ref=plan.ref)
    else:
        return
    if (plan.status, plan.progress) != (action.status, action.progress):
        record_update(actor, action, action.version, Change(
            status=plan.status, progress=plan.progress,
            comment=_("Status given by the spreadsheet import.")))


def max_bytes() -> int:
    """Return the largest spreadsheet accepted, in bytes."""
    return current_app.config["SPREADSHEET_MAX_BYTES"]


def folder() -> Path:
    """Return the folder that keeps uploaded files between preview and import."""
    configured = current_app.config["SPREADSHEET_IMPORT_FOLDER"]
    return Path(configured or Path(current_app.instance_path) / "spreadsheet-imports")


def _path(user: User, token: str, extension: str) -> Path:
    # Built only from the user's id, a checked token and a known extension: never a
    # path the client sent.
    return folder() / f"{user.id}-{token}{extension}"


def stash(user: User, extension: str, data: bytes) -> str:
    """Keep an uploaded file until its import is confirmed; return the token naming it."""
    if extension not in EXTENSIONS:
        raise ValueError(f"not a spreadsheet extension: {extension!r}")
    purge_stale()
    folder().mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    _path(user, token, extension).write_bytes(data)
    return token


def take(user: User, token: str) -> tuple[str, bytes] | None:
    """Return the extension and content of the file `user` stashed, and delete it.

    Returns None when the token is malformed, names no file of this user, or the file
    is older than an hour.
    """
    if not TOKEN_RE.match(token or ""):
        return None
    for extension in EXTENSIONS:
        path = _path(user, token, extension)
        try:
            stale = time.time() - path.stat().st_mtime > STASH_MAX_AGE_SECONDS
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        path.unlink(missing_ok=True)
        return None if stale else (extension, data)
    return None


def purge_stale(max_age: int = STASH_MAX_AGE_SECONDS) -> int:
    """Delete the stashed files older than `max_age` seconds; return how many."""
    kept = folder()
    if not kept.is_dir():
        return 0
    limit = time.time() - max_age
    removed = 0
    for path in kept.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another worker removed it first
    return removed
