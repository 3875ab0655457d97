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
- the lead institution, when none is chosen, is the owner's: `lead_institution_for`;
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

def resolve_transition(validates: bool, current: Status, wanted: Status,
                       progress: int) -> tuple[Status, int]:
    """Return the status and progress that a wish to move from `current` to `wanted` gives.

    `validates` tells whether the actor validates completions (coordinators, admins). A
    focal point's completion waits for validation (pending_validation); a coordinator's is
    final. Only those who validate change a validated (completed) action. A completed or
    pending action is at 100 %, a not started one at 0 %. Raises `InvalidChange`.
    """
    require(None if 0 <= progress <= 100 else _l("Progress is a percentage from 0 to 100."),
            "progress")
    if not validates:
        # A focal point's "completed" and "pending validation" mean the same: done, to check.
        if wanted == Status.PENDING_VALIDATION:
            wanted = Status.COMPLETED
        if current == Status.COMPLETED and (wanted != Status.COMPLETED or progress != 100):
            raise InvalidChange(_l("This action was validated as completed: ask a "
                                   "coordinator to reopen it."), "status")
        if wanted == Status.COMPLETED and current != Status.COMPLETED:
            wanted = Status.PENDING_VALIDATION
    if wanted.fixed_progress is not None:
        progress = wanted.fixed_progress
    return wanted, progress


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


def lead_institution_for(owner: User, lead: Institution | None) -> Institution:
    """Return the lead institution of an action owned by `owner`: `lead` when given, else
    the owner's institution. Raises `InvalidChange` when neither is there."""
    if lead is not None:
        return lead
    if owner.institution is None:
        raise InvalidChange(_l("%(name)s belongs to no institution: choose the lead "
                               "institution.", name=owner.name), "lead_institution")
    return owner.institution


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
