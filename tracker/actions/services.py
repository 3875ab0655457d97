"""Domain operations on actions. They flush but never commit: the caller owns the transaction.

Every way of recording news on an action (the web form, the API, a one-click email link,
a spreadsheet import) goes through `record_update`; planning changes go through
`create_action` and `edit_action`. The rules they apply are in `tracker.actions.rules`;
what happened is announced through `tracker.actions.signals`, for the emails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from tracker import clock
from tracker.actions import rules
from tracker.actions.signals import ActionEvent, announce
from tracker.audit import apply_changes, jsonable
from tracker.domain import DomainError, InvalidChange, StaleVersion
from tracker.evidence import services as evidence
from tracker.evidence.storage import CheckedFile
from tracker.extensions import db
from tracker.models import (
    CLOCK_RESTARTING_KINDS,
    Action,
    ActionUpdate,
    Indicator,
    Institution,
    Measurement,
    Recommendation,
    Status,
    UpdateKind,
    User,
)
from tracker.models.types import utcnow
from tracker.permissions import can_manage, can_update_action

__all__ = ["InvalidChange", "StaleVersion", "NotAllowed", "Reading", "Change",
           "create_action", "edit_action", "record_change", "record_update", "check_version"]


class NotAllowed(DomainError):
    """The actor may not update this action (not theirs, nor their institution's)."""

    default_message = _l("You cannot update this action.")


@dataclass(frozen=True)
class Reading:
    """A value of one of the action's indicators on a date, given with an update."""

    indicator: Indicator
    value: float
    measured_on: date

    def summary(self) -> dict[str, Any]:
        """Return what the history row keeps of it, readable even if the indicator goes."""
        return {"indicator_id": self.indicator.id, "name": self.indicator.name,
                "unit": self.indicator.unit, "value": self.value,
                "measured_on": self.measured_on.isoformat()}


@dataclass(frozen=True)
class Change:
    """What an update asks for: a status and progress, with a comment, indicator values and
    evidence (checked files, links). None keeps the action's current status or progress."""

    status: Status | None = None
    progress: int | None = None
    comment: str = ""
    readings: list[Reading] = field(default_factory=list)
    files: list[CheckedFile] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @property
    def has_evidence(self) -> bool:
        """Tell whether the update brings files or links."""
        return bool(self.files or self.links)


# What entering a status announces: it waits for a coordinator, or they should know.
ENTERING_EVENTS = {
    Status.PENDING_VALIDATION: ActionEvent.COMPLETION_REPORTED,
    Status.PENDING_CANCELLATION: ActionEvent.CANCELLATION_PROPOSED,
    Status.BLOCKED: ActionEvent.BLOCKED,
}


def create_action(
    actor: User,
    recommendation: Recommendation,
    *,
    title: str,
    owner: User,
    lead_institution: Institution | None,
    deadline: date,
    description: str = "",
    contributors: list[Institution] | None = None,
    start_date: date | None = None,
    report_every_weeks: int | None = None,
    ref: str | None = None,
) -> Action:
    """Create an action under `recommendation`, open its history and tell its owner.

    `report_every_weeks` overrides the event's reporting cycle; the cycle runs from today.
    `ref` is the external reference a spreadsheet import matches rows on. Without a lead
    institution, the owner's leads. Raises `InvalidChange` when the owner cannot own
    actions, there is no lead institution, or the dates are out of order.
    """
    rules.require(rules.owner_problem(owner), "owner")
    lead_institution = rules.lead_institution_for(owner, lead_institution)
    rules.require(rules.dates_problem(start_date, deadline), "deadline")
    action = Action(
        recommendation=recommendation,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        lead_institution=lead_institution,
        contributors=rules.contributors_besides(lead_institution, contributors or []),
        start_date=start_date,
        deadline=deadline,
        status=Status.NOT_STARTED,
        progress=0,
        report_every_weeks=report_every_weeks,
        last_news_on=clock.today(),
        ref=ref,
        archived=recommendation.is_archived,
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
    announce(ActionEvent.ASSIGNED, action, entry, actor)
    return action


def check_version(action: Action, expected_version: int | None) -> None:
    """Raise `StaleVersion` when the change was based on another version than the current."""
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

    Records the fields that changed, from what to what, and tells the owner (a new owner
    is assigned the action, and the previous one is told it was handed over). A lead
    institution given as None is the owner's. Returns the history row, or None when
    nothing changed. Raises `StaleVersion` or `InvalidChange`.
    """
    check_version(action, expected_version)
    if "owner" in values:
        rules.require(rules.owner_problem(values["owner"], action.owner_id), "owner")
    if "lead_institution" in values:
        values["lead_institution"] = rules.lead_institution_for(
            values.get("owner", action.owner), values["lead_institution"])
    rules.require(rules.dates_problem(values.get("start_date", action.start_date),
                                      values.get("deadline", action.deadline)), "deadline")
    if "contributors" in values:
        lead = values.get("lead_institution", action.lead_institution)
        values["contributors"] = rules.contributors_besides(lead, values["contributors"])
    previous_owner = action.owner
    changes = apply_changes(action, values)
    if not changes:
        return None
    entry = ActionUpdate(action=action, author=actor, kind=UpdateKind.EDITED,
                         changes={k: [jsonable(o), jsonable(n)] for k, (o, n) in changes.items()})
    db.session.add(entry)
    _flush()
    if "owner" in changes:
        announce(ActionEvent.ASSIGNED, action, entry, actor)
        announce(ActionEvent.UNASSIGNED, action, entry, actor, concerned=(previous_owner,))
    elif "deadline" in changes:
        announce(ActionEvent.CHANGED, action, entry, actor)
    return entry


def record_change(actor: User, action: Action, kind: UpdateKind, *,
                  status: Status | None = None, progress: int | None = None,
                  comment: str = "", changes: dict[str, Any] | None = None) -> ActionUpdate:
    """Apply a status or progress change to `action` and append it to the history.

    Every history row bumps the action's version, a comment alone included, so that a
    form based on the version before it is refused. Rows of CLOCK_RESTARTING_KINDS (news
    from a person, a return for rework) set `last_news_on` to today, which restarts the
    reporting cycle. Raises `StaleVersion` when someone saved the action in between.
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
    action.updated_at = utcnow()
    if kind in CLOCK_RESTARTING_KINDS:
        action.last_news_on = clock.today()
    db.session.add(entry)
    _flush()
    return entry


def _check_readings(action: Action, readings: list[Reading], today: date) -> None:
    for reading in readings:
        if reading.indicator.action_id != action.id:
            raise ValueError("a reading of another action's indicator")
        rules.require(rules.value_problem(reading.value), "indicators")
        rules.require(rules.measurement_date_problem(reading.indicator, reading.measured_on,
                                                     today), "indicators")


def record_update(actor: User, action: Action, expected_version: int | None,
                  change: Change) -> ActionUpdate:
    """Record news on an action: status, progress, comment, indicator values, evidence.

    The one way in for the web form, the API, email links and spreadsheet imports. The
    status follows `rules.resolve_transition` (a focal point's completion waits for
    validation, their cancellation is a proposal; blocking needs a reason). Indicator
    values are kept with the history row (a `measurement` row when status and progress
    stay as they were); files are stored and removed again if the
    transaction rolls back. Raises `NotAllowed`, `StaleVersion` when someone saved in
    between, `InvalidChange` when the change breaks a rule or would record nothing, and
    `EvidenceRefused` when a file cannot be stored.
    """
    if not can_update_action(actor, action):
        raise NotAllowed()
    check_version(action, expected_version)
    rules.require(rules.archived_problem(action), "status")
    status, progress = rules.resolve_transition(
        can_manage(actor), action.status,
        action.status if change.status is None else change.status,
        action.progress if change.progress is None else change.progress,
        current_progress=action.progress, reason=change.comment)
    _check_readings(action, change.readings, clock.today())
    comment = change.comment.strip()
    unchanged = status == action.status and progress == action.progress
    if unchanged and not comment and not change.has_evidence and not change.readings:
        raise InvalidChange(
            _l("Nothing to record: change the status or progress, or add a comment."), "status")
    event = ENTERING_EVENTS.get(status) if status != action.status else None
    measurements = [r.summary() for r in change.readings]
    kind = UpdateKind.MEASUREMENT if unchanged and measurements else UpdateKind.PROGRESS
    entry = record_change(actor, action, kind, status=status, progress=progress,
                          comment=comment,
                          changes={"measurements": measurements} if measurements else None)
    for reading in change.readings:
        db.session.add(Measurement(indicator=reading.indicator, update=entry, author=actor,
                                   value=reading.value, measured_on=reading.measured_on,
                                   comment=entry.comment))
    evidence.attach(entry, change.files, change.links)
    if event is not None:
        announce(event, action, entry, actor)
    return entry
