"""The rules of an action's life, each written once, with its SQL form beside it.

Services enforce them (`require` raises the first problem as an `InvalidChange` on its
field); the spreadsheet checker calls the same `*_problem` functions to collect every
failure of a file, row by row, instead of stopping at the first. Where each rule lives:

- who may update which action: `tracker.permissions.can_update_action` and its SQL form
  `updatable_actions`;
- the status a change leads to, by role: `resolve_transition`;
- the deadline and reporting clock (overdue, awaiting news, stale):
  `tracker.models.actions.ActionClock`, with the SQL forms `overdue_clause`,
  `awaiting_news_clause` and `stale_clause` beside it (re-exported here);
- who may own an action: `owner_problem`, SQL form `eligible_owners`;
- date order: `dates_problem`, SQL form the `start_before_deadline` check constraint;
- contributors never include the lead institution: `contributors_besides`;
- a recommendation's next number: `next_recommendation_numbers` (one query);
- an indicator value: `value_problem` and `measurement_date_problem`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from tracker.domain import InvalidChange
from tracker.extensions import db
from tracker.models import (
    Indicator,
    Institution,
    Recommendation,
    Role,
    Status,
    User,
)
from tracker.models.actions import (  # noqa: F401  (the clock rules, re-exported)
    ActionClock,
    awaiting_news_clause,
    awaits_owner_clause,
    cycle_weeks_column,
    due_soon_clause,
    overdue_clause,
    stale_clause,
)


def require(problem: Any, field: str | None = None) -> None:
    """Raise `InvalidChange(problem, field)` when `problem` is not None."""
    if problem is not None:
        raise InvalidChange(problem, field)


# --- Transitions -----------------------------------------------------------------------

# Where a wish to move an action to a status leads, by who wishes it. Coordinators and
# admins (those who validate) get what they ask for. A focal point's completion waits for
# a coordinator's validation and their cancellation is a proposal a coordinator accepts or
# refuses; a status a coordinator decided (completed, cancelled) is theirs to change. The
# same table, in words, is in README.md ("Who may change an action's status").
VALIDATOR_TRANSITIONS: dict[Status, Status] = {status: status for status in Status}
FOCAL_POINT_TRANSITIONS: dict[Status, Status] = {
    Status.NOT_STARTED: Status.NOT_STARTED,
    Status.IN_PROGRESS: Status.IN_PROGRESS,
    Status.BLOCKED: Status.BLOCKED,
    Status.COMPLETED: Status.PENDING_VALIDATION,
    Status.PENDING_VALIDATION: Status.PENDING_VALIDATION,
    Status.CANCELLED: Status.PENDING_CANCELLATION,
    Status.PENDING_CANCELLATION: Status.PENDING_CANCELLATION,
}
# Statuses only those who validate move an action out of (a focal point may still comment).
DECIDED_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})
DECIDED_MESSAGES = {
    Status.COMPLETED: _l("This action was validated as completed: ask a coordinator to "
                         "reopen it."),
    Status.CANCELLED: _l("This action was cancelled by a coordinator: ask a coordinator to "
                         "reopen it."),
}
# Statuses an action enters only with a reason, given as the update's comment.
REASON_REQUIRED = {
    Status.BLOCKED: _l("Say what blocks the action: the coordinators are told."),
    Status.PENDING_CANCELLATION: _l("Give the reason for cancelling: a coordinator decides."),
}


def resolve_transition(validates: bool, current: Status, wanted: Status, progress: int, *,
                       current_progress: int, reason: str = "") -> tuple[Status, int]:
    """Return the status and progress that a wish to move from `current` to `wanted` gives.

    `validates` tells whether the actor validates completions (coordinators, admins): the
    status recorded is then read from VALIDATOR_TRANSITIONS, else from
    FOCAL_POINT_TRANSITIONS. A focal point leaves an action in one of DECIDED_STATUSES as
    it is (status and `current_progress`), a comment aside. Entering a status of
    REASON_REQUIRED needs `reason` (the update's comment). A completed or pending action is
    at 100 %, a not started one at 0 %. Raises `InvalidChange`.
    """
    require(None if 0 <= progress <= 100 else _l("Progress is a percentage from 0 to 100."),
            "progress")
    if not validates and current in DECIDED_STATUSES:
        if wanted != current or progress != current_progress:
            raise InvalidChange(DECIDED_MESSAGES[current], "status")
        return current, current_progress
    status = (VALIDATOR_TRANSITIONS if validates else FOCAL_POINT_TRANSITIONS)[wanted]
    if status.fixed_progress is not None:
        progress = status.fixed_progress
    if status != current and status in REASON_REQUIRED and not reason.strip():
        raise InvalidChange(REASON_REQUIRED[status], "comment")
    return status, progress


# --- Owners, dates, contributors ---------------------------------------------------------

def owner_problem(user: User | None, current_owner_id: int | None = None) -> Any:
    """Return why `user` cannot own an action, or None. The current owner may stay."""
    if user is None:
        return _l("Choose the owner.")
    if current_owner_id is not None and user.id == current_owner_id:
        return None
    if user.role == Role.VIEWER:
        return _l("%(value)s is a viewer and cannot own actions.", value=user.email)
    if not user.active:
        return _l("The account of %(value)s is inactive.", value=user.email)
    return None


def eligible_owners() -> ColumnElement[bool]:
    """Return `owner_problem` as an SQL condition on users: active and not a viewer."""
    return User.active & (User.role != Role.VIEWER)


def dates_problem(start: date | None, deadline: date | None) -> Any:
    """Return why a start date and a deadline do not go together, or None."""
    if start is not None and deadline is not None and deadline < start:
        return _l("The deadline cannot be before the start date.")
    return None


def contributors_besides(lead: Institution | None,
                         contributors: Iterable[Institution]) -> list[Institution]:
    """Return `contributors` without the lead institution (it leads, it does not contribute)."""
    lead_id = lead.id if lead is not None else None
    return [c for c in contributors if c.id != lead_id]


# --- Recommendations -------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"\d{1,9}")


def next_recommendation_numbers(event_id: int, count: int = 1) -> list[str]:
    """Return `count` numbers following the event's recommendations: after the highest
    plain number, and never fewer than the recommendations already there."""
    existing = db.session.scalars(
        select(Recommendation.number).where(Recommendation.event_id == event_id)).all()
    numeric = [int(n) for n in existing if _PLAIN_NUMBER.fullmatch(n)]
    start = max([*numeric, len(existing)], default=0) + 1
    return [str(start + i) for i in range(count)]


# --- Indicator values ------------------------------------------------------------------

def value_problem(value: Any) -> Any:
    """Return why `value` cannot be an indicator's figure, or None."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return _l("Values must be finite numbers.")
    return None


def measurement_date_problem(indicator: Indicator, day: date | None, today: date) -> Any:
    """Return why a value of `indicator` cannot be dated `day`, or None."""
    if day is None:
        return _l("Give the date of this value.")
    if day > today:
        return _l("A value cannot be dated in the future.")
    if day < indicator.baseline_date:
        return _l("A value cannot be dated before the baseline date (%(date)s).",
                  date=format_date(indicator.baseline_date, "medium"))
    return None
