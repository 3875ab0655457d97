"""Emails about changes: written to the outbox in the same transaction as the change.

`init_app` subscribes `queue_notifications` to the actions' events: the service that
changed an action announces what happened, and the emails are queued before its commit.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app

from tracker.actions.signals import ActionEvent, Happened, action_event
from tracker.admin.services import account_created
from tracker.auth.reset import reset_requested
from tracker.models import Action, ActionUpdate, MessageKind, User
from tracker.reminders.outbox import build, insert_new, wants
from tracker.scopes import coordinators_for

# Who hears of each event besides the people it concerns: the owner, or the coordinators
# responsible for the action (tracker.scopes) when the event awaits their decision or they
# should act (a blocked action).
TO_COORDINATORS = frozenset({ActionEvent.COMPLETION_REPORTED, ActionEvent.EXTENSION_REQUESTED,
                             ActionEvent.CANCELLATION_PROPOSED, ActionEvent.BLOCKED})
# Events told only to the people they concern, not to the owner (the previous owner of a
# reassigned action).
TO_CONCERNED_ONLY = frozenset({ActionEvent.UNASSIGNED})


def init_app(app: Flask) -> None:
    """Queue notifications for the actions' events, the password reset emails and the
    account invitations (listeners, connected once)."""
    action_event.connect(queue_notifications)
    reset_requested.connect(queue_reset_email)
    account_created.connect(queue_invitation_email)


def queue_reset_email(user: User) -> int:
    """Queue the email that brings `user` a password reset link (made when it is sent)."""
    return insert_new([build(f"reset:{user.id}:{secrets.token_hex(8)}",
                             MessageKind.NOTIFICATION, user, "password_reset")])


def queue_invitation_email(user: User) -> int:
    """Queue the invitation of a new account (its link is made when it is sent)."""
    return insert_new([build(f"invitation:{user.id}:{secrets.token_hex(8)}",
                             MessageKind.NOTIFICATION, user, "invitation",
                             days=current_app.config["INVITATION_MAX_AGE_DAYS"])])


def recipients(happened: Happened) -> list[User]:
    """Return who is told of `happened`, each once, in a stable order."""
    if happened.event in TO_COORDINATORS:
        people = coordinators_for(happened.action)
    elif happened.event in TO_CONCERNED_ONLY:
        people = list(happened.concerned)
    else:
        people = [happened.action.owner, *happened.concerned]
    return list({user.id: user for user in people}.values())


def queue_notifications(happened: Happened) -> int:
    """Queue the email of `happened` to each recipient but the actor."""
    return notify(happened.event, recipients(happened), happened.action, happened.entry,
                  happened.actor)


def notify(event: ActionEvent, recipients: list[User], action: Action, entry: ActionUpdate,
           actor: User | None) -> int:
    """Queue a notification of `event` on `action` to each recipient but the actor.

    Flushed with the change that caused it: if the change rolls back, nothing is sent.
    """
    rows = []
    for user in recipients:
        if actor is not None and user.id == actor.id:
            continue
        if not wants(user, MessageKind.NOTIFICATION):
            continue
        rows.append(build(f"note:{event.value}:{entry.id}:{user.id}", MessageKind.NOTIFICATION,
                          user, "notification", action=action, entry=entry, actor=actor,
                          event=event.value, deadline=action.deadline,
                          owner=action.owner.name))
    return insert_new(rows)
