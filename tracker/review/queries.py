"""What awaits the coordinators' review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.actions.queries import action_select
from tracker.extensions import db
from tracker.models import (
    Action,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    action_visible_clause,
)


def review_queue() -> tuple[list[Action], list[ExtensionRequest]]:
    """Return the actions pending validation and the extension requests awaiting an answer."""
    actions = db.session.scalars(
        action_select().where(Action.status == Status.PENDING_VALIDATION, action_visible_clause())
        .order_by(Action.updated_at, Action.id)
    ).unique().all()
    requests = db.session.scalars(
        select(ExtensionRequest).where(
            ExtensionRequest.status == ExtensionStatus.PENDING,
            ExtensionRequest.action_id.in_(select(Action.id).where(action_visible_clause())))
        .options(joinedload(ExtensionRequest.requested_by),
                 joinedload(ExtensionRequest.action).joinedload(Action.owner),
                 joinedload(ExtensionRequest.action).joinedload(Action.lead_institution))
        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
    ).all()
    return list(actions), list(requests)
