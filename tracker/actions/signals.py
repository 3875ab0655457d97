"""What happened to an action, announced to whoever listens (emails, for now).

Services record the change and its history row, then `announce` the event; listeners run
at once, in the same transaction, so that what they write (the outbox) commits or rolls
back with the change. `tracker.reminders` subscribes; `tracker.actions` imports no listener.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from blinker import Namespace

from tracker.models import Action, ActionUpdate, User


class ActionEvent(enum.StrEnum):
    """Something that happened to an action that someone other than the actor should know."""

    ASSIGNED = "assigned"
    CHANGED = "changed"
    COMPLETION_REPORTED = "completion_reported"
    VALIDATED = "validated"
    RETURNED = "returned"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_ACCEPTED = "extension_accepted"
    EXTENSION_REFUSED = "extension_refused"
    BLOCKED = "blocked"
    CANCELLATION_PROPOSED = "cancellation_proposed"
    CANCELLATION_ACCEPTED = "cancellation_accepted"
    CANCELLATION_REFUSED = "cancellation_refused"


@dataclass(frozen=True)
class Happened:
    """An event with what it concerns: the action, its history row, who did it, and the
    people it concerns besides the owner (the person who asked for an extension)."""

    event: ActionEvent
    action: Action
    entry: ActionUpdate
    actor: User | None
    concerned: tuple[User, ...] = field(default=())


action_event = Namespace().signal("action-event")


def announce(event: ActionEvent, action: Action, entry: ActionUpdate, actor: User | None,
             concerned: tuple[User, ...] = ()) -> None:
    """Tell the listeners that `event` happened to `action` (recorded as `entry`)."""
    action_event.send(Happened(event, action, entry, actor, concerned))
