"""What a notification email says about each event on an action, as plain text.

One subject and one sentence per `ActionEvent`, written once; the text template writes
them as they are and the HTML template escapes them like any other value. An event with
no sentence here is an error (a KeyError when the email is planned), never an email with
an empty subject.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

from flask_babel import gettext as _

from tracker.actions.signals import ActionEvent
from tracker.models import Action, User
from tracker.templating import medium_date, shorten

SUBJECTS: dict[ActionEvent, Callable[[str], str]] = {
    ActionEvent.VALIDATED: lambda t: _("Action validated: %(title)s", title=t),
    ActionEvent.RETURNED: lambda t: _("Action returned to you: %(title)s", title=t),
    ActionEvent.EXTENSION_ACCEPTED: lambda t: _("New deadline accepted: %(title)s", title=t),
    ActionEvent.EXTENSION_REFUSED: lambda t: _("New deadline refused: %(title)s", title=t),
    ActionEvent.CHANGED: lambda t: _("Your action was changed: %(title)s", title=t),
    ActionEvent.ASSIGNED: lambda t: _("An action was assigned to you: %(title)s", title=t),
    ActionEvent.COMPLETION_REPORTED: lambda t: _("To validate: %(title)s", title=t),
    ActionEvent.EXTENSION_REQUESTED: lambda t: _("New deadline requested: %(title)s", title=t),
    ActionEvent.BLOCKED: lambda t: _("Action blocked: %(title)s", title=t),
    ActionEvent.CANCELLATION_PROPOSED: lambda t: _("Cancellation proposed: %(title)s", title=t),
    ActionEvent.CANCELLATION_ACCEPTED: lambda t: _("Action cancelled: %(title)s", title=t),
    ActionEvent.CANCELLATION_REFUSED: lambda t: _("Cancellation refused: %(title)s", title=t),
}

SENTENCES: dict[ActionEvent, Callable[[str, SimpleNamespace], str]] = {
    ActionEvent.VALIDATED: lambda who, a: _(
        "%(who)s validated the action \"%(title)s\" as completed.", who=who, title=a.title),
    ActionEvent.RETURNED: lambda who, a: _(
        "%(who)s returned the action \"%(title)s\" to you: work remains.",
        who=who, title=a.title),
    ActionEvent.EXTENSION_ACCEPTED: lambda who, a: _(
        "%(who)s accepted the new deadline of \"%(title)s\": %(deadline)s.",
        who=who, title=a.title, deadline=medium_date(a.deadline)),
    ActionEvent.EXTENSION_REFUSED: lambda who, a: _(
        "%(who)s refused the new deadline for \"%(title)s\"; the deadline stays %(deadline)s.",
        who=who, title=a.title, deadline=medium_date(a.deadline)),
    ActionEvent.CHANGED: lambda who, a: _(
        "%(who)s changed the action \"%(title)s\": deadline %(deadline)s, owner %(owner)s.",
        who=who, title=a.title, deadline=medium_date(a.deadline), owner=a.owner.name),
    ActionEvent.ASSIGNED: lambda who, a: _(
        "%(who)s assigned the action \"%(title)s\" to you, due on %(deadline)s.",
        who=who, title=a.title, deadline=medium_date(a.deadline)),
    ActionEvent.COMPLETION_REPORTED: lambda who, a: _(
        "%(who)s reported the action \"%(title)s\" completed. It waits for your validation.",
        who=who, title=a.title),
    ActionEvent.EXTENSION_REQUESTED: lambda who, a: _(
        "%(who)s asks to move the deadline of \"%(title)s\".", who=who, title=a.title),
    ActionEvent.BLOCKED: lambda who, a: _(
        "%(who)s reported the action \"%(title)s\" blocked.", who=who, title=a.title),
    ActionEvent.CANCELLATION_PROPOSED: lambda who, a: _(
        "%(who)s proposes to cancel the action \"%(title)s\". It waits for your decision.",
        who=who, title=a.title),
    ActionEvent.CANCELLATION_ACCEPTED: lambda who, a: _(
        "%(who)s accepted to cancel the action \"%(title)s\".", who=who, title=a.title),
    ActionEvent.CANCELLATION_REFUSED: lambda who, a: _(
        "%(who)s refused to cancel the action \"%(title)s\": work goes on.",
        who=who, title=a.title),
}


def event_subject(event: str, action: Action) -> str:
    """Return the subject of the notification of `event` on `action`, on one line."""
    title = " ".join(shorten(action.title, 80).split())
    return SUBJECTS[ActionEvent(event)](title)


def event_sentence(event: str, action: Action, actor: User | None,
                   deadline: date | None = None, owner: str | None = None) -> str:
    """Return the sentence that tells the recipient what happened.

    `deadline` and `owner` are the action's as the event left them (the email is rendered
    later, when it is sent, and the action may have changed since).
    """
    who = actor.name if actor is not None else _("The tracker")
    facts = SimpleNamespace(title=action.title, deadline=deadline or action.deadline,
                            owner=SimpleNamespace(name=owner or action.owner.name))
    return SENTENCES[ActionEvent(event)](who, facts)
