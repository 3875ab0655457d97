"""Which coordinators are responsible for an action: their escalation scope.

An admin may scope a coordinator to events and to lead institutions (the user edit page).
A scoped coordinator is responsible for the actions of those events and the actions those
institutions lead; a coordinator with no scope is responsible for every action. Their
escalation emails, their weekly summary and the notifications that await a coordinator's
decision go to the responsible coordinators only.

Each rule has a Python form (one action, rows loaded) and an SQL form (many actions, one
query) written side by side; tests/test_scopes.py checks that they agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import (
    Action,
    Recommendation,
    Role,
    User,
    coordinator_event,
    coordinator_institution,
)


def is_scoped(user: User) -> bool:
    """Tell whether `user` follows only some events or institutions."""
    return bool(user.scope_events or user.scope_institutions)


def in_scope(user: User, action: Action) -> bool:
    """Tell whether coordinator `user` is responsible for `action` (Python form)."""
    return covers(user, action.recommendation.event_id, action.lead_institution_id)


def covers(user: User, event_id: int, lead_institution_id: int) -> bool:
    """Tell whether coordinator `user` is responsible for an action of event `event_id`
    led by `lead_institution_id` (`in_scope` on plain ids)."""
    if not is_scoped(user):
        return True
    return (event_id in {e.id for e in user.scope_events}
            or lead_institution_id in {i.id for i in user.scope_institutions})


def in_scope_clause(user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """Return the SQL form of `in_scope` for the coordinator `user_id` (a column or an id),
    on a query that selects from Action joined with its Recommendation."""
    by_event = exists().where(coordinator_event.c.user_id == user_id)
    by_institution = exists().where(coordinator_institution.c.user_id == user_id)
    return or_(
        and_(not_(by_event), not_(by_institution)),
        by_event.where(coordinator_event.c.event_id == Recommendation.event_id),
        by_institution.where(
            coordinator_institution.c.institution_id == Action.lead_institution_id),
    )


def coordinators() -> list[User]:
    """Return the active coordinators with their scopes loaded, in a stable order."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.COORDINATOR, User.active)
        .options(selectinload(User.scope_events), selectinload(User.scope_institutions))
        .order_by(User.id)))


def coordinators_by_action(action_ids: Iterable[int]) -> dict[int, list[User]]:
    """Return, for each of `action_ids`, the active coordinators responsible for it
    (one query per 500 actions), in the order of their ids."""
    ids = sorted(set(action_ids))
    users = {user.id: user for user in coordinators()}
    result: dict[int, list[User]] = defaultdict(list)
    if not users:
        return result
    for start in range(0, len(ids), 500):
        pairs = db.session.execute(
            select(Action.id, User.id)
            .join(Recommendation, Recommendation.id == Action.recommendation_id)
            .join(User, User.id.in_(list(users)))
            .where(Action.id.in_(ids[start:start + 500]), in_scope_clause(User.id))
            .order_by(Action.id, User.id))
        for action_id, user_id in pairs:
            result[action_id].append(users[user_id])
    return result


def coordinators_for(action: Action) -> list[User]:
    """Return the active coordinators responsible for `action`."""
    return coordinators_by_action([action.id]).get(action.id, [])
