"""Domain operations on indicators and their measurements. They flush; the caller commits.

An action's indicators leave their trace in the action's history (an `edited` row when
one is added, changed or removed; the update that carried a measurement); a
recommendation's indicators in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select

from tracker import audit
from tracker.actions import rules
from tracker.domain import InvalidChange, StaleVersion
from tracker.extensions import db
from tracker.integrity import check_version, flush
from tracker.models import (
    Action,
    ActionUpdate,
    Indicator,
    Measurement,
    Recommendation,
    UpdateKind,
    User,
)
from tracker.permissions import can_manage, can_update_action, updatable_actions

INDICATOR_FIELDS = ("name", "unit", "baseline_value", "baseline_date", "target_value",
                    "target_date", "data_source", "disaggregation")
TEXT_LIMITS = {"name": 300, "unit": 60, "data_source": 300, "disaggregation": 300}


class InvalidIndicator(InvalidChange):
    """Raised when an indicator or a measurement breaks a rule; the message is for the user."""


class StaleIndicator(StaleVersion):
    """Raised when an indicator was saved by someone else after the form was opened."""

    default_message = _l("Someone else saved this indicator while you were editing it. Your "
                         "changes were not saved: the form now shows the latest version, "
                         "make your changes again.")


def _check_number(value: Any) -> None:
    problem = rules.value_problem(value)
    if problem:
        raise InvalidIndicator(problem)


def check_values(values: dict[str, Any]) -> None:
    """Check an indicator's fields. Raises `InvalidIndicator`."""
    if not (values.get("name") or "").strip():
        raise InvalidIndicator(_l("Give the indicator a name."))
    for name, limit in TEXT_LIMITS.items():
        if len(values.get(name) or "") > limit:
            raise InvalidIndicator(_l("A text is too long."))
    _check_number(values.get("baseline_value"))
    _check_number(values.get("target_value"))
    baseline, target = values.get("baseline_date"), values.get("target_date")
    if not isinstance(baseline, date) or not isinstance(target, date):
        raise InvalidIndicator(_l("Give the baseline and target dates."))
    if target <= baseline:
        raise InvalidIndicator(_l("The target date must be after the baseline date."))


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    """Return the indicator's fields from `values`, texts stripped (empty when missing)."""
    return {name: (values.get(name) or "").strip() if name in TEXT_LIMITS else values[name]
            for name in INDICATOR_FIELDS}


def snapshot(indicator: Indicator) -> dict[str, Any]:
    """Return the indicator's fields as JSON can store them, for a history or audit row."""
    return {"id": indicator.id, **{name: audit.jsonable(getattr(indicator, name))
                                   for name in INDICATOR_FIELDS}}


def _history(actor: User, action: Action, old: dict | None, new: dict | None) -> ActionUpdate:
    entry = ActionUpdate(action=action, author=actor, kind=UpdateKind.EDITED,
                         changes={"indicator": [old, new]})
    db.session.add(entry)
    db.session.flush()
    return entry


def add_indicator(actor: User, values: dict[str, Any], *, action: Action | None = None,
                  recommendation: Recommendation | None = None) -> Indicator:
    """Give an action or a recommendation (exactly one) a new indicator.

    Raises `InvalidIndicator` when the values break a rule.
    """
    if (action is None) == (recommendation is None):
        raise ValueError("an indicator belongs to an action or to a recommendation")
    check_values(values)
    indicator = Indicator(action=action, recommendation=recommendation, **_cleaned(values))
    db.session.add(indicator)
    db.session.flush()
    if action is not None:
        _history(actor, action, None, snapshot(indicator))
    else:
        audit.record(actor, "create", indicator, snapshot(indicator))
    return indicator


def update_indicator(actor: User, indicator: Indicator, expected_version: int | None,
                     values: dict[str, Any]) -> dict:
    """Change an indicator's fields and record what changed; return {field: [old, new]}.

    Raises `StaleIndicator` when the change was based on another version than the current,
    `InvalidIndicator` when the result would break a rule.
    """
    check_version(indicator, expected_version, StaleIndicator())
    merged = {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
    merged.update({k: v for k, v in values.items() if k in INDICATOR_FIELDS})
    check_values(merged)
    before = snapshot(indicator)
    changes = audit.apply_changes(indicator, _cleaned(merged))
    if not changes:
        return {}
    flush(stale=StaleIndicator())
    if indicator.action is not None:
        _history(actor, indicator.action, before, snapshot(indicator))
    else:
        audit.record(actor, "update", indicator, changes)
    return changes


def remove_indicator(actor: User, indicator: Indicator) -> None:
    """Delete an indicator and its measurements; the history keeps what it was.

    The history rows of past updates keep the values they recorded.
    """
    count = len(indicator.measurements)
    before = {**snapshot(indicator), "measurements": count}
    action = indicator.action
    db.session.execute(delete(Measurement).where(Measurement.indicator_id == indicator.id))
    db.session.delete(indicator)
    db.session.flush()
    if action is not None:
        _history(actor, action, before, None)
    else:
        audit.record_event(actor, "delete", "indicator", before["id"], before)


def record_measurement(actor: User, indicator: Indicator, value: float, measured_on: date,
                       comment: str, today: date) -> Measurement:
    """Record a value of a recommendation's indicator, with an audit row.

    (An action's indicators are measured through the action's update form, so that the
    value joins its history.) Raises `InvalidIndicator`.
    """
    if indicator.recommendation_id is None:
        raise ValueError("an action's indicator is measured through the action's update")
    if indicator.recommendation.is_archived:
        raise InvalidIndicator(_l("This recommendation is archived: a coordinator must "
                                  "restore it before values are recorded."), "value")
    _check_number(value)
    problem = rules.measurement_date_problem(indicator, measured_on, today)
    if problem:
        raise InvalidIndicator(problem, "measured_on")
    measurement = Measurement(indicator=indicator, author=actor, value=value,
                              measured_on=measured_on, comment=comment.strip())
    db.session.add(measurement)
    db.session.flush()
    audit.record(actor, "measure", indicator, {
        "measurement": [None, measurement.id], "value": [None, value],
        "measured_on": [None, measured_on.isoformat()]})
    return measurement


def can_measure(user: User, indicator: Indicator) -> bool:
    """Tell whether `user` may record values of `indicator`.

    An action's indicator: whoever may update the action. A recommendation's indicator:
    coordinators and admins, and the focal points who may update one of its actions.
    """
    if indicator.action is not None:
        return can_update_action(user, indicator.action)
    if can_manage(user):
        return True
    return bool(db.session.scalar(select(exists().where(
        Action.recommendation_id == indicator.recommendation_id, updatable_actions(user)))))
