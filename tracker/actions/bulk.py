"""Changing many actions at once: plan the change, show it, then apply it all or not at all.

A coordinator selects actions on the list and asks for one change (a new owner or lead
institution, deadlines moved or set, a status, a reporting cycle). `plan` tells, per
action, what would change from what to what and what a rule refuses; `apply` checks the
versions the plan was shown with and changes every action through the single-action path
(`services.edit_action`, `services.record_change`), so the same rules hold and each action
gets one history row. The emails go through the actions' events and the daily email, so a
person given thirty actions hears of them in one email. Nothing here commits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker.actions import rules, services
from tracker.actions.signals import ActionEvent, announce
from tracker.domain import DomainError, InvalidChange, StaleVersion
from tracker.extensions import db
from tracker.models import (
    AWAITING_REVIEW_STATUSES,
    Action,
    ActionUpdate,
    Institution,
    Recommendation,
    Status,
    UpdateKind,
    User,
)
from tracker.permissions import can_manage

# A batch larger than this is refused with a message. Each action goes through the
# single-action path (a flush, a history row, an outbox row): applying 1,000 took 16 to
# 18 s on SQLite and PostgreSQL (measured 2026-12-03, 2 shared cores), past half of
# gunicorn's 30 s timeout; 500 stay well within it and cover a focal point's departure.
MAX_BATCH = 500
# Deadlines move by at most ten years either way.
MAX_SHIFT_DAYS = 3650


class TooMany(DomainError):
    """More actions than one batch takes."""

    default_message = _l("A bulk change takes at most %(max)s actions at a time: narrow the "
                         "filters or select fewer actions.", max=f"{MAX_BATCH:,}")


class Operation(enum.StrEnum):
    """The change a batch applies to each of its actions."""

    OWNER = "owner"
    LEAD = "lead_institution"
    SHIFT = "shift"
    DEADLINE = "deadline"
    STATUS = "status"
    CYCLE = "cycle"

    @property
    def label(self) -> str:
        """Return what the operation does, for menus and the preview."""
        return str(OPERATION_LABELS[self])


OPERATION_LABELS = {
    Operation.OWNER: _l("Reassign the owner"),
    Operation.LEAD: _l("Change the lead institution"),
    Operation.SHIFT: _l("Move the deadlines by a number of days"),
    Operation.DEADLINE: _l("Set the deadline to a date"),
    Operation.STATUS: _l("Set the status"),
    Operation.CYCLE: _l("Set the reporting cycle"),
}


@dataclass(frozen=True)
class BulkChange:
    """One change for every action of a batch, with the value its operation needs."""

    operation: Operation
    owner: User | None = None
    institution: Institution | None = None
    days: int | None = None
    deadline: date | None = None
    status: Status | None = None
    weeks: int | None = None
    comment: str = ""

    def value_problem(self) -> Any:
        """Return why the change lacks the value its operation needs, or None."""
        missing = {
            Operation.OWNER: self.owner is None and _l("Choose the new owner."),
            Operation.LEAD: self.institution is None and _l("Choose the lead institution."),
            Operation.SHIFT: (self.days is None or self.days == 0
                              or abs(self.days) > MAX_SHIFT_DAYS) and _l(
                "Give a number of days from -%(max)d to %(max)d, not 0.", max=MAX_SHIFT_DAYS),
            Operation.DEADLINE: self.deadline is None and _l("Give the new deadline."),
            # Waiting for a decision is where a focal point's report leads, not a status to set.
            Operation.STATUS: (self.status is None or self.status in AWAITING_REVIEW_STATUSES)
            and _l("Choose the new status."),
            Operation.CYCLE: self.weeks is None and _l("Give the reporting cycle in weeks."),
        }[self.operation]
        return missing or None


@dataclass
class Planned:
    """What a batch would do to one action: its value before and after, or why not."""

    action: Action
    before: Any
    after: Any
    problem: Any = None

    @property
    def changes(self) -> bool:
        """Tell whether the action would change (and is not refused)."""
        return self.problem is None and self.before != self.after


@dataclass
class Plan:
    """What a batch would do to each of its actions, in the list's order."""

    change: BulkChange
    items: list[Planned]

    @property
    def changing(self) -> list[Planned]:
        """Return the items that would change."""
        return [item for item in self.items if item.changes]

    @property
    def refused(self) -> list[Planned]:
        """Return the items a rule refuses."""
        return [item for item in self.items if item.problem is not None]

    @property
    def unchanged(self) -> list[Planned]:
        """Return the items already as asked."""
        return [item for item in self.items if item.problem is None and not item.changes]

    @property
    def versions(self) -> dict[int, int]:
        """Return the version of each action the plan was made from."""
        return {item.action.id: item.action.version for item in self.items}


