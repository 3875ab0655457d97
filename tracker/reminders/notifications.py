"""Emails about changes: written to the outbox in the same transaction as the change."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Action, ActionUpdate, MessageKind, Role, User
from tracker.reminders.links import external_url
from tracker.reminders.outbox import build, insert_new, wants


def coordinators() -> list[User]:
    """Return the active coordinators (who review and are copied on escalations)."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.COORDINATOR, User.active).order_by(User.id)))


def notify(event: str, recipients: list[User], action: Action, entry: ActionUpdate,
           actor: User | None) -> int:
    """Queue a notification of `event` on `action` to each recipient but the actor.

    Flushed with the change that caused it: if the change rolls back, nothing is sent.
    """
    rows = []
    action_url = external_url("actions.show", action_id=action.id)
    for user in recipients:
        if actor is not None and user.id == actor.id:
            continue
        if not wants(user, MessageKind.NOTIFICATION):
            continue
        rows.append(build(f"note:{event}:{entry.id}:{user.id}", MessageKind.NOTIFICATION,
                          user, "notification", action=action, entry=entry, actor=actor,
                          event=event, action_url=action_url))
    return insert_new(rows)


def notify_owner(event: str, action: Action, entry: ActionUpdate, actor: User | None) -> int:
    """Tell the action's owner about a coordinator's decision or change."""
    return notify(event, [action.owner], action, entry, actor)


def notify_coordinators(event: str, action: Action, entry: ActionUpdate,
                        actor: User | None) -> int:
    """Tell the coordinators that something awaits them."""
    return notify(event, coordinators(), action, entry, actor)
