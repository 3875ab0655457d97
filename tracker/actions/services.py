"""Domain operations on actions. They flush but never commit: the caller owns the transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from tracker import clock
from tracker.audit import apply_changes, jsonable
from tracker.extensions import db
from tracker.models import (
    CLOCK_RESTARTING_KINDS,
    Action,
    ActionUpdate,
    Institution,
    Recommendation,
    Status,
    UpdateKind,
    User,
)
from tracker.permissions import can_manage
from tracker.reminders import notifications


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
    report_every_weeks: int | None = None,
    ref: str | None = None,
) -> Action:
    """Create an action under `recommendation` and open its history.

    `report_every_weeks` overrides the event's reporting cycle; the cycle runs from today.
    `ref` is the external reference a spreadsheet import matches rows on.
    """
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
        report_every_weeks=report_every_weeks,
        last_news_on=clock.today(),
        ref=ref,
    )
    db.session.add(action)
    db.session.flush()
    entry = ActionUpdate(
        action=action, author=actor, kind=UpdateKind.CREATED,
        new_status=action.status, new_progress=action.progress,
        changes={"owner": [None, owner.id], "deadline": [None, deadline.isoformat()]},
    )
    db.session.add(entry)
    db.session.flush()
    notifications.notify_owner("assigned", action, entry, actor)
    return action


def check_version(action: Action, expected_version: int | None) -> None:
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
    check_version(action, expected_version)
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
    if "owner" in changes:
        notifications.notify_owner("assigned", action, entry, actor)
    elif "deadline" in changes:
        notifications.notify_owner("changed", action, entry, actor)
    return entry


def record_change(actor: User, action: Action, kind: UpdateKind, *,
                  status: Status | None = None, progress: int | None = None,
                  comment: str = "", changes: dict[str, Any] | None = None) -> ActionUpdate:
    """Apply a status or progress change to `action` and append it to the history.

    History rows of CLOCK_RESTARTING_KINDS (news from a person, a return for rework) set
    the action's `last_news_on` to today, which restarts its reporting cycle.
    """
    status = action.status if status is None else status
    progress = action.progress if progress is None else progress
    entry = ActionUpdate(
        action=action, author=actor, kind=kind,
        old_status=action.status, new_status=status,
        old_progress=action.progress, new_progress=progress,
        comment=comment.strip(), changes=changes or {},
    )
    action.status = status
    action.progress = progress
    if kind in CLOCK_RESTARTING_KINDS:
        action.last_news_on = clock.today()
    db.session.add(entry)
    _flush()
    return entry


def record_progress(actor: User, action: Action, expected_version: int | None, *,
                    status: Status, progress: int, comment: str = "",
                    has_evidence: bool = False,
                    measurements: list[dict[str, Any]] | None = None) -> ActionUpdate:
    """Record a status and progress update with a comment in the action's history.

    `measurements` summarises the indicator values given with the update (see
    tracker.indicators.services.record_update): they are kept in the row's `changes`, and
    a row that changes neither status nor progress is then a `measurement` row.

    A completed action is at 100 %, a not started one at 0 %. When a focal point reports
    an action completed it waits for a coordinator's validation; a coordinator's or an
    admin's completion is final, and only they may change a validated action. Raises
    `StaleVersion` when someone saved in between, `InvalidChange` when the change is not
    allowed or nothing would be recorded.
    """
    check_version(action, expected_version)
    if not 0 <= progress <= 100:
        raise InvalidChange(_l("Progress is a percentage from 0 to 100."))
    validates = can_manage(actor)
    if status == Status.PENDING_VALIDATION and not validates:
        status = Status.COMPLETED
    if action.status == Status.COMPLETED and not validates and (
            status != Status.COMPLETED or progress != 100):
        raise InvalidChange(_l("This action was validated as completed: ask a coordinator "
                               "to reopen it."))
    if status == Status.COMPLETED and not validates and action.status != Status.COMPLETED:
        status = Status.PENDING_VALIDATION
    if status.fixed_progress is not None:
        progress = status.fixed_progress
    comment = comment.strip()
    unchanged = status == action.status and progress == action.progress
    if unchanged and not comment and not has_evidence and not measurements:
        raise InvalidChange(
            _l("Nothing to record: change the status or progress, or add a comment."))
    reported = status == Status.PENDING_VALIDATION and action.status != status
    kind = UpdateKind.MEASUREMENT if unchanged and measurements else UpdateKind.PROGRESS
    entry = record_change(actor, action, kind, status=status, progress=progress,
                          comment=comment,
                          changes={"measurements": measurements} if measurements else None)
    if reported:
        notifications.notify_coordinators("completion_reported", action, entry, actor)
    return entry