def load_batch(ids: Iterable[int]) -> list[Action]:
    """Return the actions of `ids` with what a preview shows (a fixed number of queries),
    soonest deadline first. Raises `TooMany` past MAX_BATCH."""
    ids = sorted(set(ids))
    if len(ids) > MAX_BATCH:
        raise TooMany()
    if not ids:
        return []
    return list(db.session.scalars(
        select(Action).where(Action.id.in_(ids))
        .options(joinedload(Action.owner).joinedload(User.institution),
                 joinedload(Action.lead_institution),
                 joinedload(Action.recommendation).joinedload(Recommendation.event),
                 selectinload(Action.contributors))
        .order_by(Action.deadline, Action.id)).unique())


def _plan_one(change: BulkChange, action: Action) -> Planned:
    op = change.operation
    if op == Operation.OWNER:
        return Planned(action, action.owner, change.owner,
                       rules.owner_problem(change.owner, action.owner_id))
    if op == Operation.LEAD:
        return Planned(action, action.lead_institution, change.institution)
    if op == Operation.CYCLE:
        return Planned(action, action.report_every_weeks, change.weeks)
    if op == Operation.STATUS:
        try:
            status, _progress = rules.resolve_transition(
                True, action.status, change.status, action.progress,
                current_progress=action.progress, reason=change.comment)
        except InvalidChange as refusal:
            return Planned(action, action.status, change.status, refusal.message)
        return Planned(action, action.status, status)
    try:
        deadline = (action.deadline + timedelta(days=change.days) if op == Operation.SHIFT
                    else change.deadline)
    except OverflowError:  # a deadline near the year 9999
        return Planned(action, action.deadline, None, _l("This deadline cannot move that far."))
    return Planned(action, action.deadline, deadline,
                   rules.dates_problem(action.start_date, deadline))


def plan(actor: User, change: BulkChange, actions: list[Action]) -> Plan:
    """Return what `change` would do to each of `actions`, changing nothing.

    Raises `InvalidChange` when the change lacks its value, `TooMany` past MAX_BATCH and
    `services.NotAllowed` when `actor` does not manage actions.
    """
    if not can_manage(actor):
        raise services.NotAllowed()
    if len(actions) > MAX_BATCH:
        raise TooMany()
    rules.require(change.value_problem(), change.operation.value)
    return Plan(change, [_plan_one(change, action) for action in actions])


def _apply_one(actor: User, change: BulkChange, item: Planned) -> ActionUpdate:
    action, op = item.action, change.operation
    if op == Operation.STATUS:
        status, progress = rules.resolve_transition(
            can_manage(actor), action.status, change.status, action.progress,
            current_progress=action.progress, reason=change.comment)
        entry = services.record_change(
            actor, action, UpdateKind.EDITED, status=status, progress=progress,
            comment=change.comment, changes={"status": [action.status.value, status.value]})
        announce(ActionEvent.CHANGED, action, entry, actor)
        return entry
    values: dict[str, Any] = {
        Operation.OWNER: lambda: {"owner": change.owner},
        # The contributors are given again, so the new lead leaves them if it was one.
        Operation.LEAD: lambda: {"lead_institution": change.institution,
                                 "contributors": list(action.contributors)},
        Operation.CYCLE: lambda: {"report_every_weeks": change.weeks},
        Operation.SHIFT: lambda: {"deadline": item.after},
        Operation.DEADLINE: lambda: {"deadline": item.after},
    }[op]()
    entry = services.edit_action(actor, action, action.version, values)
    if entry is None:  # pragma: no cover - the plan only applies what changes
        raise InvalidChange(_l("Nothing to change."))
    if change.comment.strip():
        entry.comment = change.comment.strip()
    return entry


def apply(actor: User, change: BulkChange, versions: dict[int, int]) -> list[ActionUpdate]:
    """Apply `change` to the actions of `versions` (id: the version the preview showed).

    All or nothing: raises `StaleVersion` when any action changed or went since the
    preview, `InvalidChange` when a rule refuses any of them or none would change,
    `TooMany` past MAX_BATCH, `services.NotAllowed` for someone who does not manage
    actions. Returns the history rows written, one per changed action; flushes, the
    caller commits.
    """
    actions = load_batch(versions)
    if len(actions) != len(versions):
        raise StaleVersion(_l("Some of these actions were changed or removed since the "
                              "preview. Nothing was changed: check the new preview."))
    for action in actions:
        if action.version != versions[action.id]:
            raise StaleVersion(_l("Someone else updated some of these actions since the "
                                  "preview. Nothing was changed: check the new preview."))
    outcome = plan(actor, change, actions)
    if outcome.refused:
        first = outcome.refused[0]
        raise InvalidChange(_l("Nothing was changed: the change is refused for %(count)d of "
                               "the selected actions (%(title)s: %(problem)s).",
                               count=len(outcome.refused), title=first.action.title,
                               problem=first.problem))
    if not outcome.changing:
        raise InvalidChange(_l("These actions are already as asked: nothing to change."))
    return [_apply_one(actor, change, item) for item in outcome.changing]
