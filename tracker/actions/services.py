"""Domain operations on actions. They flush but never commit: the caller owns the transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import apply_changes, jsonable
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    Institution,
    Recommendation,
    Status,
    UpdateKind,
    User,
)


class StaleVersion(Exception):
    """Raised when a change is based on a version of the action that is no longer current."""


class InvalidChange(ValueError):
    """Raised when a change breaks a rule of the domain; the message is for the user."""


def _check_dates(start: date | None, deadline: date) -> None:
    if start is not None and deadline < start:
        raise InvalidChange(_l("The deadline cannot be before the start date."))


def create_action(
    actor: User,
    recommendation: Recommendation,
    *,
    title: str,
    owner: User,
    lead_institution: Institution,
    deadline: date,
    description: str = "",
    contributors: list[Institution] | None = None,
    start_date: date | None = None,
) -> Action:
    """Create an action under `recommendation` and open its history."""
    _check_dates(start_date, deadline)
    action = Action(
        recommendation=recommendation,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        lead_institution=lead_institution,
        contributors=[c for c in (contributors or []) if c.id != lead_institution.id],
        start_date=start_date,
        deadline=deadline,
        status=Status.NOT_STARTED,
        progress=0,
    )
    db.session.add(action)
    db.session.flush()
    db.session.add(ActionUpdate(
        action=action, author=actor, kind=UpdateKind.CREATED,
        new_status=action.status, new_progress=action.progress,
        changes={"owner": [None, owner.id], "deadline": [None, deadline.isoformat()]},
    ))
    db.session.flush()
    return action


def _check_version(action: Action, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != action.version:
        raise StaleVersion()


def _flush() -> None:
    """Flush, turning a concurrent save detected by the version column into StaleVersion."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleVersion() from exc


def edit_action(actor: User, action: Action, expected_version: int | None,
                values: dict[str, Any]) -> ActionUpdate | None:
    """Change an action's planning fields (title, owner, institutions, dates).

    Records the fields that changed, from what to what. Returns the history row, or
    None when nothing changed. Raises `StaleVersion` or `InvalidChange`.
    """
    _check_version(action, expected_version)
    start = values.get("start_date", action.start_date)
    deadline = values.get("deadline", action.deadline)
    _check_dates(start, deadline)
    if "contributors" in values and "lead_institution" in values:
        lead = values["lead_institution"]
        values["contributors"] = [c for c in values["contributors"] if c.id != lead.id]
    changes = apply_changes(action, values)
    if not changes:
        return None
    entry = ActionUpdate(action=action, author=actor, kind=UpdateKind.EDITED,
                         changes={k: [jsonable(o), jsonable(n)] for k, (o, n) in changes.items()})
    db.session.add(entry)
    _flush()
    return entry


def record_progress(actor: User, action: Action, expected_version: int | None, *,
                    status: Status, progress: int, comment: str = "") -> ActionUpdate:
    """Record a status and progress update with a comment in the action's history.

    A completed action is at 100 %, a not started one at 0 %. Raises `StaleVersion`
    when someone saved in between, `InvalidChange` when nothing would be recorded.
    """
    _check_version(action, expected_version)
    if not 0 <= progress <= 100:
        raise InvalidChange(_l("Progress is a percentage from 0 to 100."))
    if status == Status.COMPLETED:
        progress = 100
    elif status == Status.NOT_STARTED:
        progress = 0
    comment = comment.strip()
    if status == action.status and progress == action.progress and not comment:
        raise InvalidChange(
            _l("Nothing to record: change the status or progress, or add a comment."))
    entry = ActionUpdate(
        action=action, author=actor, kind=UpdateKind.PROGRESS,
        old_status=action.status, new_status=status,
        old_progress=action.progress, new_progress=progress, comment=comment,
    )
    action.status = status
    action.progress = progress
    db.session.add(entry)
    _flush()
    return entry
