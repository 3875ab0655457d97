"""The user's private calendar link and the iCalendar feed it serves.

The link's token is a bearer secret (see `tracker.bearer`): whoever holds the URL reads
the titles, deadlines and progress of the user's actions. The full URL is shown only
once, in the flash message that follows its creation (it sits in the signed session
cookie of the user's own browser until that page is shown); a user who loses it
replaces it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from tracker import audit, bearer
from tracker.extensions import db
from tracker.models import Action, Status, User, action_visible_clause
from tracker.urls import external_url


def create_calendar_token(actor: User, user: User) -> str:
    """Give `user` a new calendar token, revoking any previous one, and return it.

    The returned token is not stored anywhere: show it to the user now or never.
    """
    token = bearer.new_secret()
    replaced = user.calendar_token is not None
    user.calendar_token = bearer.digest(token)
    db.session.flush()
    audit.record(actor, "replace_calendar_link" if replaced else "create_calendar_link", user,
                 {"calendar_link": ["active" if replaced else "none", "active"]})
    return token


def revoke_calendar_token(actor: User, user: User) -> bool:
    """Revoke `user`'s calendar token; return whether there was one."""
    if user.calendar_token is None:
        return False
    user.calendar_token = None
    db.session.flush()
    audit.record(actor, "revoke_calendar_link", user, {"calendar_link": ["active", "none"]})
    return True


def user_for_calendar_token(token: str) -> User | None:
    """Return the active user whose calendar token is `token`, or None."""
    hashed = bearer.lookup_digest(token)
    if hashed is None:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == hashed))
    return user if user is not None and user.active else None


def calendar_feed(user: User) -> bytes:
    """Return the iCalendar feed of `user`'s own actions not cancelled, one all-day event each.

    Labels are in the user's language: calendar applications send none of their own.
    """
    actions = db.session.scalars(
        select(Action).where(Action.owner_id == user.id, Action.status != Status.CANCELLED,
                             action_visible_clause())
        .order_by(Action.deadline, Action.id)
    ).all()
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        from icalendar import Calendar  # loaded where a feed is served

        calendar = Calendar()
        calendar.add("prodid", "-//Recommendation tracker//tracker//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name = _("My actions") + " · " + _("Recommendation tracker")
        calendar.add("x-wr-calname", name)
        for action in actions:
            calendar.add_component(_calendar_event(action))
    return calendar.to_ical()


def _calendar_event(action: Action):
    from icalendar import Event as CalendarEvent

    url = external_url("actions.show", action_id=action.id)
    event = CalendarEvent()
    # The UID stays the same across changes, so a moved deadline moves the entry.
    event.add("uid", f"action-{action.id}@tracker")
    # Without METHOD, DTSTAMP is when the information last changed (RFC 5545, 3.8.7.2).
    event.add("dtstamp", action.updated_at)
    event.add("last-modified", action.updated_at)
    event.add("sequence", action.version)
    event.add("summary", action.title)
    event.add("dtstart", action.deadline)
    event.add("dtend", action.deadline + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a deadline, not time the owner is busy
    event.add("url", url)
    status, progress = _("Status"), _("Progress")
    event.add("description", "\n".join(
        [f"{status}: {action.status.label}", f"{progress}: {action.progress} %", url]))
    return event
