"""A user's email preferences: which kinds, the daily email's hour, a pause, a delegate."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from tracker import audit
from tracker.domain import DomainError
from tracker.models import MessageKind, User


class PreferencesError(DomainError):
    """Raised for preferences that cannot hold; `field` names the form field."""


def save_preferences(user: User, today: date, *, kinds: set[str], daily_hour: int | None,
                     paused_until: date | None, delegate: User | None,
                     delegate_until: date | None) -> dict:
    """Save `user`'s email preferences (flushed with the audit row); return the changes.

    Raises `PreferencesError` for an hour out of 0-23, a delegate who is the user or an
    inactive account, or a delegation without an end date or ending in the past.
    """
    if daily_hour is not None and not 0 <= daily_hour <= 23:
        raise PreferencesError(_l("Choose an hour from 00:00 to 23:00."), "daily_hour")
    if delegate is not None:
        if delegate.id == user.id:
            raise PreferencesError(_l("Choose someone else as your delegate."), "delegate")
        if not delegate.active:
            raise PreferencesError(_l("This account is deactivated: choose another "
                                      "delegate."), "delegate")
        if delegate_until is None or delegate_until < today:
            raise PreferencesError(_l("Say until which day, today or later, the delegate "
                                      "receives your emails."), "delegate_until")
    else:
        delegate_until = None
    muted = sorted(k.value for k in MessageKind if k.value not in kinds)
    changes = audit.apply_changes(user, {
        "muted_kinds": muted, "reminders_paused_until": paused_until,
        "daily_email_hour": daily_hour, "delegate": delegate,
        "delegate_until": delegate_until})
    if changes:
        audit.record(user, "update", user, changes)
    return changes
