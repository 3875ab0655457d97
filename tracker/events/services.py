"""Domain operations on events and recommendations. They flush; the caller commits."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from tracker import audit
from tracker.domain import DomainError, StaleVersion
from tracker.extensions import db
from tracker.integrity import check_version, flush
from tracker.models import Event, Recommendation, User

NUMBER_KEY = ("event_id", "number")


class DuplicateNumber(DomainError):
    """Raised when an event already has a recommendation with that number."""

    def __init__(self) -> None:
        super().__init__(_l("This event already has a recommendation with this number."),
                         "number")


class StaleEvent(StaleVersion):
    """Raised when an event was saved by someone else after the form was opened."""

    default_message = _l("Someone else saved this event while you were editing it. Your "
                         "changes were not saved: the form now shows the latest version, "
                         "make your changes again.")


class StaleRecommendation(StaleVersion):
    """Raised when a recommendation was saved by someone else after the form was opened."""

    default_message = _l("Someone else saved this recommendation while you were editing it. "
                         "Your changes were not saved: the form now shows the latest "
                         "version, make your changes again.")


def create_event(actor: User | None, **values: Any) -> Event:
    """Create an event and record who created it."""
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "create", event, {k: audit.jsonable(v) for k, v in values.items()})
    return event


def update_event(actor: User, event: Event, expected_version: int | None,
                 values: dict[str, Any]) -> dict:
    """Apply `values` to `event` and record what changed.

    Raises `StaleEvent` when the change was based on another version than the current.
    """
    check_version(event, expected_version, StaleEvent())
    changes = audit.apply_changes(event, values)
    if changes:
        flush(stale=StaleEvent())
        audit.record(actor, "update", event, changes)
    return changes


def _check_number(event: Event, number: str, exclude_id: int | None = None) -> None:
    stmt = select(func.count()).select_from(Recommendation).where(
        Recommendation.event_id == event.id, Recommendation.number == number
    )
    if exclude_id is not None:
        stmt = stmt.where(Recommendation.id != exclude_id)
    if db.session.scalar(stmt):
        raise DuplicateNumber()


def create_recommendation(actor: User | None, event: Event, **values: Any) -> Recommendation:
    """Add a recommendation to `event`, after the existing ones. Raises `DuplicateNumber`."""
    _check_number(event, values["number"])
    position = db.session.scalar(
        select(func.coalesce(func.max(Recommendation.position), 0))
        .where(Recommendation.event_id == event.id)
    )
    recommendation = Recommendation(event=event, position=position + 1, **values)
    db.session.add(recommendation)
    # Two coordinators adding the same number at once both pass the check above.
    flush(duplicate=DuplicateNumber(), key=NUMBER_KEY)
    audit.record(actor, "create", recommendation,
                 {k: audit.jsonable(v) for k, v in values.items()})
    return recommendation


def update_recommendation(actor: User, recommendation: Recommendation,
                          expected_version: int | None, values: dict[str, Any]) -> dict:
    """Apply `values` to `recommendation` and record what changed.

    Raises `StaleRecommendation` when the change was based on another version than the
    current, `DuplicateNumber` when the new number is taken in the event.
    """
    check_version(recommendation, expected_version, StaleRecommendation())
    if "number" in values:
        _check_number(recommendation.event, values["number"], exclude_id=recommendation.id)
    changes = audit.apply_changes(recommendation, values)
    if changes:
        # A change of GCM objectives alone writes no column of the row: mark one, so that
        # the version is bumped whatever changed.
        flag_modified(recommendation, "number")
        flush(stale=StaleRecommendation(), duplicate=DuplicateNumber(), key=NUMBER_KEY)
        audit.record(actor, "update", recommendation, changes)
    return changes
